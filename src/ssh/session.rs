//! One SSH session channel: its own task, owning its own `App` and `Terminal`.
//!
//! The channel first gets its `pty-req` (the client's window size) and `shell`; then the console runs
//! in a task of its own (`tui::event_loop` over a [`PtyBackend`] and the channel's input), and this
//! task watches it: when it ends (the user quit, the client went, the session idled, the server stops,
//! or it panicked) the client's terminal is given back and the channel is closed.
//!
//! The console's output goes through an [`Outbox`] of one frame to a sender task; when the client reads
//! nothing for [`super::limits::Limits::stall`], the session is closed and its connection cut, with
//! the reason.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use russh::server::Msg;
use russh::{Channel, ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use tokio::sync::mpsc;

use super::input;
use super::outbox::Outbox;
use super::pty_backend::{ChannelWriter, ClientSize, PtyBackend, columns, restore_sequence, rows};
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
    /// The client read nothing of the screen for this long.
    Stalled(Duration),
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
            End::Stalled(d) => Some(stalled_reason(*d)),
        }
    }

    fn exit_status(&self) -> u32 {
        match self {
            End::Quit | End::ClientGone | End::Idle(_) | End::Shutdown => 0,
            End::Error(_) | End::Panicked | End::Stalled(_) => 1,
        }
    }
}

fn stalled_reason(d: Duration) -> String {
    format!("georep ssh: closed: the client read nothing of the screen for {}", super::format_duration(d))
}

/// What the client asked for before the console can start.
enum Start {
    /// `no_color`: the client sent `NO_COLOR` (non-empty) in an `env` request.
    Console {
        width: u16,
        height: u16,
        no_color: bool,
    },
    NoPty,
    Command,
    Gone,
}

/// Runs one session channel to its end. `cut` asks the session's connection to disconnect with a
/// reason.
pub async fn run(channel: Channel<Msg>, shared: Arc<Shared>, who: String, cut: mpsc::Sender<String>) {
    let (mut read, write) = channel.split();
    let start = tokio::time::timeout(SETUP_TIMEOUT, setup(&mut read)).await.unwrap_or(Start::Gone);
    let (width, height, no_color) = match start {
        Start::Console { width, height, no_color } => (width, height, no_color),
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

    let outbox = Outbox::new(shared.counters.clone());
    let mut sender = tokio::spawn(send_output(write, outbox.clone(), shared.limits.stall));
    let size = ClientSize::new(width, height);
    let mut console = tokio::spawn(console(shared.clone(), read, outbox, size, no_color));
    let (end, sent) = tokio::select! {
        end = &mut console => (ended(end, &who), None),
        sent = &mut sender => match sent {
            Ok(Sent::Stalled(write)) => {
                // The console may draw nothing more for a long while: stop it now.
                console.abort();
                let _ = console.await;
                (End::Stalled(shared.limits.stall), Some(write))
            }
            // The channel is gone: the console sees it on its next frame, or its input ends.
            Ok(Sent::Done(write)) => (ended(console.await, &who), Some(write)),
            Err(_) => (ended(console.await, &who), None),
        },
    };
    tracing::info!(%who, ?end, "session ended");
    if let End::Stalled(d) = end {
        tracing::warn!(%who, "closed: the client read nothing of the screen for {d:?}");
        shared.counters.stalled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = cut.try_send(stalled_reason(d));
    }
    // The console's writer is gone with its task: the sender drains what it wrote and hands the
    // channel back.
    let write = match sent {
        Some(write) => write,
        None => match tokio::time::timeout(CLOSE_TIMEOUT, sender).await {
            Ok(Ok(Sent::Done(write) | Sent::Stalled(write))) => write,
            _ => return,
        },
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

fn ended(joined: Result<End, tokio::task::JoinError>, who: &str) -> End {
    joined.unwrap_or_else(|e| {
        tracing::error!(%who, "session task failed: {e}");
        End::Panicked
    })
}

/// Waits for `pty-req` and `shell` (or `exec`), in whatever order with whatever else between.
/// Of the client's `env` requests only `NO_COLOR` is taken (the server's own environment is not the
/// session's).
async fn setup(read: &mut ChannelReadHalf) -> Start {
    let mut size = None;
    let mut no_color = false;
    loop {
        match read.wait().await {
            Some(ChannelMsg::RequestPty { col_width, row_height, .. }) => {
                size = Some((columns(col_width, 80), rows(row_height, 24)));
            }
            Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                size = Some((columns(col_width, 80), rows(row_height, 24)));
            }
            Some(ChannelMsg::SetEnv { variable_name, variable_value, .. }) if variable_name == "NO_COLOR" => {
                no_color = !variable_value.is_empty();
            }
            Some(ChannelMsg::RequestShell { .. }) => {
                return match size {
                    Some((width, height)) => Start::Console { width, height, no_color },
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
async fn console(
    shared: Arc<Shared>,
    read: ChannelReadHalf,
    out: Arc<Outbox>,
    size: ClientSize,
    no_color: bool,
) -> End {
    // A copy goes after what waits (a repaint that replaces a frame the client has not taken drops it
    // too: the client reads nothing then).
    let copy_out = out.clone();
    let mut clipboard = move |text: &str| {
        let _ = copy_out.push(tui::osc52(text).into_bytes(), false);
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
    let mut options = tui::AppOptions::new(label, if no_color { Theme::mono() } else { shared.look.theme.clone() });
    options.read_only = shared.read_only;
    options.keys = shared.look.keys.clone();
    options.poll_every = Some(shared.intervals.idle);
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
        tui::LoopIo {
            client,
            intervals: shared.intervals,
            clipboard: &mut clipboard,
            peers,
            feed: tui::FeedChoice::Shared(shared.feed.clone()),
        },
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

/// How the sender task ended; it hands the channel back either way.
enum Sent {
    /// The console's writer is gone and everything was sent, or the channel is gone.
    Done(ChannelWriteHalf<Msg>),
    /// A send stayed blocked (the client reads nothing) for the stall limit.
    Stalled(ChannelWriteHalf<Msg>),
}

/// Sends what the console writes, in order, until its writer is gone.
async fn send_output(write: ChannelWriteHalf<Msg>, outbox: Arc<Outbox>, stall: Duration) -> Sent {
    while let Some(bytes) = outbox.take().await {
        let n = bytes.len();
        let result = tokio::time::timeout(stall, write.data_bytes(bytes)).await;
        outbox.sent(n);
        match result {
            Ok(Ok(())) => {}
            // The channel is gone: the console's next frame fails.
            Ok(Err(_)) => {
                outbox.shut();
                return Sent::Done(write);
            }
            Err(_) => {
                outbox.shut();
                return Sent::Stalled(write);
            }
        }
    }
    Sent::Done(write)
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
    use std::time::{Duration, Instant};

    use futures::{Stream, StreamExt};
    use ratatui::crossterm::event::{Event, KeyCode};

    use crate::client::ArmClient;
    use crate::emulator::{Config, Emulator};
    use crate::ssh::auth::AuthorizedKeys;
    use crate::ssh::ssh_client::Term;
    use crate::ssh::{SshConfig, SshServer, host_key};

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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_closes_that_session_only() {
        let emu = Emulator::simulated(Config::default()).expect("emulator");
        let emu = emu.bind("127.0.0.1:0".parse().unwrap()).await.expect("bind");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let key = host_key::generate().unwrap();
        let keys = dir.path().join("authorized_keys");
        std::fs::write(&keys, key.public_key().to_openssh().expect("openssh")).expect("written");
        let config = SshConfig {
            max_sessions: 4,
            ..SshConfig::new(host_key::generate().unwrap(), AuthorizedKeys::new(Some(keys)))
        };
        let client = ArmClient::new(&emu.url(), None).expect("client");
        let server =
            SshServer::start("127.0.0.1:0".parse().unwrap(), config, client, "demo".into()).await.expect("listen");
        let addr = server.local_addr();
        let home = |s: &str| s.contains("22 of 22");
        let (a, b) = (Term::open(addr, &key, 100, 30).await, Term::open(addr, &key, 100, 30).await);
        a.wait("A's Home", home).await;
        b.wait("B's Home", home).await;
        assert_eq!(server.sessions(), 2);

        a.send(b"\x1b[24~").await;
        a.wait_closed("A to be closed after its panic").await;
        assert!(a.screen().contains("internal error"), "{}", a.screen());
        a.with_screen(|s| assert!(!s.alternate_screen() && !s.hide_cursor(), "A's terminal is given back"));
        assert_eq!(a.exit_status(), Some(1));

        // B goes on.
        b.send(b"?").await;
        b.wait("B's help", |s| s.contains("┌ Help ")).await;
        assert!(!b.is_closed());
        let start = Instant::now();
        while server.sessions() != 1 && start.elapsed() < BOUND {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(server.sessions(), 1, "A's slot is free, B's is not");
        server.shutdown().await;
    }
}
