//! Resource Graph rows for Azure Managed Redis: `Resources | where type =~
//! 'microsoft.cache/redisenterprise'` answers the clusters as `GET` shows them, with the same filters,
//! order and columns as the caches (`sku` is the cluster's own, top-level one).

use serde_json::{Map, Value};

use crate::arm::QueryRequest;
use crate::arm::enterprise::{Cluster, EnterpriseId};
use crate::geo::same_region;

use super::super::store::State;
use super::query::{Column, Query};

/// The type every Managed Redis cluster has in Resource Graph.
pub const ENTERPRISE_TYPE: &str = "microsoft.cache/redisenterprise";

/// The clusters the query selects, in the order it asks for.
pub fn matching<'s>(state: &'s State, request: &QueryRequest, q: &Query) -> Vec<(&'s Cluster, EnterpriseId)> {
    let in_list = |list: &[String], sub: &str| list.iter().any(|s| s.trim().eq_ignore_ascii_case(sub));
    let mut rows: Vec<(&Cluster, EnterpriseId)> = state
        .enterprise
        .clusters
        .values()
        .filter_map(|c| c.id.as_deref().and_then(|i| EnterpriseId::parse(i).ok()).map(|id| (c, id)))
        .filter(|(_, id)| request.subscriptions.is_empty() || in_list(&request.subscriptions, &id.subscription))
        .filter(|(_, id)| q.subscriptions.as_deref().is_none_or(|list| in_list(list, &id.subscription)))
        .filter(|(c, _)| q.location.as_deref().is_none_or(|l| same_region(l, &c.location)))
        .collect();
    if let Some(ascending) = q.name_ascending {
        rows.sort_by_cached_key(|(_, id)| (id.cluster.to_ascii_lowercase(), id.key()));
        if !ascending {
            rows.reverse();
        }
    }
    rows
}

/// One row: the cluster as `GET` shows it, cut to the query's columns.
pub fn row(state: &State, cluster: &Cluster, id: &EnterpriseId, q: &Query) -> Map<String, Value> {
    let rendered = state.enterprise.render_cluster(cluster);
    let mut body = match serde_json::to_value(&rendered) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut take = |k: &str| body.remove(k).unwrap_or(Value::Null);
    let (properties, sku, tags, zones, location, name) =
        (take("properties"), take("sku"), take("tags"), take("zones"), take("location"), take("name"));
    q.columns
        .iter()
        .map(|c| {
            let v = match c {
                Column::Id => Value::String(id.to_string()),
                Column::Name => name.clone(),
                Column::Type => Value::String(ENTERPRISE_TYPE.into()),
                Column::Location => location.clone(),
                Column::ResourceGroup => Value::String(id.resource_group.clone()),
                Column::SubscriptionId => Value::String(id.subscription.clone()),
                Column::Tags => tags.clone(),
                Column::Sku => sku.clone(),
                Column::Properties => properties.clone(),
                Column::Zones => zones.clone(),
            };
            (c.name().to_string(), v)
        })
        .collect()
}
