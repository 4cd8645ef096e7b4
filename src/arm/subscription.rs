use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One entry of `GET /subscriptions?api-version=2022-12-01`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub subscription_id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub state: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
