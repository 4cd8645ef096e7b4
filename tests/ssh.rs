//! `georep ssh` in-process: the SSH server on 127.0.0.1:0 over the emulator, driven by russh clients
//! whose channel bytes go into a `vt100` terminal, as an SSH client's terminal would show them.
//!
//! Home at 100x30, the wider layout after a window change to 140x40, keys opening blades, a second
//! client seeing the first one's link progress, authentication (wrong key, password, none), a
//! read-only session, the session limit, the idle timeout, a session without a terminal, and the server
//! shutting down under its sessions. Every wait is bounded ([`BOUND`]) and says what it waited for.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/ssh_client.rs"]
mod ssh_client;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use georep::client::ArmClient;
use georep::emulator::{Config, Emulator, Running};
use georep::ssh::auth::{AuthorizedKeys, DemoPassword};
use georep::ssh::host_key;
use georep::ssh::{SshConfig, SshServer};
use georep::tui::tasks::PollIntervals;
use russh::keys::PrivateKey;
use ssh_client::{Request, Ssh, Term};

/// Model seconds per real second: linking contoso-dr-weu to contoso-prod-eus takes about 10 s, long
/// enough to watch it from another session.
const TIME_SCALE: f64 = 20.0;
const INTERVALS: PollIntervals = PollIntervals { idle: Duration::from_millis(300), busy: Duration::from_millis(200) };
const BOUND: Duration = ssh_client::BOUND;
const PRIMARY: &str = "contoso-prod-eus";
const DOWN: &[u8] = b"\x1b[B";
const RIGHT: &[u8] = b"\x1b[C";
const HOME_KEY: &[u8] = b"\x1b[H";

struct Backend {
    emu: Running,
    _dir: tempfile::TempDir,
    /// The key in the authorized_keys file.
    key: PrivateKey,
    authorized_keys: std::path::PathBuf,
}

async fn backend() -> Backend {
    let emu = Emulator::simulated(Config { time_scale: TIME_SCALE, ..Default::default() })
        .expect("emulator")
        .bind("127.0.0.1:0".parse().unwrap())
        .await
        .expect("bind");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let key = host_key::generate().unwrap();
    let authorized_keys = dir.path().join("authorized_keys");
    std::fs::write(&authorized_keys, format!("{}\n", key.public_key().to_openssh().expect("openssh")))
        .expect("authorized_keys written");
    Backend { emu, _dir: dir, key, authorized_keys }
}

impl Backend {
    fn config(&self) -> SshConfig {
        SshConfig {
            poll: INTERVALS,
            ..SshConfig::new(host_key::generate().unwrap(), AuthorizedKeys::new(Some(self.authorized_keys.clone())))
        }
    }

    async fn serve(&self, config: SshConfig) -> SshServer {
        let client = ArmClient::new(&self.emu.url(), None).expect("client");
        SshServer::start("127.0.0.1:0".parse().unwrap(), config, client, "demo backend".into()).await.expect("listen")
    }
}

/// The console's screens, as a test walks them.
trait Console {
    async fn home(&self) -> String;
    async fn to_geo_replication(&self) -> String;
}

impl Console for Term {
    /// Home with the demo fleet loaded.
    async fn home(&self) -> String {
        self.wait("Home listing the demo caches", |s| s.contains("Azure Cache for Redis · 22 of 22")).await
    }

    /// From Home to the primary's Geo-replication blade: filter, open, Down.
    async fn to_geo_replication(&self) -> String {
        self.home().await;
        self.send(b"/prod-eus").await;
        self.wait("the filter", |s| s.contains("1 of 22")).await;
        self.send(b"\r").await;
        self.send(b"\r").await;
        self.wait("the Overview", |s| {
            s.contains("Home > Azure Cache for Redis > contoso-prod-eus") && s.contains("▶ Overview")
        })
        .await;
        self.send(DOWN).await;
        self.wait("the Geo-replication blade", |s| {
            s.contains("contoso-prod-eus > Geo-replication") && s.contains("Add cache replication link")
        })
        .await
    }
}

fn row(screen: &str, n: usize) -> &str {
    screen.lines().nth(n).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_resize_blade_and_quit() {
    let b = backend().await;
    let server = b.serve(b.config()).await;
    let t = Term::open(server.local_addr(), &b.key, 100, 30).await;

    // Home, in the alternate screen, the cursor hidden, mouse reporting on.
    let home = t.home().await;
    assert!(row(&home, 0).contains("Microsoft Azure") && row(&home, 0).contains("demo backend"), "{home}");
    assert!(home.contains("Home > Azure Cache for Redis"), "{home}");
    assert!(home.contains(PRIMARY), "{home}");
    t.with_screen(|s| {
        assert!(s.alternate_screen(), "the console draws in the alternate screen");
        assert!(s.hide_cursor(), "the cursor is hidden");
        assert_ne!(s.mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse reporting is on");
    });
    // At 100x30 the header ends one cell before column 100, and the list has no room for resource groups.
    assert_eq!(t.with_screen(|s| s.cell(0, 98).map(|c| c.contents().to_string())), Some("p".into()), "{home}");
    assert!(home.contains("GEO ROLE") && !home.contains("RESOURCE GROUP"), "the narrow layout:\n{home}");
    assert_eq!(server.sessions(), 1);

    // The client's window grows: the whole frame is redrawn at 140x40.
    t.resize(140, 40).await;
    let wide = t.wait("the wider layout", |s| s.contains("RESOURCE GROUP") && s.contains("GEO ROLE")).await;
    assert_eq!(t.with_screen(|s| s.cell(0, 138).map(|c| c.contents().to_string())), Some("p".into()), "{wide}");
    assert!(wide.lines().count() >= 39, "{wide}");

    // The mouse: a click on a cache's row opens it (SGR reports, 1-based), Esc goes back.
    let y = wide.lines().position(|l| l.contains(&format!("│ {PRIMARY} "))).expect("the primary's row") as u16;
    t.send(format!("\x1b[<0;10;{}M\x1b[<0;10;{}m", y + 1, y + 1).as_bytes()).await;
    t.wait("the primary opened by a click", |s| {
        s.contains("Azure Cache for Redis > contoso-prod-eus") && s.contains("▶ Overview")
    })
    .await;
    t.send(b"\x1b").await;

    // Keys: `/` filters, Enter opens the cache, Down goes to Geo-replication.
    let geo = t.to_geo_replication().await;
    assert!(geo.contains("contoso-prod-eus is not linked"), "{geo}");
    // `?` opens help over it, Esc closes it.
    t.send(b"?").await;
    t.wait("the help overlay", |s| s.contains("┌ Help ")).await;
    t.send(b"\x1b").await;
    t.wait("help closed", |s| !s.contains("┌ Help ") && s.contains("contoso-prod-eus is not linked")).await;

    // `q` ends the session: the terminal is given back and the channel closes with status 0.
    t.send(b"q").await;
    t.wait_closed("the channel to close after q").await;
    t.with_screen(|s| {
        assert!(!s.alternate_screen(), "back on the main screen");
        assert!(!s.hide_cursor(), "the cursor is shown");
        assert_eq!(s.mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse reporting is off");
    });
    assert_eq!(t.exit_status(), Some(0));
    let start = Instant::now();
    while server.sessions() != 0 && start.elapsed() < BOUND {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.sessions(), 0, "the session's slot is free again");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_client_sees_the_first_clients_link() {
    let b = backend().await;
    let server = b.serve(b.config()).await;
    let a = Term::open(server.local_addr(), &b.key, 120, 36).await;
    let watcher = Term::open(server.local_addr(), &b.key, 120, 36).await;
    let watching = watcher.to_geo_replication().await;
    assert!(watching.contains("contoso-prod-eus is not linked"), "{watching}");

    // A: Add cache replication link, contoso-dr-weu (second of the compatible caches), its context
    // menu, "Link as secondary", then [Link] in the dialog.
    a.to_geo_replication().await;
    a.send(b"a").await;
    a.wait("Compatible caches", |s| s.contains("contoso-dr-sea") && s.contains("contoso-dr-weu")).await;
    a.send(HOME_KEY).await;
    a.send(DOWN).await;
    a.send(b"\r").await;
    a.wait("the context menu", |s| s.contains("Link as secondary")).await;
    a.send(b"\r").await;
    let dialog = a.wait("the Link dialog", |s| s.contains("contoso-dr-weu becomes read-only")).await;
    assert!(dialog.contains("[ Link ]") || dialog.contains("Link"), "{dialog}");
    a.send(RIGHT).await;
    a.send(b"\r").await;
    a.wait("A's link in progress", |s| s.contains("Linking contoso-prod-eus → contoso-dr-weu")).await;
    let started = Instant::now();

    // The watcher's poller asks every 300 ms: it shows the link within a poll (and some slack for a busy
    // machine), started elsewhere.
    let seen = watcher
        .wait("the watcher to see the link", |s| {
            s.contains("Linking contoso-prod-eus → contoso-dr-weu") && s.contains("contoso-dr-weu")
        })
        .await;
    assert!(started.elapsed() < INTERVALS.idle + Duration::from_secs(3), "seen after {:?}", started.elapsed());
    assert!(seen.contains("Started from another console or client"), "{seen}");
    assert!(seen.contains("Linking"), "{seen}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_authorized_keys_and_the_demo_password_get_in() {
    let b = backend().await;
    let mut config = b.config();
    config.demo_password = Some(DemoPassword::new("demo room".into()));
    let server = b.serve(config).await;

    // A key that is not in the file.
    let mut ssh = Ssh::connect(server.local_addr()).await;
    assert!(!ssh.sign_in_with_key(&host_key::generate().unwrap()).await, "an unknown key is refused");
    // The wrong password, and no credentials at all.
    assert!(!ssh.sign_in_with_password("demo roo").await, "a wrong password is refused");
    let none = ssh.handle.authenticate_none("demo").await.expect("an answer");
    assert!(!none.success(), "`none` is refused");
    // The right password gets the console.
    assert!(ssh.sign_in_with_password("demo room").await, "the demo password is accepted");
    let t = Term::start(ssh, Request::console(100, 30)).await;
    t.home().await;

    // Without --demo-password, passwords are not even offered.
    let server2 = b.serve(b.config()).await;
    let mut ssh = Ssh::connect(server2.local_addr()).await;
    assert!(!ssh.sign_in_with_password("demo room").await);
    assert!(ssh.sign_in_with_key(&b.key).await, "the authorized key is accepted");
    server.shutdown().await;
    server2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_session_watches_but_cannot_link() {
    let b = backend().await;
    let mut config = b.config();
    config.read_only = true;
    let server = b.serve(config).await;
    let t = Term::open(server.local_addr(), &b.key, 120, 36).await;
    let home = t.home().await;
    assert!(row(&home, 0).contains("demo backend · read-only"), "{home}");
    let geo = t.to_geo_replication().await;
    assert!(geo.contains("read-only session"), "the buttons say why they are off:\n{geo}");

    // `a` (Add cache replication link) and `u` say why instead of opening anything.
    t.send(b"a").await;
    let refused = t.wait("the read-only notice", |s| s.contains("Read-only session")).await;
    assert!(!refused.contains("Compatible caches"), "{refused}");
    assert!(refused.contains("contoso-prod-eus > Geo-replication"), "{refused}");

    // Nothing was started on the backend.
    let client = ArmClient::new(&b.emu.url(), None).expect("client");
    let id = georep::arm::ResourceId::cache("11111111-2222-3333-4444-555555555555", "rg-contoso-prod", PRIMARY);
    let cache = client.get_cache(&id).await.expect("the cache");
    assert_eq!(cache.properties.provisioning_state, Some(georep::arm::ProvisioningState::Succeeded));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_beyond_the_limit_are_told_to_come_back() {
    let b = backend().await;
    let mut config = b.config();
    config.max_sessions = 1;
    let server = b.serve(config).await;
    let first = Term::open(server.local_addr(), &b.key, 100, 30).await;
    first.home().await;
    let second = Term::open(server.local_addr(), &b.key, 100, 30).await;
    second.wait_closed("the second session to be refused").await;
    assert!(second.screen().contains("all 1 sessions are in use; try again later"), "{}", second.screen());
    assert_eq!(second.exit_status(), Some(1));
    // The first one is still there.
    first.send(b"?").await;
    first.wait("help in the first session", |s| s.contains("┌ Help ")).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_is_closed_with_a_message() {
    let b = backend().await;
    let mut config = b.config();
    config.idle_timeout = Some(Duration::from_secs(1));
    let server = b.serve(config).await;
    let t = Term::open(server.local_addr(), &b.key, 100, 30).await;
    t.home().await;
    t.wait_closed("the idle session to close").await;
    let screen = t.screen();
    assert!(screen.contains("georep ssh: closed after 1s without input."), "{screen}");
    assert!(!t.with_screen(|s| s.alternate_screen()));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_needs_a_terminal_and_runs_no_commands() {
    let b = backend().await;
    let server = b.serve(b.config()).await;
    let mut ssh = Ssh::connect(server.local_addr()).await;
    assert!(ssh.sign_in_with_key(&b.key).await);
    let t = Term::start(ssh, Request::default()).await;
    t.wait_closed("a shell without a pty to be refused").await;
    assert!(t.screen().contains("needs a terminal"), "{}", t.screen());
    assert_eq!(t.exit_status(), Some(2));

    let mut ssh = Ssh::connect(server.local_addr()).await;
    assert!(ssh.sign_in_with_key(&b.key).await);
    let t = Term::start(ssh, Request { command: Some("cat /etc/passwd"), ..Request::console(80, 24) }).await;
    t.wait_closed("a command to be refused").await;
    assert!(t.screen().contains("serves the console only"), "{}", t.screen());
    assert_eq!(t.exit_status(), Some(2));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_gives_every_terminal_back() {
    let b = backend().await;
    let server = b.serve(b.config()).await;
    let one = Term::open(server.local_addr(), &b.key, 100, 30).await;
    let two = Term::open(server.local_addr(), &b.key, 120, 36).await;
    one.home().await;
    two.to_geo_replication().await;
    let start = Instant::now();
    server.shutdown().await;
    assert!(start.elapsed() < Duration::from_secs(10), "shutdown took {:?}", start.elapsed());
    for t in [&one, &two] {
        t.wait_closed("the session to close on shutdown").await;
        let screen = t.screen();
        assert!(screen.contains("georep ssh: the server is shutting down."), "{screen}");
        t.with_screen(|s| {
            assert!(!s.alternate_screen());
            assert!(!s.hide_cursor());
        });
    }
    assert!(one.data.load(Ordering::Relaxed) > 1000);
}
