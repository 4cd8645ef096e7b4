//! Azure Resource Graph's `resources` query on the emulator, over HTTP on 127.0.0.1: paging over a
//! synthetic fleet with `$skipToken`, both result formats, the filters, and the refusals (other
//! queries, api-versions, tokens of another query); then the client paging through it and falling
//! back to the per-subscription lists.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use georep::client::{ArmClient, CacheSource};
use georep::emulator::Config;
use georep::emulator::synthetic::{SyntheticSpec, generate};
use serde_json::{Value, json};
use support::emulator::start;

const RG_URL: &str = "/providers/Microsoft.ResourceGraph/resources";
const QUERY: &str =
    "Resources | where type =~ 'microsoft.cache/redis' | project id, name, location | order by name asc";

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap()
}

fn fleet(caches: usize, subscriptions: usize) -> Config {
    Config { fleet: generate(SyntheticSpec { caches, subscriptions, seed: 3 }), ..Config::default() }
}

async fn post(base: &str, version: &str, body: &Value) -> (u16, Value) {
    let resp = http().post(format!("{base}{RG_URL}?api-version={version}")).json(body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn subscriptions(base: &str) -> Vec<String> {
    let resp = http().get(format!("{base}/subscriptions?api-version=2022-12-01")).send().await.unwrap();
    let v: Value = resp.json().await.unwrap();
    v["value"].as_array().unwrap().iter().map(|s| s["subscriptionId"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_a_thousand_cover_the_fleet_once_in_name_order() {
    let run = start(fleet(2_500, 25)).await;
    let subs = subscriptions(&run.url()).await;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut options = json!({"$top": 1000});
        if let Some(t) = &token {
            options["$skipToken"] = json!(t);
        }
        let (status, page) =
            post(&run.url(), "2024-04-01", &json!({"subscriptions": subs, "query": QUERY, "options": options})).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        assert_eq!(page["totalRecords"], 2_500);
        assert_eq!(page["resultTruncated"], "false");
        assert_eq!(page["facets"], json!([]));
        let rows = page["data"].as_array().unwrap();
        assert_eq!(page["count"], rows.len());
        for row in rows {
            assert_eq!(row.as_object().unwrap().len(), 3, "only the projected columns: {row}");
            seen.push((row["name"].as_str().unwrap().to_lowercase(), row["id"].as_str().unwrap().to_string()));
        }
        match page.get("$skipToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 2_500);
    assert_eq!(seen.iter().map(|(_, id)| id).collect::<HashSet<_>>().len(), 2_500, "every cache once");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "in name order");

    // The rows are the caches as GET shows them, with Resource Graph's type and columns.
    let (_, one) = post(
        &run.url(),
        "2021-03-01",
        &json!({"subscriptions": [subs[0]], "query": "Resources | where type =~ 'Microsoft.Cache/Redis'", "options": {"$top": 1}}),
    )
    .await;
    let row = &one["data"][0];
    let id = row["id"].as_str().unwrap();
    let got: Value =
        http().get(format!("{}{id}?api-version=2024-11-01", run.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(row["type"], "microsoft.cache/redis");
    assert_eq!(row["properties"], got["properties"]);
    assert_eq!(row["sku"], got["properties"]["sku"]);
    assert_eq!(row["subscriptionId"], subs[0].as_str());
    assert!(id.contains(&format!("/resourceGroups/{}/", row["resourceGroup"].as_str().unwrap())));
    let share = seen.iter().filter(|(_, id)| id.contains(&format!("/subscriptions/{}/", subs[0]))).count();
    assert_eq!(one["totalRecords"], share, "the first subscription's caches only");
    run.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_filters_and_skip() {
    let run = start(Config::default()).await;
    let base = run.url();
    let q = "Resources | where type =~ 'microsoft.cache/redis' | where subscriptionId in ('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee') | project name, tags";
    let (status, page) = post(&base, "2024-04-01", &json!({"query": q, "options": {"resultFormat": "table"}})).await;
    assert_eq!(status, 200, "{page}");
    let columns = &page["data"]["columns"];
    assert_eq!(columns, &json!([{"name": "name", "type": "string"}, {"name": "tags", "type": "object"}]));
    let rows = page["data"]["rows"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r.as_array().unwrap().len() == 2));
    assert_eq!(page["count"], rows.len());

    let by_region =
        "Resources | where type =~ 'microsoft.cache/redis' | where location =~ 'westeurope' | project location";
    let (_, page) = post(&base, "2024-04-01", &json!({"query": by_region})).await;
    let rows = page["data"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["location"] == "West Europe"), "{page}");

    // $skip, and another type: no rows.
    let all = "Resources | where type =~ 'microsoft.cache/redis' | project id";
    let (_, full) = post(&base, "2024-04-01", &json!({"query": all})).await;
    let (_, skipped) = post(&base, "2024-04-01", &json!({"query": all, "options": {"$skip": 2, "$top": 3}})).await;
    assert_eq!(skipped["data"].as_array().unwrap()[..], full["data"].as_array().unwrap()[2..5]);
    assert!(skipped.get("$skipToken").is_some());
    let vms = "Resources | where type =~ 'microsoft.compute/virtualmachines'";
    let (_, none) = post(&base, "2024-04-01", &json!({"query": vms})).await;
    assert_eq!((none["totalRecords"].clone(), none["data"].clone()), (json!(0), json!([])));
    run.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_arm_errors_that_say_what_is_supported() {
    let run = start(Config::default()).await;
    let base = run.url();
    let body = |q: &str| json!({"query": q});
    for (query, says) in [
        ("Resources | summarize count() by location", "supports: Resources | where type"),
        ("Resources | where type =~ 'microsoft.cache/redis' | project id, password", "unknown column 'password'"),
    ] {
        let (status, err) = post(&base, "2024-04-01", &body(query)).await;
        assert_eq!((status, err["error"]["code"].as_str()), (400, Some("InvalidQuery")), "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains(says), "{err}");
    }
    let (status, err) = post(&base, "2020-04-01-preview", &body(QUERY)).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("InvalidApiVersionParameter")));
    assert!(err["error"]["message"].as_str().unwrap().contains("'2024-04-01', '2021-03-01'"), "{err}");
    let (status, err) = post(&base, "2024-04-01", &json!({"quer": QUERY})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("InvalidRequestContent")));

    // A token continues the query (and scope) it came from only.
    let (_, first) = post(&base, "2024-04-01", &json!({"query": QUERY, "options": {"$top": 2}})).await;
    let token = first["$skipToken"].as_str().unwrap();
    let other = "Resources | where type =~ 'microsoft.cache/redis' | project id";
    let (status, err) = post(&base, "2024-04-01", &json!({"query": other, "options": {"$skipToken": token}})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("InvalidSkipToken")), "{err}");
    let (status, _) = post(&base, "2024-04-01", &json!({"query": QUERY, "options": {"$skipToken": "bm9wZQ=="}})).await;
    assert_eq!(status, 400);
    let (status, next) = post(&base, "2024-04-01", &json!({"query": QUERY, "options": {"$skipToken": token}})).await;
    assert_eq!((status, next["count"].clone()), (200, json!(2)), "the page size travels in the token");
    let (status, _) = post(&base, "2024-04-01", &json!({"query": QUERY, "options": {"$top": 1001}})).await;
    assert_eq!(status, 400);

    let resp = http().get(format!("{base}{RG_URL}?api-version=2024-04-01")).send().await.unwrap();
    assert_eq!((resp.status().as_u16(), resp.headers()["allow"].to_str().unwrap()), (405, "POST"));
    run.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_pages_through_the_graph_and_falls_back_to_the_lists() {
    let run = start(fleet(2_300, 7)).await;
    let client = ArmClient::new(&run.url(), None).unwrap();
    let subs = subscriptions(&run.url()).await;
    let (graph, source) = client.caches_in(&subs, true).await.unwrap();
    assert_eq!((graph.len(), source), (2_300, CacheSource::ResourceGraph));
    let (lists, source) = client.caches_in(&subs, false).await.unwrap();
    assert_eq!(source, CacheSource::PerSubscription);
    let key = |c: &georep::arm::RedisResource| c.id().to_ascii_lowercase();
    let mut a: Vec<_> = graph.iter().map(|c| (key(c), serde_json::to_value(c).unwrap())).collect();
    let mut b: Vec<_> = lists.iter().map(|c| (key(c), serde_json::to_value(c).unwrap())).collect();
    a.sort_by(|x, y| x.0.cmp(&y.0));
    b.sort_by(|x, y| x.0.cmp(&y.0));
    assert!(a == b, "the same caches, the same bodies, either way");
    let narrowed = client.caches_in(&subs[..2], true).await.unwrap().0;
    assert!(narrowed.len() < 2_300 && narrowed.iter().all(|c| subs[..2].iter().any(|s| c.id().contains(s.as_str()))));
    run.shutdown().await;

    // A backend without Resource Graph (404): the lists.
    let run = start(Config { resource_graph: false, ..fleet(300, 3) }).await;
    let client = ArmClient::new(&run.url(), None).unwrap();
    let (caches, source) = client.caches_in(&subscriptions(&run.url()).await, true).await.unwrap();
    assert_eq!((caches.len(), source), (300, CacheSource::PerSubscription));
    run.shutdown().await;
}
