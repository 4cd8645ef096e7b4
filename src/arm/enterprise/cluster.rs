use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::open_enum;

open_enum!(
    /// `provisioningState` of a cluster or a database.
    EnterpriseProvisioningState {
        Succeeded => "Succeeded",
        Failed => "Failed",
        Canceled => "Canceled",
        Creating => "Creating",
        Updating => "Updating",
        Deleting => "Deleting",
    }
);

open_enum!(
    /// `resourceState` of a cluster or a database.
    ResourceState {
        Running => "Running",
        Creating => "Creating",
        CreateFailed => "CreateFailed",
        Updating => "Updating",
        UpdateFailed => "UpdateFailed",
        Deleting => "Deleting",
        DeleteFailed => "DeleteFailed",
        Enabling => "Enabling",
        EnableFailed => "EnableFailed",
        Disabling => "Disabling",
        DisableFailed => "DisableFailed",
        Disabled => "Disabled",
        Scaling => "Scaling",
        ScalingFailed => "ScalingFailed",
        Moving => "Moving",
    }
);

open_enum!(
    /// `properties.highAvailability` of a cluster (Enabled when absent).
    HighAvailability {
        Enabled => "Enabled",
        Disabled => "Disabled",
    }
);

/// The SKU of a cluster: `name` such as `Balanced_B5` or `Enterprise_E10`, and `capacity` (Enterprise
/// and EnterpriseFlash only). The spec lists over fifty names and says more may come, so the name is
/// kept as sent and read through [`EnterpriseSku::tier`] and [`EnterpriseSku::size`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseSku {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
}

impl EnterpriseSku {
    pub fn new(name: &str, capacity: Option<u32>) -> Self {
        EnterpriseSku { name: name.to_string(), capacity }
    }

    /// The tier before the `_`: `Balanced`, `MemoryOptimized`, `ComputeOptimized`, `FlashOptimized`,
    /// `Enterprise`, `EnterpriseFlash`.
    pub fn tier(&self) -> &str {
        self.name.split_once('_').map_or(self.name.as_str(), |(t, _)| t)
    }

    /// The size after the `_`: `B5`, `M10`, `E10` ...
    pub fn size(&self) -> &str {
        self.name.split_once('_').map_or("", |(_, s)| s)
    }

    /// Same SKU name, ignoring case as ARM does.
    pub fn same_name(&self, other: &EnterpriseSku) -> bool {
        self.name.eq_ignore_ascii_case(&other.name)
    }

    /// Balanced B0 and B1, which do not support active geo-replication.
    pub fn is_balanced_b0_or_b1(&self) -> bool {
        ["Balanced_B0", "Balanced_B1"].iter().any(|n| self.name.eq_ignore_ascii_case(n))
    }

    /// The portal's label: `Balanced B5`, or `Enterprise E10 (capacity 2)`.
    pub fn label(&self) -> String {
        let base = if self.size().is_empty() { self.name.clone() } else { format!("{} {}", self.tier(), self.size()) };
        match self.capacity {
            Some(c) => format!("{base} (capacity {c})"),
            None => base,
        }
    }
}

/// A Managed Redis cluster (`GET .../Microsoft.Cache/redisEnterprise/{clusterName}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `type`: `Microsoft.Cache/redisEnterprise`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    pub location: String,
    /// `kind`: `v1` or `v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub sku: EnterpriseSku,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub properties: ClusterProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `properties` of a cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<EnterpriseProvisioningState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_state: Option<ResourceState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_availability: Option<HighAvailability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_tls_version: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Cluster {
    /// High availability is on unless the cluster says `Disabled` (the spec: enabled by default).
    pub fn high_availability(&self) -> bool {
        !matches!(self.properties.high_availability, Some(HighAvailability::Disabled))
    }

    /// The provisioning state, `Succeeded` when absent.
    pub fn provisioning_state(&self) -> EnterpriseProvisioningState {
        self.properties.provisioning_state.clone().unwrap_or(EnterpriseProvisioningState::Succeeded)
    }

    /// The cluster's name: `name`, or the last segment of `id`.
    pub fn cluster_name(&self) -> &str {
        match (&self.name, &self.id) {
            (Some(n), _) => n,
            (None, Some(id)) => id.rsplit('/').next().unwrap_or(""),
            (None, None) => "",
        }
    }
}
