//! `georep amr ...` run as the built binary against `georep serve` on 127.0.0.1: the clusters listed,
//! a group shown (table and JSON against the ARM bodies), force-unlink with progress to completion,
//! force-link back, flush, and failures (exit 1 with the service's code) and usage errors (exit 2).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::*;
use serde_json::Value;

const TIME_SCALE: f64 = 200.0;
const RG: &str = "rg-contoso-amr";
const GROUP: &str = "orders-geo";
const ENT_API: &str = "api-version=2025-07-01";

fn database_path(cluster: &str) -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redisEnterprise/{cluster}/databases/default"
    )
}

async fn database(url: &str, cluster: &str) -> Value {
    get_json(url, &format!("{}?{ENT_API}", database_path(cluster)), None).await
}

/// The clusters of a database's group, sorted.
fn member_clusters(db: &Value) -> Vec<String> {
    let mut out: Vec<String> = db["properties"]["geoReplication"]["linkedDatabases"]
        .as_array()
        .map(|a| {
            a.iter().filter_map(|l| l["id"].as_str()).map(|id| id.split('/').nth(8).unwrap_or("").to_string()).collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn amr(args: &[&str], url: &str) -> Vec<String> {
    let mut v: Vec<String> = vec!["amr".into()];
    v.extend(args.iter().map(|s| s.to_string()));
    v.extend(["--endpoint".to_string(), url.to_string()]);
    v
}

async fn run(args: Vec<String>) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    georep(&args, &[]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_every_cluster_with_its_group() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    let table = run(amr(&["list"], url)).await;
    table.ok();
    let header = table.stdout.lines().next().unwrap();
    for col in ["NAME", "RESOURCE GROUP", "LOCATION", "SKU", "STATE", "DATABASES", "GEO-REPLICATION GROUP"] {
        assert!(header.contains(col), "{col} missing: {header}");
    }
    let row = |name: &str| table.stdout.lines().find(|l| l.starts_with(&format!("{name} "))).map(str::to_string);
    let eus = row("amr-orders-eus").expect("amr-orders-eus listed");
    assert!(eus.contains("East US") && eus.ends_with("orders-geo (3 members)"), "{eus}");
    let jpe = row("amr-orders-jpe").expect("amr-orders-jpe listed");
    assert!(jpe.contains(" none ") && jpe.ends_with(" -"), "a cluster with no database: {jpe}");

    // JSON: each cluster's and its databases' bodies exactly as the service returns them.
    let json = run(amr(&["list", "-g", RG, "-o", "json"], url)).await;
    let listed = json.ok().json();
    let listed = listed.as_array().unwrap();
    let raw = get_json(
        url,
        &format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redisEnterprise?{ENT_API}"),
        None,
    )
    .await;
    assert_eq!(listed.len(), raw["value"].as_array().unwrap().len());
    let eus = listed.iter().find(|l| l["cluster"]["name"] == "amr-orders-eus").unwrap();
    let raw_eus = raw["value"].as_array().unwrap().iter().find(|c| c["name"] == "amr-orders-eus").unwrap();
    assert_eq!(&eus["cluster"], raw_eus);
    assert_eq!(eus["databases"][0], database(url, "amr-orders-eus").await);

    // An unknown resource group: the service's 404, exit 1.
    let missing = run(amr(&["list", "-g", "rg-nope"], url)).await;
    assert_eq!(missing.code(1).field("code"), "ResourceGroupNotFound");
}

#[tokio::test(flavor = "multi_thread")]
async fn group_show_prints_the_members_as_a_table_and_as_json() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    let table = run(amr(&["group", "show", "--cluster", "amr-orders-weu", "-g", RG], url)).await;
    table.ok();
    let line = |key: &str| table.stdout.lines().find(|l| l.starts_with(key)).map(|l| l[key.len()..].trim().to_string());
    assert_eq!(line("group").as_deref(), Some(GROUP));
    assert_eq!(line("members").as_deref(), Some("3"));
    let rows: Vec<&str> = table.stdout.lines().skip_while(|l| !l.starts_with("CACHE")).skip(1).collect();
    assert_eq!(rows.len(), 3, "{}", table.stdout);
    assert!(rows.iter().any(|r| r.starts_with("amr-orders-weu (this)") && r.contains("West Europe")), "{rows:?}");
    assert!(rows.iter().all(|r| r.contains(" Linked ")), "{rows:?}");
    // az's spelling works too.
    let az =
        run(amr(&["group", "show", "--cluster-name", "amr-orders-weu", "-g", RG, "--database-name", "default"], url))
            .await;
    assert_eq!(az.ok().stdout, table.stdout);

    let json = run(amr(&["group", "show", "--cluster", "amr-orders-weu", "-g", RG, "-o", "json"], url)).await;
    let view = json.ok().json();
    assert_eq!(view["groupNickname"], GROUP);
    assert_eq!(view["database"], database(url, "amr-orders-weu").await);
    let members = view["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    for m in members {
        assert_eq!(m["state"], "Linked");
        let cluster = m["id"].as_str().unwrap().split('/').nth(8).unwrap();
        assert_eq!(m["cluster"]["name"], cluster);
    }

    // A cache in no group says so.
    let alone = run(amr(&["group", "show", "--cluster", "amr-catalog-cus", "-g", RG], url)).await;
    assert!(
        alone.ok().stdout.contains("amr-catalog-cus/default is in no active geo-replication group"),
        "{}",
        alone.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn force_unlink_waits_then_force_link_brings_it_back() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    // By cluster name, resolved among the group's members.
    let unlink = run(amr(
        &[
            "force-unlink",
            "--cluster",
            "amr-orders-eus",
            "-g",
            RG,
            "--unlink-ids",
            "amr-orders-sea",
            "--poll-interval",
            "0.1",
        ],
        url,
    ))
    .await;
    unlink.ok();
    let label = "force-unlinking amr-orders-sea from group 'orders-geo' (via amr-orders-eus)";
    let first = unlink.stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("[00:0") && first.ends_with(&format!("{label}: InProgress")), "{}", unlink.stderr);
    let last = unlink.stderr.lines().last().unwrap_or_default();
    assert!(last.ends_with(&format!("{label}: Succeeded")), "{}", unlink.stderr);
    assert!(unlink.stdout.contains("members                  2"), "{}", unlink.stdout);
    assert_eq!(member_clusters(&database(url, "amr-orders-eus").await), ["amr-orders-eus", "amr-orders-weu"]);

    // The force-unlinked database rejoins by force-link, the members given by id (az's `id=` form too).
    let weu = format!("id={}", database_path("amr-orders-weu"));
    let link = run(amr(
        &[
            "force-link",
            "--cluster",
            "amr-orders-sea",
            "-g",
            RG,
            "--group-nickname",
            GROUP,
            "--linked-databases",
            &database_path("amr-orders-eus"),
            &weu,
            "--poll-interval",
            "0.1",
            "-o",
            "json",
        ],
        url,
    ))
    .await;
    let view = link.ok().json();
    assert!(
        link.stderr.lines().last().unwrap_or_default().ends_with("(its data discarded): Succeeded"),
        "{}",
        link.stderr
    );
    assert_eq!(view["members"].as_array().unwrap().len(), 3);
    for cluster in ["amr-orders-eus", "amr-orders-sea"] {
        assert_eq!(
            member_clusters(&database(url, cluster).await),
            ["amr-orders-eus", "amr-orders-sea", "amr-orders-weu"],
            "{cluster}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn flush_clears_the_members_named() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();
    let keys = |db: &Value| db["properties"]["dataPlane"]["datasetKeys"].as_u64();
    assert!(keys(&database(url, "amr-orders-weu").await).unwrap() > 0);

    let flush = run(amr(
        &["flush", "--cluster", "amr-orders-eus", "-g", RG, "--linked-ids", "amr-orders-weu", "--poll-interval", "0.1"],
        url,
    ))
    .await;
    flush.ok();
    assert!(
        flush
            .stderr
            .lines()
            .last()
            .unwrap_or_default()
            .ends_with("flushing amr-orders-eus and amr-orders-weu: Succeeded"),
        "{}",
        flush.stderr
    );
    for cluster in ["amr-orders-eus", "amr-orders-weu"] {
        assert_eq!(keys(&database(url, cluster).await), Some(0), "{cluster}");
    }
    assert!(keys(&database(url, "amr-orders-sea").await).unwrap() > 0, "not named: not flushed");

    // --no-wait: accepted, the operation's URL, nothing on stdout.
    let quick = run(amr(&["flush", "--cluster", "amr-orders-sea", "-g", RG, "--no-wait"], url)).await;
    quick.ok();
    assert!(
        quick.stderr.contains("accepted, not waiting") && quick.stderr.contains("/operationsStatus/"),
        "{}",
        quick.stderr
    );
    assert_eq!(quick.stdout, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_exit_1_and_bad_names_exit_2() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    // An unknown cluster, for every command that names one: the first line says what failed.
    for args in [
        &["group", "show", "--cluster", "no-such-cluster", "-g", RG][..],
        &["force-unlink", "--cluster", "no-such-cluster", "-g", RG, "--unlink-ids", "amr-orders-sea"],
        &[
            "force-link",
            "--cluster",
            "no-such-cluster",
            "-g",
            RG,
            "--group-nickname",
            GROUP,
            "--linked-databases",
            "amr-orders-eus",
        ],
        &["flush", "--cluster", "no-such-cluster", "-g", RG],
    ] {
        let run = run(amr(args, url)).await;
        run.code(1);
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains("cannot get the database 'default' of the cluster 'no-such-cluster' in resource group"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(run.field("code"), "ResourceNotFound", "{args:?}");
        assert_eq!(run.stdout, "");
    }

    // The group rules refuse a Balanced B1 with the service's reasons; nothing changes.
    let tiny = run(amr(
        &[
            "force-link",
            "--cluster",
            "amr-tiny-wus",
            "-g",
            RG,
            "--group-nickname",
            GROUP,
            "--linked-databases",
            "amr-orders-eus",
            "amr-orders-weu",
            "amr-orders-sea",
        ],
        url,
    ))
    .await;
    tiny.code(1);
    assert_eq!(tiny.field("code"), "ActiveGeoReplicationNotAllowed");
    assert!(tiny.stderr.contains("SkuNotSupported"), "{}", tiny.stderr);
    assert_eq!(member_clusters(&database(url, "amr-orders-eus").await).len(), 3);

    // Hostile or malformed names: one line, exit 2, nothing sent.
    let bad_id = format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redisEnterprise/a%2F../databases/default"
    );
    for args in [
        &["group", "show", "--cluster", "a/b", "-g", RG][..],
        &["group", "show", "--cluster", "x?y=1", "-g", RG],
        &["group", "show", "--cluster", "a#b", "-g", RG],
        &["group", "show", "--cluster", "a%2Fb", "-g", RG],
        &["group", "show", "--cluster", "..", "-g", RG],
        &["group", "show", "--cluster", "amr-orders-eus", "-g", "rg/../x"],
        &["group", "show", "--cluster", "amr-orders-eus", "-g", RG, "--database", "d/../e"],
        &["force-unlink", "--cluster", "amr-orders-eus", "-g", RG, "--unlink-ids", "../amr-orders-sea"],
        &["force-unlink", "--cluster", "amr-orders-eus", "-g", RG, "--unlink-ids", &bad_id],
        &["flush", "--cluster", "amr-orders-eus", "-g", RG, "--linked-ids", "a%2F.."],
        &[
            "force-link",
            "--cluster",
            "amr-orders-sea",
            "-g",
            RG,
            "--group-nickname",
            "",
            "--linked-databases",
            "amr-orders-eus",
        ],
    ] {
        let run = run(amr(args, url)).await;
        run.code(2);
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("georep amr ") && run.stderr.contains("is not valid"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // What clap itself refuses: a missing --cluster or --unlink-ids.
    for args in [&["group", "show", "-g", RG][..], &["force-unlink", "--cluster", "amr-orders-eus", "-g", RG]] {
        let run = run(amr(args, url)).await;
        assert!(!run.code(2).stderr.trim().is_empty(), "{args:?} says nothing");
    }
    // Unlinking the database the request goes to is a usage error too.
    let me =
        run(amr(&["force-unlink", "--cluster", "amr-orders-eus", "-g", RG, "--unlink-ids", "amr-orders-eus"], url))
            .await;
    assert!(me.code(2).stderr.contains("name a member that stays"), "{}", me.stderr);
    assert_eq!(member_clusters(&database(url, "amr-orders-eus").await).len(), 3);
}
