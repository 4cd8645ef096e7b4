//! The Azure Monitor metrics wire model (`GET {resourceUri}/providers/Microsoft.Insights/metrics`,
//! api-version 2023-10-01): the `Response` of `Metrics_List` and what it holds, as the spec
//! (`metrics_API.json`, `commonMonitoringTypes.json`) has them. Shared by the client and the emulator.

use serde::{Deserialize, Serialize};

/// The api-version the metrics route speaks.
pub const METRICS_API_VERSION: &str = "2023-10-01";
/// The api-version `azure-mgmt-monitor` 7.x sends; the emulator accepts it too.
pub const METRICS_API_VERSION_SDK: &str = "2024-02-01";
/// `type` of every metric in a response.
pub const METRIC_TYPE: &str = "Microsoft.Insights/metrics";

/// The response to a metrics query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The relative cost of the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<u64>,
    /// `start/end`, ISO 8601.
    pub timespan: String,
    /// The interval (time grain) of the data, e.g. `PT1M`, `PT1H`, `FULL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, rename = "resourceregion", skip_serializing_if = "Option::is_none")]
    pub resource_region: Option<String>,
    pub value: Vec<Metric>,
}

/// One metric's result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: LocalizableString,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_description: Option<String>,
    /// `Count`, `Bytes`, `Seconds`, `BytesPerSecond` ... (an open set: kept as text).
    pub unit: String,
    pub timeseries: Vec<TimeSeriesElement>,
    /// `Success`, or what went wrong for this metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// A name and its display form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalizableString {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localized_value: Option<String>,
}

impl LocalizableString {
    pub fn new(value: &str, localized: &str) -> Self {
        LocalizableString { value: value.to_string(), localized_value: Some(localized.to_string()) }
    }
}

/// One series: its dimension values (with a `$filter`) and its points.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeSeriesElement {
    #[serde(default, rename = "metadatavalues")]
    pub metadata_values: Vec<MetadataValue>,
    #[serde(default)]
    pub data: Vec<MetricValue>,
}

impl TimeSeriesElement {
    /// The value of the dimension `name` (compared without case), e.g. `shardid`.
    pub fn dimension(&self, name: &str) -> Option<&str> {
        self.metadata_values
            .iter()
            .find(|m| m.name.as_ref().is_some_and(|n| n.value.eq_ignore_ascii_case(name)))
            .and_then(|m| m.value.as_deref())
    }
}

/// A dimension's value on a series.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LocalizableString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One point: the aggregations asked for over one interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<f64>,
}

impl MetricValue {
    /// The first aggregation present, in the order average, maximum, minimum, total, count.
    pub fn any(&self) -> Option<f64> {
        self.average.or(self.maximum).or(self.minimum).or(self.total).or(self.count)
    }
}

impl Response {
    /// The metric named `name` (compared without case).
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.value.iter().find(|m| m.name.value.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_reads_and_writes_back() {
        let text = include_str!("../../tests/fixtures/azure-monitor/GetMetric.json");
        let example: serde_json::Value = serde_json::from_str(text).unwrap();
        let body = &example["responses"]["200"]["body"];
        let resp: Response = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(resp.interval.as_deref(), Some("PT1H"));
        assert_eq!(resp.resource_region.as_deref(), Some("westus2"));
        let count = resp.metric("blobcount").unwrap();
        assert_eq!(count.unit, "Count");
        assert_eq!(count.timeseries[0].dimension("Tier"), Some("Hot"));
        assert_eq!(count.timeseries[0].data[0].average, Some(7.0));
        assert_eq!(serde_json::to_value(&resp).unwrap(), *body);
    }

    #[test]
    fn a_metric_with_an_error_code_reads() {
        let text = include_str!("../../tests/fixtures/azure-monitor/GetMetricError.json");
        let example: serde_json::Value = serde_json::from_str(text).unwrap();
        let resp: Response = serde_json::from_value(example["responses"]["200"]["body"].clone()).unwrap();
        let bad = resp.metric("MongoRequestsCount").unwrap();
        assert_eq!(bad.error_code.as_deref(), Some("InvalidSamplingType"));
        assert!(bad.timeseries.is_empty());
    }
}
