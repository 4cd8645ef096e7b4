//! Failover of a passive geo-replication link: when it may run, what to compare before it, and where
//! the three geo-primary URLs point. Pure: the console, the CLI and the failover orchestration
//! (`client::failover`) ask here and nowhere else.

use crate::arm::{LinkState, PublicNetworkAccess, RedisResource};

use super::{geo_primary_host_name, host_name};

/// Offsets at or under this many bytes are what the docs advise failing over at ("data sync offset
/// metric ... less than 14 bytes"): anything more is writes the new primary does not have yet.
pub const SAFE_OFFSET_BYTES: f64 = 14.0;

/// Why a link cannot fail over now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailoverBlocker {
    /// The link is not `Succeeded` (still linking, syncing, being deleted, or failed).
    LinkNotReady { state: String },
    /// Different sizes: after the failover the old primary is the secondary, and a secondary must be
    /// at least as large as its primary; the old secondary was at least as large, so only equal sizes
    /// work both ways.
    SizesDiffer { primary: String, secondary: String },
}

impl FailoverBlocker {
    /// A stable code, as in ARM error `details[].code`.
    pub fn code(&self) -> &'static str {
        match self {
            FailoverBlocker::LinkNotReady { .. } => "LinkBusy",
            FailoverBlocker::SizesDiffer { .. } => "CacheSizesDiffer",
        }
    }

    /// A sentence: what is wrong and what the rule is.
    pub fn message(&self) -> String {
        match self {
            FailoverBlocker::LinkNotReady { state } => {
                format!("The link is {state}: a failover needs a link that has finished syncing (Succeeded).")
            }
            FailoverBlocker::SizesDiffer { primary, secondary } => format!(
                "The primary is {primary} and the secondary {secondary}: a failover needs both caches the same size \
                 (after it, the old primary is the secondary, which must be at least as large as its primary)."
            ),
        }
    }
}

/// `P2`, `P3 with 3 shards`.
pub fn size_label(c: &RedisResource) -> String {
    let sku = c.properties.sku.label();
    match c.shards() {
        Some(n) => format!("{sku} with {n} shards"),
        None => sku,
    }
}

/// Every reason the link from `primary` to `secondary`, now in `state`, cannot fail over.
pub fn failover_blockers(
    primary: &RedisResource,
    secondary: &RedisResource,
    state: &LinkState,
) -> Vec<FailoverBlocker> {
    let mut out = Vec::new();
    if *state != LinkState::Succeeded {
        out.push(FailoverBlocker::LinkNotReady { state: state.to_string() });
    }
    let (ps, ss) = (&primary.properties.sku, &secondary.properties.sku);
    if ps.name != ss.name || ps.capacity != ss.capacity || primary.shards() != secondary.shards() {
        out.push(FailoverBlocker::SizesDiffer { primary: size_label(primary), secondary: size_label(secondary) });
    }
    out
}

/// One row of the portal's "settings to check" before a failover: the same setting on both caches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingRow {
    pub label: &'static str,
    pub primary: String,
    pub secondary: String,
    /// Clients that work with the primary may not with the secondary: worth a look before failing over.
    pub differs: bool,
}

fn on_off(b: Option<bool>) -> String {
    if b.unwrap_or(false) { "enabled".into() } else { "disabled".into() }
}

fn public_access(c: &RedisResource) -> String {
    match (&c.properties.public_network_access, &c.properties.subnet_id) {
        (_, Some(_)) => "virtual network".into(),
        (Some(PublicNetworkAccess::Disabled), None) => "disabled (private endpoint)".into(),
        (Some(other), None) => other.to_string().to_lowercase(),
        (None, None) => "enabled".into(),
    }
}

/// Whether the cache takes access keys, or only Microsoft Entra (AAD) tokens.
fn authentication(c: &RedisResource) -> String {
    let keys_off = c.properties.extra.get("disableAccessKeyAuthentication").and_then(|v| v.as_bool()) == Some(true);
    let aad = c
        .properties
        .redis_configuration
        .as_ref()
        .and_then(|r| r.extra.get("aad-enabled"))
        .and_then(|v| v.as_str())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    match (aad, keys_off) {
        (true, true) => "Microsoft Entra only".into(),
        (true, false) => "Entra and own access keys".into(),
        (false, _) => "own access keys".into(),
    }
}

/// The portal's "settings to check" for the two caches: non-SSL port, minimum TLS version, public
/// network access, and authentication. Access keys are per cache, so two caches that use keys always
/// differ there: clients that connect with keys must be given the other cache's.
pub fn settings_to_check(primary: &RedisResource, secondary: &RedisResource) -> Vec<SettingRow> {
    let row = |label, f: &dyn Fn(&RedisResource) -> String| {
        let (p, s) = (f(primary), f(secondary));
        SettingRow { label, differs: p != s, primary: p, secondary: s }
    };
    let tls = |c: &RedisResource| c.properties.minimum_tls_version.clone().unwrap_or_else(|| "1.2 (default)".into());
    let mut auth = row("Authentication", &authentication);
    auth.differs |= auth.primary != "Microsoft Entra only" || auth.secondary != "Microsoft Entra only";
    vec![
        row("Non-SSL port (6379)", &|c| on_off(c.properties.enable_non_ssl_port)),
        row("Minimum TLS version", &tls),
        row("Public network access", &public_access),
        auth,
    ]
}

/// The three URLs the portal shows on a linked pair, as seen from `me` (one of the two caches).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeoUrls {
    /// `<me>.geo.redis.cache.windows.net`: always points to the current geo-primary.
    pub geo_primary: String,
    /// `<primary>.redis.cache.windows.net`.
    pub current_primary: String,
    /// `<secondary>.redis.cache.windows.net`.
    pub current_secondary: String,
}

/// The URLs of the pair `primary`/`secondary`, from `me`'s blade.
pub fn geo_urls(me: &str, primary: &str, secondary: &str) -> GeoUrls {
    GeoUrls {
        geo_primary: geo_primary_host_name(me),
        current_primary: host_name(primary),
        current_secondary: host_name(secondary),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::Sku;

    fn cache(capacity: u32, shards: Option<u32>) -> RedisResource {
        let mut c: RedisResource = serde_json::from_value(serde_json::json!({
            "location": "East US",
            "properties": { "sku": { "name": "Premium", "family": "P", "capacity": capacity } }
        }))
        .unwrap();
        c.properties.sku = Sku::premium(capacity);
        c.properties.shard_count = shards;
        c
    }

    #[test]
    fn equal_sizes_and_a_succeeded_link_may_fail_over() {
        assert!(failover_blockers(&cache(2, None), &cache(2, None), &LinkState::Succeeded).is_empty());
    }

    #[test]
    fn every_reason_is_given() {
        let b = failover_blockers(&cache(1, None), &cache(2, None), &LinkState::Syncing);
        let codes: Vec<_> = b.iter().map(|b| b.code()).collect();
        assert_eq!(codes, ["LinkBusy", "CacheSizesDiffer"]);
        assert!(b[1].message().contains("P1") && b[1].message().contains("P2"), "{}", b[1].message());
        let shards = failover_blockers(&cache(2, Some(2)), &cache(2, Some(3)), &LinkState::Succeeded);
        assert_eq!(shards[0].code(), "CacheSizesDiffer");
    }

    #[test]
    fn settings_mark_what_differs() {
        let p = cache(2, None);
        let mut s = cache(2, None);
        s.properties.enable_non_ssl_port = Some(true);
        s.properties.minimum_tls_version = Some("1.2".into());
        let rows = settings_to_check(&p, &s);
        let differs: Vec<_> = rows.iter().map(|r| (r.label, r.differs)).collect();
        assert_eq!(
            differs,
            [
                ("Non-SSL port (6379)", true),
                ("Minimum TLS version", true),
                ("Public network access", false),
                ("Authentication", true)
            ]
        );
    }

    #[test]
    fn entra_only_on_both_sides_needs_no_key_change() {
        let entra = || {
            let mut c = cache(2, None);
            c.properties.extra.insert("disableAccessKeyAuthentication".into(), true.into());
            c.properties.redis_configuration =
                Some(serde_json::from_value(serde_json::json!({"aad-enabled": "true"})).unwrap());
            c
        };
        let rows = settings_to_check(&entra(), &entra());
        assert!(!rows[3].differs, "{rows:?}");
    }

    #[test]
    fn urls_follow_the_roles() {
        let u = geo_urls("Contoso-EUS", "contoso-weu", "contoso-eus");
        assert_eq!(u.geo_primary, "contoso-eus.geo.redis.cache.windows.net");
        assert_eq!(u.current_primary, "contoso-weu.redis.cache.windows.net");
        assert_eq!(u.current_secondary, "contoso-eus.redis.cache.windows.net");
    }
}
