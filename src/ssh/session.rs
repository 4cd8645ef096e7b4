//! One SSH session channel: its own task, owning its own `App` and `Terminal`.
//!
//! The channel first gets its `pty-req` (the client's window size) and `shell`; then the console runs
//! in a task of its own (`tui::event_loop` over a [`PtyBackend`] and the channel's input), and this
//! task watches it: when it ends (the user quit, the client went, the session idled, the server stops,
//! or it panicked) the client's terminal is given back and the channel is closed.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use russh::server::Msg;
use russh::{Channel, ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::input;
use super::pty_backend::{ChannelWriter, ClientSize, PtyBackend, cells, restore_sequence};
use super::server::Shared;
use crate::tui::{self, App, theme::Theme};

/// How long a new channel may take to ask for its pty and shell.
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the last bytes (terminal restore, goodbye, close) may take to leave.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a console session ended.
#[derive(Debug, PartialEq)]
pub enum End {
    /// `q` or Ctrl-C.
    Quit,
    /// EOF, channel closed, or the connection went.
    ClientGone,
    /// Nothing came from the client for the idle timeout.
    Idle(Duration),
    /// The server is stopping.
    Shutdown,
    /// The terminal failed.
    Error(String),
    /// The session's task panicked.
    Panicked,
}

impl End {
    /// What the client sees on its own screen after the console is gone.
    fn message(&self) -> Option<String> {
        match self {
            End::Quit | End::ClientGone => None,
            End::Idle(d) => Some(format!("georep ssh: closed after {} without input.\r\n", super::format_duration(*d))),
            End::Shutdown => Some("georep ssh: the server is shutting down.\r\n".into()),
            End::Error(e) => Some(format!("georep ssh: the session failed: {e}\r\n")),
            End::Panicked => Some("georep ssh: the session hit an internal error and was closed.\r\n".into()),
        }
    }

    fn exit_status(&self) -> u32 {
        match self {
            End::Quit | End::ClientGone | End::Idle(_) | End::Shutdown => 0,
            End::Error(_) | End::Panicked => 1,
        }
    }
}

/// What the client asked for before the console can start.
enum Start {
    Console { width: u16, height: u16 },
    NoPty,
    Command,
    Gone,
}

/// Runs one session channel to its end.
pub async fn run(channel: Channel<Msg>, shared: Arc<Shared>, who: String) {
    let (mut read, write) = channel.split();
    let start = tokio::time::timeout(SETUP_TIMEOUT, setup(&mut read)).await.unwrap_or(Start::Gone);
    let (width, height) = match start {
        Start::Console { width, height } => (width, height),
        Start::NoPty => {
            let text = "georep ssh serves an interactive console and needs a terminal: connect with `ssh -t`.\r\n";
            return refuse(write, text, 2).await;
        }
        Start::Command => {
            return refuse(write, "georep ssh serves the console only: connect without a command.\r\n", 2).await;
        }
        Start::Gone => return close(write, None, 0).await,
    };
    if shared.stopping() {
        return refuse(write, "georep ssh: the server is shutting down.\r\n", 1).await;
    }
    let Ok(permit) = shared.sessions.clone().try_acquire_owned() else {
        tracing::warn!(%who, max = shared.max_sessions, "session refused: all sessions in use");
        let text = format!("georep ssh: all {} sessions are in use; try again later.\r\n", shared.max_sessions);
        return refuse(write, &text, 1).await;
    };
    tracing::info!(%who, width, height, "session started");

    let (out_tx, out_rx) = mpsc::unbounded_channel();
    let sender = tokio::spawn(send_output(write, out_rx));
    let console = tokio::spawn(console(shared.clone(), read, out_tx, ClientSize::new(width, height)));
    let end = match console.await {
        Ok(end) => end,
        Err(e) => {
            tracing::error!(%who, "session task failed: {e}");
            End::Panicked
        }
    };
    tracing::info!(%who, ?end, "session ended");
    // The console's writer is gone with its task: the sender drains what it wrote and hands the
    // channel back.
    let write = match tokio::time::timeout(CLOSE_TIMEOUT, sender).await {
        Ok(Ok(write)) => write,
        _ => return,
    };
    let mut last = Vec::new();
    if end == End::Panicked {
        // The console could not give the terminal back itself.
        last.extend(restore_sequence());
        last.extend(end.message().unwrap_or_default().into_bytes());
    }
    close(write, Some(last).filter(|l| !l.is_empty()), end.exit_status()).await;
    drop(permit);
}

/// Waits for `pty-req` and `shell` (or `exec`), in whatever order with whatever else between.
async fn setup(read: &mut ChannelReadHalf) -> Start {
    let mut size = None;
    loop {
        match read.wait().await {
            Some(ChannelMsg::RequestPty { col_width, row_height, .. }) => {
                size = Some((cells(col_width, 80), cells(row_height, 24)));
            }
            Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                size = Some((cells(col_width, 80), cells(row_height, 24)));
            }
            Some(ChannelMsg::RequestShell { .. }) => {
                return match size {
                    Some((width, height)) => Start::Console { width, height },
                    None => Start::NoPty,
                };
            }
            Some(ChannelMsg::Exec { .. } | ChannelMsg::RequestSubsystem { .. }) => return Start::Command,
            Some(ChannelMsg::Eof | ChannelMsg::Close) | None => return Start::Gone,
            Some(_) => {}
        }
    }
}

/// The console of one session, in a task of its own.
async fn console(shared: Arc<Shared>, read: ChannelReadHalf, out: UnboundedSender<Vec<u8>>, size: ClientSize) -> End {
    let copy_out = out.clone();
    let mut clipboard = move |text: &str| {
        let _ = copy_out.send(tui::osc52(text).into_bytes());
    };
    let mut backend = PtyBackend::new(ChannelWriter::new(out, shared.bytes_sent.clone()), size.clone());
    if backend.enter().is_err() {
        return End::ClientGone;
    }
    let mut terminal = match Terminal::new(backend) {
        Ok(t) => t,
        Err(e) => return End::Error(e.to_string()),
    };
    let label = if shared.read_only { format!("{} · read-only", shared.label) } else { shared.label.clone() };
    let mut options = tui::AppOptions::new(label, Theme::from_env());
    options.read_only = shared.read_only;
    let mut app = App::new(options);
    let events = input::events(read, size, shared.idle);
    #[cfg(test)]
    let events = tests::with_fault(events);
    let mut stop = shared.stop.clone();
    let stopping = async move { super::server::changed_to_true(&mut stop).await };
    let client = shared.client.clone();
    let id = shared.next_session.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let peers = Some(tui::Peers { tx: shared.peers.clone(), id });
    let result = tui::event_loop(
        &mut terminal,
        &mut app,
        events,
        stopping,
        tui::LoopIo { client, intervals: shared.intervals, clipboard: &mut clipboard, peers },
    )
    .await;
    let end = match result {
        Ok(_) if app.quit_requested() => End::Quit,
        Ok(_) if shared.stopping() => End::Shutdown,
        Ok(_) => End::ClientGone,
        Err(e) if e.kind() == io::ErrorKind::TimedOut => End::Idle(shared.idle.unwrap_or_default()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => End::ClientGone,
        Err(e) => End::Error(e.to_string()),
    };
    // Also when the client seems gone (EOF can come from a client that still shows the screen); where
    // the channel is closed, these writes fail at once.
    let backend = terminal.backend_mut();
    let _ = backend.leave();
    if let Some(text) = end.message() {
        let _ = backend.write_text(&text);
    }
    end
}

/// Sends what the console writes, in order; hands the channel back when the console's writer is gone.
async fn send_output(write: ChannelWriteHalf<Msg>, mut rx: UnboundedReceiver<Vec<u8>>) -> ChannelWriteHalf<Msg> {
    while let Some(bytes) = rx.recv().await {
        if write.data_bytes(bytes).await.is_err() {
            // The channel is gone: drop the rest.
            while rx.recv().await.is_some() {}
            break;
        }
    }
    write
}

async fn refuse(write: ChannelWriteHalf<Msg>, text: &str, status: u32) {
    close(write, Some(text.as_bytes().to_vec()), status).await;
}

/// Sends `last` (if any), the exit status, EOF and close, within [`CLOSE_TIMEOUT`].
async fn close(write: ChannelWriteHalf<Msg>, last: Option<Vec<u8>>, status: u32) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        if let Some(bytes) = last {
            let _ = write.data_bytes(bytes).await;
        }
        let _ = write.exit_status(status).await;
        let _ = write.eof().await;
        let _ = write.close().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use futures::{Stream, StreamExt};
    use ratatui::crossterm::event::{Event, KeyCode};
    use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
    use russh::{ChannelMsg, ChannelWriteHalf, client};

    use crate::client::ArmClient;
    use crate::emulator::{Config, Emulator};
    use crate::ssh::auth::AuthorizedKeys;
    use crate::ssh::{SshConfig, SshServer, host_key};
    use crate::tui::tasks::PollIntervals;

    const BOUND: Duration = Duration::from_secs(20);

    /// In unit tests F12 makes the console's task panic, as a bug would.
    pub fn with_fault(
        events: impl Stream<Item = std::io::Result<Event>> + Unpin + Send + 'static,
    ) -> impl Stream<Item = std::io::Result<Event>> + Unpin + Send + 'static {
        events.map(|e| {
            if matches!(&e, Ok(Event::Key(k)) if k.code == KeyCode::F(12)) {
                panic!("a test fault: F12 in an SSH session");
            }
            e
        })
    }

    struct Accept;

    impl client::Handler for Accept {
        type Error = russh::Error;

        async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
            Ok(true)
        }
    }

    struct Term {
        _ssh: client::Handle<Accept>,
        write: ChannelWriteHalf<client::Msg>,
        vt: Arc<Mutex<vt100::Parser>>,
        exit: Arc<Mutex<Option<u32>>>,
        closed: Arc<AtomicBool>,
    }

    impl Term {
        async fn open(server: &SshServer, key: &PrivateKey) -> Term {
            let config = Arc::new(client::Config::default());
            let mut ssh = client::connect(config, server.local_addr(), Accept).await.expect("connected");
            let key = PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None);
            assert!(ssh.authenticate_publickey("demo", key).await.expect("an answer").success());
            let channel = ssh.channel_open_session().await.expect("a channel");
            channel.request_pty(true, "xterm", 100, 30, 0, 0, &[]).await.expect("pty");
            channel.request_shell(true).await.expect("shell");
            let (mut read, write) = channel.split();
            let vt = Arc::new(Mutex::new(vt100::Parser::new(30.try_into().unwrap(), 100.try_into().unwrap(), 0)));
            let (exit, closed) = (Arc::new(Mutex::new(None)), Arc::new(AtomicBool::new(false)));
            let (vt2, exit2, closed2) = (vt.clone(), exit.clone(), closed.clone());
            tokio::spawn(async move {
                while let Some(msg) = read.wait().await {
                    match msg {
                        ChannelMsg::Data { data } => vt2.lock().unwrap().process(&data),
                        ChannelMsg::ExitStatus { exit_status } => *exit2.lock().unwrap() = Some(exit_status),
                        ChannelMsg::Close => break,
                        _ => {}
                    }
                }
                closed2.store(true, Ordering::SeqCst);
            });
            Term { _ssh: ssh, write, vt, exit, closed }
        }

        async fn wait(&self, what: &str, done: impl Fn(&vt100::Screen, bool) -> bool) {
            let start = Instant::now();
            loop {
                {
                    let vt = self.vt.lock().unwrap();
                    if done(vt.screen(), self.closed.load(Ordering::SeqCst)) {
                        return;
                    }
                    assert!(start.elapsed() < BOUND, "waited for {what}; the screen:\n{}", vt.screen().contents());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_closes_that_session_only() {
        let emu = Emulator::simulated(Config::default()).expect("emulator");
        let emu = emu.bind("127.0.0.1:0".parse().unwrap()).await.expect("bind");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let key = host_key::generate().unwrap();
        let keys = dir.path().join("authorized_keys");
        std::fs::write(&keys, key.public_key().to_openssh().expect("openssh")).expect("written");
        let config = SshConfig {
            host_key: host_key::generate().unwrap(),
            authorized_keys: AuthorizedKeys::new(Some(keys)),
            demo_password: None,
            read_only: false,
            max_sessions: 4,
            idle_timeout: None,
            poll: PollIntervals::default(),
        };
        let client = ArmClient::new(&emu.url(), None).expect("client");
        let server =
            SshServer::start("127.0.0.1:0".parse().unwrap(), config, client, "demo".into()).await.expect("listen");
        let home = |s: &vt100::Screen, _: bool| s.contents().contains("22 of 22");
        let (a, b) = (Term::open(&server, &key).await, Term::open(&server, &key).await);
        a.wait("A's Home", home).await;
        b.wait("B's Home", home).await;
        assert_eq!(server.sessions(), 2);

        a.write.data_bytes(&b"\x1b[24~"[..]).await.expect("F12 sent");
        a.wait("A to be closed after its panic", |s, closed| {
            closed && s.contents().contains("internal error") && !s.alternate_screen() && !s.hide_cursor()
        })
        .await;
        assert_eq!(*a.exit.lock().unwrap(), Some(1));

        // B goes on.
        b.write.data_bytes(&b"?"[..]).await.expect("sent");
        b.wait("B's help", |s, closed| !closed && s.contents().contains("┌ Help ")).await;
        let start = Instant::now();
        while server.sessions() != 1 && start.elapsed() < BOUND {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(server.sessions(), 1, "A's slot is free, B's is not");
        server.shutdown().await;
    }
}
