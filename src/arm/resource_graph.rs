//! Azure Resource Graph's `resources` query (`POST /providers/Microsoft.ResourceGraph/resources`,
//! api-version 2024-04-01; Microsoft's SDKs send 2021-03-01, whose body is the same). See
//! `shared/azure-rest/resourcegraph/resourcegraph.json`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::open_enum;

/// The path of the query.
pub const RESOURCE_GRAPH_PATH: &str = "/providers/Microsoft.ResourceGraph/resources";
/// The api-version of the spec georep follows.
pub const RESOURCE_GRAPH_API_VERSION: &str = "2024-04-01";
/// The api-version `azure-mgmt-resourcegraph` 8.x sends (same request and response).
pub const RESOURCE_GRAPH_SDK_API_VERSION: &str = "2021-03-01";
/// Rows per page at most (`$top`'s maximum).
pub const RESOURCE_GRAPH_MAX_TOP: u32 = 1000;
/// Rows per page when `$top` is not given, as Resource Graph does.
pub const RESOURCE_GRAPH_DEFAULT_TOP: u32 = 100;

open_enum!(
    /// `options.resultFormat`.
    ResultFormat {
        Table => "table",
        ObjectArray => "objectArray",
    }
);

/// The request body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
    pub query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<QueryRequestOptions>,
    /// `managementGroups`, `facets` ...: kept, not acted on.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `options`: paging and the shape of `data`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequestOptions {
    #[serde(rename = "$top", default, skip_serializing_if = "Option::is_none")]
    pub top: Option<i64>,
    #[serde(rename = "$skip", default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<i64>,
    #[serde(rename = "$skipToken", default, skip_serializing_if = "Option::is_none")]
    pub skip_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_format: Option<ResultFormat>,
    /// `allowPartialScopes`, `authorizationScopeFilter` (the SDK sends them): kept, not acted on.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The response body. `resultTruncated` is a string (`"true"`/`"false"`), as in the spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryResponse {
    pub total_records: u64,
    pub count: u64,
    pub result_truncated: String,
    #[serde(rename = "$skipToken", default, skip_serializing_if = "Option::is_none")]
    pub skip_token: Option<String>,
    #[serde(default)]
    pub facets: Vec<Value>,
    pub data: QueryData,
}

/// `data`: an array of objects (`objectArray`) or a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QueryData {
    Table(Table),
    Objects(Vec<Map<String, Value>>),
}

/// `data` in the `table` format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

/// A column of a [`Table`]: its name and type (`string`, `integer`, `number`, `boolean`, `object`, `datetime`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl QueryData {
    /// The rows as objects, whichever the format (a table's cells named by its columns).
    pub fn into_objects(self) -> Vec<Map<String, Value>> {
        match self {
            QueryData::Objects(rows) => rows,
            QueryData::Table(t) => {
                t.rows.into_iter().map(|row| t.columns.iter().map(|c| c.name.clone()).zip(row).collect()).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_examples_parse_and_print_back() {
        let first = r#"{"totalRecords":386,"count":1,"resultTruncated":"false","facets":[],
            "$skipToken":"eyJ9","data":[{"id":"/subscriptions/s/x","name":"x","type":"t","location":"eastus"}]}"#;
        let resp: QueryResponse = serde_json::from_str(first).unwrap();
        assert_eq!(resp.skip_token.as_deref(), Some("eyJ9"));
        assert_eq!(resp.result_truncated, "false");
        let back = serde_json::to_value(&resp).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(first).unwrap());

        let req: QueryRequest = serde_json::from_str(
            r#"{"subscriptions":["s"],"query":"Resources","options":{"$top":3,"$skip":0,"allowPartialScopes":false}}"#,
        )
        .unwrap();
        let options = req.options.unwrap();
        assert_eq!((options.top, options.skip), (Some(3), Some(0)));
        assert_eq!(options.extra["allowPartialScopes"], Value::Bool(false));
    }

    #[test]
    fn a_table_reads_as_objects() {
        let table: QueryData = serde_json::from_str(
            r#"{"columns":[{"name":"id","type":"string"},{"name":"n","type":"integer"}],"rows":[["a",1],["b",2]]}"#,
        )
        .unwrap();
        let rows = table.into_objects();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["id"], "b");
        assert_eq!(rows[1]["n"], 2);
        let objects: QueryData = serde_json::from_str(r#"[{"id":"a"}]"#).unwrap();
        assert_eq!(objects.into_objects()[0]["id"], "a");
    }
}
