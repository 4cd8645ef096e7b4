use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::open_enum;

open_enum!(
    /// `serverRole` of a linked server entry: the role of the *linked* (peer) cache.
    ReplicationRole {
        Primary => "Primary",
        Secondary => "Secondary",
    }
);

impl ReplicationRole {
    /// The other side's role.
    pub fn mirrored(&self) -> ReplicationRole {
        match self {
            ReplicationRole::Primary => ReplicationRole::Secondary,
            ReplicationRole::Secondary => ReplicationRole::Primary,
            ReplicationRole::Other(s) => ReplicationRole::Other(s.clone()),
        }
    }
}

open_enum!(
    /// `provisioningState` of a linked server entry: the link's phase as ARM reports it (a plain string
    /// in the spec; these are the values the service sends).
    LinkState {
        Creating => "Creating",
        Syncing => "Syncing",
        Succeeded => "Succeeded",
        Deleting => "Deleting",
        Failed => "Failed",
    }
);

impl LinkState {
    /// A link or unlink is running on the backend: the entry is between two settled states.
    pub fn in_flight(&self) -> bool {
        matches!(self, LinkState::Creating | LinkState::Syncing | LinkState::Deleting)
    }

    /// Settled: nothing runs on the link (a failed link can be unlinked).
    pub fn settled(&self) -> bool {
        matches!(self, LinkState::Succeeded | LinkState::Failed)
    }
}

/// A linked server entry (GET .../linkedServers/{linkedServerName}).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedServer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub properties: LinkedServerProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `properties` of a linked server entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkedServerProperties {
    pub linked_redis_cache_id: String,
    pub linked_redis_cache_location: String,
    pub server_role: ReplicationRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_replicated_primary_host_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_host_name: Option<String>,
    /// `Creating`, `Syncing`, `Succeeded`, `Deleting`, `Failed`; unknown values are kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<LinkState>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of PUT .../linkedServers/{linkedServerName}.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkedServerCreateParameters {
    pub properties: LinkedServerCreateProperties,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkedServerCreateProperties {
    pub linked_redis_cache_id: String,
    pub linked_redis_cache_location: String,
    pub server_role: ReplicationRole,
}

impl LinkedServer {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    /// The link's state; `Other("")` when the entry has none.
    pub fn state(&self) -> LinkState {
        self.properties.provisioning_state.clone().unwrap_or(LinkState::Other(String::new()))
    }
}
