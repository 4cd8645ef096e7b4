//! The scripting commands against hostile names and unhelpful endpoints, run as the built binary
//! against the in-process emulator (or a listener of the test's own) on 127.0.0.1: a name never
//! addresses another resource and is refused before anything is sent, naming the argument; an
//! endpoint that never answers is bounded by `--timeout`; failures to reach the backend are one line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::time::{Duration, Instant};

use cli_support::*;
use georep::emulator::{Config, Emulator, Running};

const PROD_RG: &str = "rg-contoso-prod";
const INV_RG: &str = "rg-contoso-inventory";

async fn start() -> Running {
    let emu = Emulator::simulated(Config { time_scale: 200.0, ..Default::default() }).expect("emulator");
    emu.bind("127.0.0.1:0".parse().unwrap()).await.expect("bind")
}

async fn links_of(url: &str, rg: &str, name: &str) -> Vec<serde_json::Value> {
    let path = format!("{}/linkedServers?{API}", cache_path(SUB, rg, name));
    get_json(url, &path, None).await["value"].as_array().cloned().expect("value")
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    format!("http://{}", l.local_addr().expect("addr"))
}

#[tokio::test(flavor = "multi_thread")]
async fn unlink_with_a_path_in_the_linked_server_name_touches_nothing() {
    let emu = start().await;
    let url = emu.url();
    let inventory_before = links_of(&url, INV_RG, "contoso-inventory-eus").await;
    assert_eq!(inventory_before.len(), 1);
    let hostile = "../../../../../../rg-contoso-inventory/providers/Microsoft.Cache/redis/contoso-inventory-eus/\
                   linkedServers/contoso-inventory-weu";
    let run = georep(
        &[
            "unlink",
            "--endpoint",
            &url,
            "--name",
            "contoso-prod-eus",
            "--resource-group",
            PROD_RG,
            "--linked-server-name",
            hostile,
        ],
        &[],
    )
    .await;
    run.code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!("georep unlink: --linked-server-name: '{hostile}' is not valid: ")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("only letters, digits and hyphens"), "{}", run.stderr);
    // The other pair is untouched, on both sides; the named cache too.
    assert_eq!(links_of(&url, INV_RG, "contoso-inventory-eus").await, inventory_before);
    assert_eq!(links_of(&url, INV_RG, "contoso-inventory-weu").await.len(), 1);
    assert!(links_of(&url, PROD_RG, "contoso-prod-eus").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_names_are_refused_before_anything_is_sent() {
    // Nothing listens on the endpoint: a refusal that says "cannot reach" would have tried to send.
    let url = closed_port();
    let cases: [(&[&str], &str); 7] = [
        (&["links", "list", "--name", "cache?x=1", "-g", PROD_RG], "--name: 'cache?x=1' is not valid"),
        (&["links", "list", "--name", "a", "-g", "rg/../x"], "--resource-group: 'rg/../x' is not valid"),
        (&["links", "show", "-n", "a", "-g", "rg", "--linked-server-name", "b#c"], "--linked-server-name: 'b#c'"),
        (&["link", "-n", "a", "-g", "rg", "--server-to-link", "x%2F.."], "--server-to-link: 'x%2F..' is not valid"),
        (&["failover", "-n", &"x".repeat(64), "-g", "rg"], "a cache name is 1 to 63 characters long"),
        (&["caches", "list", "-g", "rg."], "--resource-group: 'rg.' is not valid"),
        (&["caches", "list", "--subscription", "../x"], "--subscription (or AZURE_SUBSCRIPTION_ID): '../x'"),
    ];
    for (args, want) in cases {
        let mut args = args.to_vec();
        args.extend(["--endpoint", &url]);
        let run = georep(&args, &[]).await;
        run.code(2);
        assert!(run.stderr.contains(want), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("cannot reach"), "{args:?}: {}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_never_answers_fails_within_the_timeout_in_one_line() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let started = Instant::now();
    let run = georep(&["caches", "list", "--endpoint", &url, "--timeout", "1"], &[]).await;
    let took = started.elapsed();
    run.code(1);
    assert_eq!(run.stderr, format!("georep: no answer from {url} within 1 s (--timeout)\n"));
    assert!(took < Duration::from_secs(10), "took {took:?}");

    let run =
        georep(&["links", "list", "-n", "a", "-g", "rg", "--endpoint", &url, "--timeout", "0.5", "--verbose"], &[])
            .await;
    run.code(1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines[0], format!("georep: no answer from {url} within 0.5 s (--timeout)"), "{}", run.stderr);
    assert!(run.stderr.contains("  step:       cannot list the subscriptions"), "{}", run.stderr);
    assert!(run.stderr.contains("  detail:     "), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_one_line_that_says_where() {
    let url = closed_port();
    let run = georep(&["caches", "list", "--endpoint", &url], &[]).await;
    run.code(1);
    assert_eq!(run.stderr, format!("georep: cannot reach {url} (connection refused)\n"));
    let run = georep(&["caches", "list", "--endpoint", &url, "--verbose"], &[]).await;
    run.code(1);
    assert!(run.stderr.starts_with(&format!("georep: cannot reach {url} (connection refused)\n")), "{}", run.stderr);
    assert!(run.stderr.to_ascii_lowercase().contains("connection refused (os error"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_with_a_password_in_it_is_refused() {
    let emu = start().await;
    let with_user = emu.url().replace("http://", "http://admin:s3cret@");
    let run = georep(&["caches", "list", "--endpoint", &with_user], &[]).await;
    run.code(2);
    assert!(run.stderr.contains("has a user name or password in it"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_waits_past_the_default_timeout_only_when_none_is_given() {
    let emu = start().await;
    let url = emu.url();
    // With --timeout given, it bounds the wait for the operation too (a link at time scale 1 takes
    // minutes).
    let slow = Emulator::simulated(Config { time_scale: 1.0, ..Default::default() }).expect("emulator");
    let slow = slow.bind("127.0.0.1:0".parse().unwrap()).await.expect("bind");
    let started = Instant::now();
    let run = georep(
        &[
            "link",
            "--endpoint",
            &slow.url(),
            "-n",
            "contoso-prod-eus",
            "-g",
            PROD_RG,
            "--server-to-link",
            "contoso-dr-weu",
            "--timeout",
            "2",
        ],
        &[],
    )
    .await;
    run.code(1);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(run.stderr.contains("lost track of the link operation"), "{}", run.stderr);
    assert_eq!(run.field("code"), "OperationTimeout", "{}", run.stderr);
    assert_eq!(run.field("message"), "the operation did not end within 2 s (--timeout)", "{}", run.stderr);

    // Without it, the fast emulator's link runs to its end.
    let run = georep(
        &["link", "--endpoint", &url, "-n", "contoso-prod-eus", "-g", PROD_RG, "--server-to-link", "contoso-dr-weu"],
        &[],
    )
    .await;
    run.ok();
}
