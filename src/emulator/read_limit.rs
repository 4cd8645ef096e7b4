//! ARM's read limits, modelled: a token bucket per subscription (and one for tenant-level reads:
//! `GET /subscriptions`, Resource Graph), 250 reads with a refill of 25 a second as ARM documents.
//! Every read answered says what is left (`x-ms-ratelimit-remaining-subscription-reads`, or
//! `-tenant-reads`); a read past the bucket gets 429 with `Retry-After`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Instant;

/// The header that says how many reads a subscription has left.
pub const SUBSCRIPTION_READS_HEADER: &str = "x-ms-ratelimit-remaining-subscription-reads";
/// The same for tenant-level reads.
pub const TENANT_READS_HEADER: &str = "x-ms-ratelimit-remaining-tenant-reads";

/// A bucket's size and refill (`--read-limit READS:PER_SECOND`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadLimit {
    pub reads: u32,
    pub per_second: f64,
}

impl Default for ReadLimit {
    /// ARM's documented limit.
    fn default() -> Self {
        ReadLimit { reads: 250, per_second: 25.0 }
    }
}

impl FromStr for ReadLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not READS:PER_SECOND, e.g. 250:25");
        let (reads, rate) = s.trim().split_once(':').ok_or_else(bad)?;
        let reads: u32 = reads.trim().parse().map_err(|_| bad())?;
        let per_second: f64 = rate.trim().parse().map_err(|_| bad())?;
        if reads == 0 || !(per_second.is_finite() && per_second > 0.0) {
            return Err(format!("'{s}': both the reads and the refill must be positive"));
        }
        Ok(ReadLimit { reads, per_second })
    }
}

/// What a read gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Served; this many reads are left.
    Allowed(u32),
    /// Refused; retry after this many seconds.
    Throttled(u32),
}

/// Buckets kept at most: subscription ids come from request paths, and a client could send any number
/// of them. Past this, full buckets (indistinguishable from new ones) are forgotten, and if that is not
/// enough, further unknown scopes share one bucket.
pub const MAX_SCOPES: usize = 10_000;
/// The bucket scopes share past [`MAX_SCOPES`].
const OVERFLOW: &str = "\u{0}overflow";

/// The buckets, by scope (a subscription id lower-cased, or `""` for the tenant).
pub struct ReadLimiter {
    limit: ReadLimit,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl ReadLimiter {
    pub fn new(limit: ReadLimit) -> Self {
        ReadLimiter { limit, buckets: Mutex::new(HashMap::new()) }
    }

    pub fn limit(&self) -> ReadLimit {
        self.limit
    }

    /// Takes one read from `scope`'s bucket at `now`.
    pub fn take(&self, scope: &str, now: Instant) -> Verdict {
        let cap = f64::from(self.limit.reads);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let mut key = scope.to_ascii_lowercase();
        if buckets.len() >= MAX_SCOPES && !buckets.contains_key(&key) {
            let rate = self.limit.per_second;
            buckets.retain(|_, (t, last)| *t + now.saturating_duration_since(*last).as_secs_f64() * rate < cap);
            if buckets.len() >= MAX_SCOPES {
                key = OVERFLOW.to_string();
            }
        }
        let (tokens, last) = buckets.entry(key).or_insert((cap, now));
        let elapsed = now.saturating_duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * self.limit.per_second).min(cap);
        *last = now.max(*last);
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Verdict::Allowed(tokens.floor() as u32)
        } else {
            let wait = ((1.0 - *tokens) / self.limit.per_second).ceil().max(1.0);
            Verdict::Throttled(wait as u32)
        }
    }
}

/// The scope a request's path reads in: the subscription of `/subscriptions/{id}/...`, else the tenant.
pub fn scope_of(path: &str) -> Option<&str> {
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    match (segs.next(), segs.next()) {
        (Some(first), Some(sub)) if first.eq_ignore_ascii_case("subscriptions") => Some(sub),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_empties_then_refills_at_its_rate() {
        let limiter = ReadLimiter::new(ReadLimit { reads: 5, per_second: 2.0 });
        let t0 = Instant::now();
        let got: Vec<Verdict> = (0..6).map(|_| limiter.take("sub", t0)).collect();
        assert_eq!(got[..5], [4, 3, 2, 1, 0].map(Verdict::Allowed));
        assert_eq!(got[5], Verdict::Throttled(1));
        // Another subscription has its own bucket.
        assert_eq!(limiter.take("SUB2", t0), Verdict::Allowed(4));
        assert_eq!(limiter.take("sub", t0 + Duration::from_millis(600)), Verdict::Allowed(0));
        assert_eq!(limiter.take("Sub", t0 + Duration::from_secs(100)), Verdict::Allowed(4), "never above the bucket");
    }

    #[test]
    fn scopes_made_up_by_a_client_cannot_grow_the_buckets_without_bound() {
        let limiter = ReadLimiter::new(ReadLimit { reads: 2, per_second: 1.0 });
        let t0 = Instant::now();
        for i in 0..MAX_SCOPES + 50 {
            limiter.take(&format!("made-up-{i}"), t0);
        }
        let len = || limiter.buckets.lock().unwrap().len();
        assert!(len() <= MAX_SCOPES + 1, "{}", len());
        // Once their buckets are full again, old scopes make room for new ones.
        limiter.take("new", t0 + Duration::from_secs(10));
        assert_eq!(len(), 1);
    }

    #[test]
    fn limits_and_scopes_parse() {
        assert_eq!("250:25".parse::<ReadLimit>().unwrap(), ReadLimit::default());
        for bad in ["", "250", "0:1", "1:0", "a:b", "1:-2"] {
            assert!(bad.parse::<ReadLimit>().is_err(), "{bad}");
        }
        assert_eq!(scope_of("/subscriptions/abc/providers/Microsoft.Cache/redis"), Some("abc"));
        assert_eq!(scope_of("/subscriptions"), None);
        assert_eq!(scope_of("/providers/Microsoft.ResourceGraph/resources"), None);
    }
}
