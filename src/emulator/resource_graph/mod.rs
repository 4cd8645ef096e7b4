//! Azure Resource Graph's `resources` query, over the caches the emulator serves (and, for
//! `microsoft.cache/redisenterprise`, the Managed Redis clusters: [`enterprise`]): the rows are the
//! caches as `GET` renders them (with `type` lower-cased as Resource Graph has it, and the
//! `resourceGroup` and `subscriptionId` columns), in the subscriptions the request names. Paging is
//! stable: rows are sorted by id (or by name with `order by name`), and a `$skipToken` carries the
//! position, the page size and a hash of the query and scope it belongs to.

mod enterprise;
pub mod query;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::arm::{
    Column as TableColumn, QueryData, QueryRequest, QueryResponse, RESOURCE_GRAPH_DEFAULT_TOP, RESOURCE_GRAPH_MAX_TOP,
    ResourceId, ResultFormat, Table,
};
use crate::geo::same_region;

use super::errors::ArmError;
use super::store::{CacheRecord, State};
use query::{Column, Query, SUPPORTED};

/// The type every cache has in Resource Graph.
const REDIS_TYPE: &str = "microsoft.cache/redis";

/// What a `$skipToken` holds (base64 of this as JSON).
#[derive(Serialize, Deserialize)]
struct Token {
    /// The next row.
    p: u64,
    /// The page size.
    t: u32,
    /// [`scope_hash`] of the query it continues.
    q: String,
}

/// Answers a query request, or says why not (400 with an ARM error).
pub(crate) fn answer(state: &State, request: &QueryRequest) -> Result<QueryResponse, ArmError> {
    let q = query::parse(&request.query).map_err(|why| {
        ArmError::bad_request(
            "InvalidQuery",
            format!("{why}. This emulator of Azure Resource Graph supports: {SUPPORTED}."),
        )
        .with_target("query")
    })?;
    let options = request.options.clone().unwrap_or_default();
    let hash = scope_hash(request);
    let token = options.skip_token.as_deref().map(|t| read_token(t, &hash)).transpose()?;
    let top = match options.top {
        Some(t) if (1..=i64::from(RESOURCE_GRAPH_MAX_TOP)).contains(&t) => t as u32,
        Some(t) => {
            return Err(ArmError::bad_request(
                "InvalidQueryOptions",
                format!("$top {t} is out of range: 1 to {RESOURCE_GRAPH_MAX_TOP}."),
            )
            .with_target("options.$top"));
        }
        None => token.as_ref().map_or(RESOURCE_GRAPH_DEFAULT_TOP, |t| t.t),
    };
    let skip = match options.skip {
        Some(s) if s >= 0 => s as u64,
        Some(s) => {
            return Err(ArmError::bad_request("InvalidQueryOptions", format!("$skip {s} is negative."))
                .with_target("options.$skip"));
        }
        None => token.as_ref().map_or(0, |t| t.p),
    };
    let (total, page): (u64, Vec<Map<String, Value>>) = if q.kind == enterprise::ENTERPRISE_TYPE {
        let rows = enterprise::matching(state, request, &q);
        let page = rows.iter().skip(skip as usize).take(top as usize);
        (rows.len() as u64, page.map(|(c, id)| enterprise::row(state, c, id, &q)).collect())
    } else {
        let rows = matching(state, request, &q);
        let page = rows.iter().skip(skip as usize).take(top as usize);
        (rows.len() as u64, page.map(|(record, id)| row(state, record, id, &q)).collect())
    };
    let next = skip + page.len() as u64;
    let skip_token = (next < total).then(|| write_token(&Token { p: next, t: top, q: hash }));
    let count = page.len() as u64;
    let data = match options.result_format {
        Some(ResultFormat::Table) => QueryData::Table(table(&q.columns, page)),
        Some(ResultFormat::ObjectArray) | None => QueryData::Objects(page),
        Some(ResultFormat::Other(f)) => {
            return Err(ArmError::bad_request(
                "InvalidQueryOptions",
                format!("resultFormat '{f}' is not supported: use objectArray or table."),
            )
            .with_target("options.resultFormat"));
        }
    };
    Ok(QueryResponse {
        total_records: total,
        count,
        result_truncated: "false".into(),
        skip_token,
        facets: Vec::new(),
        data,
    })
}

/// The caches the query selects, in the order it asks for.
fn matching<'s>(state: &'s State, request: &QueryRequest, q: &Query) -> Vec<(&'s CacheRecord, ResourceId)> {
    if q.kind != REDIS_TYPE {
        return Vec::new();
    }
    let in_list = |list: &[String], sub: &str| list.iter().any(|s| s.trim().eq_ignore_ascii_case(sub));
    let mut rows: Vec<(&CacheRecord, ResourceId)> = state
        .caches
        .values()
        .filter_map(|c| ResourceId::parse(c.resource.id()).ok().map(|id| (c, id)))
        .filter(|(_, id)| request.subscriptions.is_empty() || in_list(&request.subscriptions, &id.subscription))
        .filter(|(_, id)| q.subscriptions.as_deref().is_none_or(|list| in_list(list, &id.subscription)))
        .filter(|(c, _)| q.location.as_deref().is_none_or(|l| same_region(l, &c.resource.location)))
        .collect();
    // `state.caches` is keyed by the lower-cased id: already in id order.
    if let Some(ascending) = q.name_ascending {
        rows.sort_by_cached_key(|(c, id)| (c.resource.name().to_ascii_lowercase(), id.key()));
        if !ascending {
            rows.reverse();
        }
    }
    rows
}

/// One row: the cache as `GET` shows it, cut to the query's columns.
fn row(state: &State, record: &CacheRecord, id: &ResourceId, q: &Query) -> Map<String, Value> {
    let rendered = state.render(record);
    let mut body = match serde_json::to_value(&rendered) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut take = |k: &str| body.remove(k).unwrap_or(Value::Null);
    let properties = take("properties");
    let sku = properties.get("sku").cloned().unwrap_or(Value::Null);
    let (tags, zones, location, name) = (take("tags"), take("zones"), take("location"), take("name"));
    q.columns
        .iter()
        .map(|c| {
            let v = match c {
                Column::Id => Value::String(rendered.id().to_string()),
                Column::Name => name.clone(),
                Column::Type => Value::String(REDIS_TYPE.into()),
                Column::Location => location.clone(),
                Column::ResourceGroup => Value::String(id.resource_group.clone()),
                Column::SubscriptionId => Value::String(id.subscription.clone()),
                Column::Tags => tags.clone(),
                Column::Sku => sku.clone(),
                Column::Properties => properties.clone(),
                Column::Zones => zones.clone(),
            };
            (c.name().to_string(), v)
        })
        .collect()
}

fn table(columns: &[Column], rows: Vec<Map<String, Value>>) -> Table {
    Table {
        columns: columns.iter().map(|c| TableColumn { name: c.name().into(), kind: c.kind().into() }).collect(),
        rows: rows
            .into_iter()
            .map(|mut r| columns.iter().map(|c| r.remove(c.name()).unwrap_or(Value::Null)).collect())
            .collect(),
    }
}

/// A hash of what a page belongs to: the query's text and the subscriptions (FNV-1a, stable across
/// runs and builds, so a token outlives a restart of the emulator).
fn scope_hash(request: &QueryRequest) -> String {
    let mut subs: Vec<String> = request.subscriptions.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
    subs.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in request.query.trim().bytes().chain([0]).chain(subs.join(",").bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn write_token(t: &Token) -> String {
    STANDARD.encode(serde_json::to_vec(t).unwrap_or_default())
}

fn read_token(text: &str, hash: &str) -> Result<Token, ArmError> {
    let bad = |why: &str| {
        ArmError::bad_request("InvalidSkipToken", format!("The $skipToken is not valid: {why}."))
            .with_target("options.$skipToken")
    };
    let bytes = STANDARD.decode(text.trim()).map_err(|_| bad("it is not one this service handed out"))?;
    let token: Token = serde_json::from_slice(&bytes).map_err(|_| bad("it is not one this service handed out"))?;
    if token.q != hash {
        return Err(bad("it continues another query or scope; send it with the query and subscriptions it came with"));
    }
    if !(1..=RESOURCE_GRAPH_MAX_TOP).contains(&token.t) {
        return Err(bad("its page size is out of range"));
    }
    Ok(token)
}
