//! The fleet at scale (issue 12), on `--synthetic-fleet 10000:100`:
//! - `synthetic/generate_10k`: making the fleet file's text;
//! - `synthetic/load_10k`: parsing it and building the emulator's state (links checked by the rules);
//! - `list_10k/resource_graph`: every cache through the client's Resource Graph query (10 pages of
//!   1,000) from an in-process emulator on 127.0.0.1:0;
//! - `list_10k/per_subscription`: the same through the 100 per-subscription lists (page size 100).
//!
//! `cargo bench --bench fleet`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::Criterion;
use georep::client::ArmClient;
use georep::emulator::fleet;
use georep::emulator::store::State;
use georep::emulator::synthetic::{SyntheticSpec, generate};
use georep::emulator::{Config, Emulator};

const SPEC: SyntheticSpec = SyntheticSpec { caches: 10_000, subscriptions: 100, seed: 1 };

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let text = generate(SPEC);
    {
        let mut g = c.benchmark_group("synthetic");
        g.sample_size(10).measurement_time(Duration::from_secs(8));
        g.bench_function("generate_10k", |b| b.iter(|| generate(SPEC)));
        g.bench_function("load_10k", |b| b.iter(|| State::from_fleet(fleet::load(&text).unwrap()).unwrap()));
        g.finish();
    }

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let running = rt
        .block_on(async {
            Emulator::simulated(Config { fleet: text.clone(), ..Config::default() })
                .expect("emulator")
                .bind("127.0.0.1:0".parse().unwrap())
                .await
        })
        .expect("bind the emulator");
    let client = ArmClient::new(&running.url(), None).unwrap();
    let subs: Vec<String> =
        rt.block_on(client.list_subscriptions()).unwrap().into_iter().map(|s| s.subscription_id).collect();
    {
        let mut g = c.benchmark_group("list_10k");
        g.sample_size(10).measurement_time(Duration::from_secs(10));
        for (name, graph) in [("resource_graph", true), ("per_subscription", false)] {
            g.bench_function(name, |b| {
                b.iter(|| {
                    let (caches, _) = rt.block_on(client.caches_in(&subs, graph)).unwrap();
                    assert_eq!(caches.len(), 10_000);
                })
            });
        }
        g.finish();
    }
    rt.block_on(running.shutdown());
    c.final_summary();
}
