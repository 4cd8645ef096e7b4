//! Azure Managed Redis (`Microsoft.Cache/redisEnterprise`, api-version 2025-07-01): clusters, their
//! databases, and the active geo-replication actions (force-unlink, force-link, flush).
//!
//! As for the `redis` routes: GETs are retried and paced, PUT and POST are sent once, every name is one
//! encoded path segment, and ARM error bodies become [`ClientError::Arm`]. The actions are
//! long-running: a 202 (or a 201 for a create) comes with `Azure-AsyncOperation` and/or `Location`,
//! followed with [`ArmClient::follow`] like every other operation; when the service names neither,
//! the database itself is read until its `provisioningState` ends.

use reqwest::{Method, StatusCode};

use crate::arm::enterprise::{
    Cluster, Database, ENTERPRISE_API_VERSION, EnterpriseId, FlushParameters, ForceLinkParameters,
    ForceUnlinkParameters,
};

use super::names::segment;
use super::{ArmClient, ClientError, Lro};

/// The name of the database every Managed Redis cluster has (the portal creates only this one).
pub const DEFAULT_DATABASE: &str = "default";

impl ArmClient {
    /// `/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Cache/redisEnterprise/{c}`, every name
    /// encoded as one segment.
    pub(crate) fn cluster_path(id: &EnterpriseId) -> Result<String, ClientError> {
        Ok(format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/redisEnterprise/{}",
            segment(&id.subscription)?,
            segment(&id.resource_group)?,
            segment(&id.cluster)?
        ))
    }

    /// `{cluster path}/databases/{d}`; an id without a database names [`DEFAULT_DATABASE`].
    fn database_path(id: &EnterpriseId) -> Result<String, ClientError> {
        let db = id.database.as_deref().unwrap_or(DEFAULT_DATABASE);
        Ok(format!("{}/databases/{}", Self::cluster_path(id)?, segment(db)?))
    }

    fn enterprise_url(&self, path: &str) -> String {
        self.url(path, ENTERPRISE_API_VERSION)
    }

    /// Every Managed Redis cluster of a subscription.
    pub async fn list_clusters(&self, subscription: &str) -> Result<Vec<Cluster>, ClientError> {
        let path = format!("/subscriptions/{}/providers/Microsoft.Cache/redisEnterprise", segment(subscription)?);
        self.get_all(self.enterprise_url(&path)).await
    }

    /// Every Managed Redis cluster of a resource group.
    pub async fn list_clusters_in_group(&self, subscription: &str, group: &str) -> Result<Vec<Cluster>, ClientError> {
        let path = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/redisEnterprise",
            segment(subscription)?,
            segment(group)?
        );
        self.get_all(self.enterprise_url(&path)).await
    }

    /// The cluster `id` names (its own id, or the cluster of a database id).
    pub async fn get_cluster(&self, id: &EnterpriseId) -> Result<Cluster, ClientError> {
        self.get_json(&self.enterprise_url(&Self::cluster_path(id)?)).await
    }

    /// The databases of the cluster `id` names.
    pub async fn list_databases(&self, cluster: &EnterpriseId) -> Result<Vec<Database>, ClientError> {
        self.get_all(self.enterprise_url(&format!("{}/databases", Self::cluster_path(cluster)?))).await
    }

    /// The database `id` names ([`DEFAULT_DATABASE`] for a cluster id).
    pub async fn get_database(&self, id: &EnterpriseId) -> Result<Database, ClientError> {
        self.get_json(&self.enterprise_url(&Self::database_path(id)?)).await
    }

    /// Starts creating the database `id` names with `body` (`properties.geoReplication` puts it in a
    /// group: settable only now). Returns the service's first answer and the operation to follow.
    pub async fn create_database(&self, id: &EnterpriseId, body: &Database) -> Result<(Database, Lro), ClientError> {
        let url = self.enterprise_url(&Self::database_path(id)?);
        let body = serde_json::to_value(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        let resp = self.send(Method::PUT, &url, Some(&body), false).await?;
        let lro = Lro::from_headers(resp.headers(), &url);
        let created: Database = self.decode(resp).await?;
        Ok((created, lro))
    }

    /// POSTs an action of the database `id` names; `None` when the service answered it done (200),
    /// else the operation to follow (its resource: the database, read when no operation URL is given).
    async fn database_action(
        &self,
        id: &EnterpriseId,
        action: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Option<Lro>, ClientError> {
        let database = self.enterprise_url(&Self::database_path(id)?);
        let url = self.enterprise_url(&format!("{}/{action}", Self::database_path(id)?));
        let resp = self.send(Method::POST, &url, body.as_ref(), false).await?;
        let lro = Lro::from_headers(resp.headers(), &database);
        let follow = resp.status() == StatusCode::ACCEPTED || lro.async_operation.is_some() || lro.location.is_some();
        Ok(follow.then_some(lro))
    }

    /// Starts removing `ids` (databases of the group, unreachable ones) from the group of the database
    /// `id` names (`POST .../forceUnlink`). A removed database rejoins only by force-link (its data
    /// discarded) or by being recreated.
    pub async fn force_unlink(&self, id: &EnterpriseId, ids: &[EnterpriseId]) -> Result<Option<Lro>, ClientError> {
        let body = ForceUnlinkParameters { ids: ids.iter().map(ToString::to_string).collect() };
        let body = serde_json::to_value(&body).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.database_action(id, "forceUnlink", Some(body)).await
    }

    /// Starts recreating the database `id` names into the group `parameters` names
    /// (`POST .../forceLinkToReplicationGroup`): **its data is discarded**.
    pub async fn force_link(
        &self,
        id: &EnterpriseId,
        parameters: &ForceLinkParameters,
    ) -> Result<Option<Lro>, ClientError> {
        let body = serde_json::to_value(parameters).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.database_action(id, "forceLinkToReplicationGroup", Some(body)).await
    }

    /// Starts clearing the database `id` names and the linked databases `ids` (`POST .../flush`).
    pub async fn flush(&self, id: &EnterpriseId, ids: &[EnterpriseId]) -> Result<Option<Lro>, ClientError> {
        let body = FlushParameters { ids: (!ids.is_empty()).then(|| ids.iter().map(ToString::to_string).collect()) };
        let body = serde_json::to_value(&body).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.database_action(id, "flush", Some(body)).await
    }

    /// The `operationsStatus` URL of operation `operation` in `location`, for an operation known only
    /// by its id (`GET /subscriptions/{s}/providers/Microsoft.Cache/locations/{l}/operationsStatus/{id}`):
    /// follow it as `Lro { async_operation: Some(url), .. }`.
    pub fn operation_status_url(
        &self,
        subscription: &str,
        location: &str,
        operation: &str,
    ) -> Result<String, ClientError> {
        Ok(self.enterprise_url(&format!(
            "/subscriptions/{}/providers/Microsoft.Cache/locations/{}/operationsStatus/{}",
            segment(subscription)?,
            segment(location)?,
            segment(operation)?
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_each_name_one_segment() {
        let id = EnterpriseId::cluster("s", "rg", "c/../x");
        assert_eq!(
            ArmClient::cluster_path(&id).unwrap(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/c%2F..%2Fx"
        );
        assert!(ArmClient::database_path(&id).unwrap().ends_with("/c%2F..%2Fx/databases/default"));
        assert!(ArmClient::database_path(&id.database("a?b")).unwrap().ends_with("/databases/a%3Fb"));
        assert!(matches!(ArmClient::database_path(&id.database("..")), Err(ClientError::InvalidName(_))));
        let c = ArmClient::new("http://127.0.0.1:1", None).unwrap();
        assert_eq!(
            c.operation_status_url("s", "West US", "op1").unwrap(),
            "http://127.0.0.1:1/subscriptions/s/providers/Microsoft.Cache/locations/West%20US/operationsStatus/op1\
             ?api-version=2025-07-01"
        );
    }
}
