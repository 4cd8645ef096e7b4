use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{GeoReplication, LinkedDatabase};
use crate::arm::{ErrorDetail, OperationState};

/// The body of `POST .../databases/{db}/forceUnlink`: the databases to drop from the group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ForceUnlinkParameters {
    pub ids: Vec<String>,
}

/// The body of `POST .../databases/{db}/forceLinkToReplicationGroup`: the group to join (its nickname)
/// and the databases expected in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForceLinkParameters {
    pub geo_replication: GeoReplication,
}

impl ForceLinkParameters {
    pub fn new(nickname: &str, linked: Vec<LinkedDatabase>) -> Self {
        ForceLinkParameters { geo_replication: GeoReplication::new(nickname, linked) }
    }
}

/// The optional body of `POST .../databases/{db}/flush`: the other members of the group to flush too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlushParameters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
}

/// The body of `GET /subscriptions/{sub}/providers/Microsoft.Cache/locations/{location}/operationsStatus/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseOperationStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub status: OperationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// georep's emulator sends it as the `redis` operations do; the spec does not list it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_complete: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
