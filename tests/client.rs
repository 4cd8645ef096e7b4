//! The ARM client against the in-process emulator, over real HTTP on 127.0.0.1 (no mocks).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::emulator::start;

use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use georep::arm::{LinkState, OperationState, ProvisioningState, ReplicationRole, ResourceId, SkuName};
use georep::client::{ArmClient, ClientError, Follow, Lro, LroStatus, RetryPolicy};
use georep::emulator::{Config, Emulator, Running, fleet::DEMO_FLEET};

const SUB: &str = "11111111-2222-3333-4444-555555555555";
const PROD_RG: &str = "rg-contoso-prod";
const DR_RG: &str = "rg-contoso-dr";
const PRIMARY: &str = "contoso-prod-eus";
const WUS2: &str = "contoso-dr-wus2";
const WEU: &str = "contoso-dr-weu";
const STANDARD: &str = "contoso-web-std";
/// A link that the demo fleet starts with.
const INV_RG: &str = "rg-contoso-inventory";
const INV_PRIMARY: &str = "contoso-inventory-eus";
const INV_SECONDARY: &str = "contoso-inventory-weu";

/// Model seconds per real second in the link tests: a link to West US 2 (60 s provisioning + 60 s
/// sync) takes about 1.2 s, an unlink (90 s) about 0.9 s, and each phase spans several 100 ms ticks of
/// the emulator's driver, so progress is visible.
const TIME_SCALE: f64 = 100.0;
/// Upper bound for any single wait in these tests.
const BOUND: Duration = Duration::from_secs(15);
/// Between polls of our own loops.
const POLL: Duration = Duration::from_millis(20);

async fn bounded<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(BOUND, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within {BOUND:?}"),
    }
}

fn config(time_scale: f64) -> Config {
    Config { time_scale, ..Default::default() }
}

fn client(emu: &Running) -> ArmClient {
    ArmClient::new(&emu.url(), None).expect("client").with_poll_interval(POLL)
}

fn cache(rg: &str, name: &str) -> ResourceId {
    ResourceId::cache(SUB, rg, name)
}

/// The demo fleet's caches as (subscription, resource group, name).
fn fleet_caches() -> Vec<(String, String, String)> {
    let fleet: serde_json::Value = serde_json::from_str(DEMO_FLEET).expect("fleet json");
    fleet["caches"]
        .as_array()
        .expect("caches")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().expect(k).to_string();
            (s("subscription"), s("resourceGroup"), s("name"))
        })
        .collect()
}

fn arm_parts(e: &ClientError) -> (u16, &str, &str, Option<&str>) {
    match e {
        ClientError::Arm { status, code, message, request_id, .. } => (*status, code, message, request_id.as_deref()),
        other => panic!("expected an ARM error, got {other:?}"),
    }
}

fn no_headers(lro: &Lro) -> Lro {
    Lro { async_operation: None, location: None, retry_after: None, ..lro.clone() }
}

fn state_of(entry_state: &str) -> OperationState {
    match entry_state {
        "Succeeded" => OperationState::Succeeded,
        "Failed" => OperationState::Failed,
        _ => OperationState::InProgress,
    }
}

// ---------------------------------------------------------------------------------------------- lists

#[tokio::test(flavor = "multi_thread")]
async fn lists_subscriptions() {
    let emu = start(config(1.0)).await;
    let subs = bounded("list_subscriptions", client(&emu).list_subscriptions()).await.expect("subscriptions");
    let ids: BTreeSet<_> = subs.iter().map(|s| s.subscription_id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from([SUB, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]));
    let contoso = subs.iter().find(|s| s.subscription_id == SUB).unwrap();
    assert_eq!(contoso.display_name, "Contoso Production");
    assert_eq!(contoso.id, format!("/subscriptions/{SUB}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_caches_across_pages() {
    let emu = start(Config { page_size: 3, ..config(1.0) }).await;
    let want: BTreeSet<String> = fleet_caches().into_iter().filter(|(s, _, _)| s == SUB).map(|(_, _, n)| n).collect();
    assert!(want.len() > 3 * 2, "the fleet should need several pages of 3");

    let caches = bounded("list_caches", client(&emu).list_caches(SUB)).await.expect("caches");
    let got: Vec<String> = caches.iter().map(|c| c.name().to_string()).collect();
    assert_eq!(got.len(), want.len(), "every cache once: {got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    for c in &caches {
        let id = ResourceId::parse(c.id()).expect("cache id");
        assert_eq!(id.subscription, SUB);
        assert_eq!(id.name, c.name());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_caches_in_a_resource_group() {
    let emu = start(Config { page_size: 2, ..config(1.0) }).await;
    let want: BTreeSet<String> =
        fleet_caches().into_iter().filter(|(s, g, _)| s == SUB && g == DR_RG).map(|(_, _, n)| n).collect();
    assert!(want.contains(WUS2) && want.contains(WEU));

    let caches = bounded("list_caches_in_group", client(&emu).list_caches_in_group(SUB, DR_RG)).await.expect("caches");
    let got: Vec<String> = caches.iter().map(|c| c.name().to_string()).collect();
    assert_eq!(got.len(), want.len(), "{got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);

    let err = bounded("unknown group", client(&emu).list_caches_in_group(SUB, "rg-nope")).await.unwrap_err();
    let (status, code, _, _) = arm_parts(&err);
    assert_eq!((status, code), (404, "ResourceGroupNotFound"));
}

#[tokio::test(flavor = "multi_thread")]
async fn gets_a_cache() {
    let emu = start(config(1.0)).await;
    let id = cache(PROD_RG, PRIMARY);
    let c = bounded("get_cache", client(&emu).get_cache(&id)).await.expect("cache");
    assert_eq!(c.name(), PRIMARY);
    assert_eq!(c.location, "East US");
    assert_eq!(ResourceId::parse(c.id()).unwrap(), id);
    assert_eq!(c.properties.sku.name, SkuName::Premium);
    assert_eq!(c.provisioning_state(), ProvisioningState::Succeeded);
    assert_eq!(c.properties.redis_version.as_deref(), Some("6.0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_cache_is_a_typed_404() {
    let emu = start(config(1.0)).await;
    let err = bounded("get_cache", client(&emu).get_cache(&cache(PROD_RG, "no-such-cache"))).await.unwrap_err();
    let (status, code, message, request_id) = arm_parts(&err);
    assert_eq!(status, 404);
    assert_eq!(code, "ResourceNotFound");
    assert!(message.contains("no-such-cache"), "{message}");
    let request_id = request_id.expect("x-ms-request-id kept");
    assert!(!request_id.is_empty());
    assert_eq!(err.code(), "ResourceNotFound");
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.request_id(), Some(request_id));
    let shown = err.to_string();
    assert!(shown.starts_with("ResourceNotFound: "), "{shown}");
    assert!(shown.contains(request_id), "{shown}");
}

// ---------------------------------------------------------------------------------------------- links

#[tokio::test(flavor = "multi_thread")]
async fn link_and_unlink_through_async_operations() {
    let emu = start(config(TIME_SCALE)).await;
    let c = client(&emu);
    let (primary, secondary) = (cache(PROD_RG, PRIMARY), cache(DR_RG, WUS2));

    // Create: the entry comes back Creating, with an operation to follow.
    let (entry, lro) = bounded("create_link", c.create_link(&primary, &secondary, "West US 2")).await.expect("link");
    assert_eq!(entry.name(), WUS2);
    assert_eq!(entry.state(), georep::arm::LinkState::Creating);
    assert_eq!(entry.properties.server_role, ReplicationRole::Secondary);
    assert_eq!(ResourceId::parse(&entry.properties.linked_redis_cache_id).unwrap(), secondary);
    let op = lro.async_operation.as_deref().expect("Azure-AsyncOperation");
    assert!(op.contains("/providers/Microsoft.Cache/locations/") && op.contains("/asyncOperations/"), "{op}");
    assert!(lro.location.is_some(), "Location");
    assert!(lro.retry_after.is_some(), "Retry-After");
    assert!(lro.resource.contains(&format!("/linkedServers/{WUS2}")), "{}", lro.resource);

    // Both caches say Linking while it runs.
    for id in [&primary, &secondary] {
        let cache = c.get_cache(id).await.expect("cache");
        assert_eq!(cache.provisioning_state(), ProvisioningState::Linking, "{}", cache.name());
    }

    // Follow it to the end, polling often: the percentage only rises, and ends at 100.
    let mut percents = Vec::new();
    let often = Follow { min_interval: POLL, max_interval: POLL, ..Follow::default() };
    let done = bounded("link operation", async {
        let statuses = c.follow(&lro, often);
        futures::pin_mut!(statuses);
        let mut last = None;
        while let Some(s) = statuses.next().await {
            let s = s.expect("poll");
            percents.push(s.percent.expect("the emulator reports percentComplete"));
            if !s.state.is_terminal() {
                assert_eq!(s.state, OperationState::InProgress);
            }
            last = Some(s);
        }
        last.expect("a status")
    })
    .await;
    assert_eq!(done.state, OperationState::Succeeded, "{done:?}");
    assert!(done.error.is_none());
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "percent went down: {percents:?}");
    assert_eq!(*percents.last().unwrap(), 100.0);
    assert!(percents[0] < 100.0, "{percents:?}");
    assert!(percents.iter().any(|p| *p > 0.0 && *p < 100.0), "no progress in between: {percents:?}");

    // Both sides' entries, each naming the other with the peer's role.
    let on_primary = c.list_linked_servers(&primary).await.expect("primary links");
    assert_eq!(on_primary.len(), 1);
    let e = &on_primary[0];
    assert_eq!(e.name(), WUS2);
    assert_eq!(e.properties.server_role, ReplicationRole::Secondary);
    assert_eq!(e.state(), georep::arm::LinkState::Succeeded);
    assert_eq!(e.properties.linked_redis_cache_location, "West US 2");
    assert_eq!(ResourceId::parse(&e.properties.linked_redis_cache_id).unwrap(), secondary);
    assert_eq!(e.properties.primary_host_name.as_deref(), Some("contoso-prod-eus.redis.cache.windows.net"));

    let on_secondary = c.list_linked_servers(&secondary).await.expect("secondary links");
    assert_eq!(on_secondary.len(), 1);
    let e = &on_secondary[0];
    assert_eq!(e.name(), PRIMARY);
    assert_eq!(e.properties.server_role, ReplicationRole::Primary);
    assert_eq!(e.state(), georep::arm::LinkState::Succeeded);
    assert_eq!(e.properties.linked_redis_cache_location, "East US");
    assert_eq!(ResourceId::parse(&e.properties.linked_redis_cache_id).unwrap(), primary);

    let one = c.get_linked_server(&primary, WUS2).await.expect("get entry");
    assert_eq!(&one, &on_primary[0]);
    for id in [&primary, &secondary] {
        assert_eq!(c.get_cache(id).await.unwrap().provisioning_state(), ProvisioningState::Succeeded);
    }

    // Unlink: an operation, waited on with Retry-After; then nothing is linked.
    let lro = bounded("delete_link", c.delete_link(&primary, WUS2)).await.expect("unlink").expect("an operation");
    assert!(lro.async_operation.is_some() && lro.location.is_some() && lro.retry_after.is_some(), "{lro:?}");
    let entry = c.get_linked_server(&primary, WUS2).await.expect("entry while unlinking");
    assert_eq!(entry.state(), georep::arm::LinkState::Deleting);
    let end = bounded("unlink operation", c.wait(&lro)).await.expect("wait");
    assert_eq!(end.state, OperationState::Succeeded, "{end:?}");
    assert_eq!(end.percent, Some(100.0));
    assert!(c.list_linked_servers(&primary).await.unwrap().is_empty());
    assert!(c.list_linked_servers(&secondary).await.unwrap().is_empty());
    let err = c.get_linked_server(&primary, WUS2).await.unwrap_err();
    assert_eq!(err.status(), Some(404));

    // Deleting it again: nothing to do.
    assert_eq!(c.delete_link(&primary, WUS2).await.expect("second delete"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn incompatible_link_is_a_400_with_reasons() {
    let emu = start(config(TIME_SCALE)).await;
    let c = client(&emu);
    let (primary, standard) = (cache(PROD_RG, PRIMARY), cache("rg-contoso-web", STANDARD));
    let location = c.get_cache(&standard).await.expect("standard cache").location;
    let err = bounded("create_link", c.create_link(&primary, &standard, &location)).await.unwrap_err();
    let ClientError::Arm { status, code, message, request_id, details } = &err else {
        panic!("expected an ARM error, got {err:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(code, "GeoReplicationPrerequisitesNotMet");
    assert!(message.contains(STANDARD), "{message}");
    assert!(request_id.is_some());
    let codes: Vec<&str> = details.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"NotPremium"), "{codes:?}");
    assert!(codes.contains(&"SameRegion"), "{codes:?}");
    assert!(details.iter().all(|d| !d.message.is_empty()));
    // Nothing was started.
    assert!(c.list_linked_servers(&primary).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_link_that_does_not_exist_is_none() {
    let emu = start(config(TIME_SCALE)).await;
    let c = client(&emu);
    let got = bounded("delete_link", c.delete_link(&cache(PROD_RG, PRIMARY), WEU)).await.expect("delete");
    assert_eq!(got, None);
}

// ---------------------------------------------------------------------------------------------- LRO fallbacks

#[tokio::test(flavor = "multi_thread")]
async fn without_headers_the_resource_is_polled() {
    let emu = start(config(TIME_SCALE)).await;
    let c = client(&emu);
    let primary = cache(PROD_RG, PRIMARY);
    let (_, lro) = c.create_link(&primary, &cache(DR_RG, WUS2), "West US 2").await.expect("link");
    let lro = no_headers(&lro);

    // Each poll is checked against the entry's provisioningState read just before and after it.
    let mut checked = BTreeSet::new();
    let last = bounded("resource polling", async {
        loop {
            let before = c.get_linked_server(&primary, WUS2).await.expect("entry");
            let s = c.poll(&lro).await.expect("poll");
            let after = c.get_linked_server(&primary, WUS2).await.expect("entry");
            assert!(s.percent.is_none(), "no percentage from a resource: {s:?}");
            if before.state() == after.state() {
                assert_eq!(s.state, state_of(before.state().as_str()), "entry {}", before.state());
                checked.insert(before.state().to_string());
            }
            if s.state.is_terminal() {
                break s;
            }
            tokio::time::sleep(POLL).await;
        }
    })
    .await;
    assert_eq!(last.state, OperationState::Succeeded);
    // The end is stable: when the entry changed during the last poll, one more poll around it checks it.
    let before = c.get_linked_server(&primary, WUS2).await.expect("entry");
    let s = c.poll(&lro).await.expect("poll");
    let after = c.get_linked_server(&primary, WUS2).await.expect("entry");
    assert_eq!((before.state(), after.state()), (LinkState::Succeeded, LinkState::Succeeded));
    assert_eq!(s.state, state_of(before.state().as_str()));
    checked.insert(before.state().to_string());
    let want: BTreeSet<String> = ["Creating", "Syncing", "Succeeded"].map(String::from).into();
    assert_eq!(checked, want, "phases seen around a poll");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resource_that_is_gone_counts_as_succeeded() {
    let emu = start(config(TIME_SCALE)).await;
    let c = client(&emu);
    let primary = cache(INV_RG, INV_PRIMARY);

    // A linked server that never existed: done at once.
    let url = format!("{}{}?api-version={}", emu.url(), primary.linked_server("never-there"), georep::arm::API_VERSION);
    let lro = Lro { async_operation: None, location: None, resource: url, retry_after: None, request_id: None };
    let s = bounded("poll", c.poll(&lro)).await.expect("poll");
    assert_eq!(s.state, OperationState::Succeeded);

    // Unlinking the fleet's link, followed through the entry only: Deleting, then gone.
    assert_eq!(c.list_linked_servers(&primary).await.unwrap().len(), 1);
    let lro = c.delete_link(&primary, INV_SECONDARY).await.expect("unlink").expect("an operation");
    let lro = no_headers(&lro);
    assert!(lro.resource.contains(&format!("/linkedServers/{INV_SECONDARY}")), "{}", lro.resource);
    let first = c.poll(&lro).await.expect("poll");
    assert_eq!(first.state, OperationState::InProgress, "entry is Deleting");
    let end = bounded("resource polling", c.wait(&lro)).await.expect("followed to the end");
    assert_eq!(end, LroStatus { state: OperationState::Succeeded, percent: None, error: None, retry_after: None });
    let err = c.get_linked_server(&primary, INV_SECONDARY).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(c.list_linked_servers(&cache(INV_RG, INV_SECONDARY)).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn location_only_operations_are_followed() {
    let emu = start(config(TIME_SCALE)).await;
    let c = client(&emu);
    let primary = cache(PROD_RG, PRIMARY);

    let (_, lro) = c.create_link(&primary, &cache(DR_RG, WEU), "West Europe").await.expect("link");
    let lro = Lro { async_operation: None, ..lro };
    assert!(lro.location.is_some());
    assert_eq!(c.poll(&lro).await.expect("poll").state, OperationState::InProgress);
    let end = bounded("link via Location", c.wait(&lro)).await.expect("wait");
    assert_eq!(end.state, OperationState::Succeeded);
    assert_eq!(c.get_linked_server(&primary, WEU).await.unwrap().state(), georep::arm::LinkState::Succeeded);

    let lro = c.delete_link(&primary, WEU).await.expect("unlink").expect("an operation");
    let lro = Lro { async_operation: None, ..lro };
    assert_eq!(c.poll(&lro).await.expect("poll").state, OperationState::InProgress);
    let end = bounded("unlink via Location", c.wait(&lro)).await.expect("wait");
    assert_eq!(end.state, OperationState::Succeeded);
    assert!(c.list_linked_servers(&primary).await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------- auth and config

#[tokio::test(flavor = "multi_thread")]
async fn bearer_token_is_sent_and_never_shown() {
    const TOKEN: &str = "t0ken";
    let emu = start(Config { token: Some(TOKEN.into()), ..config(1.0) }).await;

    let anonymous = client(&emu);
    let err = bounded("no token", anonymous.list_subscriptions()).await.unwrap_err();
    let (status, code, _, request_id) = arm_parts(&err);
    assert_eq!((status, code), (401, "AuthenticationFailed"));
    assert!(request_id.is_some());

    let wrong = ArmClient::new(&emu.url(), Some("wr0ng-s3cret".into())).unwrap();
    let wrong_err = bounded("wrong token", wrong.list_subscriptions()).await.unwrap_err();
    assert_eq!(wrong_err.status(), Some(401));

    let authed = ArmClient::new(&emu.url(), Some(TOKEN.into())).unwrap();
    let subs = bounded("with token", authed.list_subscriptions()).await.expect("authorised");
    assert_eq!(subs.len(), 2);
    let caches = authed.list_caches_in_group(SUB, DR_RG).await.expect("authorised");
    assert!(!caches.is_empty());

    // Errors from a client that holds the token: a 404 and a connection failure.
    let not_found = authed.get_cache(&cache(PROD_RG, "missing")).await.unwrap_err();
    assert_eq!(not_found.status(), Some(404));
    let closed = ArmClient::with_policy(
        &format!("http://{}", free_port()),
        Some(TOKEN.into()),
        RetryPolicy { attempts: 1, backoff: Duration::from_millis(1), timeout: Duration::from_secs(2) },
    )
    .unwrap();
    let transport = bounded("closed port", closed.list_subscriptions()).await.unwrap_err();

    for (name, shown) in [
        ("authed client", format!("{authed:?}")),
        ("wrong client", format!("{wrong:?}")),
        ("closed client", format!("{closed:?}")),
        ("401", format!("{err} {err:?}")),
        ("401 with wrong token", format!("{wrong_err} {wrong_err:?}")),
        ("404", format!("{not_found} {not_found:?}")),
        ("transport", format!("{transport} {transport:?}")),
    ] {
        assert!(!shown.contains(TOKEN), "{name} shows the token: {shown}");
        assert!(!shown.contains("wr0ng-s3cret"), "{name} shows the token: {shown}");
    }
    assert!(format!("{authed:?}").contains("***"));
}

#[test]
fn bad_endpoints_are_config_errors() {
    for bad in [
        "",
        "127.0.0.1:8080",
        "ftp://example.com",
        "management.azure.com",
        "http://",
        "http://exa mple.com",
        "https://host?x=1",
    ] {
        match ArmClient::new(bad, None) {
            Err(ClientError::Config(msg)) => assert!(!msg.is_empty()),
            other => panic!("{bad:?}: expected a Config error, got {other:?}"),
        }
    }
    for good in ["http://127.0.0.1:8080", "http://127.0.0.1:8080/", "https://management.azure.com"] {
        let c = ArmClient::new(good, None).unwrap_or_else(|e| panic!("{good}: {e}"));
        assert!(!c.base().ends_with('/'), "{}", c.base());
    }
}

// ---------------------------------------------------------------------------------------------- transport and retries

/// A port nothing listens on (bound, then released).
fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_a_transport_error_after_retries() {
    let addr = free_port();
    let policy = RetryPolicy { attempts: 3, backoff: Duration::from_millis(50), timeout: Duration::from_secs(2) };
    let c = ArmClient::with_policy(&format!("http://{addr}"), None, policy).unwrap();
    let started = Instant::now();
    let err = bounded("closed port", c.list_subscriptions()).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, ClientError::Transport { .. }), "{err:?}");
    assert_eq!(err.to_string(), format!("cannot reach http://{addr} (connection refused)"));
    assert_eq!(err.code(), "ConnectionFailed");
    assert!(!err.to_string().is_empty());
    // Three attempts, with 50 ms then 100 ms between them.
    assert!(took >= Duration::from_millis(150), "gave up after {took:?}: no retries?");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn gets_are_retried_until_the_server_listens() {
    let addr = free_port();
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Emulator::simulated(config(1.0)).expect("emulator").bind(addr).await.expect("bind the freed port")
    });
    // Default policy: 4 attempts, 250 ms backoff doubling, so the third attempt (at ~750 ms) connects.
    let c = ArmClient::new(&format!("http://{addr}"), None).unwrap();
    let started = Instant::now();
    let subs = bounded("list_subscriptions", c.list_subscriptions()).await.expect("retried into success");
    assert_eq!(subs.len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(250), "the first attempt cannot have connected");
    let emu = server.await.expect("server task");
    assert_eq!(emu.addr, addr);
}
