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

impl Subscription {
    /// Subscription `id` as `listed` shows it, or a bare entry with its id alone when the list does
    /// not show it (a token that may use a subscription it cannot list).
    pub fn from_list(listed: &[Subscription], id: &str) -> Subscription {
        listed.iter().find(|s| s.subscription_id.eq_ignore_ascii_case(id)).cloned().unwrap_or_else(|| Subscription {
            id: format!("/subscriptions/{id}"),
            subscription_id: id.to_string(),
            display_name: String::new(),
            state: String::new(),
            extra: Map::new(),
        })
    }
}
