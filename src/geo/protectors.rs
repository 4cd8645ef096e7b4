//! Which caches could protect an unlinked cache, for a whole fleet at once: the count of compatible
//! secondaries and the nearest region among them, for every primary, without the pairwise check of
//! every pair (10,000 caches would be 10^8 checks).
//!
//! [`compatibility`](super::compatibility) splits into reasons about one cache alone
//! ([`own_reasons`]) and reasons about the pair: same subscription, another region, a secondary at
//! least as large, the same clustering and shard count, the same Redis major version. So the caches
//! that pass their own checks as a secondary are grouped by what the pair rules compare for equality
//! (subscription, shards, major version), and within a group by region, each region keeping its
//! sizes sorted; a primary's count is then a few binary searches. The test below holds the result to
//! the pairwise rule.

use std::collections::HashMap;

use crate::arm::RedisResource;

use super::regions::region_key;
use super::{Incompatibility, LatLon, Side, World, coordinates, distance_km, own_reasons, region_display_name};

/// The caches that could be a secondary, grouped by what the pair rules compare.
#[derive(Clone, Debug, Default)]
pub struct Protectors {
    /// Subscription (lower-case) -> shards -> per Redis major version, the candidates by region.
    groups: HashMap<String, HashMap<Option<u32>, Vec<ByVersion>>>,
    /// The candidates' regions, each once (whatever the spelling), and where they are.
    regions: Vec<Region>,
    ids: HashMap<String, usize>,
    /// Great-circle distances between those regions, `regions.len()` squared.
    km: Vec<Option<u64>>,
}

/// One Redis major version's candidates (`None`: unknown, which matches any), by region.
type ByVersion = (Option<u32>, Vec<RegionSizes>);

#[derive(Clone, Debug)]
struct Region {
    /// Display name.
    name: String,
    at: Option<LatLon>,
}

/// One region's candidates in a group: their sizes, sorted.
#[derive(Clone, Debug)]
struct RegionSizes {
    region: usize,
    sizes: Vec<u32>,
}

/// What could protect one primary.
#[derive(Clone, Debug, PartialEq)]
pub struct Protection {
    /// Caches that could be linked as its secondary now.
    pub candidates: usize,
    /// The nearest region holding any of them (great circle; regions with no coordinates only when
    /// no region has any).
    pub nearest: Option<Nearest>,
    /// Why the cache cannot be a primary at all (then `candidates` is 0).
    pub blocked: Vec<Incompatibility>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Nearest {
    /// Display name.
    pub region: String,
    /// From the primary's region; `None` when either has no coordinates.
    pub km: Option<u64>,
    /// Candidates in that region.
    pub count: usize,
}

/// Subscription ids compare ignoring case; most are lower-case already.
fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) { s.to_ascii_lowercase().into() } else { s.into() }
}

impl Protectors {
    /// Groups the caches that pass every check of their own as a secondary. Each comes with its
    /// subscription (the id's, which the pair rule compares ignoring case).
    pub fn new<'a>(caches: impl IntoIterator<Item = (&'a RedisResource, &'a str)>, world: &impl World) -> Self {
        let mut p = Protectors::default();
        for (c, subscription) in caches {
            if !own_reasons(Side::Secondary, c, world).is_empty() {
                continue;
            }
            let region = p.region(&c.location);
            let majors = p.groups.entry(lower(subscription).into_owned()).or_default().entry(c.shards()).or_default();
            let major = c.redis_major();
            let i = match majors.iter().position(|(m, _)| *m == major) {
                Some(i) => i,
                None => {
                    majors.push((major, Vec::new()));
                    majors.len() - 1
                }
            };
            let regions = &mut majors[i].1;
            match regions.iter_mut().find(|r| r.region == region) {
                Some(r) => r.sizes.push(c.properties.sku.capacity),
                None => regions.push(RegionSizes { region, sizes: vec![c.properties.sku.capacity] }),
            }
        }
        for majors in p.groups.values_mut().flat_map(|s| s.values_mut()) {
            for (_, regions) in majors.iter_mut() {
                for r in regions.iter_mut() {
                    r.sizes.sort_unstable();
                }
            }
        }
        let n = p.regions.len();
        p.km =
            (0..n * n).map(|k| p.regions[k / n].at.zip(p.regions[k % n].at).map(|(a, b)| distance_km(a, b))).collect();
        p
    }

    /// The index of a region, added when new.
    fn region(&mut self, location: &str) -> usize {
        let key = region_key(location);
        if let Some(i) = self.ids.get(&key) {
            return *i;
        }
        let i = self.regions.len();
        self.regions.push(Region { name: region_display_name(location), at: coordinates(location) });
        self.ids.insert(key, i);
        i
    }

    /// The caches that could be linked as `primary` (of `subscription`)'s secondary, counted from the
    /// groups.
    pub fn of(&self, primary: &RedisResource, subscription: &str, world: &impl World) -> Protection {
        let blocked = own_reasons(Side::Primary, primary, world);
        if !blocked.is_empty() {
            return Protection { candidates: 0, nearest: None, blocked };
        }
        let home = self.ids.get(&region_key(&primary.location)).copied();
        let (size, major) = (primary.properties.sku.capacity, primary.redis_major());
        // Candidates per region (a region can be in several version groups).
        let mut counts = vec![0usize; self.regions.len()];
        let majors = self.groups.get(lower(subscription).as_ref()).and_then(|s| s.get(&primary.shards()));
        for (m, regions) in majors.map_or(&[][..], Vec::as_slice) {
            if let (Some(a), Some(b)) = (m, major)
                && a != &b
            {
                continue;
            }
            for r in regions.iter().filter(|r| Some(r.region) != home) {
                counts[r.region] += r.sizes.len() - r.sizes.partition_point(|s| *s < size);
            }
        }
        let candidates = counts.iter().sum();
        let nearest = self.nearest(primary, home, &counts);
        Protection { candidates, nearest, blocked }
    }

    /// The nearest region with candidates: by distance, then by name; a region with no coordinates
    /// only when none has any.
    fn nearest(&self, primary: &RedisResource, home: Option<usize>, counts: &[usize]) -> Option<Nearest> {
        let n = self.regions.len();
        let from = if home.is_none() { coordinates(&primary.location) } else { None };
        let km = |j: usize| match home {
            Some(h) => self.km[h * n + j],
            None => from.zip(self.regions[j].at).map(|(a, b)| distance_km(a, b)),
        };
        let rank = |j: usize| (km(j).is_none(), km(j), self.regions[j].name.as_str());
        let best = (0..n).filter(|&j| counts[j] > 0).min_by(|&a, &b| rank(a).cmp(&rank(b)))?;
        Some(Nearest { region: self.regions[best].name.clone(), km: km(best), count: counts[best] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{FromResources, compatibility};
    use serde_json::json;

    /// A small deterministic fleet where every field the rules read varies: two subscriptions (one
    /// spelled in two cases), regions in two spellings and one with no coordinates, tiers, sizes,
    /// clustering, versions (one missing), persistence, links and states.
    fn fleet(seed: u64, n: usize) -> Vec<RedisResource> {
        let mut h = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = |k: u64| {
            h ^= h << 13;
            h ^= h >> 7;
            h ^= h << 17;
            h % k
        };
        let subs = ["sub-a", "SUB-A", "sub-b"];
        let regions = ["East US", "eastus", "West Europe", "Southeast Asia", "Atlantis Central"];
        (0..n)
            .map(|i| {
                let sub = subs[next(3) as usize];
                let name = format!("c{i}");
                let id = format!("/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Cache/Redis/{name}");
                let premium = next(5) != 0;
                let state = ["Succeeded", "Succeeded", "Succeeded", "Linking", "Creating"][next(5) as usize];
                let mut c = json!({
                    "id": id, "name": name, "location": regions[next(5) as usize],
                    "properties": {
                        "provisioningState": state,
                        "sku": if premium {
                            json!({"name": "Premium", "family": "P", "capacity": 1 + next(3)})
                        } else {
                            json!({"name": "Standard", "family": "C", "capacity": next(3)})
                        },
                        "redisConfiguration": {},
                    }
                });
                if let Some(v) = [Some("6.0"), Some("6.2"), Some("4.0"), None][next(4) as usize] {
                    c["properties"]["redisVersion"] = json!(v);
                }
                if let Some(s) = [None, None, Some(0), Some(1), Some(2)][next(5) as usize] {
                    c["properties"]["shardCount"] = json!(s);
                }
                match next(6) {
                    0 => c["properties"]["redisConfiguration"]["rdb-backup-enabled"] = json!("true"),
                    1 => c["properties"]["redisConfiguration"]["aof-backup-enabled"] = json!("True"),
                    _ => {}
                }
                if next(5) == 0 {
                    c["properties"]["linkedServers"] = json!([{"id": format!("{id}/linkedServers/peer")}]);
                }
                serde_json::from_value(c).expect("a valid cache")
            })
            .collect()
    }

    fn subscription(c: &RedisResource) -> String {
        crate::arm::ResourceId::parse(c.id()).map(|id| id.subscription).unwrap_or_default()
    }

    /// The pairwise rule, cache by cache.
    fn brute_force(primary: &RedisResource, fleet: &[RedisResource]) -> Protection {
        let blocked = own_reasons(Side::Primary, primary, &FromResources);
        let ok: Vec<&RedisResource> =
            fleet.iter().filter(|c| compatibility(primary, c, &FromResources).is_empty()).collect();
        let from = coordinates(&primary.location);
        let mut regions: Vec<(Option<u64>, String, usize)> = Vec::new();
        for c in &ok {
            let name = region_display_name(&c.location);
            match regions.iter_mut().find(|r| r.1 == name) {
                Some(r) => r.2 += 1,
                None => regions.push((from.zip(coordinates(&name)).map(|(a, b)| distance_km(a, b)), name, 1)),
            }
        }
        // Known distances first (None sorts first in Option's order, so flip it), then by name.
        regions.sort_by(|a, b| (a.0.is_none(), a.0, &a.1).cmp(&(b.0.is_none(), b.0, &b.1)));
        let nearest = regions.into_iter().next().map(|(km, region, count)| Nearest { region, km, count });
        Protection { candidates: ok.len(), nearest, blocked }
    }

    #[test]
    fn the_grouped_counts_are_the_pairwise_rule() {
        let mut compatible_pairs = 0;
        for seed in 1..150 {
            let fleet = fleet(seed, 40);
            let subs: Vec<String> = fleet.iter().map(subscription).collect();
            let protectors = Protectors::new(fleet.iter().zip(subs.iter().map(String::as_str)), &FromResources);
            for (p, sub) in fleet.iter().zip(&subs) {
                let want = brute_force(p, &fleet);
                compatible_pairs += want.candidates;
                assert_eq!(protectors.of(p, sub, &FromResources), want, "seed {seed}, primary {p:?}");
            }
        }
        assert!(compatible_pairs > 500, "the fleets hold enough compatible pairs to test: {compatible_pairs}");
    }
}
