//! `georep serve --synthetic-fleet CACHES:SUBSCRIPTIONS[:SEED]`: a fleet made up from a seed, the same
//! for the same spec on every machine. Realistic in proportions: mostly Premium (some clustered, some
//! with persistence, some zone-redundant), some Standard and Basic, Redis 6 and a few 4, every known
//! region; about one Premium cache in six is the primary of an existing link to a compatible
//! secondary in another region of its geography (a few of those links still being made at start, their
//! operation in progress), and a few caches are in the middle of an update or a scale. The result is a fleet file's text, loaded as any other (see [`super::fleet`]).

use std::str::FromStr;

use serde_json::{Value, json};

use crate::geo::{Geography, regions_with_geography};

/// What to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntheticSpec {
    pub caches: usize,
    pub subscriptions: usize,
    pub seed: u64,
}

/// Most caches a synthetic fleet may have.
pub const MAX_CACHES: usize = 200_000;

impl FromStr for SyntheticSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = || format!("'{s}' is not CACHES:SUBSCRIPTIONS[:SEED], e.g. 10000:100 or 10000:100:7");
        let parts: Vec<&str> = s.trim().split(':').collect();
        let num = |p: &str| p.trim().parse::<u64>().map_err(|_| usage());
        let (caches, subscriptions, seed) = match parts.as_slice() {
            [c, n] => (num(c)?, num(n)?, 1),
            [c, n, seed] => (num(c)?, num(n)?, num(seed)?),
            _ => return Err(usage()),
        };
        if caches == 0 || caches > MAX_CACHES as u64 {
            return Err(format!("{caches} caches: a synthetic fleet has 1 to {MAX_CACHES}"));
        }
        if subscriptions == 0 || subscriptions > caches {
            return Err(format!("{subscriptions} subscriptions: give 1 to as many as there are caches ({caches})"));
        }
        Ok(SyntheticSpec { caches: caches as usize, subscriptions: subscriptions as usize, seed })
    }
}

/// splitmix64: small, fast, and the same everywhere (no crate version changes the fleet).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 0..n
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// true with probability `percent` in 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const APPS: &[&str] = &[
    "storefront",
    "checkout",
    "catalog",
    "sessions",
    "inventory",
    "search",
    "payments",
    "ledger",
    "profile",
    "telemetry",
    "gateway",
    "recs",
    "orders",
    "shipping",
    "auth",
    "chat",
    "leaderboard",
    "pricing",
];
const ENVS: &[&str] = &["prod", "prod", "prod", "staging", "dev", "test"];
const ORGS: &[&str] = &["Contoso", "Fabrikam", "Northwind", "Tailspin", "Woodgrove", "Adventure Works", "Litware"];

/// One cache, as the fleet file has it (`cache` JSON); `name` is unique in the fleet.
struct Made {
    json: Value,
    name: String,
}

/// The fleet's text.
pub fn generate(spec: SyntheticSpec) -> String {
    let mut rng = Rng(spec.seed ^ 0x6765_6f72_6570);
    let regions: Vec<(&str, Geography)> = regions_with_geography().collect();
    let subs: Vec<(String, String)> = (0..spec.subscriptions)
        .map(|i| {
            let (a, b, c) = (rng.next(), rng.next(), rng.next());
            let id = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                a as u32,
                (a >> 32) as u16,
                (b & 0xfff),
                ((b >> 16) & 0xfff),
                c & 0xffff_ffff_ffff
            );
            let name = format!("{} {} {:03}", rng.pick(ORGS), rng.pick(&["Production", "Dev/Test", "Shared"]), i + 1);
            (id, name)
        })
        .collect();
    let mut caches = Vec::with_capacity(spec.caches);
    let mut links = Vec::new();
    while caches.len() < spec.caches {
        let n = caches.len();
        let sub = &subs[n % subs.len()].0;
        let primary = cache(&mut rng, sub, n, &regions);
        let linkable = primary.json["tier"] == "Premium"
            && primary.json.get("persistence").is_none()
            && primary.json.get("provisioningState").is_none();
        let pair = linkable && caches.len() + 2 <= spec.caches && rng.chance(20);
        if pair {
            let secondary = secondary_of(&mut rng, &primary, n + 1, &regions);
            // A few links are still being made at start.
            let in_progress = rng.chance(3);
            links.push(json!({ "primary": primary.name, "secondary": secondary.name, "inProgress": in_progress }));
            caches.push(primary.json);
            caches.push(secondary.json);
        } else {
            caches.push(primary.json);
        }
    }
    let subscriptions: Vec<Value> =
        subs.iter().map(|(id, name)| json!({ "subscriptionId": id, "displayName": name })).collect();
    json!({ "subscriptions": subscriptions, "caches": caches, "links": links }).to_string()
}

fn short(region: &str) -> String {
    region.split_whitespace().map(|w| w.chars().next().unwrap_or('x').to_ascii_lowercase()).collect()
}

/// A cache of its own (not a link's secondary).
fn cache(rng: &mut Rng, sub: &str, n: usize, regions: &[(&str, Geography)]) -> Made {
    let (app, env) = (*rng.pick(APPS), *rng.pick(ENVS));
    let region = rng.pick(regions).0;
    let name = format!("{app}-{env}-{}-{n:05}", short(region));
    let roll = rng.below(100);
    let tier = match roll {
        0..70 => "Premium",
        70..90 => "Standard",
        _ => "Basic",
    };
    let mut c = json!({
        "subscription": sub,
        "resourceGroup": format!("rg-{app}-{env}"),
        "name": name,
        "location": region,
        "tier": tier,
        "redisVersion": if rng.chance(85) { "6.0" } else { "4.0" },
        "tags": { "env": env, "app": app },
    });
    if tier == "Premium" {
        c["capacity"] = json!(*rng.pick(&[1, 1, 1, 2, 2, 3, 4, 5]));
        if rng.chance(30) {
            c["shardCount"] = json!(*rng.pick(&[2, 2, 3, 4, 6, 10]));
        }
        match rng.below(100) {
            0..12 => c["persistence"] = json!("rdb"),
            12..16 => c["persistence"] = json!("aof"),
            _ => {}
        }
        if rng.chance(25) {
            c["zones"] = json!(["1", "2", "3"]);
        }
    } else {
        c["capacity"] = json!(rng.below(7));
    }
    let capacity = c["capacity"].as_u64().unwrap_or(1).max(1);
    let shards = c["shardCount"].as_u64().unwrap_or(1);
    let bytes = (rng.next() % (capacity * 1_500_000_000)) * shards;
    c["datasetBytes"] = json!(bytes);
    c["datasetKeys"] = json!(bytes / 700);
    if rng.chance(1) {
        c["provisioningState"] = json!(*rng.pick(&["Updating", "Scaling"]));
    }
    Made { json: c, name }
}

/// A secondary `primary` can be linked to: the same subscription, tier, shards and version, no
/// persistence, the same size or larger, in another region of the same geography when there is one.
fn secondary_of(rng: &mut Rng, primary: &Made, n: usize, regions: &[(&str, Geography)]) -> Made {
    let p = &primary.json;
    let from = p["location"].as_str().unwrap_or("");
    let geo = regions.iter().find(|(r, _)| *r == from).map(|(_, g)| *g);
    let near: Vec<&str> = regions.iter().filter(|(r, g)| *r != from && Some(*g) == geo).map(|(r, _)| *r).collect();
    let far: Vec<&str> = regions.iter().filter(|(r, _)| *r != from).map(|(r, _)| *r).collect();
    let region = if near.is_empty() { *rng.pick(&far) } else { *rng.pick(&near) };
    let app = p["tags"]["app"].as_str().unwrap_or("app");
    let name = format!("{app}-dr-{}-{n:05}", short(region));
    let mut s = p.clone();
    s["name"] = json!(name);
    s["location"] = json!(region);
    s["resourceGroup"] = json!(format!("rg-{app}-dr"));
    s["tags"]["env"] = json!("dr");
    let capacity = p["capacity"].as_u64().unwrap_or(1);
    s["capacity"] = json!(if rng.chance(20) { (capacity + 1).min(5) } else { capacity });
    if let Some(obj) = s.as_object_mut() {
        obj.remove("zones");
    }
    Made { json: s, name }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::fleet;
    use crate::emulator::store::State;

    #[test]
    fn specs_parse_and_bad_ones_say_why() {
        let s: SyntheticSpec = "10000:100".parse().unwrap();
        assert_eq!((s.caches, s.subscriptions, s.seed), (10_000, 100, 1));
        assert_eq!("25:5:9".parse::<SyntheticSpec>().unwrap().seed, 9);
        for bad in ["", "10", "a:b", "0:1", "5:6", "1:0", "1:1:1:1", "999999999:1"] {
            assert!(bad.parse::<SyntheticSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_fleet_and_it_loads_with_its_links() {
        let spec = SyntheticSpec { caches: 2_000, subscriptions: 20, seed: 7 };
        let text = generate(spec);
        assert_eq!(text, generate(spec));
        assert_ne!(text, generate(SyntheticSpec { seed: 8, ..spec }));
        let loaded = fleet::load(&text).unwrap();
        assert_eq!(loaded.caches.len(), 2_000);
        assert_eq!(loaded.subscriptions.len(), 20);
        assert!(loaded.links.len() > 100, "{} links", loaded.links.len());
        let tiers = |t: &str| loaded.caches.iter().filter(|c| c.resource.properties.sku.name.as_str() == t).count();
        assert!(tiers("Premium") > tiers("Standard") && tiers("Standard") > tiers("Basic") && tiers("Basic") > 0);
        let busy = loaded
            .caches
            .iter()
            .filter(|c| c.resource.properties.provisioning_state.as_ref().is_some_and(|s| s.as_str() != "Succeeded"))
            .count();
        assert!(busy > 0, "some caches are mid-operation");
        // Every link passes the emulator's own compatibility rules; a few are being made, each with
        // its operation in progress.
        assert!(
            !loaded.linking.is_empty() && loaded.linking.len() < loaded.links.len() / 10,
            "{}",
            loaded.linking.len()
        );
        let linking = loaded.linking.len();
        let state = State::from_fleet(loaded).unwrap();
        assert_eq!(state.caches.len(), 2_000);
        assert_eq!(state.operations.len(), linking);
        assert!(state.operations.iter().all(|o| o.status == crate::arm::OperationState::InProgress));
        let busy = state
            .caches
            .values()
            .filter(|c| state.render(c).properties.provisioning_state.as_ref().is_some_and(|s| s.as_str() == "Linking"))
            .count();
        assert_eq!(busy, 2 * linking);
    }
}
