//! The three URLs the portal shows on a linked pair (Geo-replication blade and both Overviews):
//! Geo-Primary URL, Current Geo Primary Cache, Current Geo Secondary Cache; on the emulator's real data
//! plane also the `host:port` each resolves to.

use crate::arm::ResourceId;
use crate::geo::geo_urls;
use crate::tui::data::Data;

pub struct UrlRow {
    pub label: &'static str,
    pub host: String,
    /// `127.0.0.1:40001`, `127.0.0.1:40001 (+2 shards)`: where the backend says the host leads.
    pub resolves_to: Option<String>,
}

/// Where the cache's first shard listens, as the backend reports it (the real data plane only).
fn endpoint(data: &Data, id: &ResourceId) -> Option<String> {
    let endpoints = data.cache(id)?.properties.data_plane.as_ref()?.endpoints.as_ref()?;
    let first = endpoints.first()?;
    Some(match endpoints.len() {
        1 => first.clone(),
        n => format!("{first} (+{} shards)", n - 1),
    })
}

/// The rows for the pair `primary` -> `secondary`, seen from `me`.
pub fn rows(data: &Data, me: &ResourceId, primary: &ResourceId, secondary: &ResourceId) -> Vec<UrlRow> {
    let urls = geo_urls(&me.name, &primary.name, &secondary.name);
    vec![
        UrlRow { label: "Geo-Primary URL", host: urls.geo_primary, resolves_to: endpoint(data, primary) },
        UrlRow { label: "Current Geo Primary Cache", host: urls.current_primary, resolves_to: endpoint(data, primary) },
        UrlRow {
            label: "Current Geo Secondary Cache",
            host: urls.current_secondary,
            resolves_to: endpoint(data, secondary),
        },
    ]
}
