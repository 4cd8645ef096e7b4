//! Slowing down before ARM throttles: every read's answer says how many reads are left in its
//! subscription's bucket (`x-ms-ratelimit-remaining-subscription-reads`, or `-tenant-reads`). While
//! plenty are left, reads go out at once; below [`LOW_READS`] (a tenth of ARM's 250), reads in that
//! scope are spaced out, more the fewer are left, up to twice ARM's refill interval at none left, so
//! the bucket refills instead of running dry into 429s. Concurrent reads take turns (each reserves
//! the next slot).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// Below this many reads left, reads are spaced out.
pub const LOW_READS: u32 = 25;
/// ARM refills a bucket with a read every 40 ms (25 a second).
pub const REFILL_INTERVAL: Duration = Duration::from_millis(40);

const HEADERS: [&str; 2] = ["x-ms-ratelimit-remaining-subscription-reads", "x-ms-ratelimit-remaining-tenant-reads"];

#[derive(Default)]
struct Scope {
    remaining: Option<u32>,
    /// The earliest the next read may go.
    next: Option<Instant>,
}

/// Shared by the clones of a client.
#[derive(Clone, Default)]
pub(crate) struct Pacer {
    scopes: Arc<Mutex<HashMap<String, Scope>>>,
}

/// The gap between reads with `remaining` reads left.
pub fn spacing(remaining: u32) -> Duration {
    if remaining >= LOW_READS {
        return Duration::ZERO;
    }
    REFILL_INTERVAL * 2 * (LOW_READS - remaining) / LOW_READS
}

/// The scope a URL reads in: `/subscriptions/{id}/...`'s subscription, or the tenant (`""`).
fn scope_of(url: &str) -> String {
    let path = reqwest::Url::parse(url).map(|u| u.path().to_string()).unwrap_or_default();
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    match (segs.next(), segs.next()) {
        (Some(first), Some(sub)) if first.eq_ignore_ascii_case("subscriptions") => sub.to_ascii_lowercase(),
        _ => String::new(),
    }
}

impl Pacer {
    /// Waits for this read's turn in its scope.
    pub async fn wait(&self, url: &str) {
        let at = {
            let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
            let scope = scopes.entry(scope_of(url)).or_default();
            let gap = spacing(scope.remaining.unwrap_or(u32::MAX));
            if gap.is_zero() {
                return;
            }
            let now = Instant::now();
            let at = scope.next.map_or(now, |n| n.max(now));
            scope.next = Some(at + gap);
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Notes what an answer says is left.
    pub fn observe(&self, url: &str, headers: &HeaderMap) {
        let Some(left) = HEADERS
            .iter()
            .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u32>().ok()))
        else {
            return;
        };
        let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        let scope = scopes.entry(scope_of(url)).or_default();
        scope.remaining = Some(left);
        if left >= LOW_READS {
            scope.next = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_spaced_more_the_fewer_are_left() {
        assert_eq!(spacing(250), Duration::ZERO);
        assert_eq!(spacing(LOW_READS), Duration::ZERO);
        assert!(spacing(20) > Duration::ZERO && spacing(20) < spacing(5));
        assert_eq!(spacing(0), REFILL_INTERVAL * 2);
        assert_eq!(scope_of("http://h/subscriptions/ABC/providers/x?api-version=1"), "abc");
        assert_eq!(scope_of("http://h/providers/Microsoft.ResourceGraph/resources"), "");
    }

    #[tokio::test]
    async fn concurrent_reads_in_a_low_scope_take_turns() {
        let pacer = Pacer::default();
        let url = "http://h/subscriptions/s/x";
        let mut headers = HeaderMap::new();
        headers.insert(HEADERS[0], "0".parse().unwrap());
        pacer.observe(url, &headers);
        let start = Instant::now();
        futures::future::join_all((0..4).map(|_| pacer.wait(url))).await;
        let took = start.elapsed();
        assert!(
            took >= REFILL_INTERVAL * 2 * 3 && took < Duration::from_secs(5),
            "{took:?}: the fourth waits three slots"
        );
        // Another subscription is not held up.
        let other = Instant::now();
        pacer.wait("http://h/subscriptions/t/x").await;
        assert!(other.elapsed() < REFILL_INTERVAL, "{:?}", other.elapsed());
    }
}
