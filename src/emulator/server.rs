//! The emulator's HTTP/1.1 server: its own accept loop on hyper, for what `axum::serve` does not do.
//!
//! - A connection cap (`--max-connections`): past it, new connections wait in the listen backlog until
//!   one closes; by default the cap is half the open-file limit (at most 1024), so idle sockets cannot use
//!   up the descriptors the server needs.
//! - A header read timeout (`--header-timeout`): a connection that does not send a whole request head
//!   within it, idle keep-alive ones included, is closed (hyper closes it without an answer).
//! - Accept errors (too many open files, ...) back off from 10 ms to 1 s instead of spinning, and the
//!   loop accepts again as soon as descriptors come free.
//! - `--chaos` drops and latency, which need the connection (see [`super::chaos`]).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::chaos::{self, Chaos, Fault};

/// Header fields hyper parses before answering 431 itself; the emulator's own limit
/// ([`super::edge::MAX_HEADERS`]) is below, so most requests with too many get an ARM error.
pub const HYPER_MAX_HEADERS: usize = 500;
/// Largest request head hyper buffers (bounds the memory of a connection that sends headers forever).
const MAX_BUF: usize = 128 * 1024;
/// How long in-flight requests get to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Timeouts and caps on connections.
#[derive(Clone, Debug)]
pub struct Limits {
    /// A connection must send a whole request head within this (idle keep-alive connections too).
    pub header_timeout: Duration,
    /// A request's body must arrive whole within this once its head has.
    pub body_timeout: Duration,
    /// Connections open at once; `None`: half the open-file limit, at most 1024.
    pub max_connections: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { header_timeout: Duration::from_secs(30), body_timeout: Duration::from_secs(30), max_connections: None }
    }
}

impl Limits {
    /// The cap in force.
    pub fn connection_cap(&self) -> usize {
        self.max_connections.unwrap_or_else(|| (open_file_limit() / 2).clamp(16, 1024) as usize).max(1)
    }
}

/// The soft limit on open files (RLIMIT_NOFILE), or 1024 when it cannot be read.
fn open_file_limit() -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct it is given and reads nothing else.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    if rc == 0 { lim.rlim_cur } else { 1024 }
}

/// `--header-timeout` and `--body-timeout`: `500ms`, `10s`, `2m`; more than zero, at most an hour.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (number, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len()));
    let n: f64 = number.parse().map_err(|_| format!("'{s}' is not a duration like 500ms, 10s or 2m"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("'{s}': the unit must be ms, s or m")),
    };
    if !(secs > 0.0 && secs <= 3600.0) {
        return Err(format!("'{s}': a timeout is more than zero and at most 60m"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Exponential back-off between failed accepts.
#[derive(Debug, Default)]
pub struct Backoff {
    next: Option<Duration>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MOST: Duration = Duration::from_secs(1);

    /// The wait after one more failure.
    pub fn failed(&mut self) -> Duration {
        let d = self.next.map_or(Self::FIRST, |d| (d * 2).min(Self::MOST));
        self.next = Some(d);
        d
    }

    pub fn succeeded(&mut self) {
        self.next = None;
    }
}

/// Errors of one connection that ended before it was accepted: accept again at once.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset | Interrupted)
}

/// The connection closed without an answer (`--chaos drop`).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped (fault injected by --chaos)")]
struct Dropped;

/// Serves `app` on `listener` until `stop` turns true, then lets in-flight requests finish (up to
/// [`SHUTDOWN_GRACE`]).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    chaos: Option<Arc<Chaos>>,
    mut stop: watch::Receiver<bool>,
) {
    let cap = limits.connection_cap();
    let slots = Arc::new(Semaphore::new(cap));
    let mut connections = JoinSet::new();
    let mut backoff = Backoff::default();
    loop {
        let permit = tokio::select! {
            _ = stopped(&mut stop) => break,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
        };
        let accepted = tokio::select! {
            _ = stopped(&mut stop) => break,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff.succeeded();
                stream
            }
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                let wait = backoff.failed();
                tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "accept failed; backing off");
                tokio::select! {
                    _ = stopped(&mut stop) => break,
                    _ = tokio::time::sleep(wait) => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let conn_stop = stop.clone();
        let (app, chaos, limits) = (app.clone(), chaos.clone(), limits.clone());
        connections.spawn(async move {
            let _permit = permit;
            connection(stream, app, chaos, &limits, conn_stop).await;
        });
        // Reap finished connections so the set does not grow with every one served.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async { while connections.join_next().await.is_some() {} }).await;
    connections.abort_all();
}

/// Waits until `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn connection(
    stream: tokio::net::TcpStream,
    app: Router,
    chaos: Option<Arc<Chaos>>,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let (app, chaos) = (app.clone(), chaos.clone());
        async move { answer(app, chaos, req).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_headers(HYPER_MAX_HEADERS)
        .max_buf_size(MAX_BUF);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended");
            }
        }
        _ = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// One request: `--chaos` latency and drops around the router.
async fn answer(
    app: Router,
    chaos: Option<Arc<Chaos>>,
    req: hyper::Request<Incoming>,
) -> Result<axum::response::Response, Dropped> {
    let mut req = req.map(axum::body::Body::new);
    let Some(chaos) = chaos else {
        return Ok(oneshot(app, req).await);
    };
    let decision = chaos.decide();
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    req.extensions_mut().insert(decision);
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    if decision.fault == Fault::Drop && !chaos::drops_after_route(&method) {
        chaos.record(Fault::Drop, &method, &path);
        return Err(Dropped);
    }
    let resp = oneshot(app, req).await;
    if decision.fault == Fault::Drop {
        chaos.record(Fault::Drop, &method, &path);
        return Err(Dropped);
    }
    Ok(resp)
}

async fn oneshot(app: Router, req: axum::extract::Request) -> axum::response::Response {
    match app.oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_with_units_and_bounds() {
        assert_eq!(parse_timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_timeout("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_timeout("2m"), Ok(Duration::from_secs(120)));
        for bad in ["0s", "", "ms", "5h", "61m", "9999999999999m", "-1s", "1.2.3s"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_a_second_and_resets() {
        let mut b = Backoff::default();
        let waits: Vec<u64> = (0..9).map(|_| b.failed().as_millis() as u64).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        b.succeeded();
        assert_eq!(b.failed(), Duration::from_millis(10));
    }

    #[test]
    fn the_default_cap_follows_the_open_file_limit() {
        let limits = Limits::default();
        let cap = limits.connection_cap();
        assert!((16..=1024).contains(&cap), "{cap}");
        assert!(cap as u64 <= open_file_limit().max(32), "{cap}");
        assert_eq!(Limits { max_connections: Some(3), ..Limits::default() }.connection_cap(), 3);
    }
}
