//! The simulated data plane's figures for the metrics: a deterministic load model derived from each
//! cache's dataset (no random noise: a hash of the cache, shard and minute stands in for it), used both
//! for live samples and for the history made up at start-up.

/// A number in `0..1` that depends only on its inputs (splitmix64 of an FNV-1a hash).
pub fn jitter(key: &str, shard: usize, minute: i64, salt: u64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in key.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h ^= (shard as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (minute as u64);
    h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Load over the (model) day: 0.5 at 04:00 UTC, 1.5 at 16:00.
pub fn diurnal(minute: i64) -> f64 {
    let day = minute.rem_euclid(24 * 60) as f64 / (24.0 * 60.0);
    1.0 - 0.5 * (2.0 * std::f64::consts::PI * (day - 1.0 / 6.0)).cos()
}

/// Bytes per second written to one shard of a cache holding `dataset` bytes over `shards` shards: the
/// whole dataset rewritten about once a day, following the day's load.
pub fn write_rate(key: &str, dataset: u64, shards: usize, shard: usize, minute: i64) -> f64 {
    let per_shard = dataset as f64 / shards.max(1) as f64;
    per_shard / 86_400.0 * diurnal(minute) * (0.85 + 0.3 * jitter(key, shard, minute, 1))
}

/// Memory a shard uses: its part of the dataset.
pub fn used_memory(dataset: u64, shards: usize) -> f64 {
    dataset as f64 / shards.max(1) as f64
}

/// Bytes not yet at the secondary on a linked shard in sync: what a few milliseconds of writes leave
/// in flight (usually a few bytes, often 0).
pub fn steady_offset(key: &str, dataset: u64, shards: usize, shard: usize, minute: i64) -> f64 {
    let rate = write_rate(key, dataset, shards, shard, minute);
    (rate * 0.0008 * jitter(key, shard, minute, 2)).floor()
}

/// Seconds since the last sync on a linked shard in sync: 0 or 1.
pub fn steady_lag(key: &str, shard: usize, minute: i64) -> f64 {
    if jitter(key, shard, minute, 3) < 0.8 { 0.0 } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_is_deterministic_and_in_range() {
        for m in 0..3000 {
            let j = jitter("k", 1, m, 0);
            assert!((0.0..1.0).contains(&j));
            assert_eq!(j, jitter("k", 1, m, 0));
            assert!((0.5..=1.5).contains(&diurnal(m)));
        }
        assert_ne!(jitter("k", 1, 5, 0), jitter("k", 2, 5, 0));
        let rate = write_rate("k", 864_000_000, 1, 0, 16 * 60);
        assert!((12_000.0..18_000.0).contains(&rate), "{rate}");
        assert!(steady_offset("k", 864_000_000, 1, 0, 10) <= 32.0);
    }
}
