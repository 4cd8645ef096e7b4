//! Every cache (and every Azure Managed Redis cluster) across subscriptions through Azure Resource Graph (one query, 1,000 rows a page, paged
//! with `$skipToken`), as the portal's browse lists are served; the per-subscription ARM lists when
//! Resource Graph refuses (403, 404) or is not to be used.

use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Map;

use crate::arm::enterprise::{CLUSTER_TYPE, Cluster};
use crate::arm::{
    CACHE_TYPE, QueryRequest, QueryRequestOptions, RESOURCE_GRAPH_API_VERSION, RESOURCE_GRAPH_MAX_TOP,
    RESOURCE_GRAPH_PATH, RedisResource, ResultFormat,
};

use super::{ArmClient, ClientError};

/// The query georep sends: every cache, with the columns a cache's `GET` body has.
pub const CACHES_QUERY: &str =
    "Resources | where type =~ 'microsoft.cache/redis' | project id, name, location, tags, zones, properties";

/// The query for Azure Managed Redis clusters, with the columns a cluster's `GET` body has (`sku` is
/// a cluster's own, top-level column).
pub const CLUSTERS_QUERY: &str = "Resources | where type =~ 'microsoft.cache/redisenterprise' | project id, name, \
                                  location, tags, zones, sku, properties";

/// Pages of one query at most (10 million rows).
const MAX_PAGES: usize = 10_000;

/// Rows reserved at most from what the first page says the total is (a larger fleet grows the list
/// page by page, and a wrong total costs no more than this).
const MAX_RESERVED: usize = 100_000;

/// Where a list of caches came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheSource {
    /// One Resource Graph query.
    ResourceGraph,
    /// A list per subscription (Resource Graph refused, or not asked).
    PerSubscription,
}

impl ArmClient {
    /// Every row of `query` over `subscriptions`, read straight into `T`, paging 1,000 at a time.
    async fn query_rows<T: DeserializeOwned>(
        &self,
        subscriptions: &[String],
        query: &str,
    ) -> Result<Vec<T>, ClientError> {
        let url = self.url(RESOURCE_GRAPH_PATH, RESOURCE_GRAPH_API_VERSION);
        let mut out = Vec::new();
        let mut skip_token = None;
        for _ in 0..MAX_PAGES {
            let request = QueryRequest {
                subscriptions: subscriptions.to_vec(),
                query: query.into(),
                options: Some(QueryRequestOptions {
                    top: Some(i64::from(RESOURCE_GRAPH_MAX_TOP)),
                    skip_token: skip_token.take(),
                    result_format: Some(ResultFormat::ObjectArray),
                    ..Default::default()
                }),
                extra: Map::new(),
            };
            let body = serde_json::to_value(&request).map_err(|e| ClientError::Decode(e.to_string()))?;
            // A query changes nothing: retried as a GET is.
            let resp = self.send(Method::POST, &url, Some(&body), true).await?;
            let page: RowsPage<T> = self.decode(resp).await?;
            if out.is_empty() {
                // The whole list in one allocation: grown page by page it doubles past the fleet (16,000
                // slots for 10,000 caches), and the snapshot keeps the vector.
                let total = page.total_records.and_then(|t| usize::try_from(t).ok()).unwrap_or(0);
                out.reserve_exact(total.min(MAX_RESERVED));
            }
            out.extend(page.data);
            match page.skip_token.filter(|t| !t.is_empty()) {
                Some(t) => skip_token = Some(t),
                None => return Ok(out),
            }
        }
        Err(ClientError::Decode(format!("the Resource Graph query did not end after {MAX_PAGES} pages")))
    }

    /// Every cache in `subscriptions`, through Resource Graph, paging 1,000 at a time.
    pub async fn query_caches(&self, subscriptions: &[String]) -> Result<Vec<RedisResource>, ClientError> {
        let rows: Vec<RedisResource> = self.query_rows(subscriptions, CACHES_QUERY).await?;
        Ok(rows.into_iter().map(as_arm_body).collect())
    }

    /// Every Azure Managed Redis cluster in `subscriptions`, through Resource Graph.
    pub async fn query_clusters(&self, subscriptions: &[String]) -> Result<Vec<Cluster>, ClientError> {
        let rows: Vec<Cluster> = self.query_rows(subscriptions, CLUSTERS_QUERY).await?;
        Ok(rows.into_iter().map(as_cluster_body).collect())
    }

    /// Every cluster in `subscriptions`: through Resource Graph when `use_graph` and it answers, else
    /// (refused with 403 or 404, or not asked) a list per subscription, all at once.
    pub async fn clusters_in(
        &self,
        subscriptions: &[String],
        use_graph: bool,
    ) -> Result<(Vec<Cluster>, CacheSource), ClientError> {
        if use_graph {
            match self.query_clusters(subscriptions).await {
                Ok(clusters) => return Ok((clusters, CacheSource::ResourceGraph)),
                Err(e) if matches!(e.status(), Some(403 | 404)) => {
                    tracing::info!(error = %e, "Resource Graph refused the query: listing each subscription");
                }
                Err(e) => return Err(e),
            }
        }
        let lists = futures::future::join_all(subscriptions.iter().map(|s| self.list_clusters(s))).await;
        let mut out = Vec::new();
        for list in lists {
            out.extend(list?);
        }
        Ok((out, CacheSource::PerSubscription))
    }

    /// Every cache in `subscriptions`: through Resource Graph when `use_graph` and it answers, else
    /// (refused with 403 or 404, or not asked) a list per subscription, all at once.
    pub async fn caches_in(
        &self,
        subscriptions: &[String],
        use_graph: bool,
    ) -> Result<(Vec<RedisResource>, CacheSource), ClientError> {
        if use_graph {
            match self.query_caches(subscriptions).await {
                Ok(caches) => return Ok((caches, CacheSource::ResourceGraph)),
                Err(e) if matches!(e.status(), Some(403 | 404)) => {
                    tracing::info!(error = %e, "Resource Graph refused the query: listing each subscription");
                }
                Err(e) => return Err(e),
            }
        }
        let lists = futures::future::join_all(subscriptions.iter().map(|s| self.list_caches(s))).await;
        let mut out = Vec::new();
        for list in lists {
            out.extend(list?);
        }
        Ok((out, CacheSource::PerSubscription))
    }
}

/// A page of a query (`objectArray`), its rows read straight into `T`: a [`crate::arm::QueryResponse`]
/// would hold them as JSON values first, which costs more than the request at 10,000 caches.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct RowsPage<T> {
    #[serde(rename = "$skipToken", default)]
    skip_token: Option<String>,
    /// Every row of the query, all pages together.
    #[serde(rename = "totalRecords", default)]
    total_records: Option<u64>,
    data: Vec<T>,
}

/// A row as the cache's ARM body: Resource Graph's own columns dropped, `type` spelled as ARM does.
fn as_arm_body(mut cache: RedisResource) -> RedisResource {
    for column in ["resourceGroup", "subscriptionId", "sku"] {
        cache.extra.remove(column);
    }
    cache.kind = Some(CACHE_TYPE.into());
    cache
}

/// A row as the cluster's ARM body: Resource Graph's own columns dropped, `type` spelled as ARM does.
fn as_cluster_body(mut cluster: Cluster) -> Cluster {
    for column in ["resourceGroup", "subscriptionId"] {
        cluster.extra.remove(column);
    }
    cluster.resource_type = Some(CLUSTER_TYPE.into());
    cluster
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_as_the_cache_body() {
        let page = serde_json::json!({"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": [{
            "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Cache/Redis/c",
            "name": "c", "type": "microsoft.cache/redis", "location": "East US", "tags": null, "zones": null,
            "resourceGroup": "g", "subscriptionId": "s",
            "properties": {"sku": {"name": "Premium", "family": "P", "capacity": 1}, "provisioningState": "Succeeded"}
        }]});
        let page: RowsPage<RedisResource> = serde_json::from_value(page).unwrap();
        assert_eq!(page.skip_token, None);
        let cache = as_arm_body(page.data.into_iter().next().unwrap());
        assert_eq!(cache.kind.as_deref(), Some(CACHE_TYPE));
        assert_eq!((cache.tags, cache.zones), (None, None));
        assert!(cache.extra.is_empty(), "{:?}", cache.extra);
    }
}
