//! `georep ssh` in-process: the SSH server on 127.0.0.1:0 over the emulator, driven by russh clients
//! whose channel bytes go into a `vt100` terminal, as an SSH client's terminal would show them.
//!
//! Home at 100x30, the wider layout after a window change to 140x40, keys opening blades, a second
//! client seeing the first one's link progress, authentication (wrong key, password, none), a
//! read-only session, the session limit, the idle timeout, a session without a terminal, and the server
//! shutting down under its sessions. Every wait is bounded ([`BOUND`]) and says what it waited for.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use georep::client::ArmClient;
use georep::emulator::{Config, Emulator, Running};
use georep::ssh::auth::{AuthorizedKeys, DemoPassword};
use georep::ssh::host_key;
use georep::ssh::{SshConfig, SshServer};
use georep::tui::tasks::PollIntervals;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, ChannelWriteHalf, client};

/// Model seconds per real second: linking contoso-dr-weu to contoso-prod-eus takes about 10 s, long
/// enough to watch it from another session.
const TIME_SCALE: f64 = 20.0;
const INTERVALS: PollIntervals = PollIntervals { idle: Duration::from_millis(300), busy: Duration::from_millis(200) };
/// Upper bound of any single wait.
const BOUND: Duration = Duration::from_secs(20);
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
            host_key: host_key::generate().unwrap(),
            authorized_keys: AuthorizedKeys::new(Some(self.authorized_keys.clone())),
            demo_password: None,
            read_only: false,
            max_sessions: 32,
            idle_timeout: None,
            poll: INTERVALS,
        }
    }

    async fn serve(&self, config: SshConfig) -> SshServer {
        let client = ArmClient::new(&self.emu.url(), None).expect("client");
        SshServer::start("127.0.0.1:0".parse().unwrap(), config, client, "demo backend".into()).await.expect("listen")
    }
}

/// Accepts any host key (the test made it).
struct Accept;

impl client::Handler for Accept {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

async fn connect(server: &SshServer) -> client::Handle<Accept> {
    let config = Arc::new(client::Config { inactivity_timeout: Some(BOUND * 3), ..Default::default() });
    tokio::time::timeout(BOUND, client::connect(config, server.local_addr(), Accept))
        .await
        .expect("connected in time")
        .expect("connected")
}

async fn sign_in_with_key(ssh: &mut client::Handle<Accept>, key: &PrivateKey) -> bool {
    let key = PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None);
    tokio::time::timeout(BOUND, ssh.authenticate_publickey("demo", key))
        .await
        .expect("an answer in time")
        .expect("an answer")
        .success()
}

async fn sign_in_with_password(ssh: &mut client::Handle<Accept>, password: &str) -> bool {
    tokio::time::timeout(BOUND, ssh.authenticate_password("demo", password))
        .await
        .expect("an answer in time")
        .expect("an answer")
        .success()
}

/// An SSH session's channel and the terminal that shows what it receives.
struct Term {
    _ssh: client::Handle<Accept>,
    write: ChannelWriteHalf<client::Msg>,
    vt: Arc<Mutex<vt100::Parser>>,
    exit_status: Arc<Mutex<Option<u32>>>,
    closed: Arc<AtomicBool>,
    bytes: Arc<AtomicU64>,
}

impl Term {
    /// Signs in with `key`, asks for a pty of `cols` x `rows` and a shell.
    async fn open(server: &SshServer, key: &PrivateKey, cols: u16, rows: u16) -> Term {
        let mut ssh = connect(server).await;
        assert!(sign_in_with_key(&mut ssh, key).await, "the authorized key is accepted");
        Term::start(ssh, Some((cols, rows)), None).await
    }

    /// Opens a session channel on a signed-in connection: a pty when `pty` is given, then a shell, or
    /// `command` when given.
    async fn start(ssh: client::Handle<Accept>, pty: Option<(u16, u16)>, command: Option<&str>) -> Term {
        let channel = ssh.channel_open_session().await.expect("a session channel");
        let (cols, rows) = pty.unwrap_or((80, 24));
        if pty.is_some() {
            channel.request_pty(true, "xterm-256color", cols.into(), rows.into(), 0, 0, &[]).await.expect("pty-req");
        }
        match command {
            Some(c) => channel.exec(true, c).await.expect("exec"),
            None => channel.request_shell(true).await.expect("shell"),
        }
        let (mut read, write) = channel.split();
        let vt = Arc::new(Mutex::new(vt100::Parser::new(rows.try_into().unwrap(), cols.try_into().unwrap(), 0)));
        let exit_status = Arc::new(Mutex::new(None));
        let closed = Arc::new(AtomicBool::new(false));
        let bytes = Arc::new(AtomicU64::new(0));
        let (vt2, exit2, closed2, bytes2) = (vt.clone(), exit_status.clone(), closed.clone(), bytes.clone());
        tokio::spawn(async move {
            while let Some(msg) = read.wait().await {
                match msg {
                    ChannelMsg::Data { data } => {
                        bytes2.fetch_add(data.len() as u64, Ordering::Relaxed);
                        vt2.lock().unwrap().process(&data);
                    }
                    ChannelMsg::ExitStatus { exit_status } => *exit2.lock().unwrap() = Some(exit_status),
                    ChannelMsg::Close => break,
                    _ => {}
                }
            }
            closed2.store(true, Ordering::SeqCst);
        });
        Term { _ssh: ssh, write, vt, exit_status, closed, bytes }
    }

    fn screen(&self) -> String {
        self.vt.lock().unwrap().screen().contents()
    }

    fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.vt.lock().unwrap().screen())
    }

    /// Waits (bounded) until `done` holds for the screen; fails with the screen otherwise.
    async fn wait(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if start.elapsed() > BOUND {
                panic!("waited {:?} for {what}; the screen:\n{screen}", start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (bounded) until the server has closed the channel.
    async fn wait_closed(&self, what: &str) {
        let start = Instant::now();
        while !self.closed.load(Ordering::SeqCst) {
            if start.elapsed() > BOUND {
                panic!("waited {:?} for {what}; the screen:\n{}", start.elapsed(), self.screen());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn send(&self, bytes: &[u8]) {
        self.write.data_bytes(bytes.to_vec()).await.expect("sent");
    }

    async fn resize(&self, cols: u16, rows: u16) {
        self.vt.lock().unwrap().screen_mut().set_size(rows.try_into().unwrap(), cols.try_into().unwrap());
        self.write.window_change(cols.into(), rows.into(), 0, 0).await.expect("window-change");
    }

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
    let t = Term::open(&server, &b.key, 100, 30).await;

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
    assert_eq!(*t.exit_status.lock().unwrap(), Some(0));
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
    let a = Term::open(&server, &b.key, 120, 36).await;
    let watcher = Term::open(&server, &b.key, 120, 36).await;
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
    let mut ssh = connect(&server).await;
    assert!(!sign_in_with_key(&mut ssh, &host_key::generate().unwrap()).await, "an unknown key is refused");
    // The wrong password, and no credentials at all.
    assert!(!sign_in_with_password(&mut ssh, "demo roo").await, "a wrong password is refused");
    let none = ssh.authenticate_none("demo").await.expect("an answer");
    assert!(!none.success(), "`none` is refused");
    // The right password gets the console.
    assert!(sign_in_with_password(&mut ssh, "demo room").await, "the demo password is accepted");
    let t = Term::start(ssh, Some((100, 30)), None).await;
    t.home().await;

    // Without --demo-password, passwords are not even offered.
    let server2 = b.serve(b.config()).await;
    let mut ssh = connect(&server2).await;
    assert!(!sign_in_with_password(&mut ssh, "demo room").await);
    assert!(sign_in_with_key(&mut ssh, &b.key).await, "the authorized key is accepted");
    server.shutdown().await;
    server2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_session_watches_but_cannot_link() {
    let b = backend().await;
    let mut config = b.config();
    config.read_only = true;
    let server = b.serve(config).await;
    let t = Term::open(&server, &b.key, 120, 36).await;
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
    let first = Term::open(&server, &b.key, 100, 30).await;
    first.home().await;
    let second = Term::open(&server, &b.key, 100, 30).await;
    second.wait_closed("the second session to be refused").await;
    assert!(second.screen().contains("all 1 sessions are in use; try again later"), "{}", second.screen());
    assert_eq!(*second.exit_status.lock().unwrap(), Some(1));
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
    let t = Term::open(&server, &b.key, 100, 30).await;
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
    let mut ssh = connect(&server).await;
    assert!(sign_in_with_key(&mut ssh, &b.key).await);
    let t = Term::start(ssh, None, None).await;
    t.wait_closed("a shell without a pty to be refused").await;
    assert!(t.screen().contains("needs a terminal"), "{}", t.screen());
    assert_eq!(*t.exit_status.lock().unwrap(), Some(2));

    let mut ssh = connect(&server).await;
    assert!(sign_in_with_key(&mut ssh, &b.key).await);
    let t = Term::start(ssh, Some((80, 24)), Some("cat /etc/passwd")).await;
    t.wait_closed("a command to be refused").await;
    assert!(t.screen().contains("serves the console only"), "{}", t.screen());
    assert_eq!(*t.exit_status.lock().unwrap(), Some(2));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_gives_every_terminal_back() {
    let b = backend().await;
    let server = b.serve(b.config()).await;
    let one = Term::open(&server, &b.key, 100, 30).await;
    let two = Term::open(&server, &b.key, 120, 36).await;
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
    assert!(one.bytes.load(Ordering::Relaxed) > 1000);
}
