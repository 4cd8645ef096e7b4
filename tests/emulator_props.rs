//! Generated requests through the emulator's whole HTTP application in-process (`Emulator::router`,
//! tower's `oneshot`): methods, ids as path segments (`/ ? # % ..`, unicode, huge), query strings,
//! headers and bodies (link requests with every field bent, and bytes). Whatever comes in: no 5xx, no
//! panic, and every 4xx carries an ARM error body. 10,000 cases, 1,000 when `CI` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Uri};
use georep::emulator::{Config, Emulator};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestCaseError, TestRunner};
use serde_json::{Value, json};
use tower::ServiceExt;

const SUB: &str = "11111111-2222-3333-4444-555555555555";
const NAMES: [&str; 6] =
    ["contoso-prod-eus", "contoso-dr-weu", "contoso-inventory-eus", "contoso-inventory-weu", "contoso-web-std", "nope"];
const GROUPS: [&str; 4] = ["rg-contoso-prod", "rg-contoso-dr", "rg-contoso-inventory", "RG-CONTOSO-PROD"];

/// Unreserved characters stay as they are; everything else is escaped.
const ESCAPE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// Escapes only what cannot be in a URI at all: `/`, `?`, `#`, `%` and `..` reach the router raw.
const ESCAPE_LITTLE: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

fn cases() -> u32 {
    if std::env::var_os("CI").is_some() { 1_000 } else { 10_000 }
}

#[derive(Clone, Debug)]
struct Case {
    method: Method,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(NAMES.to_vec()).prop_map(String::from),
        2 => proptest::sample::select(GROUPS.to_vec()).prop_map(String::from),
        2 => Just(SUB.to_string()),
        3 => proptest::sample::select(vec!["..", ".", "", "%", "%2F", "%00", "%zz", "a/b", "?x=1", "#f", "a%2e%2e", "../../x", "ü", "名前", "\u{202e}x", "\0"])
            .prop_map(String::from),
        3 => "[a-zA-Z0-9._~-]{0,70}",
        2 => "\\PC{0,24}",
        1 => any::<String>(),
        1 => (1usize..20_000).prop_map(|n| "x".repeat(n)),
    ]
}

/// A path: one of the routes' shapes with generated segments (fixed segments in any letter case), or
/// segments alone.
fn path() -> impl Strategy<Value = String> {
    let fixed = |s: &'static str| prop_oneof![3 => Just(s.to_string()), 1 => Just(s.to_ascii_uppercase()), 1 => Just(s.to_ascii_lowercase())];
    let enc = prop_oneof![3 => Just(true), 1 => Just(false)];
    (
        0usize..7,
        proptest::collection::vec((segment(), enc), 4),
        fixed("resourceGroups"),
        fixed("Microsoft.Cache"),
        fixed("linkedServers"),
        fixed("asyncOperations"),
    )
        .prop_map(|(shape, segs, rgs, mc, ls, ops)| {
            let s: Vec<String> = segs
                .iter()
                .map(|(raw, full)| utf8_percent_encode(raw, if *full { ESCAPE } else { ESCAPE_LITTLE }).to_string())
                .collect();
            match shape {
                0 => format!("/subscriptions/{}/{rgs}/{}/providers/{mc}/redis/{}/{ls}/{}", s[0], s[1], s[2], s[3]),
                1 => format!("/subscriptions/{}/{rgs}/{}/providers/{mc}/redis/{}", s[0], s[1], s[2]),
                2 => format!("/subscriptions/{}/{rgs}/{}/providers/{mc}/redis/{}/{ls}", s[0], s[1], s[2]),
                3 => format!("/subscriptions/{}/providers/{mc}/locations/{}/{ops}/{}", s[0], s[1], s[2]),
                4 => format!("/subscriptions/{}/providers/{mc}/redis", s[0]),
                5 => "/subscriptions".to_string(),
                _ => format!("/{}/{}/{}", s[0], s[1], s[2]),
            }
        })
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        4 => Just("api-version".to_string()),
        1 => Just("API-VERSION".to_string()),
        1 => Just("$skipToken".to_string()),
        1 => "\\PC{0,12}",
    ];
    let value = prop_oneof![
        4 => Just("2024-11-01".to_string()),
        1 => Just("2022-12-01".to_string()),
        1 => Just("-1".to_string()),
        1 => Just("99999999999999999999999".to_string()),
        2 => "\\PC{0,16}",
        1 => (1usize..5_000).prop_map(|n| "9".repeat(n)),
    ];
    prop_oneof![
        6 => proptest::collection::vec((key, value), 0..4).prop_map(|kv| {
            form_urlencoded::Serializer::new(String::new()).extend_pairs(kv).finish()
        }),
        1 => proptest::sample::select(vec!["&&==", "%%", "api-version", "=", "api-version=2024-11-01&api-version=x", "a=%zz"])
            .prop_map(String::from),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![
        proptest::sample::select(vec![
            "authorization",
            "content-type",
            "host",
            "accept",
            "x-ms-client-request-id",
            "accept-language",
            "if-match"
        ])
        .prop_map(String::from),
        "[a-z][a-z0-9-]{0,20}",
    ];
    let value = prop_oneof![
        Just(b"application/json".to_vec()),
        Just(b"Bearer x".to_vec()),
        Just(b"evil.example:1".to_vec()),
        proptest::collection::vec(32u8..127, 0..64),
        proptest::collection::vec(any::<u8>(), 0..32),
        (1usize..40_000).prop_map(|n| vec![b'h'; n]),
    ];
    prop_oneof![
        8 => proptest::collection::vec((name.clone(), value.clone()), 0..6),
        1 => proptest::collection::vec((name, value), 90..130),
    ]
}

fn id_like() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (proptest::sample::select(GROUPS.to_vec()), proptest::sample::select(NAMES.to_vec()))
            .prop_map(|(g, n)| json!(format!("/subscriptions/{SUB}/resourceGroups/{g}/providers/Microsoft.Cache/Redis/{n}"))),
        2 => (segment(), segment())
            .prop_map(|(g, n)| json!(format!("/subscriptions/{SUB}/resourceGroups/{g}/providers/Microsoft.Cache/Redis/{n}"))),
        1 => Just(json!(format!("/subscriptions/{SUB}/resourceGroups/rg-contoso-dr/providers/Microsoft.Cache/Redis/contoso-dr-weu/linkedServers/x"))),
        1 => "\\PC{0,40}".prop_map(Value::from),
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(json!(["a"])),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let location = prop_oneof![
        Just(json!("West Europe")),
        Just(json!("westeurope")),
        Just(json!("East US")),
        "\\PC{0,20}".prop_map(Value::from),
        Just(Value::Null),
        Just(json!(7)),
    ];
    let role = prop_oneof![
        Just(json!("Secondary")),
        Just(json!("secondary")),
        Just(json!("Primary")),
        Just(json!("")),
        "\\PC{0,12}".prop_map(Value::from),
        Just(json!({})),
    ];
    let link = (id_like(), location, role, any::<bool>(), 0usize..3).prop_map(|(id, loc, role, extra, shape)| {
        let mut props = json!({"linkedRedisCacheId": id, "linkedRedisCacheLocation": loc, "serverRole": role});
        if extra {
            props["unexpected"] = json!({"deep": [1, 2, 3]});
        }
        let v = match shape {
            0 => json!({ "properties": props }),
            1 => props,
            _ => json!({ "properties": null }),
        };
        serde_json::to_vec(&v).unwrap_or_default()
    });
    prop_oneof![
        3 => Just(Vec::new()),
        6 => link,
        2 => proptest::collection::vec(any::<u8>(), 0..512),
        1 => "\\PC{0,200}".prop_map(String::into_bytes),
        1 => (60_000usize..80_000).prop_map(|n| vec![b'{'; n]),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let method = proptest::sample::select(vec![
        Method::GET,
        Method::GET,
        Method::PUT,
        Method::PUT,
        Method::DELETE,
        Method::POST,
        Method::PATCH,
        Method::HEAD,
        Method::OPTIONS,
    ]);
    let generated = (method, path(), query(), headers(), body()).prop_map(|(method, path, query, headers, body)| {
        let target = if query.is_empty() { path } else { format!("{path}?{query}") };
        Case { method, target, headers, body }
    });
    // Requests right in everything but one or two details reach the later stages (the cache, the link
    // plan, the commit) more often than fully generated ones do.
    let method = proptest::sample::select(vec![Method::GET, Method::PUT, Method::DELETE]);
    let near = (
        method,
        proptest::sample::select(NAMES.to_vec()),
        proptest::sample::select(NAMES.to_vec()),
        0usize..3,
        headers(),
        body(),
    )
        .prop_map(|(method, name, linked, shape, headers, body)| {
            let cache =
                format!("/subscriptions/{SUB}/resourceGroups/rg-contoso-prod/providers/Microsoft.Cache/redis/{name}");
            let path = match shape {
                0 => cache,
                1 => format!("{cache}/linkedServers"),
                _ => format!("{cache}/linkedServers/{linked}"),
            };
            Case { method, target: format!("{path}?api-version=2024-11-01"), headers, body }
        });
    prop_oneof![4 => generated, 1 => near]
}

/// The request, or `None` when `http` cannot even represent it (nothing a server would receive).
fn request(case: &Case) -> Option<Request<Body>> {
    let uri: Uri = case.target.parse().ok()?;
    let mut req = Request::builder().method(case.method.clone()).uri(uri).body(Body::from(case.body.clone())).ok()?;
    for (name, value) in &case.headers {
        let (Ok(n), Ok(v)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_bytes(value)) else { continue };
        req.headers_mut().append(n, v);
    }
    Some(req)
}

async fn check(emu: &Emulator, case: &Case, statuses: &RefCell<BTreeSet<u16>>) -> Result<(), TestCaseError> {
    let Some(req) = request(case) else { return Ok(()) };
    let resp = match emu.router().oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = resp.status();
    statuses.borrow_mut().insert(status.as_u16());
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), 16 * 1024 * 1024)
        .await
        .map_err(|e| TestCaseError::fail(format!("body: {e}")))?;
    prop_assert!(!status.is_server_error(), "{status} for {case:?}: {}", String::from_utf8_lossy(&bytes));
    // A HEAD answer has no body by definition (axum drops it): its headers are those of the GET.
    if status.is_client_error() && case.method == Method::HEAD {
        prop_assert!(ct.starts_with("application/json"), "{status}: content-type {ct:?}");
    } else if status.is_client_error() {
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{status} without a JSON body ({e}) for {case:?}")))?;
        let err = &v["error"];
        prop_assert!(err["code"].as_str().is_some_and(|c| !c.is_empty()), "{status}: no error.code in {v}");
        prop_assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()), "{status}: no error.message in {v}");
        prop_assert!(ct.starts_with("application/json"), "{status}: content-type {ct:?}");
    }
    Ok(())
}

#[test]
fn generated_requests_get_no_5xx_and_every_4xx_is_an_arm_error() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let emu = Emulator::simulated(Config { time_scale: 1000.0, ..Config::default() }).expect("emulator");
    let mut runner = TestRunner::new(PropConfig { cases: cases(), failure_persistence: None, ..PropConfig::default() });
    let seen = std::cell::Cell::new(0u32);
    let statuses = RefCell::new(BTreeSet::new());
    let result = runner.run(&case(), |case| {
        seen.set(seen.get() + 1);
        // Operations move on between cases, so links finish, get deleted and made again.
        emu.tick();
        rt.block_on(check(&emu, &case, &statuses))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(seen.get() >= cases(), "{} cases ran", seen.get());
    // The generated requests reach the routes, not only the edge.
    let statuses = statuses.into_inner();
    for want in [200, 400, 404, 405, 413, 431] {
        assert!(statuses.contains(&want), "no {want} among {statuses:?}");
    }
}
