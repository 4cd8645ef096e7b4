//! The emulator's network edge against hostile and unlucky clients: a blank token, authentication
//! before throttling, sockets that stop mid-request, the descriptor limit, requests too large for the
//! emulator or for hyper, a hostile Host header, and `--chaos` faults that must not change state.
//! In-process emulators on 127.0.0.1:0 and `georep serve` processes; every wait is bounded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use cli_support::{BIN, georep};
use georep::emulator::{ChaosSpec, Config, Emulator, Limits, Running};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SUB: &str = "11111111-2222-3333-4444-555555555555";
const API: &str = "api-version=2024-11-01";
const LINK_PATH: &str = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-contoso-prod/providers/Microsoft.Cache/redis/contoso-prod-eus/linkedServers/contoso-dr-weu";

fn link_body() -> String {
    json!({"properties": {
        "linkedRedisCacheId": format!("/subscriptions/{SUB}/resourceGroups/rg-contoso-dr/providers/Microsoft.Cache/Redis/contoso-dr-weu"),
        "linkedRedisCacheLocation": "West Europe",
        "serverRole": "Secondary",
    }})
    .to_string()
}

async fn start(config: Config) -> Running {
    Emulator::simulated(config).expect("emulator").bind("127.0.0.1:0".parse().unwrap()).await.expect("bind")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("client")
}

/// An answer read off a raw socket.
#[derive(Debug)]
struct Raw {
    status: u16,
    head: String,
    body: String,
}

impl Raw {
    #[track_caller]
    fn arm_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        let v: Value = serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"));
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert!(self.head.to_ascii_lowercase().contains("content-type: application/json"), "{}", self.head);
    }
}

/// Sends `request` on a new connection and reads the answer until the server closes it (bounded).
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> Raw {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    // The server may answer and close before it has read everything (hyper's own refusals): a failed
    // write is not the test's business, the answer is.
    let _ = s.write_all(request).await;
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server neither answered nor closed within 10 s");
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Raw { status, head: head.to_string(), body: body.to_string() }
}

#[tokio::test]
async fn a_blank_token_is_refused_with_exit_2() {
    for (args, env) in [
        (vec!["serve", "--listen", "0.0.0.0:0", "--token", ""], vec![]),
        (vec!["serve", "--listen", "0.0.0.0:0", "--token", "   "], vec![]),
        (vec!["serve", "--listen", "127.0.0.1:0", "--token", ""], vec![]),
        (vec!["serve", "--listen", "0.0.0.0:0"], vec![("GEOREP_SERVE_TOKEN", "")]),
        (vec!["serve", "--listen", "0.0.0.0:0"], vec![("GEOREP_SERVE_TOKEN", " ")]),
    ] {
        let run = georep(&args, &env).await;
        run.code(2);
        assert!(run.stderr.contains("token"), "{args:?} {env:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "one line: {}", run.stderr);
    }
}

#[tokio::test]
async fn an_unauthenticated_request_gets_401_never_429() {
    let chaos: ChaosSpec = "429=1,seed=1".parse().unwrap();
    for config in [
        Config { token: Some("s3cret".into()), throttle_every: Some(1), ..Config::default() },
        Config { token: Some("s3cret".into()), chaos: Some(chaos), ..Config::default() },
    ] {
        let run = start(config).await;
        let url = format!("{}/subscriptions?api-version=2022-12-01", run.url());
        for _ in 0..5 {
            let resp = http().get(&url).send().await.expect("GET");
            assert_eq!(resp.status(), 401);
            assert!(resp.headers().contains_key("x-ms-request-id"));
            let body: Value = resp.json().await.expect("JSON");
            assert_eq!(body["error"]["code"], "AuthenticationFailed");
            let wrong = http().get(&url).bearer_auth("wrong").send().await.expect("GET");
            assert_eq!(wrong.status(), 401);
        }
        let resp = http().get(&url).bearer_auth("s3cret").send().await.expect("GET");
        assert_eq!(resp.status(), 429, "signed in, the throttling applies");
        assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
        let body: Value = resp.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "TooManyRequests");
        run.shutdown().await;
    }
}

/// Reads until the server closes the socket; true when it did within `within`.
async fn closed_by_server(s: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let ok = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    ok.is_ok().then_some(got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_sent_connections_are_closed_and_requests_still_answered() {
    let limits = Limits {
        header_timeout: Duration::from_millis(800),
        body_timeout: Duration::from_millis(800),
        max_connections: Some(40),
    };
    let run = start(Config { limits, ..Config::default() }).await;
    let addr = run.addr;
    let mut idle = Vec::new();
    let mut half_head = Vec::new();
    let mut half_body = Vec::new();
    for _ in 0..30 {
        idle.push(TcpStream::connect(addr).await.expect("connect"));
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /subscriptions?api-version=2022-12-01 HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.expect("write");
        half_head.push(s);
        let mut s = TcpStream::connect(addr).await.expect("connect");
        let head = format!("PUT {LINK_PATH}?{API} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{\"prop");
        s.write_all(head.as_bytes()).await.expect("write");
        half_body.push(s);
    }
    // 90 stuck sockets against a cap of 40: a normal request is answered once the timeouts free slots.
    let started = Instant::now();
    let resp = http().get(format!("{}/subscriptions?api-version=2022-12-01", run.url())).send().await.expect("GET");
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(8), "answered in {:?}", started.elapsed());

    for s in idle.iter_mut().chain(half_head.iter_mut()) {
        let got = closed_by_server(s, Duration::from_secs(10)).await.expect("the server closed the socket");
        assert!(got.is_empty(), "no answer to a request that never came: {:?}", String::from_utf8_lossy(&got));
    }
    for s in half_body.iter_mut() {
        let got = closed_by_server(s, Duration::from_secs(10)).await.expect("the server closed the socket");
        let text = String::from_utf8_lossy(&got);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("\"code\":\"RequestTimeout\""), "{text}");
    }
    // Nothing half-sent made a link.
    let links = http()
        .get(format!("{}{}?{API}", run.url(), LINK_PATH.trim_end_matches("/contoso-dr-weu")))
        .send()
        .await
        .expect("GET");
    let links: Value = links.json().await.expect("JSON");
    assert_eq!(links["value"], json!([]), "{links}");
    // And the server still answers at once.
    let resp = http().get(format!("{}/subscriptions?api-version=2022-12-01", run.url())).send().await.expect("GET");
    assert_eq!(resp.status(), 200);
    run.shutdown().await;
}

/// CPU time (user + system) of process `pid`, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // Fields after the command name (which is in parentheses): state is 3rd, utime 14th, stime 15th.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime");
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_millis(ticks * 1000 / hz)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_descriptors_the_server_backs_off_and_recovers() {
    // 64 open files and a cap far above it: accept fails with EMFILE while the idle sockets last.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--max-connections", "1000", "--header-timeout", "2s"])
        .arg("--log")
        .arg(dir.path().join("serve.log"))
        .env("GEOREP_LOG", "warn")
        .env_remove("GEOREP_SERVE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("georep serve starts");
    let pid = child.id().expect("pid");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut banner = Vec::new();
    let mut byte = [0u8; 1];
    tokio::time::timeout(Duration::from_secs(30), async {
        while stdout.read(&mut byte).await.is_ok_and(|n| n == 1) && byte[0] != b'\n' {
            banner.push(byte[0]);
        }
    })
    .await
    .expect("a banner within 30 s");
    let banner = String::from_utf8_lossy(&banner).into_owned();
    let url = banner.split_whitespace().find(|w| w.starts_with("http://")).expect("URL in banner").to_string();
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().expect("address");

    let mut idle = Vec::new();
    for _ in 0..120 {
        idle.push(TcpStream::connect(addr).await.expect("connect"));
    }
    // Under pressure: accept keeps failing, and the loop must sleep, not spin.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = cpu_time(pid);
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let used = cpu_time(pid) - before;
    assert!(used < Duration::from_millis(400), "{used:?} of CPU in {:?} while out of descriptors", window.elapsed());
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
    assert!(log.contains("accept failed; backing off"), "EMFILE was met:\n{log}");

    // The idle sockets time out, the backlog drains, and a normal request is answered.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = http().get(format!("{url}/subscriptions?api-version=2022-12-01")).send().await;
        if resp.as_ref().is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(Instant::now() < deadline, "no answer 30 s after the pressure: {resp:?}");
    }
    drop(idle);
    let _ = child.kill().await;
}

#[tokio::test]
async fn requests_too_large_get_arm_errors_where_the_emulator_sets_the_limit() {
    let run = start(Config::default()).await;
    let addr = run.addr;
    let get = |target: &str, extra: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n").into_bytes()
    };
    // A 60 KB URI: the emulator's limit (8 KiB) -> 414 with an ARM body.
    let long = format!("/subscriptions/{}?api-version=2022-12-01", "a".repeat(60_000));
    raw(addr, &get(&long, "")).await.arm_error(414, "RequestUriTooLong");
    // 150 headers -> 431 with an ARM body; 40 KB in a few headers likewise.
    let many: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
    raw(addr, &get("/subscriptions?api-version=2022-12-01", &many)).await.arm_error(431, "RequestHeaderFieldsTooLarge");
    let big: String = (0..4).map(|i| format!("X-B{i}: {}\r\n", "b".repeat(10_000))).collect();
    raw(addr, &get("/subscriptions?api-version=2022-12-01", &big)).await.arm_error(431, "RequestHeaderFieldsTooLarge");
    // A 100 KB body -> 413 with an ARM body, and no link.
    let body = "x".repeat(100_000);
    let put = format!(
        "PUT {LINK_PATH}?{API} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    raw(addr, put.as_bytes()).await.arm_error(413, "RequestEntityTooLarge");

    // What hyper answers on its own (README, "Limits"): empty bodies.
    let longer = format!("/subscriptions/{}", "a".repeat(70_000));
    let r = raw(addr, &get(&longer, "")).await;
    assert_eq!((r.status, r.body.as_str()), (414, ""), "{r:?}");
    let most: String = (0..600).map(|i| format!("X-H{i}: v\r\n")).collect();
    let r = raw(addr, &get("/subscriptions", &most)).await;
    assert_eq!((r.status, r.body.as_str()), (431, ""), "{r:?}");
    let r = raw(addr, b"GARBAGE\r\n\r\n").await;
    assert_eq!((r.status, r.body.as_str()), (400, ""), "{r:?}");

    // And the server is fine.
    let resp = http().get(format!("{}/subscriptions?api-version=2022-12-01", run.url())).send().await.expect("GET");
    assert_eq!(resp.status(), 200);
    run.shutdown().await;
}

/// PUTs a link with `Host: evil.example:1` and returns its Azure-AsyncOperation and Location.
async fn urls_for_a_hostile_host(run: &Running) -> (String, String) {
    let put = format!(
        "PUT {LINK_PATH}?{API} HTTP/1.1\r\nHost: evil.example:1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        link_body().len(),
        link_body()
    );
    let r = raw(run.addr, put.as_bytes()).await;
    assert_eq!(r.status, 201, "{r:?}");
    let header = |name: &str| {
        r.head
            .lines()
            .find_map(|l| {
                l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| panic!("no {name}: {}", r.head))
    };
    (header("azure-asyncoperation"), header("location"))
}

#[tokio::test]
async fn operation_urls_come_from_the_public_url_never_the_host_header() {
    let run = start(Config::default()).await;
    let (op, location) = urls_for_a_hostile_host(&run).await;
    for url in [&op, &location] {
        assert!(!url.contains("evil.example"), "{url}");
        assert!(url.starts_with(&format!("{}/subscriptions/", run.url())), "{url}");
    }
    let resp = http().get(&op).send().await.expect("the operation URL works");
    assert_eq!(resp.status(), 200);
    run.shutdown().await;

    let config = Config { public_url: Some("https://georep.example:8443/".into()), ..Config::default() };
    let run = start(config).await;
    let (op, location) = urls_for_a_hostile_host(&run).await;
    assert!(op.starts_with("https://georep.example:8443/subscriptions/"), "{op}");
    assert!(location.starts_with("https://georep.example:8443/subscriptions/"), "{location}");
    run.shutdown().await;

    for bad in ["ftp://georep.example", "http://user:pw@georep.example", "georep.example", "http://h/?q=1"] {
        let run = georep(&["serve", "--listen", "127.0.0.1:0", "--public-url", bad], &[]).await;
        run.code(2);
        assert!(run.stderr.contains("--public-url"), "{bad}: {}", run.stderr);
    }
}

#[tokio::test]
async fn a_bad_chaos_spec_exits_2_naming_the_bad_part() {
    for (spec, part) in
        [("5xx=2", "'5xx=2'"), ("drop=0.1,jitter=5", "'jitter=5'"), ("latency=9-1ms", "'latency=9-1ms'")]
    {
        let run = georep(&["serve", "--listen", "127.0.0.1:0", "--chaos", spec], &[]).await;
        run.code(2);
        assert!(run.stderr.contains(part), "{spec}: {}", run.stderr);
    }
}

async fn put_link(run: &Running) -> Result<reqwest::Response, reqwest::Error> {
    http()
        .put(format!("{}{LINK_PATH}?{API}", run.url()))
        .header("content-type", "application/json")
        .body(link_body())
        .send()
        .await
}

fn prod_is_linked(run: &Running) -> bool {
    let state = run.emulator.snapshot();
    let primary = georep::arm::ResourceId::cache(SUB, "rg-contoso-prod", "contoso-prod-eus");
    state.topology.link_of(&primary).is_some()
}

#[tokio::test]
async fn injected_faults_change_nothing_or_come_after_the_change() {
    // 5xx and 429 are answered instead of the route: no link.
    for (spec, status) in [("5xx=1,seed=4", None), ("429=1,seed=4", Some(429))] {
        let run = start(Config { chaos: Some(spec.parse().unwrap()), ..Config::default() }).await;
        for _ in 0..10 {
            let resp = put_link(&run).await.expect("an answer");
            let code = resp.status().as_u16();
            match status {
                Some(s) => assert_eq!(code, s),
                None => assert!([500, 502, 503, 504].contains(&code), "{code}"),
            }
            if code == 429 {
                assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
            }
            let body: Value = resp.json().await.expect("an ARM error body");
            assert!(body["error"]["code"].as_str().is_some_and(|c| !c.is_empty()), "{body}");
        }
        assert!(!prod_is_linked(&run), "{spec}: a refused PUT made no link");
        let (e5, e429, drops) = run.emulator.chaos().expect("chaos").injected();
        assert_eq!(e5 + e429 + drops, 10);
        run.shutdown().await;
    }
    // A dropped PUT loses only the answer: the link was made, once; a dropped GET never ran.
    let run = start(Config { chaos: Some("drop=1,seed=4".parse().unwrap()), ..Config::default() }).await;
    assert!(put_link(&run).await.is_err(), "no answer");
    assert!(prod_is_linked(&run), "the change was made before the answer was dropped");
    assert!(put_link(&run).await.is_err(), "no answer");
    let state = run.emulator.snapshot();
    assert_eq!(state.topology.links().len(), 2, "the fleet's link and this one, not doubled");
    assert!(http().get(format!("{}/subscriptions?api-version=2022-12-01", run.url())).send().await.is_err());
    run.shutdown().await;
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults() {
    async fn statuses(seed: u64) -> Vec<String> {
        let spec = format!("5xx=0.2,429=0.2,drop=0.1,latency=0-5ms,seed={seed}");
        let run = start(Config { chaos: Some(spec.parse().unwrap()), ..Config::default() }).await;
        let mut out = Vec::new();
        for _ in 0..60 {
            let r = http().get(format!("{}/subscriptions?api-version=2022-12-01", run.url())).send().await;
            out.push(r.map(|r| r.status().as_u16().to_string()).unwrap_or_else(|_| "drop".into()));
        }
        run.shutdown().await;
        out
    }
    let a = statuses(7).await;
    assert_eq!(a, statuses(7).await);
    assert_ne!(a, statuses(8).await);
    for kind in ["200", "429", "drop"] {
        assert!(a.iter().any(|s| s == kind), "{kind} in {a:?}");
    }
    assert!(a.iter().any(|s| s.starts_with('5')), "{a:?}");
}
