//! Emulator throughput: GET cache and GET linkedServers from 64 concurrent keep-alive HTTP/1.1 clients
//! on loopback against the in-process emulator.
//!
//! `cargo bench --bench emulator` runs two criterion groups (requests/s as Throughput::Elements), then,
//! because criterion reports no percentiles, a fixed measured pass per endpoint (200,000 requests over
//! the 64 workers, every request's latency recorded) that prints requests/s and p50/p90/p99/p99.9/max
//! and writes them to target/bench-emulator.txt. `GEOREP_BENCH_REQUESTS=N` changes the pass's size.
//!
//! The load generator (reqwest) and the server (axum) run on the same tokio runtime, so on a 2-core
//! machine they share the two cores: the numbers are a floor for the server alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use georep::emulator::{Config, Emulator, Running};

const WORKERS: usize = 64;
const DEFAULT_PASS_REQUESTS: usize = 200_000;
const SUB: &str = "11111111-2222-3333-4444-555555555555";
/// A cache of the demo fleet that is linked, so both responses carry a link.
const RG: &str = "rg-contoso-inventory";
const CACHE: &str = "contoso-inventory-eus";
const API: &str = "api-version=2024-11-01";

struct Endpoint {
    name: &'static str,
    /// Parsed once: the benchmark measures the server, not the client's URL parser.
    url: reqwest::Url,
}

fn endpoints(base: &str) -> Vec<Endpoint> {
    let cache = format!("{base}/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redis/{CACHE}");
    vec![("get_cache", format!("{cache}?{API}")), ("get_linked_servers", format!("{cache}/linkedServers?{API}"))]
        .into_iter()
        .map(|(name, url)| Endpoint { name, url: reqwest::Url::parse(&url).expect("endpoint URL") })
        .collect()
}

/// One client per worker: each keeps its own keep-alive connection.
fn clients() -> Arc<Vec<reqwest::Client>> {
    Arc::new(
        (0..WORKERS)
            .map(|_| {
                reqwest::Client::builder().pool_max_idle_per_host(1).tcp_nodelay(true).build().expect("reqwest client")
            })
            .collect(),
    )
}

async fn get(client: &reqwest::Client, url: &reqwest::Url) -> Result<(), String> {
    let resp = client.get(url.clone()).send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    // Read the whole body so the connection goes back to the pool.
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if status != reqwest::StatusCode::OK || body.is_empty() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok(())
}

/// `total` requests split over the workers; returns each worker's latencies (nanoseconds) when `record`.
async fn load(clients: &Arc<Vec<reqwest::Client>>, url: &reqwest::Url, total: u64, record: bool) -> Vec<Vec<u64>> {
    let n = clients.len() as u64;
    let mut tasks = Vec::with_capacity(clients.len());
    for (i, client) in clients.iter().enumerate() {
        let share = total / n + u64::from((i as u64) < total % n);
        if share == 0 {
            continue;
        }
        let client = client.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(if record { share as usize } else { 0 });
            for _ in 0..share {
                let t = Instant::now();
                if let Err(e) = get(&client, &url).await {
                    panic!("GET {url} failed: {e}");
                }
                if record {
                    lat.push(t.elapsed().as_nanos() as u64);
                }
            }
            lat
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.expect("load worker"));
    }
    out
}

struct PassResult {
    name: &'static str,
    requests: usize,
    elapsed: Duration,
    /// CPU time the whole process (load generator and server) used during the pass, when known.
    cpu: Option<Duration>,
    sorted_ns: Vec<u64>,
}

impl PassResult {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn pct(&self, p: f64) -> Duration {
        let i = ((self.sorted_ns.len() as f64 * p).ceil() as usize).clamp(1, self.sorted_ns.len()) - 1;
        Duration::from_nanos(self.sorted_ns[i])
    }
}

/// User + system CPU time of this process so far (Linux: /proc/self/stat, in USER_HZ = 100 ticks).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The 1-minute load average (other processes on the machine compete for the same cores).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn criterion_groups(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    running: &Running,
    clients: &Arc<Vec<reqwest::Client>>,
) {
    let mut group = c.benchmark_group("emulator_64_keepalive_clients");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(8));
    for ep in endpoints(&running.url()) {
        group.bench_function(ep.name, |b| {
            b.to_async(rt).iter_custom(|iters| {
                let clients = clients.clone();
                let url = ep.url.clone();
                async move {
                    let t = Instant::now();
                    load(&clients, &url, iters, false).await;
                    t.elapsed()
                }
            })
        });
    }
    group.finish();
}

fn measured_pass(
    rt: &tokio::runtime::Runtime,
    running: &Running,
    clients: &Arc<Vec<reqwest::Client>>,
    requests: usize,
) -> Vec<PassResult> {
    endpoints(&running.url())
        .into_iter()
        .map(|ep| {
            // A short warm-up so every connection is open and every code path is hot.
            rt.block_on(load(clients, &ep.url, (WORKERS * 50) as u64, false));
            let cpu_before = process_cpu();
            let t = Instant::now();
            let per_worker = rt.block_on(load(clients, &ep.url, requests as u64, true));
            let elapsed = t.elapsed();
            let cpu = process_cpu().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
            let mut sorted_ns: Vec<u64> = per_worker.into_iter().flatten().collect();
            sorted_ns.sort_unstable();
            assert_eq!(sorted_ns.len(), requests);
            PassResult { name: ep.name, requests, elapsed, cpu, sorted_ns }
        })
        .collect()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not, and then criterion runs each
    // benchmark once as a test and the measured pass is skipped.
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let running = rt
        .block_on(async {
            Emulator::simulated(Config::default()).expect("emulator").bind("127.0.0.1:0".parse().unwrap()).await
        })
        .expect("bind the emulator");
    let clients = clients();
    for ep in endpoints(&running.url()) {
        rt.block_on(load(&clients, &ep.url, WORKERS as u64, false));
    }

    let mut c = Criterion::default().configure_from_args();
    criterion_groups(&mut c, &rt, &running, &clients);
    c.final_summary();
    if !bench_mode {
        return;
    }

    let requests: usize =
        std::env::var("GEOREP_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_PASS_REQUESTS);
    let load_before = loadavg();
    let results = measured_pass(&rt, &running, &clients, requests);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = String::new();
    let _ = writeln!(report, "georep emulator throughput (benches/emulator.rs, `cargo bench --bench emulator`)");
    let _ = writeln!(
        report,
        "{WORKERS} keep-alive HTTP/1.1 clients (reqwest) on loopback, in-process emulator (axum), one tokio runtime \
         on {cores} cores shared by load generator and server; {requests} requests per endpoint"
    );
    let _ = writeln!(
        report,
        "{}; load average before the pass {load_before}, after {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        loadavg()
    );
    let _ = writeln!(
        report,
        "{:<20} {:>9} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>12}",
        "endpoint",
        "requests",
        "secs",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "cores used",
        "req/cpu-sec"
    );
    for r in &results {
        let _ = writeln!(
            report,
            "{:<20} {:>9} {:>8.2} {:>10.0} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>12}",
            r.name,
            r.requests,
            r.elapsed.as_secs_f64(),
            r.per_second(),
            ms(r.pct(0.50)),
            ms(r.pct(0.90)),
            ms(r.pct(0.99)),
            ms(r.pct(0.999)),
            ms(r.pct(1.0)),
            r.cpu.map_or("?".to_string(), |c| format!("{:.2}", c.as_secs_f64() / r.elapsed.as_secs_f64())),
            r.cpu.map_or("?".to_string(), |c| format!("{:.0}", r.requests as f64 / c.as_secs_f64().max(1e-9))),
        );
    }
    print!("\n{report}");
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).parent().map(|p| p.join("bench-emulator.txt"));
    if let Some(path) = target {
        match std::fs::write(&path, &report) {
            Ok(()) => println!("written to {}", path.display()),
            Err(e) => eprintln!("cannot write {}: {e}", path.display()),
        }
    }
    rt.block_on(running.shutdown());
}
