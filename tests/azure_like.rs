//! Real Azure, without Azure: the client, the console and the scripting commands against
//! - the emulator's Azure-like mode, which answers as the service was observed to
//!   (shared/azure-rest/observed/azure-cli-server-link-trace.md): PUT 201 with only Azure-AsyncOperation,
//!   DELETE 202 with Azure-AsyncOperation = Location, no Retry-After, `percentComplete: null`, ids in
//!   other letter cases, and 429s with Retry-After;
//! - a loopback server replaying recorded bodies (the REST examples in tests/fixtures/azure-rest and the
//!   observed exchange);
//! - the token sources: AZURE_ACCESS_TOKEN, a fake `az` on PATH (refreshed before `expiresOn`), neither;
//!   and the token never shows in errors, Debug or logs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;
mod support;

use support::emulator::start;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use georep::arm::{OperationState, ResourceId};
use georep::client::{ArmClient, AzureCli, ClientError, Credential, DEFAULT_POLL_INTERVAL, LroStatus, RetryPolicy};
use georep::emulator::Config;
use georep::tui::AppOptions;
use georep::tui::action::Effect;
use georep::tui::tasks::PollIntervals;
use georep::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};

use cli_support::{API, SUB, georep, georep_in};
use support::demo::crumb;
use support::headless::Console;

const PROD_RG: &str = "rg-contoso-prod";
const DR_RG: &str = "rg-contoso-dr";
const INV_RG: &str = "rg-contoso-inventory";
/// A link to West US 2 takes about 1.2 s at this scale, an unlink about 0.9 s.
const TIME_SCALE: f64 = 100.0;
/// The default poll interval (30 s on Azure), scaled down for the tests.
const POLL: Duration = Duration::from_millis(300);
const BOUND: Duration = Duration::from_secs(30);

fn azure_like(time_scale: f64) -> Config {
    Config { time_scale, azure_like: true, ..Default::default() }
}

fn cache(rg: &str, name: &str) -> ResourceId {
    ResourceId::cache(SUB, rg, name)
}

async fn bounded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f).await.unwrap_or_else(|_| panic!("{what} did not finish within {BOUND:?}"))
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

// ------------------------------------------------------------------------------------ the observed exchange

#[tokio::test(flavor = "multi_thread")]
async fn azure_like_mode_answers_as_the_service_was_observed_to() {
    let emu = start(azure_like(TIME_SCALE)).await;
    let http = reqwest::Client::new();
    let primary = format!("{}{}", emu.url(), cli_support::cache_path(SUB, PROD_RG, "contoso-prod-eus"));
    let secondary_id = cache(DR_RG, "contoso-dr-wus2").to_string();

    // PUT link: 201, only Azure-AsyncOperation (with the signed query after the api-version).
    let resp = http
        .put(format!("{primary}/linkedServers/contoso-dr-wus2?{API}"))
        .json(&json!({"properties": {"linkedRedisCacheId": secondary_id, "linkedRedisCacheLocation": "West US 2", "serverRole": "Secondary"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let op_url = header(&resp, "azure-asyncoperation").expect("Azure-AsyncOperation");
    assert!(op_url.contains("/providers/Microsoft.Cache/locations/East%20US/asyncOperations/"), "{op_url}");
    assert!(op_url.contains(&format!("?{API}&t=")), "{op_url}");
    assert_eq!(header(&resp, "location"), None, "no Location on the PUT");
    assert_eq!(header(&resp, "retry-after"), None, "no Retry-After");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["properties"]["provisioningState"], "Creating");
    assert_eq!(
        body["properties"]["linkedRedisCacheId"],
        format!("/subscriptions/{SUB}/resourcegroups/RG-CONTOSO-DR/providers/microsoft.cache/redis/contoso-dr-wus2"),
        "the id comes back in other letter cases"
    );

    // The operation: no percentage, no times, until it ends.
    let status: Value = http.get(&op_url).send().await.unwrap().json().await.unwrap();
    let keys: Vec<&str> = status.as_object().unwrap().keys().map(String::as_str).collect();
    for key in ["id", "name", "status", "startTime", "endTime", "percentComplete", "properties", "error"] {
        assert!(keys.contains(&key), "{key} in {status}");
    }
    assert_eq!(status["status"], "InProgress");
    for key in ["startTime", "endTime", "percentComplete", "properties", "error"] {
        assert_eq!(status[key], Value::Null, "{key} in {status}");
    }
    let deadline = Instant::now() + BOUND;
    let done = loop {
        let s: Value = http.get(&op_url).send().await.unwrap().json().await.unwrap();
        assert_eq!(s["percentComplete"], Value::Null);
        if s["status"] != "InProgress" {
            break s;
        }
        assert!(Instant::now() < deadline, "the link did not end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["status"], "Succeeded");
    assert_eq!((done["startTime"].clone(), done["endTime"].clone()), (Value::Null, Value::Null));

    // DELETE: 202, empty, Azure-AsyncOperation and an equal Location, no Retry-After.
    let resp = http.delete(format!("{primary}/linkedServers/contoso-dr-wus2?{API}")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let op = header(&resp, "azure-asyncoperation").expect("Azure-AsyncOperation");
    assert_eq!(header(&resp, "location").as_deref(), Some(op.as_str()));
    assert_eq!(header(&resp, "retry-after"), None);
    assert!(resp.bytes().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_polls_at_its_default_interval_without_retry_after() {
    let emu = start(azure_like(TIME_SCALE)).await;
    // Azure's tools poll every 30 s when the service does not say: so does the client by default.
    let plain = ArmClient::new(&emu.url(), None).unwrap();
    assert_eq!(plain.poll_interval(), DEFAULT_POLL_INTERVAL);
    assert_eq!(DEFAULT_POLL_INTERVAL, Duration::from_secs(30));
    let client = plain.with_poll_interval(POLL);
    let (p, s) = (cache(PROD_RG, "contoso-prod-eus"), cache(DR_RG, "contoso-dr-wus2"));

    let (entry, lro) = bounded("PUT", client.create_link(&p, &s, "West US 2")).await.expect("accepted");
    assert_eq!(entry.state(), georep::arm::LinkState::Creating);
    assert!(lro.async_operation.is_some());
    assert_eq!((lro.location.clone(), lro.retry_after), (None, None));
    assert!(lro.request_id.as_deref().is_some_and(|r| uuid::Uuid::parse_str(r).is_ok()));
    assert_eq!(client.next_poll_in(&lro, None), POLL);
    // The entry names the secondary in other letter cases: still the same cache.
    assert_eq!(ResourceId::parse(&entry.properties.linked_redis_cache_id).unwrap(), s);

    let started = Instant::now();
    let mut polls: Vec<(Duration, LroStatus)> = Vec::new();
    let end = bounded("the link", client.wait_with(&lro, |st| polls.push((started.elapsed(), st.clone())))).await;
    let end = end.expect("polled to the end");
    assert_eq!(end.state, OperationState::Succeeded);
    assert!(polls.len() >= 3, "a link of ~1.2 s polled every 300 ms: {polls:?}");
    assert!(polls.iter().all(|(_, st)| st.percent.is_none() && st.retry_after.is_none()), "{polls:?}");
    assert!(polls[0].0 >= POLL, "the first poll waits the interval: {:?}", polls[0].0);
    for w in polls.windows(2) {
        let gap = w[1].0 - w[0].0;
        assert!(gap >= POLL && gap < POLL * 3, "polls {gap:?} apart, interval {POLL:?}: {polls:?}");
    }
    let linked = client.get_linked_server(&p, "contoso-dr-wus2").await.unwrap();
    assert_eq!(linked.state(), georep::arm::LinkState::Succeeded);

    // Unlink: both headers, the same URL.
    let lro = client.delete_link(&p, "contoso-dr-wus2").await.unwrap().expect("an operation");
    assert_eq!(lro.async_operation, lro.location);
    assert_eq!(lro.retry_after, None);
    let end = bounded("the unlink", client.wait_with(&lro, |st| assert_eq!(st.percent, None))).await.unwrap();
    assert_eq!(end.state, OperationState::Succeeded);
    assert!(client.list_linked_servers(&p).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_requests_are_retried_after_retry_after() {
    let emu = start(Config { throttle_every: Some(3), ..azure_like(TIME_SCALE) }).await;
    let http = reqwest::Client::new();
    let url = format!("{}/subscriptions?api-version=2022-12-01", emu.url());
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let resp = http.get(&url).send().await.unwrap();
        statuses.push(resp.status());
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(header(&resp, "retry-after").as_deref(), Some("1"));
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "TooManyRequests");
        }
    }
    assert_eq!(statuses, [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);

    // The client waits Retry-After and tries again: GETs, and the PUT and DELETE too (a throttled
    // request was not acted on).
    let client = ArmClient::new(&emu.url(), None).unwrap().with_poll_interval(POLL);
    let started = Instant::now();
    let subs = bounded("subscriptions", client.list_subscriptions()).await.expect("retried");
    assert_eq!(subs.len(), 2);
    let caches = bounded("caches", client.list_caches(SUB)).await.expect("retried");
    assert!(caches.len() > 10);
    let (p, s) = (cache(PROD_RG, "contoso-prod-eus"), cache(DR_RG, "contoso-dr-weu"));
    let (_, lro) = bounded("PUT", client.create_link(&p, &s, "West Europe")).await.expect("accepted");
    let end = bounded("the link", client.wait_with(&lro, |_| {})).await.expect("polled");
    assert_eq!(end.state, OperationState::Succeeded);
    let lro = bounded("DELETE", client.delete_link(&p, "contoso-dr-weu")).await.unwrap().unwrap();
    bounded("the unlink", client.wait_with(&lro, |_| {})).await.expect("polled");
    assert!(started.elapsed() >= Duration::from_secs(1), "at least one Retry-After was waited");
}

// ------------------------------------------------------------------------------------ the console

fn console(url: &str) -> Console {
    let client = ArmClient::new(url, None).unwrap().with_poll_interval(POLL);
    let options = AppOptions::new("management.azure.com", Theme::azure());
    Console::start(
        options,
        client,
        PollIntervals { idle: Duration::from_millis(200), busy: Duration::from_millis(100) },
    )
}

/// Opens `name` from Home (`/`, its name, Enter, Enter) and shows menu item `jump`.
fn open(h: &mut Console, name: &str, jump: char) {
    for _ in 0..6 {
        if crumb(&h.screen()) == "Home > Azure Cache for Redis" {
            break;
        }
        h.key(KeyCode::Esc);
    }
    // Esc on Home clears the filter.
    h.key(KeyCode::Esc);
    h.open(name, jump);
    assert!(crumb(&h.screen()).contains(&format!("> {name}")), "{name} is open:\n{}", h.screen());
}

/// The line of the screen that shows `name` in a table with its role.
fn row(screen: &str, name: &str) -> String {
    let row =
        screen.lines().find(|l| l.contains(&format!(" {name} ")) && (l.contains("Primary") || l.contains("Secondary")));
    row.unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_a_spinner_and_elapsed_time_without_a_percentage() {
    let emu = start(azure_like(40.0)).await;
    let mut h = console(&emu.url());
    h.wait_for("the caches", BOUND, |s| s.contains("Azure Cache for Redis · 22 of 22")).await;

    // The demo's link, read through ids in other letter cases: roles and peer as usual.
    h.wait_for("the link entries", BOUND, |s| row(s, "contoso-inventory-eus").contains("Primary")).await;
    assert!(row(&h.screen(), "contoso-inventory-weu").contains("Secondary"), "{}", h.screen());
    open(&mut h, "contoso-inventory-eus", '1');
    let screen = h.screen();
    assert!(screen.contains("Role            Primary"), "{screen}");
    assert!(screen.contains("Linked cache    contoso-inventory-weu (West Europe)"), "{screen}");
    // The peer is found among the caches: its location comes from its cache.
    h.key(KeyCode::Char('2'));
    let screen = h.screen();
    let peer = row(&screen, "contoso-inventory-weu");
    assert!(peer.contains("West Europe") && peer.contains("Secondary"), "{screen}");
    open(&mut h, "contoso-inventory-weu", '1');
    assert!(h.screen().contains("Role            Secondary"), "{}", h.screen());

    // Link contoso-dr-weu to contoso-prod-eus from the Geo-replication blade.
    open(&mut h, "contoso-prod-eus", '2');
    assert!(crumb(&h.screen()).ends_with("contoso-prod-eus > Geo-replication"), "{}", h.screen());
    h.key(KeyCode::Char('a'));
    h.key(KeyCode::Home);
    for _ in 0..10 {
        if h.screen().lines().any(|l| l.contains('⋮') && l.contains(" contoso-dr-weu ")) {
            break;
        }
        h.key(KeyCode::Down);
    }
    h.keys(&[KeyCode::Enter, KeyCode::Enter, KeyCode::Right, KeyCode::Enter]);
    let links = h
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::StartLink { secondary, .. } if secondary.name == "contoso-dr-weu"));
    assert_eq!(links.count(), 1, "{}", h.screen());

    let lro = |h: &Console| {
        h.effects.iter().find_map(|e| if let Effect::PollOperation { lro, .. } = e { Some(lro.clone()) } else { None })
    };
    h.wait_for("the operation accepted", BOUND, |s| s.contains("Linking contoso-dr-weu to contoso-prod-eus started"))
        .await;
    let accepted = Instant::now();
    let lro = lro(&h).expect("the operation is polled");
    assert_eq!((lro.location, lro.retry_after), (None, None));
    // Several poll intervals into the link (which takes ~5 s at this scale).
    let percent_seen = std::cell::Cell::new(false);
    let gauge = |s: &str| s.lines().any(|l| l.contains('%') && (l.contains('█') || l.contains('░')));
    let polled = h
        .until(BOUND, |s| {
            percent_seen.set(percent_seen.get() || gauge(s));
            accepted.elapsed() > Duration::from_millis(1200)
        })
        .await;
    assert!(polled);
    let screen = h.screen();
    assert!(screen.contains("Linking contoso-prod-eus → contoso-dr-weu"), "the link takes several seconds:\n{screen}");
    assert!(screen.contains("The backend reports no percentage"), "{screen}");
    assert!(
        ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"].iter().any(|s| screen.contains(s)),
        "a spinner:\n{screen}"
    );
    assert!(screen.contains("00:0"), "the elapsed time:\n{screen}");

    h.wait_for("the link to succeed", BOUND, |s| {
        percent_seen.set(percent_seen.get() || gauge(s));
        s.contains("Link Succeeded in")
    })
    .await;
    assert!(!percent_seen.get(), "no percentage was ever shown");
}

// ------------------------------------------------------------------------------------ scripting, Azure-like

#[tokio::test(flavor = "multi_thread")]
async fn scripting_commands_work_against_the_azure_like_emulator() {
    let serve = cli_support::Serve::start(TIME_SCALE, &["--azure-like", "--throttle-every", "7"]);
    let url = serve.url.as_str();
    let poll = ["--poll-interval", "0.2"];

    let started = Instant::now();
    let link = georep(
        &[
            &[
                "link",
                "--endpoint",
                url,
                "-n",
                "contoso-prod-eus",
                "-g",
                PROD_RG,
                "--server-to-link",
                "contoso-dr-wus2",
                "-o",
                "json",
            ][..],
            &poll,
        ]
        .concat(),
        &[],
    )
    .await;
    link.ok();
    assert!(started.elapsed() < Duration::from_secs(20), "polled at the given interval, not 30 s");
    assert_eq!(link.json()["properties"]["provisioningState"], "Succeeded");
    assert!(link.stderr.contains(": InProgress\n") && !link.stderr.contains('%'), "no percentage: {}", link.stderr);

    // Failover reads the primary from an id spelled `resourcegroups/RG-CONTOSO-PROD/.../microsoft.cache/redis`.
    let demo_link = georep(
        &[&["failover", "--endpoint", url, "-n", "contoso-inventory-weu", "-g", INV_RG][..], &poll].concat(),
        &[],
    )
    .await;
    demo_link.ok();
    let links =
        georep(&["links", "list", "--endpoint", url, "-n", "contoso-inventory-weu", "-g", INV_RG, "-o", "json"], &[])
            .await;
    let entries = links.ok().json();
    assert_eq!(entries[0]["name"], "contoso-inventory-eus");
    assert_eq!(entries[0]["properties"]["serverRole"], "Secondary");

    let unlink = georep(
        &[
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
            ][..],
            &poll,
        ]
        .concat(),
        &[],
    )
    .await;
    unlink.ok();
}

// ------------------------------------------------------------------------------------ recorded responses

/// Requests a replay server saw: method, path and query, Authorization header.
type Seen = Arc<Mutex<Vec<(String, String, Option<String>)>>>;

/// A loopback server that replays recorded bodies: the REST examples and the observed link exchange.
struct Replay {
    url: String,
    /// Requests seen: method, path and query, Authorization header.
    seen: Seen,
    _server: tokio::task::JoinHandle<()>,
}

fn example_body(file: &str, status: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/azure-rest").join(file);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json");
    v["responses"][status]["body"].clone()
}

const OBSERVED_SUB: &str = "00000000-0000-0000-0000-000000000000";
/// The REST examples' subscription is `subid`, which georep refuses on the command line (a subscription
/// id is a GUID): the replay answers for this one as for `subid`.
const EXAMPLES_SUB: &str = "5ab1e000-0000-4000-8000-00000000e8a1";

async fn replay() -> Replay {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let polls = Arc::new(Mutex::new(0u32));
    let (base, log) = (url.clone(), seen.clone());
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
        let (base, log, polls) = (base.clone(), log.clone(), polls.clone());
        async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
            let pq = uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
            log.lock().unwrap().push((method.to_string(), pq.clone(), auth));
            let path = uri.path().replace(&format!("/subscriptions/{EXAMPLES_SUB}/"), "/subscriptions/subid/");
            replay_route(&base, &method, &path, uri.query().unwrap_or(""), &polls)
        }
    });
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Replay { url, seen, _server: server }
}

fn replay_route(base: &str, method: &Method, path: &str, query: &str, polls: &Mutex<u32>) -> Response {
    let json_ok = |v: Value| (StatusCode::OK, axum::Json(v)).into_response();
    let rid = [("x-ms-request-id", "6c3b0e4e-0000-4000-8000-000000000001")];
    let op_url = format!(
        "{base}/subscriptions/{OBSERVED_SUB}/providers/Microsoft.Cache/locations/West%20Europe/asyncOperations/9c758f53-0000-4000-8000-000000000000?{API}&t=638731350477&c=MIIH&s=abc&h=def"
    );
    let observed_rg = format!("/subscriptions/{OBSERVED_SUB}/resourceGroups/cli_test_redis_server_link");
    match (method.as_str(), path) {
        ("GET", "/subscriptions") => json_ok(json!({"value": [
            {"id": "/subscriptions/subid", "subscriptionId": "subid", "displayName": "Examples", "state": "Enabled"}]})),
        // Paging on real bodies: the subscription list's first page links to the resource group list.
        ("GET", "/subscriptions/subid/providers/Microsoft.Cache/redis") if !query.contains("skiptoken") => {
            let mut page = example_body("RedisCacheList.json", "200");
            page["nextLink"] =
                json!(format!("{base}/subscriptions/subid/providers/Microsoft.Cache/redis?{API}&$skiptoken=page2"));
            json_ok(page)
        }
        ("GET", "/subscriptions/subid/providers/Microsoft.Cache/redis") => {
            json_ok(example_body("RedisCacheListByResourceGroup.json", "200"))
        }
        ("GET", "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Cache/redis/cache1") => {
            json_ok(example_body("RedisCacheGet.json", "200"))
        }
        ("GET", "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Cache/redis/cache1/linkedServers") => {
            (rid, json_ok(example_body("RedisCacheLinkedServer_List.json", "200"))).into_response()
        }
        (
            "GET",
            "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Cache/redis/cache1/linkedServers/cache2",
        ) => json_ok(example_body("RedisCacheLinkedServer_Get.json", "200")),
        // The observed link: 201 with only Azure-AsyncOperation.
        ("PUT", p)
            if p == format!(
                "{observed_rg}/providers/Microsoft.Cache/redis/cliredis000002/linkedServers/cliredis000002sec"
            ) =>
        {
            let body = json!({
                "id": format!("{observed_rg}/providers/Microsoft.Cache/Redis/cliredis000002/linkedServers/cliredis000002sec"),
                "name": "cliredis000002sec", "type": "Microsoft.Cache/Redis/linkedServers",
                "properties": {
                    "linkedRedisCacheId": format!("{observed_rg}/providers/Microsoft.Cache/Redis/cliredis000002sec"),
                    "linkedRedisCacheLocation": "East US", "serverRole": "Secondary",
                    "geoReplicatedPrimaryHostName": "cliredis000002sec.geo.redis.cache.windows.net",
                    "primaryHostName": "cliredis000002.redis.cache.windows.net", "provisioningState": "Creating"}});
            (StatusCode::CREATED, [("azure-asyncoperation", op_url)], rid, axum::Json(body)).into_response()
        }
        ("DELETE", p)
            if p == format!(
                "{observed_rg}/providers/Microsoft.Cache/redis/cliredis000002/linkedServers/cliredis000002sec"
            ) =>
        {
            (StatusCode::ACCEPTED, [("azure-asyncoperation", op_url.clone()), ("location", op_url)], rid)
                .into_response()
        }
        ("GET", p) if p.ends_with("/asyncOperations/9c758f53-0000-4000-8000-000000000000") => {
            assert!(query.contains("&t=638731350477&c=MIIH&s=abc&h=def"), "the signed query is kept: {query}");
            let mut n = polls.lock().unwrap();
            *n += 1;
            let status = if n.is_multiple_of(3) { "Succeeded" } else { "InProgress" };
            json_ok(json!({
                "id": format!("/subscriptions/{OBSERVED_SUB}/providers/Microsoft.Cache/locations/West Europe/asyncOperations/9c758f53-0000-4000-8000-000000000000"),
                "name": "9c758f53-0000-4000-8000-000000000000", "status": status,
                "startTime": null, "endTime": null, "percentComplete": null, "properties": null, "error": null}))
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(
                json!({"error": {"code": "ResourceNotFound", "message": format!("no recording for {method} {path}")}}),
            ),
        )
            .into_response(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_reads_recorded_responses() {
    let r = replay().await;
    let client = ArmClient::new(&r.url, None).unwrap().with_poll_interval(Duration::from_millis(50));

    // A paged list of real bodies: both pages, every field kept.
    let caches = client.list_caches("subid").await.expect("both pages");
    let page1 = example_body("RedisCacheList.json", "200")["value"].as_array().unwrap().len();
    let page2 = example_body("RedisCacheListByResourceGroup.json", "200")["value"].as_array().unwrap().len();
    assert_eq!(caches.len(), page1 + page2);
    assert_eq!(serde_json::to_value(&caches[0]).unwrap(), example_body("RedisCacheList.json", "200")["value"][0]);

    let cache1 = ResourceId::cache("subid", "rg1", "cache1");
    let entries = client.list_linked_servers(&cache1).await.unwrap();
    assert_eq!(
        serde_json::to_value(&entries).unwrap(),
        example_body("RedisCacheLinkedServer_List.json", "200")["value"]
    );
    assert_eq!(
        serde_json::to_value(client.get_linked_server(&cache1, "cache2").await.unwrap()).unwrap(),
        example_body("RedisCacheLinkedServer_Get.json", "200")
    );

    // The observed link: followed through Azure-AsyncOperation alone, no percentage, Succeeded.
    let rg = "cli_test_redis_server_link";
    let (p, s) = (
        ResourceId::cache(OBSERVED_SUB, rg, "cliredis000002"),
        ResourceId::cache(OBSERVED_SUB, rg, "cliredis000002sec"),
    );
    let (entry, lro) = client.create_link(&p, &s, "East US").await.expect("201");
    assert_eq!(entry.state(), georep::arm::LinkState::Creating);
    assert_eq!((lro.location.clone(), lro.retry_after), (None, None));
    assert_eq!(lro.request_id.as_deref(), Some("6c3b0e4e-0000-4000-8000-000000000001"));
    let mut seen = Vec::new();
    let end = bounded("the recorded link", client.wait_with(&lro, |st| seen.push((st.state.clone(), st.percent))))
        .await
        .unwrap();
    assert_eq!(end.state, OperationState::Succeeded);
    assert_eq!(
        seen,
        [(OperationState::InProgress, None), (OperationState::InProgress, None), (OperationState::Succeeded, None)]
    );
    let lro = client.delete_link(&p, "cliredis000002sec").await.unwrap().expect("202");
    assert_eq!(lro.async_operation, lro.location);
    assert_eq!(
        bounded("the recorded unlink", client.wait_with(&lro, |_| {})).await.unwrap().state,
        OperationState::Succeeded
    );
    let requests = r.seen.lock().unwrap().clone();
    assert!(requests.iter().any(|(m, p, _)| m == "PUT" && p.ends_with(API)), "{requests:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn links_list_on_azure_prints_the_recorded_bodies() {
    let r = replay().await;
    let run = georep(
        &[
            "links",
            "list",
            "--azure",
            "--endpoint",
            &r.url,
            "--subscription",
            EXAMPLES_SUB,
            "-n",
            "cache1",
            "-g",
            "rg1",
            "-o",
            "json",
        ],
        &[("AZURE_ACCESS_TOKEN", "recorded-t0ken")],
    )
    .await;
    assert_eq!(run.ok().json(), example_body("RedisCacheLinkedServer_List.json", "200")["value"]);
    let seen = r.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "one request: {seen:?}");
    assert_eq!(seen[0].2.as_deref(), Some("Bearer recorded-t0ken"));
    assert!(!run.stdout.contains("recorded-t0ken") && !run.stderr.contains("recorded-t0ken"));

    // Several subscriptions seen and none chosen: on Azure, a command about one cache asks which...
    let serve = cli_support::Serve::start(TIME_SCALE, &["--token", "t"]);
    let run = georep(
        &["links", "list", "--azure", "--endpoint", &serve.url, "-n", "contoso-prod-eus", "-g", "rg-contoso-prod"],
        &[("AZURE_ACCESS_TOKEN", "t")],
    )
    .await;
    run.code(2);
    assert!(
        run.stderr.contains("the token sees 2 subscriptions: pass --subscription ID or set AZURE_SUBSCRIPTION_ID"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Contoso Production"), "{}", run.stderr);
    // ... while `caches list` lists every subscription the token sees (issue 12, through Resource Graph).
    let all =
        georep(&["caches", "list", "--azure", "--endpoint", &serve.url, "-o", "json"], &[("AZURE_ACCESS_TOKEN", "t")])
            .await;
    let all = all.ok().json().as_array().map_or(0, Vec::len);
    let run = georep(
        &["caches", "list", "--azure", "--endpoint", &serve.url, "-o", "json"],
        &[("AZURE_ACCESS_TOKEN", "t"), ("AZURE_SUBSCRIPTION_ID", SUB)],
    )
    .await;
    let one = run.ok().json().as_array().map_or(0, Vec::len);
    assert!(one > 10 && all > one, "{one} caches in one subscription, {all} in all");
}

// ------------------------------------------------------------------------------------ token sources

/// A directory with a fake `az` that prints what `az account get-access-token --output json` prints:
/// token `<prefix>-N` for its Nth run, expiring `ttl` seconds from now (the file `ttl`); with the file
/// `local-only`, without `expires_on` (older az: only the local `expiresOn`); with the file `fail`, it
/// fails as az does before `az login`.
struct FakeAz {
    dir: tempfile::TempDir,
}

const FAKE_AZ: &str = r#"#!/bin/sh
dir=$(dirname "$0")
n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$dir/count"
echo "$@" > "$dir/args"
if [ -f "$dir/fail" ]; then
  echo "ERROR: Please run 'az login' to setup account." >&2
  exit 1
fi
if [ -f "$dir/garbage" ]; then
  echo "{not json, but has eyJsecretsecretsecretsecretsecretsecretsecretsecret"
  exit 0
fi
ttl=$(cat "$dir/ttl")
prefix=$(cat "$dir/prefix")
exp=$(( $(date +%s) + ttl ))
local=$(date -d "@$exp" '+%Y-%m-%d %H:%M:%S.000000')
if [ -f "$dir/local-only" ]; then
  printf '{"accessToken": "%s-%s", "expiresOn": "%s", "subscription": "sub", "tenant": "tenant", "tokenType": "Bearer"}\n' "$prefix" "$n" "$local"
else
  printf '{"accessToken": "%s-%s", "expiresOn": "%s", "expires_on": %s, "subscription": "sub", "tenant": "tenant", "tokenType": "Bearer"}\n' "$prefix" "$n" "$local" "$exp"
fi
"#;

impl FakeAz {
    fn new(prefix: &str, ttl: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let az = dir.path().join("az");
        std::fs::write(&az, FAKE_AZ).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let fake = FakeAz { dir };
        fake.set("prefix", prefix);
        fake.set("ttl", &ttl.to_string());
        fake
    }

    fn program(&self) -> PathBuf {
        self.dir.path().join("az")
    }

    fn set(&self, file: &str, content: &str) {
        std::fs::write(self.dir.path().join(file), content).unwrap();
    }

    fn runs(&self) -> u32 {
        std::fs::read_to_string(self.dir.path().join("count")).map(|s| s.trim().parse().unwrap_or(0)).unwrap_or(0)
    }

    /// PATH with the fake first, then the system's (for `date`, `cat` ...).
    fn path(&self) -> PathBuf {
        let system = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        PathBuf::from(format!("{}:{system}", self.dir.path().display()))
    }
}

/// Tokens a loopback server received; answers 401 to `refuse`.
async fn token_recorder(refuse: Option<&'static str>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let log = log.clone();
        async move {
            let token = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("")
                .to_string();
            log.lock().unwrap().push(token.clone());
            if refuse == Some(token.as_str()) {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": {"code": "ExpiredAuthenticationToken", "message": "The access token expiry UTC time is earlier than current UTC time."}}))).into_response();
            }
            axum::Json(json!({"value": []})).into_response()
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

fn az_client(url: &str, az: AzureCli) -> ArmClient {
    let policy = RetryPolicy { attempts: 1, backoff: Duration::from_millis(1), timeout: Duration::from_secs(10) };
    ArmClient::with_credential(url, Credential::azure(None, az), policy).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn az_tokens_are_cached_and_refreshed_before_they_expire() {
    let (url, seen) = token_recorder(None).await;

    // Valid for an hour: az runs once for several requests.
    let fake = FakeAz::new("hour", 3600);
    let client = az_client(&url, AzureCli::new(fake.program()));
    for _ in 0..3 {
        client.list_subscriptions().await.expect("authorised");
    }
    assert_eq!(fake.runs(), 1);
    assert_eq!(*seen.lock().unwrap(), ["hour-1", "hour-1", "hour-1"]);
    let args = std::fs::read_to_string(fake.dir.path().join("args")).unwrap();
    assert_eq!(args.trim(), "account get-access-token --resource https://management.azure.com/ --output json");

    // Expiring in 3 s, refreshed 1 s before: the token is reused at once, replaced once within the margin.
    seen.lock().unwrap().clear();
    let fake = FakeAz::new("short", 3);
    let client = az_client(&url, AzureCli::new(fake.program()).with_refresh_margin(Duration::from_secs(1)));
    client.list_subscriptions().await.unwrap();
    client.list_subscriptions().await.unwrap();
    assert_eq!(fake.runs(), 1);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    client.list_subscriptions().await.unwrap();
    assert_eq!(fake.runs(), 2);
    assert_eq!(*seen.lock().unwrap(), ["short-1", "short-1", "short-2"]);

    // Older az: only `expiresOn`, in local time.
    seen.lock().unwrap().clear();
    let fake = FakeAz::new("local", 3600);
    fake.set("local-only", "");
    let client = az_client(&url, AzureCli::new(fake.program()));
    client.list_subscriptions().await.unwrap();
    client.list_subscriptions().await.unwrap();
    assert_eq!(fake.runs(), 1, "a local expiresOn an hour ahead is understood");

    // The default margin is five minutes: a token that expires sooner is fetched for every request.
    let fake = FakeAz::new("soon", 120);
    let client = az_client(&url, AzureCli::new(fake.program()));
    client.list_subscriptions().await.unwrap();
    client.list_subscriptions().await.unwrap();
    assert_eq!(fake.runs(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_az_token_is_replaced_once() {
    let (url, seen) = token_recorder(Some("stale-1")).await;
    let fake = FakeAz::new("stale", 3600);
    let client = az_client(&url, AzureCli::new(fake.program()));
    client.list_subscriptions().await.expect("the second token is accepted");
    assert_eq!(*seen.lock().unwrap(), ["stale-1", "stale-2"]);

    // A fixed token that is refused: the error says where it came from, never what it was.
    let (url, _) = token_recorder(Some("fixed-s3cret")).await;
    let client = ArmClient::with_credential(
        &url,
        Credential::azure(Some("fixed-s3cret".into()), AzureCli::new("az")),
        RetryPolicy::default(),
    )
    .unwrap();
    let err = client.list_subscriptions().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("the token from AZURE_ACCESS_TOKEN was refused"), "{err}");
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!shown.contains("fixed-s3cret"), "{shown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_token_source_the_message_says_what_to_do() {
    let (url, _) = token_recorder(None).await;

    // az is not installed.
    let client = az_client(&url, AzureCli::new("/nonexistent/georep-test/az"));
    let err = client.list_subscriptions().await.unwrap_err();
    assert!(matches!(err, ClientError::Auth(_)), "{err:?}");
    assert_eq!(err.code(), "CredentialUnavailable");
    let text = err.to_string();
    for part in
        ["AZURE_ACCESS_TOKEN is not set", "not installed or not on PATH", "az login", "export AZURE_ACCESS_TOKEN="]
    {
        assert!(text.contains(part), "{part:?} in {text}");
    }

    // az is there but not signed in: its own words are passed on.
    let fake = FakeAz::new("x", 3600);
    fake.set("fail", "");
    let err = az_client(&url, AzureCli::new(fake.program())).list_subscriptions().await.unwrap_err();
    assert!(err.to_string().contains("Please run 'az login' to setup account."), "{err}");

    // az prints something unexpected: nothing of it is quoted (it may hold a token).
    let fake = FakeAz::new("x", 3600);
    fake.set("garbage", "");
    let err = az_client(&url, AzureCli::new(fake.program())).list_subscriptions().await.unwrap_err();
    assert!(err.to_string().contains("something other than the expected JSON"), "{err}");
    assert!(!format!("{err} {err:?}").contains("eyJsecret"), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_takes_its_token_from_the_environment_or_az_and_never_shows_it() {
    const TOKEN: &str = "env-t0ken-abcdef";
    let emu = start(Config { token: Some(TOKEN.into()), ..azure_like(TIME_SCALE) }).await;
    let url = emu.url();
    let args = [
        "links",
        "list",
        "--azure",
        "--endpoint",
        &url,
        "--subscription",
        SUB,
        "-n",
        "contoso-inventory-eus",
        "-g",
        INV_RG,
    ];

    // AZURE_ACCESS_TOKEN.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cli.log");
    let log_arg = log.to_str().unwrap();
    let run =
        georep(&[&args[..], &["--log", log_arg]].concat(), &[("AZURE_ACCESS_TOKEN", TOKEN), ("GEOREP_LOG", "trace")])
            .await;
    assert!(run.ok().stdout.contains("contoso-inventory-weu"), "{}", run.stdout);

    // `az` on PATH, when AZURE_ACCESS_TOKEN is not set.
    let fake = FakeAz::new("az-t0ken", 3600);
    let emu2 = start(Config { token: Some("az-t0ken-1".into()), ..azure_like(TIME_SCALE) }).await;
    let url2 = emu2.url();
    let args2 = ["caches", "list", "--azure", "--endpoint", &url2, "--subscription", SUB, "--log", log_arg];
    let run2 = georep_in(&args2, &[("GEOREP_LOG", "trace")], Some(&fake.path())).await;
    assert!(run2.ok().stdout.contains("contoso-prod-eus"), "{}", run2.stdout);
    assert_eq!(fake.runs(), 1);

    // Neither: a clear message, exit 1, before any request.
    let empty = tempfile::tempdir().unwrap();
    let run3 = georep_in(&args, &[], Some(empty.path())).await;
    run3.code(1);
    assert!(run3.stderr.starts_with("georep links list: cannot get an Azure access token"), "{}", run3.stderr);
    assert_eq!(run3.field("code"), "CredentialUnavailable");
    assert!(
        run3.field("message").contains("AZURE_ACCESS_TOKEN is not set") && run3.stderr.contains("az login"),
        "{}",
        run3.stderr
    );

    // The console says it too, before taking over the terminal. It needs no subscription (it shows
    // every one the token sees), but one given must be a subscription id.
    let console = georep_in(&["--azure", "--endpoint", &url, "--subscription", SUB], &[], Some(empty.path())).await;
    console.code(1);
    assert!(console.stderr.contains("AZURE_ACCESS_TOKEN is not set"), "{}", console.stderr);
    let console = georep_in(&["--azure", "--endpoint", &url], &[], Some(empty.path())).await;
    console.code(1);
    assert!(console.stderr.contains("AZURE_ACCESS_TOKEN is not set"), "{}", console.stderr);
    let console =
        georep(&["--azure", "--endpoint", &url, "--subscription", "prod"], &[("AZURE_ACCESS_TOKEN", TOKEN)]).await;
    console.code(2);
    assert!(console.stderr.contains("--subscription 'prod': a subscription id is a GUID"), "{}", console.stderr);

    // The tokens appear nowhere: output, errors, the trace log.
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!logged.is_empty(), "the log was written");
    for (what, text) in [
        ("stdout", &run.stdout),
        ("stderr", &run.stderr),
        ("stdout 2", &run2.stdout),
        ("stderr 2", &run2.stderr),
        ("log", &logged),
    ] {
        assert!(!text.contains(TOKEN) && !text.contains("az-t0ken-1"), "a token in the {what}:\n{text}");
    }
}
