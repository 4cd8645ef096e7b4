//! The ARM client against hostile names, endpoints that never answer, proxies' pages, and a flaky
//! operation: no name addresses another resource, every wait is bounded, a page that is not JSON is not
//! Succeeded. Over real HTTP on 127.0.0.1 (the in-process emulator, or a small server of the test's
//! own for answers the emulator never gives).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use futures::StreamExt;
use georep::arm::{OperationState, ResourceId};
use georep::client::{ArmClient, ClientError, Follow, Lro, RetryPolicy};
use georep::emulator::{Config, Running};

const SUB: &str = "11111111-2222-3333-4444-555555555555";
const PROD_RG: &str = "rg-contoso-prod";
const PRIMARY: &str = "contoso-prod-eus";
const INV_RG: &str = "rg-contoso-inventory";
const INV_PRIMARY: &str = "contoso-inventory-eus";
const INV_SECONDARY: &str = "contoso-inventory-weu";
const BOUND: Duration = Duration::from_secs(15);

async fn bounded<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f).await.unwrap_or_else(|_| panic!("{what} did not finish within {BOUND:?}"))
}

async fn start() -> Running {
    support::emulator::start(Config { time_scale: 100.0, ..Default::default() }).await
}

/// A server of the test's own on 127.0.0.1:0 answering every request with `answer(n)` (n counts from
/// 1); stops when the test's runtime ends.
async fn serve_with<F, R>(answer: F) -> String
where
    F: Fn(u32) -> R + Clone + Send + Sync + 'static,
    R: IntoResponse,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicU32::new(0));
    let app = axum::Router::new().fallback(move || {
        let (answer, seen) = (answer.clone(), seen.clone());
        async move { answer(seen.fetch_add(1, Ordering::SeqCst) + 1).into_response() }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_with_slashes_stays_one_segment_and_unlinks_nothing_else() {
    let emu = start().await;
    let c = ArmClient::new(&emu.url(), None).unwrap();
    let (prod, inv) = (ResourceId::cache(SUB, PROD_RG, PRIMARY), ResourceId::cache(SUB, INV_RG, INV_PRIMARY));
    let hostile = format!(
        "../../../../../../{INV_RG}/providers/Microsoft.Cache/redis/{INV_PRIMARY}/linkedServers/{INV_SECONDARY}"
    );
    // Unencoded, this path resolved to the inventory pair's link and removed it.
    let got = bounded("delete_link", c.delete_link(&prod, &hostile)).await;
    assert!(matches!(got, Ok(None) | Err(ClientError::Arm { status: 404, .. })), "{got:?}");
    let entries = c.list_linked_servers(&inv).await.expect("inventory links");
    assert_eq!(entries.len(), 1, "the other pair's link is untouched");
    assert_eq!(entries[0].name(), INV_SECONDARY);
    assert_eq!(entries[0].state(), georep::arm::LinkState::Succeeded);

    // `?` and `#` stay in the name: the request keeps its api-version and finds no such cache.
    for name in ["cache?x=1", "cache#x", "cache%2F..", "a/b"] {
        let err = c.get_cache(&ResourceId::cache(SUB, PROD_RG, name)).await.unwrap_err();
        assert_eq!((err.status(), err.code()), (Some(404), "ResourceNotFound"), "{name}: {err}");
    }
    // Dot segments cannot be kept in place by any encoding: refused before sending.
    for name in ["..", ".", ""] {
        let err = c.delete_link(&prod, name).await.unwrap_err();
        assert!(matches!(err, ClientError::InvalidName(_)), "{name:?}: {err:?}");
    }
    let err = c.list_caches_in_group(SUB, "..").await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidName(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_location_answering_a_page_that_is_not_json_is_an_error() {
    let html = serve_with(|_| {
        (StatusCode::OK, [("content-type", "text/html")], "<html><body>Sign in to the proxy</body></html>")
    })
    .await;
    let c = ArmClient::new(&html, None).unwrap();
    let lro = Lro {
        async_operation: None,
        location: Some(format!("{html}/operation")),
        resource: format!("{html}/resource"),
        retry_after: None,
        request_id: None,
    };
    let err = bounded("poll", c.poll(&lro)).await.unwrap_err();
    assert!(matches!(err, ClientError::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("not JSON (text/html"), "{err}");

    // An empty 200 is the end of a DELETE.
    let empty = serve_with(|_| StatusCode::OK).await;
    let lro = Lro { location: Some(format!("{empty}/operation")), ..lro };
    let c = ArmClient::new(&empty, None).unwrap();
    assert_eq!(bounded("poll", c.poll(&lro)).await.expect("poll").state, OperationState::Succeeded);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_never_answers_is_bounded_by_the_deadline() {
    // Accepts, then never answers (the connections are kept open).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let c = ArmClient::new(&format!("http://{addr}"), None).unwrap().with_deadline(Some(Duration::from_millis(400)));
    let started = Instant::now();
    let err = bounded("list_subscriptions", c.list_subscriptions()).await.unwrap_err();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(350) && took < Duration::from_secs(3), "{took:?}");
    assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
    assert_eq!(err.to_string(), format!("no answer from http://{addr} within 0.4 s"));
    // Past the deadline nothing more is sent.
    let err = c.list_subscriptions().await.unwrap_err();
    assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
}

#[test]
fn endpoints_with_a_user_or_password_are_refused() {
    for bad in ["http://user:pw@127.0.0.1:8080", "http://user@127.0.0.1:8080", "https://:secret@example.com"] {
        match ArmClient::new(bad, None) {
            Err(ClientError::Config(m)) => {
                assert!(m.contains("user name or password"), "{m}");
                assert!(!m.contains("pw") && !m.contains("secret"), "the password is repeated: {m}");
            }
            other => panic!("{bad}: expected a Config error, got {other:?}"),
        }
    }
}

/// An operation status server: 503 for the first `failures` polls, then InProgress, then Succeeded.
async fn flaky_operation(failures: u32) -> (ArmClient, Lro) {
    let url = serve_with(move |n| {
        if n <= failures {
            (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")], "{}").into_response()
        } else {
            let status = if n == failures + 1 { "InProgress" } else { "Succeeded" };
            let body =
                serde_json::json!({"status": status, "percentComplete": if n == failures + 1 { 50 } else { 100 }});
            (StatusCode::OK, [("retry-after", "0")], axum::Json(body)).into_response()
        }
    })
    .await;
    let once = RetryPolicy { attempts: 1, backoff: Duration::from_millis(1), timeout: Duration::from_secs(5) };
    let c = ArmClient::with_policy(&url, None, once).unwrap().with_poll_interval(Duration::from_millis(10));
    let lro = Lro {
        async_operation: Some(format!("{url}/op")),
        location: None,
        resource: format!("{url}/resource"),
        retry_after: Some(Duration::ZERO),
        request_id: None,
    };
    (c, lro)
}

#[tokio::test(flavor = "multi_thread")]
async fn following_tolerates_a_few_failed_polls_and_ends_at_the_terminal_state() {
    let (c, lro) = flaky_operation(3).await;
    let statuses: Vec<_> = bounded("follow", c.follow(&lro, Follow::default()).collect::<Vec<_>>()).await;
    let states: Vec<_> = statuses.into_iter().map(|s| s.expect("tolerated").state).collect();
    assert_eq!(states, [OperationState::InProgress, OperationState::Succeeded]);

    // One failure more than tolerated ends it with the error.
    let (c, lro) = flaky_operation(3).await;
    let options = Follow { tolerated_failures: 3, ..Follow::default() };
    let statuses: Vec<_> = bounded("follow", c.follow(&lro, options).collect::<Vec<_>>()).await;
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert!(matches!(&statuses[0], Err(ClientError::Arm { status: 503, .. })), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn following_ends_at_the_deadline() {
    let url = serve_with(|_| {
        (StatusCode::OK, [("retry-after", "1")], axum::Json(serde_json::json!({"status": "InProgress"})))
    })
    .await;
    let c = ArmClient::new(&url, None).unwrap();
    let lro = Lro {
        async_operation: Some(format!("{url}/op")),
        location: None,
        resource: format!("{url}/resource"),
        retry_after: Some(Duration::from_millis(100)),
        request_id: None,
    };
    let until = tokio::time::Instant::now() + Duration::from_millis(1500);
    let options = Follow { deadline: Some((until, Duration::from_millis(1500))), ..Follow::default() };
    let started = Instant::now();
    let items: Vec<_> = bounded("follow", c.follow(&lro, options).collect::<Vec<_>>()).await;
    let took = started.elapsed();
    // Polls at 0.1 s and 1.1 s (Retry-After: 1), then the deadline before the next one.
    assert!(took >= Duration::from_millis(1400) && took < Duration::from_secs(4), "{took:?}");
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(items[..2].iter().all(|i| matches!(i, Ok(s) if s.state == OperationState::InProgress)), "{items:?}");
    match &items[2] {
        Err(e @ ClientError::OperationTimeout { .. }) => {
            assert_eq!(e.to_string(), "the operation did not end within 1.5 s")
        }
        other => panic!("expected the deadline, got {other:?}"),
    }
}
