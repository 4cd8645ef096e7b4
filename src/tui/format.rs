//! How figures are written on screen.

use std::time::Duration;

use crate::arm::{RedisResource, SkuName};

/// `2.4 GB`, `150 MB`, `12 KB`, `0 B` (decimal units, as the portal uses).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else if v < 10.0 {
        format!("{v:.1} {}", UNITS[i])
    } else {
        format!("{v:.0} {}", UNITS[i])
    }
}

/// `1,800,000`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `01:12`, `1:02:03`.
pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Memory of each size, as the portal lists them.
fn size_gb(tier: &SkuName, capacity: u32) -> Option<&'static str> {
    let table: &[&str] = match tier {
        SkuName::Premium => &["", "6 GB", "13 GB", "26 GB", "53 GB", "120 GB"],
        SkuName::Basic | SkuName::Standard => &["250 MB", "1 GB", "2.5 GB", "6 GB", "13 GB", "26 GB", "53 GB"],
        SkuName::Other(_) => &[],
    };
    table.get(capacity as usize).copied().filter(|s| !s.is_empty())
}

/// `Premium P2`.
pub fn tier(c: &RedisResource) -> String {
    format!("{} {}", c.properties.sku.name, c.properties.sku.label())
}

/// `Premium P2 (13 GB)`.
pub fn tier_long(c: &RedisResource) -> String {
    match size_gb(&c.properties.sku.name, c.properties.sku.capacity) {
        Some(size) => format!("{} ({size})", tier(c)),
        None => tier(c),
    }
}

/// `3` or `Not clustered`.
pub fn shards(c: &RedisResource) -> String {
    c.shards().map(|n| n.to_string()).unwrap_or_else(|| "Not clustered".into())
}

/// The status a cache shows: its provisioningState ("Unknown" when it has none).
pub fn status(c: &RedisResource) -> String {
    match c.provisioning_state().as_str() {
        "" => "Unknown".into(),
        s => s.into(),
    }
}

/// `US$0.05`.
pub fn usd(v: f64) -> String {
    if v < 0.01 && v > 0.0 { "< US$0.01".into() } else { format!("US${v:.2}") }
}

/// A Managed Redis SKU in a list's column: `Balanced B5`, `Memory M10`, with `×2` for a capacity
/// (the Overview shows the whole name).
pub fn amr_sku(sku: &crate::arm::enterprise::EnterpriseSku) -> String {
    let tier = match sku.tier() {
        "MemoryOptimized" => "Memory",
        "ComputeOptimized" => "Compute",
        "FlashOptimized" => "Flash",
        "EnterpriseFlash" => "Ent. Flash",
        other => other,
    };
    let base = if sku.size().is_empty() { sku.name.clone() } else { format!("{tier} {}", sku.size()) };
    match sku.capacity {
        Some(c) => format!("{base} ×{c}"),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(2_400_000_000), "2.4 GB");
        assert_eq!(bytes(150_000_000), "150 MB");
        assert_eq!(count(1_800_000), "1,800,000");
        assert_eq!(count(12), "12");
        assert_eq!(elapsed(Duration::from_secs(72)), "01:12");
        assert_eq!(elapsed(Duration::from_secs(3723)), "1:02:03");
        assert_eq!(usd(0.048), "US$0.05");
    }
}
