//! `georep serve --chaos SPEC`: faults injected into answers, to test clients against an unreliable
//! service. `5xx=0.05,429=0.05,drop=0.01,latency=0-800ms,seed=7`:
//!
//! - `5xx=P`: answer 500, 502, 503 or 504 with an ARM error body, instead of the route;
//! - `429=P`: answer 429 `TooManyRequests` with `Retry-After`, instead of the route;
//! - `drop=P`: close the connection without an answer: on PUT and DELETE *after* the route has made
//!   its change (the answer is lost on the way back), on other methods before the route runs;
//! - `latency=A-B` (`0-800ms`, `1-2s`, `250ms`): wait a uniform time in the range before the route;
//! - `seed=N`: the random sequence; the same seed and the same sequence of requests get the same faults.
//!
//! A 5xx or 429 is answered before the route runs, so it never changes state: the request was not acted
//! on, as when ARM's front end refuses it. Faults come after authentication: a request without the token
//! gets its 401, never an injected fault.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::errors::ArmError;

/// The longest latency a spec may ask for.
const MAX_LATENCY: Duration = Duration::from_secs(60);

/// What `--chaos` asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct ChaosSpec {
    pub error_5xx: f64,
    pub throttle_429: f64,
    pub drop: f64,
    /// Least and most added latency.
    pub latency: (Duration, Duration),
    /// `None`: a random seed, chosen at start and logged.
    pub seed: Option<u64>,
}

/// A spec that cannot be used; names the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--chaos: {0}")]
pub struct ChaosSpecError(String);

fn bad(part: &str, why: &str) -> ChaosSpecError {
    ChaosSpecError(format!("'{part}': {why}"))
}

impl std::str::FromStr for ChaosSpec {
    type Err = ChaosSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut out = ChaosSpec {
            error_5xx: 0.0,
            throttle_429: 0.0,
            drop: 0.0,
            latency: (Duration::ZERO, Duration::ZERO),
            seed: None,
        };
        if spec.trim().is_empty() {
            return Err(ChaosSpecError(
                "the spec is empty; expected e.g. 5xx=0.05,429=0.05,drop=0.01,latency=0-800ms,seed=7".into(),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for part in spec.split(',') {
            let Some((key, value)) = part.split_once('=') else {
                return Err(bad(part, "expected KEY=VALUE (keys: 5xx, 429, drop, latency, seed)"));
            };
            let (key, value) = (key.trim(), value.trim());
            if seen.contains(&key) {
                return Err(bad(part, &format!("'{key}' is given twice")));
            }
            match key {
                "5xx" => out.error_5xx = probability(part, value)?,
                "429" => out.throttle_429 = probability(part, value)?,
                "drop" => out.drop = probability(part, value)?,
                "latency" => out.latency = latency(part, value)?,
                "seed" => {
                    out.seed = Some(value.parse().map_err(|_| bad(part, "the seed must be a whole number"))?);
                }
                _ => return Err(bad(part, &format!("unknown key '{key}' (keys: 5xx, 429, drop, latency, seed)"))),
            }
            seen.push(key);
        }
        let total = out.error_5xx + out.throttle_429 + out.drop;
        if total > 1.0 + 1e-9 {
            return Err(ChaosSpecError(format!(
                "'{spec}': the probabilities of 5xx, 429 and drop add up to {total}, more than 1"
            )));
        }
        Ok(out)
    }
}

impl std::fmt::Display for ChaosSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_millis();
        write!(
            f,
            "5xx={},429={},drop={},latency={}-{}ms",
            self.error_5xx,
            self.throttle_429,
            self.drop,
            ms(self.latency.0),
            ms(self.latency.1)
        )?;
        match self.seed {
            Some(seed) => write!(f, ",seed={seed}"),
            None => Ok(()),
        }
    }
}

fn probability(part: &str, value: &str) -> Result<f64, ChaosSpecError> {
    match value.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(bad(part, "a probability is a number from 0 to 1")),
    }
}

/// `0-800ms`, `1-2s`, `250ms`, `100ms-1s`: a number and a unit (`ms` or `s`) on each side; a unit on the
/// upper bound alone applies to both.
fn latency(part: &str, value: &str) -> Result<(Duration, Duration), ChaosSpecError> {
    let (lo, hi) = value.split_once('-').unwrap_or((value, value));
    let hi_unit = unit_of(hi);
    let lo = duration(part, lo, hi_unit)?;
    let hi = duration(part, hi, hi_unit)?;
    if lo > hi {
        return Err(bad(part, "the least latency is more than the most"));
    }
    if hi > MAX_LATENCY {
        return Err(bad(part, "latency is at most 60s"));
    }
    Ok((lo, hi))
}

fn unit_of(s: &str) -> Option<&'static str> {
    let s = s.trim();
    if s.ends_with("ms") {
        Some("ms")
    } else if s.ends_with('s') {
        Some("s")
    } else {
        None
    }
}

fn duration(part: &str, s: &str, default_unit: Option<&str>) -> Result<Duration, ChaosSpecError> {
    let s = s.trim();
    let (number, unit) = match unit_of(s) {
        Some(u) => (&s[..s.len() - u.len()], u),
        None => (s, default_unit.ok_or_else(|| bad(part, "latency needs a unit: ms or s (e.g. 0-800ms)"))?),
    };
    let n: f64 = number.trim().parse().map_err(|_| bad(part, "latency is a range like 0-800ms or 1-2s"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(bad(part, "latency cannot be negative"));
    }
    let secs = if unit == "ms" { n / 1000.0 } else { n };
    if secs > MAX_LATENCY.as_secs_f64() {
        return Err(bad(part, "latency is at most 60s"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// What happens to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Answer this status (500, 502, 503, 504) with an ARM error.
    ServerError(StatusCode),
    /// Answer 429 with `Retry-After`.
    Throttle,
    /// Close the connection without an answer.
    Drop,
}

/// The draw for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub fault: Fault,
    pub latency: Duration,
}

/// Faults injected so far, by kind.
#[derive(Debug, Default)]
pub struct ChaosCounts {
    pub server_errors: AtomicU64,
    pub throttles: AtomicU64,
    pub drops: AtomicU64,
}

/// The fault injector of a running emulator.
pub struct Chaos {
    pub spec: ChaosSpec,
    pub seed: u64,
    rng: Mutex<Xoshiro256PlusPlus>,
    pub counts: ChaosCounts,
}

const SERVER_ERRORS: [StatusCode; 4] = [
    StatusCode::INTERNAL_SERVER_ERROR,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

impl Chaos {
    pub fn new(spec: ChaosSpec) -> Self {
        let seed = spec.seed.unwrap_or_else(|| rand::rng().random());
        Chaos { spec, seed, rng: Mutex::new(Xoshiro256PlusPlus::seed_from_u64(seed)), counts: ChaosCounts::default() }
    }

    /// Draws the fate of the next request. Every request takes the same three numbers from the sequence,
    /// so a seed replays the same faults for the same requests.
    pub fn decide(&self) -> Decision {
        let (roll, pick, wait) = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            (rng.random::<f64>(), rng.random::<u32>(), rng.random::<f64>())
        };
        let s = &self.spec;
        let fault = if roll < s.error_5xx {
            Fault::ServerError(SERVER_ERRORS[pick as usize % SERVER_ERRORS.len()])
        } else if roll < s.error_5xx + s.throttle_429 {
            Fault::Throttle
        } else if roll < s.error_5xx + s.throttle_429 + s.drop {
            Fault::Drop
        } else {
            Fault::None
        };
        let (lo, hi) = s.latency;
        let latency = lo + (hi - lo).mul_f64(wait);
        Decision { fault, latency }
    }

    /// Counts and logs a fault that is being injected.
    pub fn record(&self, fault: Fault, method: &Method, path: &str) {
        let counter = match fault {
            Fault::None => return,
            Fault::ServerError(_) => &self.counts.server_errors,
            Fault::Throttle => &self.counts.throttles,
            Fault::Drop => &self.counts.drops,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        tracing::info!(fault = ?fault, %method, path, "chaos: fault injected");
    }

    /// Faults injected so far (5xx, 429, drops).
    pub fn injected(&self) -> (u64, u64, u64) {
        let c = &self.counts;
        (c.server_errors.load(Ordering::Relaxed), c.throttles.load(Ordering::Relaxed), c.drops.load(Ordering::Relaxed))
    }
}

/// Whether a dropped request is dropped after the route has run (its change made, the answer lost).
pub fn drops_after_route(method: &Method) -> bool {
    method == Method::PUT || method == Method::DELETE
}

/// The ARM error of an injected 5xx.
pub fn server_error(status: StatusCode) -> ArmError {
    let code = match status {
        StatusCode::BAD_GATEWAY => "BadGateway",
        StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
        StatusCode::GATEWAY_TIMEOUT => "GatewayTimeout",
        _ => "InternalServerError",
    };
    ArmError::new(
        status,
        code,
        "The service could not handle the request (fault injected by --chaos); nothing was changed. Try again.",
    )
}

/// The ARM error of an injected 429.
pub fn throttled() -> ArmError {
    ArmError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "The request was throttled (fault injected by --chaos); nothing was changed. Retry after the delay in the Retry-After header.",
    )
    .with_retry_after(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ChaosSpec, String> {
        s.parse::<ChaosSpec>().map_err(|e| e.to_string())
    }

    #[test]
    fn the_issue_example_parses() {
        let s = parse("5xx=0.05,429=0.05,drop=0.01,latency=0-800ms,seed=7").unwrap();
        assert_eq!(
            s,
            ChaosSpec {
                error_5xx: 0.05,
                throttle_429: 0.05,
                drop: 0.01,
                latency: (Duration::ZERO, Duration::from_millis(800)),
                seed: Some(7)
            }
        );
        assert_eq!(parse("latency=1-2s").unwrap().latency, (Duration::from_secs(1), Duration::from_secs(2)));
        assert_eq!(parse("latency=100ms-1s").unwrap().latency, (Duration::from_millis(100), Duration::from_secs(1)));
        assert_eq!(parse("latency=250ms").unwrap().latency, (Duration::from_millis(250), Duration::from_millis(250)));
        assert_eq!(parse("drop=1").unwrap().drop, 1.0);
    }

    #[test]
    fn bad_specs_name_the_bad_part() {
        for (spec, part) in [
            ("", "empty"),
            ("5xx=0.05,,seed=1", "'': expected KEY=VALUE"),
            ("5xx=1.5", "'5xx=1.5'"),
            ("5xx=-0.1", "'5xx=-0.1'"),
            ("5xx=NaN", "'5xx=NaN'"),
            ("429=lots", "'429=lots'"),
            ("drop", "'drop': expected KEY=VALUE"),
            ("latency=800-0ms", "'latency=800-0ms'"),
            ("latency=0-800", "needs a unit"),
            ("latency=0-2m", "'latency=0-2m'"),
            ("latency=0-61s", "at most 60s"),
            ("seed=-1", "'seed=-1'"),
            ("5xx=0.1,5xx=0.2", "given twice"),
            ("timeout=0.1", "unknown key 'timeout'"),
            ("5xx=0.6,429=0.6", "add up to"),
        ] {
            let err = parse(spec).expect_err(spec);
            assert!(err.starts_with("--chaos: "), "{spec}: {err}");
            assert!(err.contains(part), "{spec}: {err} should name {part:?}");
        }
    }

    #[test]
    fn the_seed_replays_the_same_faults() {
        let spec = parse("5xx=0.2,429=0.2,drop=0.1,latency=0-800ms,seed=7").unwrap();
        let a: Vec<Decision> = (0..500)
            .map({
                let c = Chaos::new(spec.clone());
                move |_| c.decide()
            })
            .collect();
        let b: Vec<Decision> = (0..500)
            .map({
                let c = Chaos::new(spec.clone());
                move |_| c.decide()
            })
            .collect();
        assert_eq!(a, b);
        let other = Chaos::new(ChaosSpec { seed: Some(8), ..spec });
        assert_ne!(a, (0..500).map(|_| other.decide()).collect::<Vec<_>>());
        // Each kind shows up in about its share, and latencies stay in the range.
        let count = |f: fn(&Fault) -> bool| a.iter().filter(|d| f(&d.fault)).count();
        assert!((60..140).contains(&count(|f| matches!(f, Fault::ServerError(_)))));
        assert!((60..140).contains(&count(|f| *f == Fault::Throttle)));
        assert!((20..80).contains(&count(|f| *f == Fault::Drop)));
        assert!(a.iter().all(|d| d.latency <= Duration::from_millis(800)));
        assert!(a.iter().any(|d| d.latency > Duration::from_millis(400)));
    }

    #[test]
    fn no_faults_when_every_probability_is_zero() {
        let c = Chaos::new(parse("seed=3").unwrap());
        assert!((0..1000).all(|_| c.decide() == Decision { fault: Fault::None, latency: Duration::ZERO }));
    }
}
