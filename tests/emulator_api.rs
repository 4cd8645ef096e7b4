//! The emulator over real HTTP: every route, every geo-replication rule, every error, the token, and a
//! full link / unlink flow. Each test starts its own emulator in-process on 127.0.0.1:0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use georep::emulator::{Config, Emulator, Running};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const API: &str = "2024-11-01";
const SUBSCRIPTIONS_API: &str = "2022-12-01";
const ALREADY_LINKED: &str = "Cannot create geo-replication link, since this cache is already linked to another cache.";

// ---------------------------------------------------------------------------------------------------
// Harness

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    #[track_caller]
    fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        self
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an ARM error body (`{"error":{"code","message",...}}`) and returns it.
    #[track_caller]
    fn arm_error(&self) -> Value {
        let body = self.json();
        let err = body.get("error").unwrap_or_else(|| panic!("no 'error' in {body}"));
        let code = err.get("code").and_then(Value::as_str).unwrap_or_else(|| panic!("no error.code in {body}"));
        assert!(!code.is_empty(), "empty error.code in {body}");
        let message =
            err.get("message").and_then(Value::as_str).unwrap_or_else(|| panic!("no error.message in {body}"));
        assert!(!message.is_empty(), "empty error.message in {body}");
        let ct = self.header("content-type").unwrap_or("");
        assert!(ct.starts_with("application/json"), "error content-type is {ct:?}");
        err.clone()
    }

    /// Asserts the status and an ARM error with `code`; returns the error object.
    #[track_caller]
    fn expect_error(self, status: u16, code: &str) -> Value {
        let resp = self.expect(status);
        let err = resp.arm_error();
        assert_eq!(err["code"], code, "error: {err}");
        err
    }
}

struct Emu {
    run: Running,
    http: Client,
}

fn client() -> Client {
    Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("reqwest client")
}

async fn start(config: Config) -> Emu {
    let run = support::emulator::start(config).await;
    Emu { run, http: client() }
}

fn demo(time_scale: f64) -> Config {
    Config { time_scale, ..Config::default() }
}

impl Emu {
    /// `base + path`, as is.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.run.url())
    }

    /// `base + path?api-version=2024-11-01`.
    fn api(&self, path: &str) -> String {
        format!("{}{path}?api-version={API}", self.run.url())
    }

    async fn send(&self, method: Method, url: &str, body: Option<Vec<u8>>) -> Resp {
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        assert_ne!(status.as_u16(), 500, "500 from {url}: {text}");
        Resp { status, headers, text }
    }

    async fn get(&self, url: &str) -> Resp {
        self.send(Method::GET, url, None).await
    }

    async fn get_json(&self, url: &str) -> Value {
        self.get(url).await.expect(200).json()
    }

    async fn put(&self, url: &str, body: &Value) -> Resp {
        self.send(Method::PUT, url, Some(serde_json::to_vec(body).unwrap())).await
    }

    async fn put_raw(&self, url: &str, body: impl Into<Vec<u8>>) -> Resp {
        self.send(Method::PUT, url, Some(body.into())).await
    }

    async fn delete(&self, url: &str) -> Resp {
        self.send(Method::DELETE, url, None).await
    }

    async fn cache(&self, c: &Cache) -> Value {
        self.get_json(&self.api(&c.path())).await
    }

    async fn state_of(&self, c: &Cache) -> String {
        self.cache(c).await["properties"]["provisioningState"].as_str().unwrap_or("").to_string()
    }

    async fn links_of(&self, c: &Cache) -> Vec<Value> {
        let page = self.get_json(&self.api(&format!("{}/linkedServers", c.path()))).await;
        page["value"].as_array().unwrap_or_else(|| panic!("no value array: {page}")).clone()
    }

    async fn put_link(&self, primary: &Cache, secondary: &Cache) -> Resp {
        self.put(&self.api(&primary.link_path(&secondary.name)), &secondary.link_body()).await
    }

    /// The path and query of an absolute URL the emulator handed out, on this emulator.
    fn same_server(&self, absolute: &str) -> String {
        let u = reqwest::Url::parse(absolute).expect("absolute URL");
        assert_eq!(u.host_str(), Some("127.0.0.1"), "{absolute}");
        assert_eq!(u.port(), Some(self.run.addr.port()), "{absolute}");
        absolute.to_string()
    }
}

/// A cache of the demo fleet.
#[derive(Clone, Debug)]
struct Cache {
    sub: String,
    rg: String,
    name: String,
    location: String,
}

impl Cache {
    fn path(&self) -> String {
        format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/redis/{}", self.sub, self.rg, self.name)
    }

    /// The id as the service spells it.
    fn id(&self) -> String {
        format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cache/Redis/{}", self.sub, self.rg, self.name)
    }

    fn link_path(&self, linked: &str) -> String {
        format!("{}/linkedServers/{linked}", self.path())
    }

    fn link_body(&self) -> Value {
        json!({"properties": {
            "linkedRedisCacheId": self.id(),
            "linkedRedisCacheLocation": self.location,
            "serverRole": "Secondary",
        }})
    }
}

fn demo_fleet() -> Value {
    serde_json::from_str(georep::emulator::fleet::DEMO_FLEET).expect("demo fleet is JSON")
}

fn demo_cache(name: &str) -> Cache {
    let fleet = demo_fleet();
    let c = fleet["caches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no cache {name} in the demo fleet"));
    Cache {
        sub: c["subscription"].as_str().unwrap().into(),
        rg: c["resourceGroup"].as_str().unwrap().into(),
        name: name.into(),
        location: c["location"].as_str().unwrap().into(),
    }
}

const SUB1: &str = "11111111-2222-3333-4444-555555555555";
const SUB2: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

fn names(values: &[Value]) -> Vec<String> {
    values.iter().map(|v| v["name"].as_str().unwrap_or("").to_string()).collect()
}

// ---------------------------------------------------------------------------------------------------
// Routes

#[tokio::test(flavor = "multi_thread")]
async fn lists_subscriptions() {
    let emu = start(demo(1.0)).await;
    let body = emu.get_json(&emu.url(&format!("/subscriptions?api-version={SUBSCRIPTIONS_API}"))).await;
    let subs = body["value"].as_array().expect("value");
    assert_eq!(subs.len(), 2, "{body}");
    for s in subs {
        let id = s["subscriptionId"].as_str().unwrap();
        assert_eq!(s["id"], format!("/subscriptions/{id}"));
        assert!(s["displayName"].as_str().is_some_and(|n| !n.is_empty()), "{s}");
        assert_eq!(s["state"], "Enabled");
    }
    let ids: BTreeSet<_> = subs.iter().map(|s| s["subscriptionId"].as_str().unwrap()).collect();
    assert_eq!(ids, BTreeSet::from([SUB1, SUB2]));
    // The Subscriptions API has its own api-version: the Microsoft.Cache one is refused.
    emu.get(&emu.url(&format!("/subscriptions?api-version={API}")))
        .await
        .expect_error(400, "InvalidApiVersionParameter");
    emu.get(&emu.url("/subscriptions")).await.expect_error(400, "InvalidApiVersionParameter");
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_caches_by_subscription_and_resource_group() {
    let emu = start(demo(1.0)).await;
    let fleet = demo_fleet();
    let in_sub = |sub: &str| -> BTreeSet<String> {
        fleet["caches"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["subscription"] == sub)
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };

    for sub in [SUB1, SUB2] {
        let page = emu.get_json(&emu.api(&format!("/subscriptions/{sub}/providers/Microsoft.Cache/redis"))).await;
        assert!(page.get("nextLink").is_none_or(Value::is_null), "one page at the default page size: {page}");
        let value = page["value"].as_array().unwrap();
        assert_eq!(names(value).into_iter().collect::<BTreeSet<_>>(), in_sub(sub));
        for c in value {
            assert_eq!(c["type"], "Microsoft.Cache/Redis");
            let id = c["id"].as_str().unwrap();
            assert!(id.starts_with(&format!("/subscriptions/{sub}/resourceGroups/")), "{id}");
            assert!(id.contains("/providers/Microsoft.Cache/Redis/"), "{id}");
            assert!(c["location"].as_str().is_some_and(|l| !l.is_empty()), "{c}");
            assert!(c["properties"]["sku"]["name"].is_string());
        }
    }

    let page = emu
        .get_json(
            &emu.api(&format!("/subscriptions/{SUB1}/resourceGroups/rg-contoso-dr/providers/Microsoft.Cache/redis")),
        )
        .await;
    let got: BTreeSet<_> = names(page["value"].as_array().unwrap()).into_iter().collect();
    assert_eq!(got, BTreeSet::from(["contoso-dr-weu".into(), "contoso-dr-wus2".into(), "contoso-dr-sea".into()]));

    // Resource group names are case-insensitive, as in ARM.
    let page = emu
        .get_json(
            &emu.api(&format!("/subscriptions/{SUB1}/resourceGroups/RG-CONTOSO-DR/providers/Microsoft.Cache/redis")),
        )
        .await;
    assert_eq!(page["value"].as_array().unwrap().len(), 3);
}

/// A fleet of `n` Premium caches in one subscription, spread over two resource groups.
fn generated_fleet(in_a: usize, in_b: usize) -> String {
    let sub = "99999999-0000-0000-0000-000000000001";
    let regions = ["East US", "West Europe", "Japan East", "Brazil South", "Australia East"];
    let mut caches = Vec::new();
    for (rg, n) in [("rg-a", in_a), ("rg-b", in_b)] {
        for i in 0..n {
            caches.push(json!({
                "subscription": sub,
                "resourceGroup": rg,
                "name": format!("{rg}-cache-{i:03}"),
                "location": regions[i % regions.len()],
                "tier": "Premium",
                "capacity": 1 + (i % 5),
                "datasetBytes": 1000 * i,
                "datasetKeys": i,
            }));
        }
    }
    json!({"subscriptions": [{"subscriptionId": sub, "displayName": "Generated"}], "caches": caches}).to_string()
}

/// Follows `nextLink` from `first` and returns every page.
async fn all_pages(emu: &Emu, first: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(url) = next.take() {
        assert!(pages.len() < 100, "nextLink loops");
        let page = emu.get_json(&emu.same_server(&url)).await;
        next = page.get("nextLink").and_then(Value::as_str).map(str::to_string);
        pages.push(page);
    }
    pages
}

#[tokio::test(flavor = "multi_thread")]
async fn large_lists_are_paged_with_next_link() {
    let page_size = 4;
    let emu = start(Config { fleet: generated_fleet(15, 8), page_size, ..Config::default() }).await;
    let sub = "99999999-0000-0000-0000-000000000001";

    for (path, want, pages_expected) in [
        (format!("/subscriptions/{sub}/providers/Microsoft.Cache/redis"), 23, 6),
        (format!("/subscriptions/{sub}/resourceGroups/rg-a/providers/Microsoft.Cache/redis"), 15, 4),
        // Exactly two full pages: no empty third page.
        (format!("/subscriptions/{sub}/resourceGroups/rg-b/providers/Microsoft.Cache/redis"), 8, 2),
    ] {
        let pages = all_pages(&emu, &emu.api(&path)).await;
        assert_eq!(pages.len(), pages_expected, "{path}");
        let mut seen = Vec::new();
        for (i, page) in pages.iter().enumerate() {
            let value = page["value"].as_array().unwrap();
            assert!(!value.is_empty() && value.len() <= page_size, "page {i} of {path}: {} caches", value.len());
            if i + 1 < pages.len() {
                let next = page["nextLink"].as_str().unwrap();
                assert!(next.contains(&format!("api-version={API}")), "{next}");
            }
            seen.extend(names(value));
        }
        let unique: BTreeSet<_> = seen.iter().cloned().collect();
        assert_eq!(seen.len(), want, "{path}: {seen:?}");
        assert_eq!(unique.len(), want, "{path}: duplicates in {seen:?}");
        if path.contains("rg-a") {
            assert!(seen.iter().all(|n| n.starts_with("rg-a-")), "{seen:?}");
        }
    }

    // A skip token that is not one the emulator handed out.
    emu.get(&format!(
        "{}&$skipToken=nonsense",
        emu.api(&format!("/subscriptions/{sub}/providers/Microsoft.Cache/redis"))
    ))
    .await
    .expect_error(400, "InvalidSkipToken");
}

#[tokio::test(flavor = "multi_thread")]
async fn gets_a_cache() {
    let emu = start(demo(1.0)).await;
    let c = demo_cache("contoso-prod-eus");
    let body = emu.cache(&c).await;
    assert_eq!(body["id"], c.id());
    assert_eq!(body["name"], "contoso-prod-eus");
    assert_eq!(body["type"], "Microsoft.Cache/Redis");
    assert_eq!(body["location"], "East US");
    let p = &body["properties"];
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(p["sku"], json!({"name": "Premium", "family": "P", "capacity": 2}));
    assert_eq!(p["redisVersion"], "6.0");
    assert_eq!(p["hostName"], "contoso-prod-eus.redis.cache.windows.net");
    assert_eq!(p["linkedServers"], json!([]));
    assert_eq!(p["dataPlane"]["datasetBytes"], 2_400_000_000u64);
    assert_eq!(p["dataPlane"]["writable"], true);

    // The fleet's link shows on both caches.
    let inv = demo_cache("contoso-inventory-eus");
    let body = emu.cache(&inv).await;
    assert_eq!(
        body["properties"]["linkedServers"],
        json!([{"id": format!("{}/linkedServers/contoso-inventory-weu", inv.id())}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_and_gets_linked_servers() {
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-inventory-eus");
    let s = demo_cache("contoso-inventory-weu");

    let on_p = emu.links_of(&p).await;
    assert_eq!(on_p.len(), 1, "{on_p:?}");
    let e = &on_p[0];
    assert_eq!(e["id"], format!("{}/linkedServers/{}", p.id(), s.name));
    assert_eq!(e["name"], s.name);
    assert_eq!(e["type"], "Microsoft.Cache/Redis/linkedServers");
    assert_eq!(e["properties"]["serverRole"], "Secondary");
    assert_eq!(e["properties"]["linkedRedisCacheId"], s.id());
    assert_eq!(e["properties"]["linkedRedisCacheLocation"], "West Europe");
    assert_eq!(e["properties"]["provisioningState"], "Succeeded");
    assert_eq!(e["properties"]["geoReplicatedPrimaryHostName"], "contoso-inventory-weu.geo.redis.cache.windows.net");
    assert_eq!(e["properties"]["primaryHostName"], "contoso-inventory-eus.redis.cache.windows.net");

    let on_s = emu.links_of(&s).await;
    assert_eq!(on_s.len(), 1, "{on_s:?}");
    assert_eq!(on_s[0]["name"], p.name);
    assert_eq!(on_s[0]["properties"]["serverRole"], "Primary");
    assert_eq!(on_s[0]["properties"]["linkedRedisCacheId"], p.id());
    assert_eq!(on_s[0]["properties"]["linkedRedisCacheLocation"], "East US");
    assert_eq!(on_s[0]["properties"]["primaryHostName"], "contoso-inventory-eus.redis.cache.windows.net");

    // GET one entry: the same as in the list.
    let one = emu.get_json(&emu.api(&p.link_path(&s.name))).await;
    assert_eq!(&one, e);
    // Linked-server names are matched without case.
    let one = emu.get_json(&emu.api(&p.link_path(&s.name.to_uppercase()))).await;
    assert_eq!(one["name"], s.name);

    // A cache with no link lists none.
    let lone = demo_cache("contoso-dr-sea");
    assert_eq!(emu.links_of(&lone).await, Vec::<Value>::new());
    emu.get(&emu.api(&lone.link_path("contoso-prod-eus"))).await.expect_error(404, "ResourceNotFound");

    // The secondary is read-only and holds the primary's data; the primary is writable.
    let pc = emu.cache(&p).await;
    let sc = emu.cache(&s).await;
    assert_eq!(sc["properties"]["dataPlane"]["datasetBytes"], pc["properties"]["dataPlane"]["datasetBytes"]);
    assert_eq!(sc["properties"]["dataPlane"]["writable"], false);
    assert_eq!(pc["properties"]["dataPlane"]["writable"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn gets_async_operations() {
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-prod-eus");
    let s = demo_cache("contoso-dr-weu");
    let put = emu.put_link(&p, &s).await.expect(201);
    let op_url = emu.same_server(put.header("azure-asyncoperation").expect("Azure-AsyncOperation"));
    let op_id = op_url.split("/asyncOperations/").nth(1).unwrap().split('?').next().unwrap().to_string();

    let op = emu.get_json(&op_url).await;
    assert_eq!(
        op["id"],
        format!("/subscriptions/{SUB1}/providers/Microsoft.Cache/locations/East US/asyncOperations/{op_id}")
    );
    assert_eq!(op["name"], op_id);
    assert_eq!(op["status"], "InProgress");
    assert!(op["startTime"].is_string(), "{op}");
    assert!(op["endTime"].is_null(), "{op}");
    assert!(op["error"].is_null(), "{op}");
    assert!(op["percentComplete"].as_f64().is_some_and(|p| (0.0..100.0).contains(&p)), "{op}");

    // The fixed segments are case-insensitive, and the region may be spelt either way.
    let lower =
        emu.api(&format!("/SUBSCRIPTIONS/{SUB1}/Providers/microsoft.cache/LOCATIONS/eastus/asyncoperations/{op_id}"));
    assert_eq!(emu.get_json(&lower).await["name"], op_id);

    // Another subscription, an unknown id, and a malformed id are all 404.
    emu.get(
        &emu.api(&format!(
            "/subscriptions/{SUB2}/providers/Microsoft.Cache/locations/East%20US/asyncOperations/{op_id}"
        )),
    )
    .await
    .expect_error(404, "ResourceNotFound");
    let unknown = uuid::Uuid::new_v4();
    emu.get(&emu.api(&format!(
        "/subscriptions/{SUB1}/providers/Microsoft.Cache/locations/East%20US/asyncOperations/{unknown}"
    )))
    .await
    .expect_error(404, "ResourceNotFound");
    emu.get(&emu.api(&format!(
        "/subscriptions/{SUB1}/providers/Microsoft.Cache/locations/East%20US/asyncOperations/not-a-uuid"
    )))
    .await
    .expect_error(404, "ResourceNotFound");
    emu.get(&format!(
        "{}/subscriptions/{SUB1}/providers/Microsoft.Cache/locations/East%20US/asyncOperations/{op_id}",
        emu.run.url()
    ))
    .await
    .expect_error(400, "InvalidApiVersionParameter");
}

#[tokio::test(flavor = "multi_thread")]
async fn fixed_path_segments_ignore_case() {
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-inventory-eus");
    let (sub, rg) = (&p.sub, &p.rg);
    for path in [
        format!("/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Cache/Redis/{}", p.name),
        format!("/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.CACHE/REDIS/{}", p.name),
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/microsoft.cache/redis/{}", p.name),
        // Names too, as in ARM.
        format!(
            "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Cache/Redis/{}",
            rg.to_uppercase(),
            p.name.to_uppercase()
        ),
    ] {
        let body = emu.get_json(&emu.api(&path)).await;
        assert_eq!(body["id"], p.id(), "{path}");
    }
    for path in [
        format!("/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Cache/Redis/{}/linkedservers", p.name),
        format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Cache/REDIS/{}/LinkedServers", p.name),
    ] {
        let body = emu.get_json(&emu.api(&path)).await;
        assert_eq!(body["value"].as_array().unwrap().len(), 1, "{path}");
    }
    let path = format!(
        "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Cache/Redis/{}/LINKEDSERVERS/contoso-inventory-weu",
        p.name
    );
    assert_eq!(emu.get_json(&emu.api(&path)).await["name"], "contoso-inventory-weu");
    for path in [
        format!("/subscriptions/{sub}/providers/Microsoft.Cache/Redis"),
        format!("/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.cache/REDIS"),
    ] {
        assert!(!emu.get_json(&emu.api(&path)).await["value"].as_array().unwrap().is_empty(), "{path}");
    }
    // The query parameter's name too.
    let url = format!("{}{}?API-VERSION={API}", emu.run.url(), p.path());
    emu.get(&url).await.expect(200);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_version_is_required_on_every_route() {
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-inventory-eus");
    let s = demo_cache("contoso-inventory-weu");
    let op = uuid::Uuid::new_v4();
    let routes: Vec<(Method, String)> = vec![
        (Method::GET, format!("/subscriptions/{SUB1}/providers/Microsoft.Cache/redis")),
        (Method::GET, format!("/subscriptions/{SUB1}/resourceGroups/{}/providers/Microsoft.Cache/redis", p.rg)),
        (Method::GET, p.path()),
        (Method::GET, format!("{}/linkedServers", p.path())),
        (Method::GET, p.link_path(&s.name)),
        (Method::PUT, p.link_path(&s.name)),
        (Method::DELETE, p.link_path(&s.name)),
        (
            Method::GET,
            format!("/subscriptions/{SUB1}/providers/Microsoft.Cache/locations/East%20US/asyncOperations/{op}"),
        ),
    ];
    for (method, path) in routes {
        let body = (method == Method::PUT).then(|| serde_json::to_vec(&s.link_body()).unwrap());
        for query in ["", "?api-version=2023-08-01", "?api-version=", "?api-version=2024-11-01-preview", "?other=1"] {
            let url = format!("{}{path}{query}", emu.run.url());
            let err =
                emu.send(method.clone(), &url, body.clone()).await.expect_error(400, "InvalidApiVersionParameter");
            assert!(err["message"].as_str().unwrap().contains(API), "{method} {url}: {err}");
        }
    }
    // Nothing was changed by the refused DELETE.
    assert_eq!(emu.state_of(&p).await, "Succeeded");
    assert_eq!(emu.links_of(&p).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_things_are_404() {
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-prod-eus");
    let s = demo_cache("contoso-dr-weu");
    let ghost = Cache { name: "no-such-cache".into(), ..p.clone() };

    let err = emu.get(&emu.api(&ghost.path())).await.expect_error(404, "ResourceNotFound");
    assert!(err["message"].as_str().unwrap().contains("no-such-cache"), "{err}");
    emu.get(&emu.api(&format!("{}/linkedServers", ghost.path()))).await.expect_error(404, "ResourceNotFound");
    emu.get(&emu.api(&ghost.link_path(&s.name))).await.expect_error(404, "ResourceNotFound");
    emu.put_link(&ghost, &s).await.expect_error(404, "ResourceNotFound");
    emu.delete(&emu.api(&ghost.link_path(&s.name))).await.expect_error(404, "ResourceNotFound");
    // The linked cache does not exist.
    let body = json!({"properties": {"linkedRedisCacheId": ghost.id(), "linkedRedisCacheLocation": "East US", "serverRole": "Secondary"}});
    let s2 = demo_cache("contoso-dr-weu");
    let url = emu.api(&s2.link_path("no-such-cache"));
    emu.put(&url, &body).await.expect_error(404, "ResourceNotFound");

    // Unknown subscription / resource group.
    let nosub = "00000000-0000-0000-0000-000000000000";
    emu.get(&emu.api(&format!("/subscriptions/{nosub}/providers/Microsoft.Cache/redis"))).await.expect(404).arm_error();
    emu.get(&emu.api(&format!("/subscriptions/{nosub}/resourceGroups/{}/providers/Microsoft.Cache/redis", p.rg)))
        .await
        .expect(404)
        .arm_error();
    emu.get(&emu.api(&format!("/subscriptions/{SUB1}/resourceGroups/rg-nope/providers/Microsoft.Cache/redis")))
        .await
        .expect(404)
        .arm_error();
    let elsewhere = Cache { sub: nosub.into(), ..p.clone() };
    emu.get(&emu.api(&elsewhere.path())).await.expect_error(404, "ResourceNotFound");
    let elsewhere = Cache { rg: "rg-nope".into(), ..p.clone() };
    emu.get(&emu.api(&elsewhere.path())).await.expect_error(404, "ResourceNotFound");
    // A cache of one subscription is not found under the other.
    let moved = Cache { sub: SUB2.into(), ..p.clone() };
    emu.get(&emu.api(&moved.path())).await.expect_error(404, "ResourceNotFound");

    // Deleting a link that is not there: nothing to do.
    let resp = emu.delete(&emu.api(&p.link_path(&s.name))).await;
    assert_eq!(resp.status.as_u16(), 200, "{}", resp.text);
    assert!(resp.text.is_empty(), "{}", resp.text);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-inventory-eus");
    let s = demo_cache("contoso-inventory-weu");
    for path in [
        "/".to_string(),
        "/nope".to_string(),
        "/subscriptions/x/y".to_string(),
        format!("/subscriptions/{SUB1}/providers/Microsoft.Web/sites"),
        format!(
            "/subscriptions/{SUB1}/resourceGroups/{}/providers/Microsoft.Cache/redis/{}/firewallRules",
            p.rg, p.name
        ),
        format!(
            "/subscriptions/{SUB1}/resourceGroups/{}/providers/Microsoft.Cache/redis/{}/linkedServers/{}/more",
            p.rg, p.name, s.name
        ),
        // Microsoft.Cache/redisEnterprise is served now (tests/emulator_enterprise.rs); other types are not.
        format!("/subscriptions/{SUB1}/resourceGroups/{}/providers/Microsoft.Cache/redisClusters", p.rg),
        format!("/subscriptions/{SUB1}/providers/Microsoft.Cache/locations/eastus/operationResults/x"),
    ] {
        emu.get(&emu.api(&path)).await.expect_error(404, "NotFound");
        emu.put(&emu.api(&path), &json!({})).await.expect(404).arm_error();
    }

    let wrong: Vec<(Method, String, &str)> = vec![
        (Method::POST, format!("/subscriptions?api-version={SUBSCRIPTIONS_API}"), "GET"),
        (Method::DELETE, format!("/subscriptions/{SUB1}/providers/Microsoft.Cache/redis?api-version={API}"), "GET"),
        (
            Method::PUT,
            format!("/subscriptions/{SUB1}/resourceGroups/{}/providers/Microsoft.Cache/redis?api-version={API}", p.rg),
            "GET",
        ),
        (Method::PUT, format!("{}?api-version={API}", p.path()), "GET"),
        (Method::DELETE, format!("{}?api-version={API}", p.path()), "GET"),
        (Method::POST, format!("{}/linkedServers?api-version={API}", p.path()), "GET"),
        (Method::PATCH, format!("{}?api-version={API}", p.link_path(&s.name)), "PUT"),
        (Method::POST, format!("{}?api-version={API}", p.link_path(&s.name)), "PUT"),
        (
            Method::DELETE,
            format!(
                "/subscriptions/{SUB1}/providers/Microsoft.Cache/locations/eastus/asyncOperations/{}?api-version={API}",
                uuid::Uuid::new_v4()
            ),
            "GET",
        ),
    ];
    for (method, path, allowed) in wrong {
        let url = emu.url(&path);
        let resp = emu.send(method.clone(), &url, Some(b"{}".to_vec())).await;
        let allow = resp.header("allow").unwrap_or("").to_string();
        resp.expect_error(405, "MethodNotAllowed");
        assert!(allow.contains(allowed), "{method} {path}: Allow: {allow:?}");
    }
    // Nothing changed.
    assert_eq!(emu.links_of(&p).await.len(), 1);
    assert_eq!(emu.state_of(&p).await, "Succeeded");
}

// ---------------------------------------------------------------------------------------------------
// The link flow

/// Where a link entry's `provisioningState` may be in the order of a link's life.
fn link_phase_rank(phase: &str) -> usize {
    ["Creating", "Syncing", "Succeeded"]
        .iter()
        .position(|p| *p == phase)
        .unwrap_or_else(|| panic!("unexpected link state {phase}"))
}

#[track_caller]
fn assert_phases_in_order(side: &str, phases: &[String]) {
    let ranks: Vec<_> = phases.iter().map(|p| link_phase_rank(p)).collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{side}: link states out of order: {phases:?}");
    assert_eq!(phases.last().map(String::as_str), Some("Succeeded"), "{side}: {phases:?}");
}

fn push_phase(phases: &mut Vec<String>, phase: &str) {
    if phases.last().map(String::as_str) != Some(phase) {
        phases.push(phase.to_string());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn link_and_unlink_full_flow() {
    // At 120x: about 0.5 s of provisioning, 1.1 s of initial sync (2.4 GB across the Atlantic), 0.75 s
    // of unlinking; long enough to see every phase with polls every 20 ms, even on a busy machine.
    let emu = start(demo(120.0)).await;
    let p = demo_cache("contoso-prod-eus");
    let s = demo_cache("contoso-dr-weu");
    let deadline = Instant::now() + Duration::from_secs(30);

    let before_p = emu.cache(&p).await;
    let before_s = emu.cache(&s).await;
    assert_ne!(
        before_p["properties"]["dataPlane"]["datasetBytes"],
        before_s["properties"]["dataPlane"]["datasetBytes"]
    );

    // PUT -> 201, the link in Creating, and the LRO headers.
    let put = emu.put_link(&p, &s).await.expect(201);
    let body = put.json();
    assert_eq!(body["id"], format!("{}/linkedServers/{}", p.id(), s.name));
    assert_eq!(body["name"], s.name);
    assert_eq!(body["type"], "Microsoft.Cache/Redis/linkedServers");
    assert_eq!(body["properties"]["provisioningState"], "Creating");
    assert_eq!(body["properties"]["serverRole"], "Secondary");
    assert_eq!(body["properties"]["linkedRedisCacheId"], s.id());
    assert_eq!(body["properties"]["linkedRedisCacheLocation"], "West Europe");
    assert_eq!(body["properties"]["geoReplicatedPrimaryHostName"], "contoso-dr-weu.geo.redis.cache.windows.net");
    assert_eq!(body["properties"]["primaryHostName"], "contoso-prod-eus.redis.cache.windows.net");
    let op_url = emu.same_server(put.header("azure-asyncoperation").expect("Azure-AsyncOperation header"));
    assert!(
        op_url
            .contains(&format!("/subscriptions/{SUB1}/providers/Microsoft.Cache/locations/East%20US/asyncOperations/")),
        "{op_url}"
    );
    assert!(op_url.contains(&format!("api-version={API}")), "{op_url}");
    let location = emu.same_server(put.header("location").expect("Location header"));
    let lower = location.to_lowercase();
    assert!(lower.contains(&p.link_path(&s.name).to_lowercase()) || lower.contains("/asyncoperations/"), "{location}");
    let retry: u64 = put.header("retry-after").expect("Retry-After header").parse().expect("Retry-After in seconds");
    assert!(retry >= 1, "{retry}");
    // The Location URL answers.
    emu.get(&location).await.expect(200);

    // Both caches are Linking; both entries exist with mirrored roles.
    assert_eq!(emu.state_of(&p).await, "Linking");
    assert_eq!(emu.state_of(&s).await, "Linking");
    let on_p = emu.links_of(&p).await;
    let on_s = emu.links_of(&s).await;
    assert_eq!(names(&on_p), vec![s.name.clone()]);
    assert_eq!(names(&on_s), vec![p.name.clone()]);
    assert_eq!(on_p[0]["properties"]["serverRole"], "Secondary");
    assert_eq!(on_s[0]["properties"]["serverRole"], "Primary");
    assert_eq!(on_s[0]["properties"]["linkedRedisCacheId"], p.id());
    assert_eq!(on_s[0]["properties"]["linkedRedisCacheLocation"], "East US");
    assert_eq!(on_s[0]["id"], format!("{}/linkedServers/{}", s.id(), p.name));
    let cp = emu.cache(&p).await;
    assert_eq!(cp["properties"]["linkedServers"], json!([{"id": format!("{}/linkedServers/{}", p.id(), s.name)}]));
    let cs = emu.cache(&s).await;
    assert_eq!(cs["properties"]["linkedServers"], json!([{"id": format!("{}/linkedServers/{}", s.id(), p.name)}]));

    // Poll until done: caches Linking while the operation runs, percent never falls, entries move
    // Creating -> Syncing -> Succeeded.
    let mut phases_p = vec!["Creating".to_string()];
    let mut phases_s = Vec::new();
    let mut last_pct = -1.0;
    let mut seen_between = false;
    let op = loop {
        assert!(Instant::now() < deadline, "the link did not finish in time");
        let cp = emu.cache(&p).await;
        let cs = emu.cache(&s).await;
        let ep = emu.get_json(&emu.api(&p.link_path(&s.name))).await;
        let es = emu.get_json(&emu.api(&s.link_path(&p.name))).await;
        push_phase(&mut phases_p, ep["properties"]["provisioningState"].as_str().unwrap());
        push_phase(&mut phases_s, es["properties"]["provisioningState"].as_str().unwrap());
        assert_eq!(ep["properties"]["serverRole"], "Secondary");
        assert_eq!(es["properties"]["serverRole"], "Primary");
        let op = emu.get_json(&op_url).await;
        let pct = op["percentComplete"].as_f64().unwrap_or_else(|| panic!("no percentComplete: {op}"));
        assert!(pct >= last_pct, "percentComplete fell from {last_pct} to {pct}");
        last_pct = pct;
        match op["status"].as_str().unwrap() {
            "InProgress" => {
                // The caches were read before the operation: it was running then too.
                assert_eq!(cp["properties"]["provisioningState"], "Linking", "{cp}");
                assert_eq!(cs["properties"]["provisioningState"], "Linking", "{cs}");
                assert!(op["endTime"].is_null(), "{op}");
                assert!(pct < 100.0, "{op}");
                if pct > 0.0 {
                    seen_between = true;
                }
            }
            "Succeeded" => break op,
            other => panic!("link operation {other}: {op}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(op["percentComplete"].as_f64(), Some(100.0), "{op}");
    assert!(op["endTime"].is_string(), "{op}");
    assert!(op["error"].is_null(), "{op}");
    assert!(seen_between, "percentComplete never seen between 0 and 100");
    let ep = emu.get_json(&emu.api(&p.link_path(&s.name))).await;
    let es = emu.get_json(&emu.api(&s.link_path(&p.name))).await;
    push_phase(&mut phases_p, ep["properties"]["provisioningState"].as_str().unwrap());
    push_phase(&mut phases_s, es["properties"]["provisioningState"].as_str().unwrap());
    assert_phases_in_order("primary's entry", &phases_p);
    assert_phases_in_order("secondary's entry", &phases_s);
    assert!(phases_p.iter().chain(&phases_s).any(|p| p == "Syncing"), "never saw Syncing: {phases_p:?} {phases_s:?}");

    // Linked: both caches Succeeded, the secondary holds the primary's data and is read-only.
    let cp = emu.cache(&p).await;
    let cs = emu.cache(&s).await;
    assert_eq!(cp["properties"]["provisioningState"], "Succeeded");
    assert_eq!(cs["properties"]["provisioningState"], "Succeeded");
    let (dp, ds) = (&cp["properties"]["dataPlane"], &cs["properties"]["dataPlane"]);
    assert_eq!(ds["datasetBytes"], dp["datasetBytes"]);
    assert_eq!(ds["datasetKeys"], dp["datasetKeys"]);
    assert_eq!(dp["datasetBytes"], before_p["properties"]["dataPlane"]["datasetBytes"]);
    assert_eq!(ds["writable"], false);
    assert_eq!(dp["writable"], true);

    // The same PUT again: 200 with the link as it is, no new operation.
    let again = emu.put_link(&p, &s).await.expect(200);
    assert_eq!(again.json()["properties"]["provisioningState"], "Succeeded");
    assert!(again.header("azure-asyncoperation").is_none());
    assert_eq!(emu.state_of(&p).await, "Succeeded");

    // DELETE -> 202, empty body, both headers; both caches Unlinking.
    let del = emu.delete(&emu.api(&p.link_path(&s.name))).await.expect(202);
    assert!(del.text.is_empty(), "DELETE body: {:?}", del.text);
    let op_url = emu.same_server(del.header("azure-asyncoperation").expect("Azure-AsyncOperation header"));
    assert!(op_url.contains("/asyncOperations/"), "{op_url}");
    emu.same_server(del.header("location").expect("Location header"));
    assert!(del.header("retry-after").is_some_and(|r| r.parse::<u64>().is_ok()));
    assert_eq!(emu.state_of(&p).await, "Unlinking");
    assert_eq!(emu.state_of(&s).await, "Unlinking");
    assert_eq!(emu.links_of(&p).await[0]["properties"]["provisioningState"], "Deleting");
    assert_eq!(emu.links_of(&s).await[0]["properties"]["provisioningState"], "Deleting");

    let mut last_pct = -1.0;
    let op = loop {
        assert!(Instant::now() < deadline, "the unlink did not finish in time");
        let cp = emu.cache(&p).await;
        let cs = emu.cache(&s).await;
        let op = emu.get_json(&op_url).await;
        let pct = op["percentComplete"].as_f64().unwrap_or(0.0);
        assert!(pct >= last_pct, "percentComplete fell from {last_pct} to {pct}");
        last_pct = pct;
        match op["status"].as_str().unwrap() {
            "InProgress" => {
                assert_eq!(cp["properties"]["provisioningState"], "Unlinking", "{cp}");
                assert_eq!(cs["properties"]["provisioningState"], "Unlinking", "{cs}");
            }
            "Succeeded" => break op,
            other => panic!("unlink operation {other}: {op}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(op["percentComplete"].as_f64(), Some(100.0), "{op}");

    // Apart: no entries, both Succeeded, the secondary keeps the data and is writable again.
    assert_eq!(emu.links_of(&p).await, Vec::<Value>::new());
    assert_eq!(emu.links_of(&s).await, Vec::<Value>::new());
    emu.get(&emu.api(&p.link_path(&s.name))).await.expect_error(404, "ResourceNotFound");
    emu.get(&emu.api(&s.link_path(&p.name))).await.expect_error(404, "ResourceNotFound");
    let cp = emu.cache(&p).await;
    let cs = emu.cache(&s).await;
    assert_eq!(cp["properties"]["provisioningState"], "Succeeded");
    assert_eq!(cs["properties"]["provisioningState"], "Succeeded");
    assert_eq!(cp["properties"]["linkedServers"], json!([]));
    assert_eq!(cs["properties"]["linkedServers"], json!([]));
    assert_eq!(cs["properties"]["dataPlane"]["datasetBytes"], cp["properties"]["dataPlane"]["datasetBytes"]);
    assert_eq!(cs["properties"]["dataPlane"]["datasetKeys"], cp["properties"]["dataPlane"]["datasetKeys"]);
    assert_eq!(cs["properties"]["dataPlane"]["writable"], true);

    // And they can be linked again.
    emu.put_link(&p, &s).await.expect(201);
}

// ---------------------------------------------------------------------------------------------------
// The rules

#[tokio::test(flavor = "multi_thread")]
async fn every_prerequisite_is_enforced_with_its_code() {
    let emu = start(demo(1.0)).await;
    let cases: &[(&str, &str, &[&str])] = &[
        ("contoso-prod-eus", "contoso-web-basic", &["NotPremium"]),
        ("contoso-web-std", "contoso-dr-weu", &["NotPremium"]),
        ("contoso-prod-eus", "fabrikam-dev-weu", &["DifferentSubscription"]),
        ("contoso-prod-eus", "contoso-sessions-eus", &["SameRegion"]),
        ("contoso-prod-eus", "contoso-cache-eus2-small", &["SecondaryTooSmall"]),
        ("contoso-prod-eus", "contoso-orders-uks", &["ClusteringMismatch"]),
        ("contoso-orders-neu", "contoso-dr-sea", &["ClusteringMismatch"]),
        ("contoso-orders-neu", "contoso-orders-jpe", &["ShardCountMismatch"]),
        ("contoso-catalog-wus", "contoso-prod-eus", &["RedisVersionMismatch"]),
        ("contoso-prod-eus", "contoso-events-weu", &["PersistenceEnabled"]),
        ("contoso-prod-eus", "contoso-search-aue", &["NotRunning"]),
        ("contoso-search-aue", "contoso-dr-sea", &["NotRunning"]),
        ("contoso-prod-eus", "contoso-prod-eus", &["SameCache"]),
        // Every reason is listed, not just the first.
        ("contoso-prod-eus", "fabrikam-test-brs", &["DifferentSubscription", "NotPremium"]),
        ("contoso-analytics-cus", "contoso-web-basic", &["NotPremium", "PersistenceEnabled"]),
        (
            "contoso-orders-neu",
            "contoso-catalog-wus",
            &["SecondaryTooSmall", "ClusteringMismatch", "RedisVersionMismatch"],
        ),
    ];
    for (primary, secondary, want) in cases {
        let (p, s) = (demo_cache(primary), demo_cache(secondary));
        let err = emu.put_link(&p, &s).await.expect_error(400, "GeoReplicationPrerequisitesNotMet");
        let details = err["details"].as_array().unwrap_or_else(|| panic!("no details: {err}"));
        let got: BTreeSet<&str> = details.iter().map(|d| d["code"].as_str().unwrap()).collect();
        let want: BTreeSet<&str> = want.iter().copied().collect();
        assert_eq!(got, want, "{primary} -> {secondary}: {err}");
        for d in details {
            assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{d}");
        }
        // Nothing happened to either cache.
        assert!(emu.links_of(&p).await.is_empty(), "{primary} got a link");
        assert!(emu.links_of(&s).await.is_empty(), "{secondary} got a link");
        let st = emu.state_of(&s).await;
        assert!(st == "Succeeded" || st == "Scaling", "{secondary}: {st}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_linked_cache_cannot_be_linked_again() {
    let emu = start(demo(1.0)).await;
    let lp = demo_cache("contoso-inventory-eus");
    let ls = demo_cache("contoso-inventory-weu");
    for (p, s) in [
        // The secondary of a link as a new secondary.
        (demo_cache("contoso-prod-eus"), ls.clone()),
        // The primary of a link as a new primary.
        (lp.clone(), demo_cache("contoso-dr-wus2")),
        // The secondary of a link as a new primary.
        (ls.clone(), demo_cache("contoso-dr-wus2")),
        // The link again, the other way round.
        (ls.clone(), lp.clone()),
    ] {
        let err = emu.put_link(&p, &s).await.expect(400).arm_error();
        assert_eq!(err["message"], ALREADY_LINKED, "{} -> {}: {err}", p.name, s.name);
    }
    // The existing link is untouched.
    assert_eq!(emu.links_of(&lp).await.len(), 1);
    assert_eq!(emu.links_of(&ls).await[0]["properties"]["serverRole"], "Primary");
    assert!(emu.links_of(&demo_cache("contoso-dr-wus2")).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn putting_an_existing_link_again_is_idempotent() {
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-inventory-eus");
    let s = demo_cache("contoso-inventory-weu");
    let first = emu.links_of(&p).await.remove(0);
    for _ in 0..2 {
        let resp = emu.put_link(&p, &s).await.expect(200);
        assert!(resp.header("azure-asyncoperation").is_none(), "no new operation");
        assert_eq!(resp.json(), first);
    }
    // Region spelt the short way, names in another case: the same link.
    let body = json!({"properties": {"linkedRedisCacheId": s.id().to_lowercase(), "linkedRedisCacheLocation": "westeurope", "serverRole": "secondary"}});
    let resp = emu.put(&emu.api(&p.link_path(&s.name.to_uppercase())), &body).await.expect(200);
    assert_eq!(resp.json()["name"], s.name);
    assert_eq!(emu.state_of(&p).await, "Succeeded");
    assert_eq!(emu.state_of(&s).await, "Succeeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn operations_in_flight_conflict() {
    // Time scale 1: the link runs for minutes, longer than this test.
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-prod-eus");
    let s = demo_cache("contoso-dr-weu");
    emu.put_link(&p, &s).await.expect(201);

    for (a, b) in [
        // The primary is busy.
        (p.clone(), demo_cache("contoso-dr-wus2")),
        // The secondary is busy.
        (demo_cache("contoso-cache-eus2-small"), s.clone()),
        // A busy cache as a new primary.
        (s.clone(), demo_cache("contoso-dr-sea")),
        (demo_cache("contoso-dr-wus2"), p.clone()),
    ] {
        emu.put_link(&a, &b).await.expect_error(409, "Conflict");
    }
    // DELETE while linking, from either side.
    emu.delete(&emu.api(&p.link_path(&s.name))).await.expect_error(409, "Conflict");
    emu.delete(&emu.api(&s.link_path(&p.name))).await.expect_error(409, "Conflict");
    assert_eq!(emu.state_of(&p).await, "Linking");
    assert_eq!(emu.state_of(&s).await, "Linking");
    assert!(emu.links_of(&demo_cache("contoso-dr-wus2")).await.is_empty());

    // While unlinking: DELETE again, and a PUT of the same link, conflict too.
    let lp = demo_cache("contoso-inventory-eus");
    let ls = demo_cache("contoso-inventory-weu");
    emu.delete(&emu.api(&lp.link_path(&ls.name))).await.expect(202);
    assert_eq!(emu.state_of(&lp).await, "Unlinking");
    emu.delete(&emu.api(&lp.link_path(&ls.name))).await.expect_error(409, "Conflict");
    emu.delete(&emu.api(&ls.link_path(&lp.name))).await.expect_error(409, "Conflict");
    emu.put_link(&lp, &ls).await.expect_error(409, "Conflict");
    emu.put_link(&lp, &demo_cache("contoso-dr-wus2")).await.expect_error(409, "Conflict");
    assert_eq!(emu.state_of(&ls).await, "Unlinking");
}

// ---------------------------------------------------------------------------------------------------
// Bad input

#[tokio::test(flavor = "multi_thread")]
async fn bad_link_requests_are_4xx_arm_errors() {
    let emu = start(demo(1.0)).await;
    let p = demo_cache("contoso-prod-eus");
    let s = demo_cache("contoso-dr-weu");
    let url = emu.api(&p.link_path(&s.name));
    let props = |id: Value, loc: Value, role: Value| json!({"properties": {"linkedRedisCacheId": id, "linkedRedisCacheLocation": loc, "serverRole": role}});
    let (id, loc) = (json!(s.id()), json!(s.location));

    let raw: Vec<(&str, Vec<u8>)> = vec![
        ("malformed JSON", br#"{"properties": {"linkedRedisCacheId": "#.to_vec()),
        ("not JSON", b"hello".to_vec()),
        ("empty body", Vec::new()),
        ("trailing garbage", format!("{} x", s.link_body()).into_bytes()),
        ("not UTF-8", vec![0xff, 0xfe, b'{', b'}']),
    ];
    for (what, body) in raw {
        let err = emu.put_raw(&url, body).await.expect(400).arm_error();
        assert!(!err["message"].as_str().unwrap().is_empty(), "{what}");
    }

    let bodies: Vec<(&str, Value)> = vec![
        ("null", Value::Null),
        ("an array", json!([])),
        ("a string", json!("x")),
        ("no properties", json!({})),
        ("properties null", json!({"properties": null})),
        ("properties a string", json!({"properties": "x"})),
        ("properties an array", json!({"properties": []})),
        (
            "no linkedRedisCacheId",
            json!({"properties": {"linkedRedisCacheLocation": s.location, "serverRole": "Secondary"}}),
        ),
        ("no location", json!({"properties": {"linkedRedisCacheId": s.id(), "serverRole": "Secondary"}})),
        (
            "no serverRole",
            json!({"properties": {"linkedRedisCacheId": s.id(), "linkedRedisCacheLocation": s.location}}),
        ),
        ("id a number", props(json!(5), loc.clone(), json!("Secondary"))),
        ("id an object", props(json!({"id": s.id()}), loc.clone(), json!("Secondary"))),
        ("location a bool", props(id.clone(), json!(true), json!("Secondary"))),
        ("role a number", props(id.clone(), loc.clone(), json!(1))),
        ("role null", props(id.clone(), loc.clone(), Value::Null)),
        ("unknown role", props(id.clone(), loc.clone(), json!("Tertiary"))),
        ("empty role", props(id.clone(), loc.clone(), json!(""))),
        ("role Primary", props(id.clone(), loc.clone(), json!("Primary"))),
        ("location mismatch", props(id.clone(), json!("Japan East"), json!("Secondary"))),
        ("location empty", props(id.clone(), json!(""), json!("Secondary"))),
        ("id unparsable", props(json!("not-an-id"), loc.clone(), json!("Secondary"))),
        ("id empty", props(json!(""), loc.clone(), json!("Secondary"))),
        (
            "id truncated",
            props(
                json!(format!("/subscriptions/{SUB1}/resourceGroups/rg-contoso-dr")),
                loc.clone(),
                json!("Secondary"),
            ),
        ),
        (
            "id of another provider",
            props(
                json!(format!(
                    "/subscriptions/{SUB1}/resourceGroups/rg-contoso-dr/providers/Microsoft.Web/sites/contoso-dr-weu"
                )),
                loc.clone(),
                json!("Secondary"),
            ),
        ),
        (
            "id of a linked server",
            props(json!(format!("{}/linkedServers/contoso-prod-eus", s.id())), loc.clone(), json!("Secondary")),
        ),
    ];
    for (what, body) in bodies {
        let err = emu.put(&url, &body).await.expect(400).arm_error();
        assert!(!err["message"].as_str().unwrap().is_empty(), "{what}: {err}");
    }

    // The linked server's name must be the linked cache's.
    let err = emu.put(&emu.api(&p.link_path("contoso-dr-wus2")), &s.link_body()).await.expect(400).arm_error();
    assert!(err["message"].as_str().unwrap().contains("contoso-dr-wus2"), "{err}");

    // Bodies over 64 KiB are refused, even when they are valid JSON.
    let mut big = serde_json::to_vec(&s.link_body()).unwrap();
    big.splice(1..1, std::iter::repeat_n(b' ', 70 * 1024));
    let huge = vec![b'x'; 1024 * 1024];
    // Several times, each followed by another request on the same client: the 413 must arrive, and the
    // connection must not be left half-closed for the client's pool to reuse.
    for _ in 0..5 {
        for body in [big.clone(), huge.clone()] {
            let resp = emu.put_raw(&url, body).await;
            assert!(resp.status.is_client_error(), "{} {}", resp.status, resp.text);
            resp.arm_error();
            emu.get(&emu.api(&p.path())).await.expect(200);
        }
    }

    // None of that created anything, and the right request still works.
    assert!(emu.links_of(&p).await.is_empty());
    assert_eq!(emu.state_of(&p).await, "Succeeded");
    assert_eq!(emu.state_of(&s).await, "Succeeded");
    emu.put_link(&p, &s).await.expect(201);
}

// ---------------------------------------------------------------------------------------------------
// Token and binding

#[tokio::test(flavor = "multi_thread")]
async fn the_token_is_required_when_set() {
    let token = "s3cret-t0ken";
    let emu = start(Config { token: Some(token.into()), ..Config::default() }).await;
    let p = demo_cache("contoso-inventory-eus");
    let urls =
        [emu.api(&p.path()), emu.url(&format!("/subscriptions?api-version={SUBSCRIPTIONS_API}")), emu.api("/nope")];
    for url in &urls {
        let resp = emu.get(url).await;
        assert!(resp.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")), "{:?}", resp.headers);
        resp.expect(401).arm_error();
        for auth in [
            "Bearer wrong",
            "Bearer",
            "Bearer ",
            "Basic czNjcmV0LXQwa2Vu",
            token,
            &format!("Bearer {token}x"),
            &format!("Bearer {}", &token[..5]),
        ] {
            let resp = emu.http.get(url).header("authorization", auth).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{url} with {auth:?}");
            let body: Value = resp.json().await.unwrap();
            assert!(body["error"]["code"].is_string(), "{body}");
        }
    }
    let resp = emu.http.get(&urls[0]).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = emu.http.get(&urls[1]).header("authorization", format!("bearer {token}")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // With the token, the other errors are the usual ones.
    let resp = emu.http.get(&urls[2]).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // Refused writes do nothing.
    let s = demo_cache("contoso-inventory-weu");
    emu.delete(&emu.api(&p.link_path(&s.name))).await.expect(401);
    let resp = emu.http.get(emu.api(&p.path())).bearer_auth(token).send().await.unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["properties"]["provisioningState"], "Succeeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_loopback_address_needs_a_token() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let emu = Emulator::simulated(Config::default()).unwrap();
        let err = emu.bind(addr.parse().unwrap()).await.err().unwrap_or_else(|| panic!("bound {addr} without a token"));
        assert!(err.to_string().contains("--token"), "{err}");
    }
    // Loopback is fine without one, IPv6 too where the machine has it.
    let run = Emulator::simulated(Config::default()).unwrap().bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    assert!(run.addr.ip().is_loopback());
    run.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_time_scale_is_refused() {
    for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(Emulator::simulated(Config { time_scale: scale, ..Config::default() }).is_err(), "{scale}");
    }
}
