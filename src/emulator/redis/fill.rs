//! Something to sync: at start, each cache with `datasetKeys`/`datasetBytes` in the fleet gets that much
//! data, written with pipelined `MSET`s. A fleet's sizes (tens of GB in the demo) are capped per cache
//! (`--redis-max-fill`, [`DEFAULT_MAX_FILL`]): a cache over the cap gets the cap, and its key count is
//! scaled down in proportion, so values keep their size.

use std::ops::Range;
use std::sync::OnceLock;

use futures::{StreamExt, TryStreamExt};
use redis::aio::MultiplexedConnection;

use crate::emulator::store::Dataset;

/// Most bytes written into one cache unless told otherwise: 32 MiB, so the demo fleet (22 caches,
/// 57 GB on paper) starts in seconds and takes about half a GB of memory.
pub const DEFAULT_MAX_FILL: u64 = 32 * 1024 * 1024;
/// Largest value written; bigger average sizes get more keys instead.
const MAX_VALUE: usize = 512 * 1024;
/// Keys per value, when the fleet gives bytes but no key count.
const DEFAULT_VALUE: u64 = 1024;
/// One `MSET` carries at most this many keys or bytes.
const BATCH_KEYS: u64 = 1000;
const BATCH_BYTES: u64 = 1 << 20;
/// `MSET`s in flight on the connection at once.
const IN_FLIGHT: usize = 8;
/// Random bytes values are cut from; values are incompressible, so a snapshot is as large as the data.
const POOL: usize = 1 << 20;

/// What to write into one cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FillPlan {
    /// Keys are `<prefix>:<n>`, n zero-padded to 8 digits.
    pub prefix: String,
    pub keys: u64,
    pub value_bytes: usize,
}

impl FillPlan {
    /// The plan for a cache holding `dataset`, at most `max_bytes` (`None`: no cap); `None` when there
    /// is nothing to write.
    pub fn new(prefix: &str, dataset: Dataset, max_bytes: Option<u64>) -> Option<Self> {
        let (mut bytes, mut keys) = (dataset.bytes, dataset.keys);
        if bytes == 0 && keys == 0 {
            return None;
        }
        if keys == 0 {
            keys = bytes.div_ceil(DEFAULT_VALUE);
        }
        if let Some(max) = max_bytes
            && bytes > max
        {
            keys = ((keys as f64 * max as f64 / bytes as f64).round() as u64).max(1);
            bytes = max;
        }
        if bytes / keys > MAX_VALUE as u64 {
            keys = bytes.div_ceil(MAX_VALUE as u64);
        }
        let key_len = prefix.len() as u64 + 9;
        let value_bytes = (bytes / keys).saturating_sub(key_len).clamp(1, MAX_VALUE as u64) as usize;
        (keys > 0).then(|| FillPlan { prefix: prefix.to_string(), keys, value_bytes })
    }

    pub fn key(&self, n: u64) -> String {
        format!("{}:{n:08}", self.prefix)
    }

    /// Key and value bytes written.
    pub fn bytes(&self) -> u64 {
        self.keys * (self.prefix.len() as u64 + 9 + self.value_bytes as u64)
    }

    /// The keys shard `shard` of `shards` holds: an even split, in order.
    pub fn shard_range(&self, shard: u32, shards: u32) -> Range<u64> {
        let shards = u64::from(shards.max(1));
        let shard = u64::from(shard).min(shards - 1);
        (self.keys * shard / shards)..(self.keys * (shard + 1) / shards)
    }
}

fn pool() -> &'static [u8] {
    static POOL_BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    POOL_BYTES.get_or_init(|| {
        // xorshift64*: fast, and enough to defeat the snapshot's LZF compression.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut v = Vec::with_capacity(POOL + MAX_VALUE);
        while v.len() < POOL + MAX_VALUE {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            v.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        v
    })
}

/// The value of key `n`: `len` bytes of the pool, from an offset that depends on `n`.
pub fn value(n: u64, len: usize) -> &'static [u8] {
    let off = (n.wrapping_mul(2_654_435_761) % POOL as u64) as usize;
    &pool()[off..off + len.min(MAX_VALUE)]
}

/// Writes keys `range` of `plan` through `conn`, [`IN_FLIGHT`] `MSET`s at a time.
pub async fn fill(conn: &MultiplexedConnection, plan: &FillPlan, range: Range<u64>) -> redis::RedisResult<()> {
    let per_batch = (BATCH_BYTES / (plan.value_bytes as u64 + 20)).clamp(1, BATCH_KEYS);
    let batches =
        (range.start..range.end).step_by(per_batch as usize).map(|start| start..(start + per_batch).min(range.end));
    futures::stream::iter(batches)
        .map(|batch| {
            let mut conn = conn.clone();
            let mut cmd = redis::cmd("MSET");
            for n in batch {
                cmd.arg(plan.key(n)).arg(value(n, plan.value_bytes));
            }
            async move { cmd.query_async::<()>(&mut conn).await }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<()>()
        .await
}

/// Parses a size: `32MiB`, `1GB`, `500000`, `64 KiB`; `unlimited` (or `none`) is no cap.
pub fn parse_size(s: &str) -> Result<Option<u64>, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("unlimited") || t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("'{s}' is not a size (e.g. 32MiB, 1GB, unlimited)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("'{other}' is not a size unit: use B, KB, MB, GB, KiB, MiB or GiB")),
    };
    Ok(Some((n * mult).round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(bytes: u64, keys: u64) -> Dataset {
        Dataset { bytes, keys }
    }

    #[test]
    fn a_small_dataset_is_written_as_it_is() {
        let p = FillPlan::new("c", ds(10_000_000, 50_000), Some(DEFAULT_MAX_FILL)).unwrap();
        assert_eq!(p.keys, 50_000);
        assert_eq!(p.value_bytes, 200 - 10);
        assert_eq!(p.bytes(), 10_000_000);
    }

    #[test]
    fn a_large_dataset_is_capped_with_keys_in_proportion() {
        // The demo's showcase primary: 2.4 GB in 1.8 M keys.
        let p = FillPlan::new("contoso-prod-eus", ds(2_400_000_000, 1_800_000), Some(DEFAULT_MAX_FILL)).unwrap();
        assert_eq!(p.keys, (1_800_000f64 * DEFAULT_MAX_FILL as f64 / 2.4e9).round() as u64);
        assert!(p.bytes() <= DEFAULT_MAX_FILL && p.bytes() > DEFAULT_MAX_FILL * 99 / 100, "{}", p.bytes());
        let uncapped = FillPlan::new("contoso-prod-eus", ds(2_400_000_000, 1_800_000), None).unwrap();
        assert_eq!(uncapped.keys, 1_800_000);
    }

    #[test]
    fn odd_datasets() {
        assert_eq!(FillPlan::new("c", ds(0, 0), None), None);
        let no_keys = FillPlan::new("c", ds(1_000_000, 0), None).unwrap();
        assert_eq!(no_keys.keys, 977);
        let keys_only = FillPlan::new("c", ds(0, 10), None).unwrap();
        assert_eq!((keys_only.keys, keys_only.value_bytes), (10, 1));
        let huge_values = FillPlan::new("c", ds(100 << 20, 2), None).unwrap();
        assert_eq!(huge_values.keys, 200);
        assert_eq!(huge_values.value_bytes, MAX_VALUE - 10);
    }

    #[test]
    fn shards_split_the_keys_evenly_and_completely() {
        let p = FillPlan { prefix: "c".into(), keys: 10, value_bytes: 1 };
        let ranges: Vec<_> = (0..3).map(|s| p.shard_range(s, 3)).collect();
        assert_eq!(ranges, vec![0..3, 3..6, 6..10]);
        assert_eq!(p.shard_range(0, 1), 0..10);
        assert_eq!(p.key(7), "c:00000007");
    }

    #[test]
    fn values_differ_and_have_their_length() {
        assert_eq!(value(1, 100).len(), 100);
        assert_ne!(value(1, 100), value(2, 100));
        assert_eq!(value(3, MAX_VALUE * 2).len(), MAX_VALUE);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("32MiB"), Ok(Some(32 << 20)));
        assert_eq!(parse_size("1GB"), Ok(Some(1_000_000_000)));
        assert_eq!(parse_size("1.5 kb"), Ok(Some(1500)));
        assert_eq!(parse_size("500"), Ok(Some(500)));
        assert_eq!(parse_size("unlimited"), Ok(None));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
