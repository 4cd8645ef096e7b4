//! The Managed Redis emulator over real HTTP, for tests/emulator_enterprise*.rs: the demo fleet's
//! group and clusters, a client that sends and reads ARM requests, and polling of operations.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use georep::emulator::{Config, Running};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use super::emulator::start;

pub const API: &str = "2025-07-01";
pub const SUB: &str = "11111111-2222-3333-4444-555555555555";
pub const RG: &str = "rg-contoso-amr";
pub const GROUP_KEYS: u64 = 1_250_000;
/// Links take 60 model seconds: 1.2 s here; LinkFailed comes 2.4 s after a region goes down.
pub const SCALE: f64 = 50.0;
pub const WITHIN: Duration = Duration::from_secs(20);

pub struct Emu {
    pub run: Running,
    pub http: Client,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self
    }

    /// Asserts an ARM error with `code` and returns its `error`.
    #[track_caller]
    pub fn error(self, status: u16, code: &str) -> Value {
        let e = self.expect(status).body["error"].clone();
        assert_eq!(e["code"], code, "{e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
        e
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

pub fn db_id(cluster: &str) -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redisEnterprise/{cluster}/databases/default"
    )
}

pub fn cluster_path(cluster: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Cache/redisEnterprise/{cluster}")
}

pub fn db_path(cluster: &str) -> String {
    format!("{}/databases/default", cluster_path(cluster))
}

pub const MEMBERS: [&str; 3] = ["amr-orders-eus", "amr-orders-weu", "amr-orders-sea"];

/// The body of a create into orders-geo: the group's settings, `extra` merged into `properties`.
pub fn create_body(own: &str, members: &[&str], extra: Value) -> Value {
    let mut linked: Vec<Value> = members.iter().map(|m| json!({"id": db_id(m)})).collect();
    linked.push(json!({"id": db_id(own)}));
    let mut props = json!({
        "clientProtocol": "Encrypted", "clusteringPolicy": "EnterpriseCluster", "evictionPolicy": "NoEviction",
        "port": 10000, "modules": [{"name": "RediSearch"}],
        "geoReplication": {"groupNickname": "orders-geo", "linkedDatabases": linked}
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        props[k] = v;
    }
    json!({"properties": props})
}

impl Emu {
    pub async fn start(config: Config) -> Self {
        Emu { run: start(Config { time_scale: SCALE, ..config }).await, http: Client::new() }
    }

    pub async fn demo() -> Self {
        Self::start(Config::default()).await
    }

    pub fn url(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{}{path}{sep}api-version={API}", self.run.url())
    }

    pub async fn send(&self, method: Method, url: &str, body: Option<Value>) -> Resp {
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let (status, headers) = (resp.status(), resp.headers().clone());
        let text = resp.text().await.expect("body");
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Resp { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, &self.url(path), None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PUT, &self.url(path), Some(body)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, &self.url(path), Some(body)).await
    }

    pub async fn db(&self, cluster: &str) -> Value {
        self.get(&db_path(cluster)).await.expect(200).body
    }

    /// What `of` shows as the state of its link to `peer` (itself for its own entry).
    pub async fn link_state(&self, of: &str, peer: &str) -> Option<String> {
        let db = self.db(of).await;
        let linked = db["properties"]["geoReplication"]["linkedDatabases"].as_array().cloned().unwrap_or_default();
        linked
            .iter()
            .find(|l| l["id"].as_str().is_some_and(|i| i.eq_ignore_ascii_case(&db_id(peer))))
            .and_then(|l| l["state"].as_str().map(str::to_string))
    }

    pub async fn keys(&self, cluster: &str) -> u64 {
        self.db(cluster).await["properties"]["dataPlane"]["datasetKeys"].as_u64().expect("keys")
    }

    pub async fn health(&self, cluster: &str) -> Option<u64> {
        self.db(cluster).await["properties"]["dataPlane"]["geoReplicationHealthy"].as_u64()
    }

    /// Polls the operation the answer's Azure-AsyncOperation names until it ends; returns its status.
    pub async fn finish(&self, started: &Resp) -> Value {
        let url = started.header("azure-asyncoperation").expect("Azure-AsyncOperation");
        assert!(url.contains("/operationsStatus/") && url.starts_with(&self.run.url()), "{url}");
        let mut last = Value::Null;
        for _ in 0..400 {
            last = self.send(Method::GET, &url, None).await.expect(200).body;
            if last["status"] != "InProgress" {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the operation did not end: {last}");
    }

    pub async fn enterprise_snapshot(&self) -> String {
        serde_json::to_string(&self.run.emulator.snapshot().enterprise).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_created_into_the_group_links_and_the_operation_completes() {
    let emu = Emu::demo().await;
    let started = emu.put(&db_path("amr-orders-jpe"), create_body("amr-orders-jpe", &MEMBERS, json!({}))).await;
    let started = started.expect(201);
    assert_eq!(started.body["properties"]["provisioningState"], "Creating");
    let linked = started.body["properties"]["geoReplication"]["linkedDatabases"].as_array().unwrap().clone();
    assert_eq!(linked.len(), 4);
    assert!(linked.iter().all(|l| l["state"] == "Linking"), "{linked:?}");
    assert!(started.header("retry-after").is_some());
    // Both sides of a link see its state, and the group is not healthy while it links.
    assert_eq!(emu.link_state("amr-orders-weu", "amr-orders-jpe").await.as_deref(), Some("Linking"));
    assert_eq!(emu.health("amr-orders-weu").await, Some(0));
    let done = emu.finish(&started).await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert!(done["endTime"].is_string());
    let db = emu.db("amr-orders-jpe").await;
    assert_eq!(db["properties"]["provisioningState"], "Succeeded");
    for m in MEMBERS {
        assert_eq!(emu.link_state("amr-orders-jpe", m).await.as_deref(), Some("Linked"));
        assert_eq!(emu.link_state(m, "amr-orders-jpe").await.as_deref(), Some("Linked"));
    }
    assert_eq!(emu.keys("amr-orders-jpe").await, GROUP_KEYS, "the new member has the group's data");
    assert_eq!(emu.health("amr-orders-eus").await, Some(1));
    // The same PUT again changes nothing: 200 with the database.
    let again = emu.put(&db_path("amr-orders-jpe"), json!({"properties": {}})).await.expect(200);
    assert_eq!(again.body["name"], "amr-orders-jpe/default");
}

/// The group rule refusing `body` on `cluster`'s database `db` (created there), and nothing changed.
pub async fn refused(emu: &Emu, cluster: &str, db: &str, body: Value, code: &str) {
    let before = emu.enterprise_snapshot().await;
    let path = format!("{}/databases/{db}", cluster_path(cluster));
    let e = emu.put(&path, body).await.error(400, "ActiveGeoReplicationNotAllowed");
    let codes: Vec<&str> = e["details"].as_array().unwrap().iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.contains(&code), "{cluster}: {code} not in {codes:?}");
    assert_eq!(emu.enterprise_snapshot().await, before, "a refusal changed the state");
}
