//! Sizes of Azure Managed Redis (`Microsoft.Cache/redisEnterprise`) and of the Premium tier of Azure
//! Cache for Redis it replaces, and the choice of a Managed Redis size for a Premium cache's data.
//!
//! Sources:
//! - SKU names: the `sku.name` enum of the 2025-07-01 spec (`../shared/azure-rest/redisenterprise/
//!   redisenterprise.json`, `Sku.name`), e.g. `Balanced_B10`.
//! - Memory per SKU: MicrosoftDocs/azure-docs `articles/redis/overview.md` (ms.date 05/18/2025), the
//!   "Size (GB)" column of the client-connections table, per tier, and `articles/redis/architecture.md`
//!   ("Sharding configuration"), whose rows agree. Both list each tier's sizes in ascending order, as the
//!   spec lists each tier's SKUs; they pair one to one (Balanced 14, Memory Optimized 12, Compute
//!   Optimized 11, Flash Optimized 7), and `how-to-scale.md` names one pair outright: "Compute Optimized
//!   X20 (24 GB)".
//! - Active geo-replication: `articles/redis/how-to-active-geo-replication.md` (stored version
//!   023881da, "Scope of availability"): every Memory Optimized, Balanced and Compute Optimized SKU
//!   except Balanced B0 and B1; Flash Optimized: no (overview.md's feature table agrees; an older
//!   version of the article said yes, see `active-geo-replication-facts.md`).
//! - Reserved memory: `architecture.md` ("Reserved memory"): about 20 % of a Managed Redis instance's
//!   memory is kept for non-cache work (replication, the active geo-replication buffer).
//! - Premium sizes: P1 6 GB, P2 13 GB, P3 26 GB, P4 53 GB, P5 120 GB a shard (the portal's pricing
//!   tiers; Azure Cache for Redis pricing page).

use std::fmt;

/// A tier of Azure Managed Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AmrTier {
    /// 4:1 memory to vCPU: general-purpose caching and session stores.
    Balanced,
    /// 8:1: large data sets that need less throughput.
    MemoryOptimized,
    /// 2:1: the most throughput for the memory.
    ComputeOptimized,
    /// RAM plus NVMe flash.
    FlashOptimized,
}

impl AmrTier {
    /// The portal's name: `Balanced`, `Memory Optimized` ...
    pub fn label(self) -> &'static str {
        match self {
            AmrTier::Balanced => "Balanced",
            AmrTier::MemoryOptimized => "Memory Optimized",
            AmrTier::ComputeOptimized => "Compute Optimized",
            AmrTier::FlashOptimized => "Flash Optimized",
        }
    }

    /// The wire prefix of its SKU names: `Balanced` in `Balanced_B10`.
    fn wire(self) -> &'static str {
        match self {
            AmrTier::Balanced => "Balanced",
            AmrTier::MemoryOptimized => "MemoryOptimized",
            AmrTier::ComputeOptimized => "ComputeOptimized",
            AmrTier::FlashOptimized => "FlashOptimized",
        }
    }

    /// The letter of its sizes: `B` in `B10`.
    fn letter(self) -> char {
        match self {
            AmrTier::Balanced => 'B',
            AmrTier::MemoryOptimized => 'M',
            AmrTier::ComputeOptimized => 'X',
            AmrTier::FlashOptimized => 'A',
        }
    }
}

/// One Managed Redis SKU: its tier, the number in its name and its memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AmrSize {
    pub tier: AmrTier,
    /// The number in the name: 10 in `B10`.
    pub number: u32,
    /// Memory in tenths of a GB (B0 is 0.5 GB).
    pub tenths_gb: u32,
}

const fn size(tier: AmrTier, number: u32, gb: u32) -> AmrSize {
    AmrSize { tier, number, tenths_gb: gb * 10 }
}

use AmrTier::{Balanced as B, ComputeOptimized as X, FlashOptimized as A, MemoryOptimized as M};

/// Every Managed Redis SKU of api-version 2025-07-01, each tier in ascending size.
pub const AMR_SIZES: [AmrSize; 44] = [
    AmrSize { tier: B, number: 0, tenths_gb: 5 },
    size(B, 1, 1),
    size(B, 3, 3),
    size(B, 5, 6),
    size(B, 10, 12),
    size(B, 20, 24),
    size(B, 50, 60),
    size(B, 100, 120),
    size(B, 150, 180),
    size(B, 250, 240),
    size(B, 350, 360),
    size(B, 500, 480),
    size(B, 700, 720),
    size(B, 1000, 960),
    size(M, 10, 12),
    size(M, 20, 24),
    size(M, 50, 60),
    size(M, 100, 120),
    size(M, 150, 180),
    size(M, 250, 240),
    size(M, 350, 360),
    size(M, 500, 480),
    size(M, 700, 720),
    size(M, 1000, 960),
    size(M, 1500, 1440),
    size(M, 2000, 1920),
    size(X, 3, 3),
    size(X, 5, 6),
    size(X, 10, 12),
    size(X, 20, 24),
    size(X, 50, 60),
    size(X, 100, 120),
    size(X, 150, 180),
    size(X, 250, 240),
    size(X, 350, 360),
    size(X, 500, 480),
    size(X, 700, 720),
    size(A, 250, 240),
    size(A, 500, 480),
    size(A, 700, 720),
    size(A, 1000, 960),
    size(A, 1500, 1440),
    size(A, 2000, 1920),
    size(A, 4500, 4500),
];

/// The largest size that can be geo-replicated: Memory Optimized M2000 (1,920 GB).
pub const LARGEST_GEO_REPLICATED: AmrSize = size(M, 2000, 1920);

/// Share of a Managed Redis instance's memory that holds data: the rest (about 20 %) is reserved.
pub const AMR_USABLE_PERCENT: u64 = 80;

impl AmrSize {
    /// The SKU named `name` on the wire (`Balanced_B10`, any letter case); `None` for another name
    /// (the older `Enterprise_E10`, `EnterpriseFlash_F300`, or one this version does not know).
    pub fn from_sku_name(name: &str) -> Option<AmrSize> {
        AMR_SIZES.iter().copied().find(|s| s.sku_name().eq_ignore_ascii_case(name.trim()))
    }

    /// The wire name: `Balanced_B10`.
    pub fn sku_name(&self) -> String {
        format!("{}_{}", self.tier.wire(), self.short())
    }

    /// `B10`.
    pub fn short(&self) -> String {
        format!("{}{}", self.tier.letter(), self.number)
    }

    /// Memory in bytes (decimal GB, as the docs count).
    pub fn bytes(&self) -> u64 {
        u64::from(self.tenths_gb) * 100_000_000
    }

    /// What it holds of a cache's data once its reserved memory is set aside.
    pub fn usable_bytes(&self) -> u64 {
        self.bytes() / 100 * AMR_USABLE_PERCENT
    }

    /// `12 GB`, `0.5 GB`.
    pub fn memory_label(&self) -> String {
        if self.tenths_gb.is_multiple_of(10) {
            format!("{} GB", self.tenths_gb / 10)
        } else {
            format!("{}.{} GB", self.tenths_gb / 10, self.tenths_gb % 10)
        }
    }

    /// Whether a database on it can be in an active geo-replication group: not Balanced B0 or B1, not
    /// Flash Optimized.
    pub fn supports_active_geo_replication(&self) -> bool {
        match self.tier {
            AmrTier::Balanced => self.number > 1,
            AmrTier::MemoryOptimized | AmrTier::ComputeOptimized => true,
            AmrTier::FlashOptimized => false,
        }
    }
}

impl fmt::Display for AmrSize {
    /// `Balanced B10 (12 GB)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.tier.label(), self.short(), self.memory_label())
    }
}

/// Memory of one shard of a Premium cache of `capacity` (P1..P5), in GB; `None` for another capacity.
pub fn premium_shard_gb(capacity: u32) -> Option<u32> {
    match capacity {
        1 => Some(6),
        2 => Some(13),
        3 => Some(26),
        4 => Some(53),
        5 => Some(120),
        _ => None,
    }
}

/// What a Premium cache of `capacity` with `shards` (`None` or 0: not clustered, one shard) can hold,
/// in bytes; `None` for a capacity that is not P1..P5.
pub fn premium_bytes(capacity: u32, shards: Option<u32>) -> Option<u64> {
    let gb = u64::from(premium_shard_gb(capacity)?);
    let shards = u64::from(shards.filter(|n| *n > 0).unwrap_or(1));
    Some(gb * shards * 1_000_000_000)
}

/// The Managed Redis size chosen for some data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeChoice {
    /// The smallest size of the preferred tier whose usable memory holds the data.
    Fits(AmrSize),
    /// No size that can be geo-replicated holds it: the largest one (`largest`) is too small.
    TooLarge { needed_bytes: u64, largest: AmrSize },
}

/// The smallest Managed Redis size that holds `bytes` of data with its reserved memory set aside and can
/// be in an active geo-replication group: Balanced when one holds it (the tier of general caching, as a
/// Premium cache is), else Memory Optimized (the tier for large data sets, up to 1.9 TB). Compute
/// Optimized is never chosen (it costs more for the same memory: a choice for its throughput, which the
/// Premium size does not tell), nor Flash Optimized (no active geo-replication).
pub fn amr_size_for(bytes: u64) -> SizeChoice {
    let candidates = |tier: AmrTier| {
        AMR_SIZES.iter().copied().filter(move |s| s.tier == tier && s.supports_active_geo_replication())
    };
    let fits = |s: &AmrSize| s.usable_bytes() >= bytes;
    if let Some(s) = candidates(AmrTier::Balanced).find(fits) {
        return SizeChoice::Fits(s);
    }
    if let Some(s) = candidates(AmrTier::MemoryOptimized).find(fits) {
        return SizeChoice::Fits(s);
    }
    SizeChoice::TooLarge { needed_bytes: bytes, largest: LARGEST_GEO_REPLICATED }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sizes_ascend_in_each_tier() {
        for s in AMR_SIZES {
            assert_eq!(AmrSize::from_sku_name(&s.sku_name()), Some(s));
            assert_eq!(AmrSize::from_sku_name(&s.sku_name().to_ascii_lowercase()), Some(s));
        }
        for pair in AMR_SIZES.windows(2) {
            if pair[0].tier == pair[1].tier {
                assert!(pair[0].tenths_gb < pair[1].tenths_gb, "{} then {}", pair[0], pair[1]);
                assert!(pair[0].number < pair[1].number);
            }
        }
        assert_eq!(AmrSize::from_sku_name("Enterprise_E10"), None);
        assert_eq!(
            AmrSize::from_sku_name("Balanced_B10").map(|s| s.to_string()).as_deref(),
            Some("Balanced B10 (12 GB)")
        );
        assert_eq!(AmrSize::from_sku_name("Balanced_B0").map(|s| s.memory_label()).as_deref(), Some("0.5 GB"));
        assert_eq!(AmrSize::from_sku_name("ComputeOptimized_X20").map(|s| s.bytes()), Some(24_000_000_000));
    }

    #[test]
    fn the_spec_lists_every_size_here() {
        // The `Sku.name` enum of the 2025-07-01 spec, less the older Enterprise SKUs.
        let spec = [
            "Balanced_B0",
            "Balanced_B1",
            "Balanced_B3",
            "Balanced_B5",
            "Balanced_B10",
            "Balanced_B20",
            "Balanced_B50",
            "Balanced_B100",
            "Balanced_B150",
            "Balanced_B250",
            "Balanced_B350",
            "Balanced_B500",
            "Balanced_B700",
            "Balanced_B1000",
            "MemoryOptimized_M10",
            "MemoryOptimized_M20",
            "MemoryOptimized_M50",
            "MemoryOptimized_M100",
            "MemoryOptimized_M150",
            "MemoryOptimized_M250",
            "MemoryOptimized_M350",
            "MemoryOptimized_M500",
            "MemoryOptimized_M700",
            "MemoryOptimized_M1000",
            "MemoryOptimized_M1500",
            "MemoryOptimized_M2000",
            "ComputeOptimized_X3",
            "ComputeOptimized_X5",
            "ComputeOptimized_X10",
            "ComputeOptimized_X20",
            "ComputeOptimized_X50",
            "ComputeOptimized_X100",
            "ComputeOptimized_X150",
            "ComputeOptimized_X250",
            "ComputeOptimized_X350",
            "ComputeOptimized_X500",
            "ComputeOptimized_X700",
            "FlashOptimized_A250",
            "FlashOptimized_A500",
            "FlashOptimized_A700",
            "FlashOptimized_A1000",
            "FlashOptimized_A1500",
            "FlashOptimized_A2000",
            "FlashOptimized_A4500",
        ];
        let ours: Vec<String> = AMR_SIZES.iter().map(|s| s.sku_name()).collect();
        assert_eq!(ours, spec);
    }

    #[test]
    fn only_b0_b1_and_flash_cannot_geo_replicate() {
        let incapable: Vec<String> =
            AMR_SIZES.iter().filter(|s| !s.supports_active_geo_replication()).map(|s| s.short()).collect();
        assert_eq!(incapable, ["B0", "B1", "A250", "A500", "A700", "A1000", "A1500", "A2000", "A4500"]);
        let largest = AMR_SIZES.iter().filter(|s| s.supports_active_geo_replication()).max_by_key(|s| s.tenths_gb);
        assert_eq!(largest, Some(&LARGEST_GEO_REPLICATED));
    }

    #[test]
    fn every_premium_size_maps_to_a_geo_capable_size_that_holds_it() {
        for capacity in 1..=5 {
            for shards in [None, Some(1), Some(2), Some(3), Some(5), Some(10), Some(15), Some(30)] {
                let bytes = premium_bytes(capacity, shards).unwrap();
                match amr_size_for(bytes) {
                    SizeChoice::Fits(s) => {
                        assert!(s.usable_bytes() >= bytes, "P{capacity}x{shards:?} in {s}");
                        assert!(s.supports_active_geo_replication(), "{s}");
                        assert!(matches!(s.tier, AmrTier::Balanced | AmrTier::MemoryOptimized), "{s}");
                        // The smallest: the next smaller size of its tier would not hold it.
                        let smaller = AMR_SIZES
                            .iter()
                            .filter(|o| o.tier == s.tier && o.tenths_gb < s.tenths_gb)
                            .filter(|o| o.supports_active_geo_replication())
                            .max_by_key(|o| o.tenths_gb);
                        if let Some(o) = smaller {
                            assert!(o.usable_bytes() < bytes, "P{capacity}x{shards:?}: {o} would do");
                        }
                    }
                    SizeChoice::TooLarge { needed_bytes, largest } => {
                        assert_eq!(needed_bytes, bytes);
                        assert!(largest.usable_bytes() < bytes, "P{capacity}x{shards:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn premium_pairs_map_as_documented() {
        let pick = |capacity, shards| match amr_size_for(premium_bytes(capacity, shards).unwrap()) {
            SizeChoice::Fits(s) => s.short(),
            SizeChoice::TooLarge { .. } => "none".into(),
        };
        // 6 GB needs 7.5 GB with the reserve: B5 (6 GB) is too small.
        assert_eq!(pick(1, None), "B10");
        assert_eq!(pick(2, None), "B20");
        assert_eq!(pick(3, None), "B50");
        assert_eq!(pick(4, None), "B100");
        assert_eq!(pick(5, None), "B150");
        // 10 x 120 GB is more than Balanced's largest (960 GB): Memory Optimized.
        assert_eq!(pick(5, Some(10)), "M2000");
        assert_eq!(pick(5, Some(30)), "none");
        // Even tiny data never lands on B0/B1.
        assert_eq!(amr_size_for(1), SizeChoice::Fits(AmrSize::from_sku_name("Balanced_B3").unwrap()));
        assert_eq!(premium_bytes(6, None), None);
        assert_eq!(premium_bytes(1, Some(0)), premium_bytes(1, None));
    }
}
