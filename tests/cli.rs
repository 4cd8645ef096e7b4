//! The scripting subcommands (`georep caches|links|link|unlink|failover`), run as the built binary
//! against `georep serve` on 127.0.0.1: successes, `--output json` against the ARM bodies, failures
//! (exit 1 with code, message and request id) and usage errors (exit 2).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::time::{Duration, Instant};

use cli_support::*;
use serde_json::Value;

/// Model seconds per real second: a link to West US 2 takes about 0.6 s, and the emulator asks for
/// polls every second (Retry-After: 1).
const TIME_SCALE: f64 = 200.0;

const PROD_RG: &str = "rg-contoso-prod";
const DR_RG: &str = "rg-contoso-dr";
const INV_RG: &str = "rg-contoso-inventory";

fn demo_cache_names() -> Vec<String> {
    let fleet: Value = serde_json::from_str(georep::emulator::fleet::DEMO_FLEET).expect("fleet");
    fleet["caches"].as_array().expect("caches").iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

/// Every cache of a subscription, as the emulator lists it.
async fn raw_caches(url: &str, sub: &str, rg: Option<&str>) -> Vec<Value> {
    let path = match rg {
        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Cache/redis?{API}"),
        None => format!("/subscriptions/{sub}/providers/Microsoft.Cache/redis?{API}"),
    };
    get_json(url, &path, None).await["value"].as_array().cloned().unwrap_or_default()
}

async fn raw_links(url: &str, sub: &str, rg: &str, name: &str) -> Vec<Value> {
    let path = format!("{}/linkedServers?{API}", cache_path(sub, rg, name));
    get_json(url, &path, None).await["value"].as_array().cloned().expect("value")
}

fn arr(v: Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_else(|| panic!("not an array: {v}"))
}

#[track_caller]
fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

// ------------------------------------------------------------------------------------------- caches list

#[tokio::test(flavor = "multi_thread")]
async fn caches_list_prints_a_table_and_the_arm_bodies() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    let table = georep(&["caches", "list", "--endpoint", url], &[]).await;
    table.ok();
    let header = table.stdout.lines().next().expect("a header");
    for col in ["NAME", "RESOURCE GROUP", "LOCATION", "SKU", "SHARDS", "VERSION", "STATE", "LINKED WITH"] {
        assert!(header.contains(col), "{col} missing from {header:?}");
    }
    for name in demo_cache_names() {
        assert!(table.stdout.lines().any(|l| l.starts_with(&format!("{name} "))), "{name} missing:\n{}", table.stdout);
    }
    let inventory = table.stdout.lines().find(|l| l.starts_with("contoso-inventory-eus ")).unwrap();
    assert!(inventory.contains("Premium P1") && inventory.ends_with("contoso-inventory-weu"), "{inventory}");

    // Both subscriptions, as the service lists them.
    let json = arr(georep(&["caches", "list", "--endpoint", url, "--output", "json"], &[]).await.ok().json());
    let mut want = raw_caches(url, SUB, None).await;
    want.extend(raw_caches(url, SUB2, None).await);
    assert_eq!(json.len(), demo_cache_names().len());
    assert_eq!(sorted(json), sorted(want));

    // One resource group: found in whichever subscription has it.
    let json = arr(georep(&["caches", "list", "--endpoint", url, "-g", DR_RG, "-o", "json"], &[]).await.ok().json());
    assert_eq!(json, raw_caches(url, SUB, Some(DR_RG)).await);
    assert_eq!(json.len(), 3);

    // One subscription, by flag or by AZURE_SUBSCRIPTION_ID.
    let by_flag = arr(georep(&["caches", "list", "--endpoint", url, "--subscription", SUB2, "-o", "json"], &[])
        .await
        .ok()
        .json());
    assert_eq!(by_flag, raw_caches(url, SUB2, None).await);
    let by_env = arr(georep(&["caches", "list", "--endpoint", url, "-o", "json"], &[("AZURE_SUBSCRIPTION_ID", SUB2)])
        .await
        .ok()
        .json());
    assert_eq!(by_env, by_flag);

    // A resource group that exists nowhere.
    let missing = georep(&["caches", "list", "--endpoint", url, "-g", "rg-nowhere"], &[]).await;
    missing.code(1);
    assert_eq!(missing.field("code"), "ResourceGroupNotFound");
    assert!(is_uuid(&missing.field("request id")), "{}", missing.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_starts_the_embedded_emulator() {
    let run = georep(&["caches", "list", "--demo", "-o", "json"], &[]).await;
    assert_eq!(arr(run.ok().json()).len(), demo_cache_names().len());
    let links = georep(&["links", "list", "--demo", "-n", "contoso-inventory-eus", "-g", INV_RG], &[]).await;
    assert!(links.ok().stdout.contains("contoso-inventory-weu"), "{}", links.stdout);
}

// ------------------------------------------------------------------------------------------- links

#[tokio::test(flavor = "multi_thread")]
async fn links_list_and_show_print_the_arm_bodies() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();
    let base = ["--endpoint", url, "-g", INV_RG];

    let list = georep(&[&["links", "list", "--name", "contoso-inventory-eus"][..], &base].concat(), &[]).await;
    list.ok();
    let header = list.stdout.lines().next().unwrap();
    assert!(header.starts_with("LINKED SERVER") && header.contains("ITS ROLE"), "{header}");
    let row = list.stdout.lines().nth(1).expect("one row");
    assert!(row.starts_with("contoso-inventory-weu") && row.contains("West Europe"), "{row}");
    assert!(row.contains("Secondary") && row.contains("Succeeded"), "{row}");
    assert!(row.contains("contoso-inventory-weu.geo.redis.cache.windows.net"), "{row}");

    for (cache, peer) in
        [("contoso-inventory-eus", "contoso-inventory-weu"), ("contoso-inventory-weu", "contoso-inventory-eus")]
    {
        let json = georep(&[&["links", "list", "-n", cache, "-o", "json"][..], &base].concat(), &[]).await.ok().json();
        assert_eq!(arr(json), raw_links(url, SUB, INV_RG, cache).await);
        let show = georep(
            &[&["links", "show", "-n", cache, "--linked-server-name", peer, "-o", "json"][..], &base].concat(),
            &[],
        )
        .await;
        let want = get_json(url, &format!("{}/linkedServers/{peer}?{API}", cache_path(SUB, INV_RG, cache)), None).await;
        assert_eq!(show.ok().json(), want);
    }
    let show = georep(
        &[
            &["links", "show", "-n", "contoso-inventory-weu", "--linked-server-name", "contoso-inventory-eus"][..],
            &base,
        ]
        .concat(),
        &[],
    )
    .await;
    assert!(show.ok().stdout.lines().any(|l| l.starts_with("its role") && l.ends_with("Primary")), "{}", show.stdout);

    // No link: an empty list.
    let none = georep(&["links", "list", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG], &[]).await;
    assert!(none.ok().stdout.contains("contoso-prod-eus has no geo-replication link"), "{}", none.stdout);
    let none =
        georep(&["links", "list", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG, "-o", "json"], &[]).await;
    assert_eq!(none.ok().json(), serde_json::json!([]));

    // The second subscription, found without --subscription.
    let fab = georep(
        &["links", "list", "--endpoint", url, "-n", "fabrikam-dev-eus", "-g", "rg-fabrikam-dev", "-o", "json"],
        &[],
    )
    .await;
    assert_eq!(fab.ok().json(), serde_json::json!([]));
}

// ------------------------------------------------------------------------------------------- link and unlink

#[tokio::test(flavor = "multi_thread")]
async fn link_waits_for_success_and_unlink_removes_it() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    // The secondary by name, in another resource group of the subscription.
    let link = georep(
        &[
            "link",
            "--endpoint",
            url,
            "--name",
            "contoso-prod-eus",
            "--resource-group",
            PROD_RG,
            "--server-to-link",
            "contoso-dr-wus2",
            "--replication-role",
            "Secondary",
            "-o",
            "json",
        ],
        &[],
    )
    .await;
    link.ok();
    let entry = link.json();
    assert_eq!(entry["properties"]["provisioningState"], "Succeeded");
    let want = get_json(
        url,
        &format!("{}/linkedServers/contoso-dr-wus2?{API}", cache_path(SUB, PROD_RG, "contoso-prod-eus")),
        None,
    )
    .await;
    assert_eq!(entry, want);
    // Not a terminal: plain progress lines on stderr, the first and the last.
    let label = "linking contoso-dr-wus2 as secondary of contoso-prod-eus";
    assert!(
        link.stderr
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("[00:0") && l.ends_with(&format!("{label}: InProgress"))),
        "{}",
        link.stderr
    );
    assert!(link.stderr.lines().last().is_some_and(|l| l.ends_with(&format!("{label}: Succeeded"))), "{}", link.stderr);
    assert!(!link.stderr.contains('\r'), "no in-place redraws without a terminal");
    let secondary = raw_links(url, SUB, DR_RG, "contoso-dr-wus2").await;
    assert_eq!(secondary[0]["properties"]["serverRole"], "Primary");

    // Linking again: the cache is linked already.
    let again = georep(
        &["link", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG, "--server-to-link", "contoso-dr-weu"],
        &[],
    )
    .await;
    again.code(1);
    assert_eq!(again.field("code"), "BadRequest");
    assert!(again.field("message").contains("already linked"), "{}", again.stderr);

    // Unlink from the secondary's side, by name.
    let unlink = georep(
        &[
            "unlink",
            "--endpoint",
            url,
            "-n",
            "contoso-dr-wus2",
            "-g",
            DR_RG,
            "--linked-server-name",
            "contoso-prod-eus",
        ],
        &[],
    )
    .await;
    unlink.ok();
    assert_eq!(unlink.stdout, "");
    assert!(
        unlink
            .stderr
            .lines()
            .last()
            .is_some_and(|l| l.ends_with("unlinking contoso-prod-eus from contoso-dr-wus2: Succeeded")),
        "{}",
        unlink.stderr
    );
    assert!(raw_links(url, SUB, PROD_RG, "contoso-prod-eus").await.is_empty());
    assert!(raw_links(url, SUB, DR_RG, "contoso-dr-wus2").await.is_empty());

    // Nothing left to remove: ARM's 204, exit 0 with a note.
    let nothing = georep(
        &[
            "unlink",
            "--endpoint",
            url,
            "-n",
            "contoso-prod-eus",
            "-g",
            PROD_RG,
            "--linked-server-name",
            "contoso-dr-wus2",
        ],
        &[],
    )
    .await;
    assert!(nothing.ok().stderr.contains("nothing to remove"), "{}", nothing.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn link_no_wait_returns_at_once_and_ids_work_in_any_case() {
    // A slow link (time scale 20: a few seconds) shows --no-wait does not wait.
    let serve = Serve::start(20.0, &[]);
    let url = serve.url.as_str();
    // The secondary by resource id, spelled as ARM ids sometimes come back.
    let id =
        format!("/subscriptions/{SUB}/resourcegroups/RG-CONTOSO-DR/providers/microsoft.cache/REDIS/contoso-dr-weu");
    let started = Instant::now();
    let link = georep(
        &[
            "link",
            "--endpoint",
            url,
            "-n",
            "contoso-prod-eus",
            "-g",
            PROD_RG,
            "--server-to-link",
            &id,
            "--no-wait",
            "-o",
            "json",
        ],
        &[],
    )
    .await;
    link.ok();
    assert!(started.elapsed() < Duration::from_secs(5), "--no-wait took {:?}", started.elapsed());
    assert_eq!(link.json()["properties"]["provisioningState"], "Creating");
    assert!(
        link.stderr.contains("accepted, not waiting") && link.stderr.contains("/asyncOperations/"),
        "{}",
        link.stderr
    );
    let request_id = link.stderr.split("request id ").nth(1).map(|s| s.trim_end_matches([')', '\n']).to_string());
    assert!(request_id.as_deref().is_some_and(is_uuid), "{}", link.stderr);

    let entry = format!("{}/linkedServers/contoso-dr-weu?{API}", cache_path(SUB, PROD_RG, "contoso-prod-eus"));
    wait_until(url, &entry, "the link", |v| v["properties"]["provisioningState"] == "Succeeded").await;

    let unlink = georep(
        &[
            "unlink",
            "--endpoint",
            url,
            "-n",
            "contoso-prod-eus",
            "-g",
            PROD_RG,
            "--linked-server-name",
            "contoso-dr-weu",
            "--no-wait",
        ],
        &[],
    )
    .await;
    unlink.ok();
    assert!(unlink.stderr.contains("accepted, not waiting"), "{}", unlink.stderr);
    let list = format!("{}/linkedServers?{API}", cache_path(SUB, PROD_RG, "contoso-prod-eus"));
    wait_until(url, &list, "the unlink", |v| v["value"].as_array().is_some_and(Vec::is_empty)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_exit_1_with_code_message_and_request_id() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    // An incompatible secondary (Standard tier): the service's 400 with every reason.
    let bad = georep(
        &["link", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG, "--server-to-link", "contoso-web-std"],
        &[],
    )
    .await;
    bad.code(1);
    assert!(
        bad.stderr.starts_with("georep link: cannot link contoso-web-std as secondary of contoso-prod-eus"),
        "{}",
        bad.stderr
    );
    assert_eq!(bad.field("code"), "GeoReplicationPrerequisitesNotMet");
    assert!(
        bad.field("message").contains("'contoso-web-std' cannot be linked as secondary to 'contoso-prod-eus'"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("detail:"), "{}", bad.stderr);
    assert!(is_uuid(&bad.field("request id")), "{}", bad.stderr);
    assert_eq!(bad.stdout, "");

    // An unknown cache, for every command that names one.
    for args in [
        &["links", "list", "-n", "no-such-cache", "-g", PROD_RG][..],
        &["links", "show", "-n", "no-such-cache", "-g", PROD_RG, "--linked-server-name", "x"],
        &["link", "-n", "no-such-cache", "-g", PROD_RG, "--server-to-link", "contoso-dr-weu"],
        &["unlink", "-n", "no-such-cache", "-g", PROD_RG, "--linked-server-name", "x"],
        &["failover", "-n", "no-such-cache", "-g", PROD_RG],
    ] {
        let run = georep(&[args, &["--endpoint", url]].concat(), &[]).await;
        run.code(1);
        assert_eq!(run.field("code"), "ResourceNotFound", "{args:?}");
        assert!(run.field("message").contains("no-such-cache"), "{args:?}: {}", run.stderr);
        assert!(is_uuid(&run.field("request id")), "{args:?}: {}", run.stderr);
    }
    // An unknown secondary, and a linked server that is not there.
    let run =
        georep(&["link", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG, "--server-to-link", "nope"], &[])
            .await;
    run.code(1);
    assert!(run.stderr.contains("no cache named 'nope'"), "{}", run.stderr);
    let run = georep(
        &[
            "links",
            "show",
            "--endpoint",
            url,
            "-n",
            "contoso-prod-eus",
            "-g",
            PROD_RG,
            "--linked-server-name",
            "contoso-dr-weu",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code(1).field("code"), "ResourceNotFound");

    // Failover of a cache without a link, and of a primary.
    let run = georep(&["failover", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG], &[]).await;
    assert_eq!(run.code(1).field("code"), "NotLinked");
    let run = georep(&["failover", "--endpoint", url, "-n", "contoso-inventory-eus", "-g", INV_RG], &[]).await;
    assert_eq!(run.code(1).field("code"), "NotTheSecondary");
    assert!(run.field("message").contains("name the current secondary, contoso-inventory-weu"), "{}", run.stderr);

    // Nothing changed.
    assert!(raw_links(url, SUB, PROD_RG, "contoso-prod-eus").await.is_empty());
    assert_eq!(raw_links(url, SUB, INV_RG, "contoso-inventory-eus").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_is_required_when_serve_has_one() {
    const TOKEN: &str = "cli-s3cret-token";
    let serve = Serve::start(TIME_SCALE, &["--token", TOKEN]);
    let url = serve.url.as_str();
    let args = ["links", "list", "--endpoint", url, "-n", "contoso-inventory-eus", "-g", INV_RG];

    let anonymous = georep(&args, &[]).await;
    anonymous.code(1);
    assert_eq!(anonymous.field("code"), "AuthenticationFailed");
    assert!(anonymous.field("message").contains("no token was sent"), "{}", anonymous.stderr);

    let wrong = georep(&[&args[..], &["--token", "wr0ng-t0ken-value"]].concat(), &[]).await;
    assert_eq!(wrong.code(1).field("code"), "AuthenticationFailed");
    assert!(wrong.field("message").contains("the token from --token was refused"), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("wr0ng-t0ken-value"), "{}", wrong.stderr);

    assert!(
        georep(&[&args[..], &["--token", TOKEN]].concat(), &[]).await.ok().stdout.contains("contoso-inventory-weu")
    );
    let by_env = georep(&args, &[("GEOREP_TOKEN", TOKEN)]).await;
    assert!(by_env.ok().stdout.contains("contoso-inventory-weu"));
    assert!(!by_env.stdout.contains(TOKEN) && !by_env.stderr.contains(TOKEN));
}

// ------------------------------------------------------------------------------------------- failover

#[tokio::test(flavor = "multi_thread")]
async fn failover_reverses_the_link_and_refuses_different_sizes() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    // The demo's link: contoso-inventory-eus (P1) -> contoso-inventory-weu (P1).
    let run = georep(
        &["failover", "--endpoint", url, "--name", "contoso-inventory-weu", "--resource-group", INV_RG, "-o", "json"],
        &[],
    )
    .await;
    run.ok();
    assert!(
        run.stderr.contains("contoso-inventory-weu becomes the primary, contoso-inventory-eus its secondary"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("unlinking contoso-inventory-weu from contoso-inventory-eus: Succeeded"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("linking contoso-inventory-eus as secondary of contoso-inventory-weu: Succeeded"),
        "{}",
        run.stderr
    );
    let on_new_primary = raw_links(url, SUB, INV_RG, "contoso-inventory-weu").await;
    assert_eq!(run.json(), on_new_primary[0]);
    assert_eq!(on_new_primary[0]["name"], "contoso-inventory-eus");
    assert_eq!(on_new_primary[0]["properties"]["serverRole"], "Secondary");
    assert_eq!(on_new_primary[0]["properties"]["provisioningState"], "Succeeded");
    let on_new_secondary = raw_links(url, SUB, INV_RG, "contoso-inventory-eus").await;
    assert_eq!(on_new_secondary[0]["properties"]["serverRole"], "Primary");

    // P2 -> P3: a failover would make the P3 the primary of a smaller secondary.
    georep(
        &["link", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG, "--server-to-link", "contoso-dr-wus2"],
        &[],
    )
    .await
    .ok();
    let refused = georep(&["failover", "--endpoint", url, "-n", "contoso-dr-wus2", "-g", DR_RG], &[]).await;
    refused.code(1);
    assert_eq!(refused.field("code"), "CacheSizesDiffer");
    assert!(
        refused.field("message").contains(
            "cannot fail over from contoso-prod-eus to contoso-dr-wus2: The primary is P2 and the secondary P3"
        ),
        "{}",
        refused.stderr
    );
    let still = raw_links(url, SUB, PROD_RG, "contoso-prod-eus").await;
    assert_eq!(still[0]["properties"]["provisioningState"], "Succeeded", "the link is left alone");
}

// ------------------------------------------------------------------------------------------- usage

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    let serve = Serve::start(TIME_SCALE, &[]);
    let url = serve.url.as_str();

    // Without a backend, the commands say what to pass.
    let none = georep(&["caches", "list"], &[]).await;
    none.code(2);
    for flag in ["--endpoint", "--azure", "--demo"] {
        assert!(none.stderr.contains(flag), "{flag} not mentioned: {}", none.stderr);
    }
    for args in [
        &["links", "list", "--endpoint", url, "-g", PROD_RG][..], // no --name
        &["links", "show", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG], // no --linked-server-name
        &["caches", "list", "--endpoint", url, "--output", "yaml"],
        &["caches", "frobnicate", "--endpoint", url],
        &[
            "link",
            "--endpoint",
            url,
            "-n",
            "contoso-prod-eus",
            "-g",
            PROD_RG,
            "--server-to-link",
            "contoso-dr-weu",
            "--replication-role",
            "Primary",
        ],
        &["link", "--endpoint", url, "-n", "contoso-prod-eus", "-g", PROD_RG, "--server-to-link", "/not/a/cache/id"],
        &[
            "link",
            "--endpoint",
            url,
            "-n",
            "contoso-prod-eus",
            "-g",
            PROD_RG,
            "--server-to-link",
            "contoso-dr-weu",
            "--poll-interval",
            "-1",
        ],
        &["caches", "list", "--endpoint", url, "--demo"],
        &["caches", "list", "--endpoint", "ftp://example.com"],
    ] {
        let run = georep(args, &[]).await;
        run.code(2);
        assert!(!run.stderr.is_empty(), "{args:?} says nothing");
    }
    // Nothing was linked by any of them.
    assert!(raw_links(url, SUB, PROD_RG, "contoso-prod-eus").await.is_empty());
    // The replication role is accepted in any case, as az does.
    let help = georep(&["link", "--help"], &[]).await;
    assert!(help.ok().stdout.contains("--server-to-link"), "{}", help.stdout);
}

// ------------------------------------------------------------------------------------------- on a terminal

/// `script` (util-linux) runs the command on a pseudo-terminal, so stderr is a terminal.
fn script_available() -> bool {
    std::process::Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_link_draws_a_progress_bar() {
    if !script_available() {
        eprintln!("SKIPPED: `script` (util-linux) is not installed");
        return;
    }
    let serve = Serve::start(50.0, &[]);
    let command = format!(
        "stty cols 100 rows 30; {BIN} link --endpoint {} -n contoso-prod-eus -g {PROD_RG} --server-to-link contoso-dr-wus2",
        serve.url
    );
    let out = tokio::time::timeout(
        COMMAND_TIMEOUT,
        tokio::process::Command::new("script")
            .args(["-qefc", &command, "/dev/null"])
            .env_remove("AZURE_SUBSCRIPTION_ID")
            .env_remove("GEOREP_TOKEN")
            .stdin(std::process::Stdio::null())
            .output(),
    )
    .await
    .expect("in time")
    .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("\r\x1b[2K"), "redrawn in place: {text:?}");
    assert!(text.contains("00:00  linking contoso-dr-wus2 as secondary of contoso-prod-eus"), "{text:?}");
    assert!(text.contains(" [░░░░") || text.contains(" [███"), "a bar: {text:?}");
    assert!(text.contains("%  00:0"), "a percentage, then the elapsed time: {text:?}");
    assert!(text.contains("✓ linking contoso-dr-wus2 as secondary of contoso-prod-eus: Succeeded after"), "{text:?}");
}
