use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ErrorDetail;
use crate::open_enum;

open_enum!(
    /// `status` of an async operation.
    OperationState {
        InProgress => "InProgress",
        Succeeded => "Succeeded",
        Failed => "Failed",
        Canceled => "Canceled",
    }
);

impl OperationState {
    /// Whether the operation has ended. As in ARM's async-operation contract (and azure-core), only
    /// Succeeded, Failed and Canceled are final: any other value, known or not, means keep polling.
    pub fn is_terminal(&self) -> bool {
        matches!(self, OperationState::Succeeded | OperationState::Failed | OperationState::Canceled)
    }
}

/// The body of GET .../locations/{location}/asyncOperations/{operationId}. Absent values are sent as
/// `null`, as the service does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationStatus {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub status: OperationState,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub percent_complete: Option<f64>,
    #[serde(default)]
    pub properties: Option<Value>,
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}
