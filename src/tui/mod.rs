//! The console: the portal's geo-replication blades in ratatui, live over HTTP.
//!
//! Elm architecture: terminal events, poller results and timers become [`Action`]s; `App::update` is
//! the only place state changes and returns [`Effect`]s, which tasks carry out and answer with more
//! actions. A frame is drawn only when the state changed.

pub mod action;
pub mod app;
pub mod blades;
pub mod command;
pub mod confirm;
pub mod data;
pub mod feed;
pub mod filter;
pub mod fleet_links;
pub mod format;
pub mod health;
pub mod hits;
pub mod keys;
pub mod link_changes;
pub mod managed;
pub mod managed_health;
pub mod metrics_poll;
pub mod poll;
pub mod poll_managed;
pub mod screen;
pub mod snapshot;
pub mod status;
pub mod tasks;
pub mod theme;
pub mod view;
pub mod widgets;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::crossterm::event::{Event, EventStream};
use tokio::sync::mpsc;

pub use action::{Action, Effect, Now};
pub use app::{App, AppOptions};

use crate::client::ArmClient;
use tasks::{Effects, PollIntervals};
use theme::Theme;

/// What the console runs on: a backend already chosen (see `crate::backend`, the composition root).
pub struct Options {
    /// For the header: `demo backend`, a host name.
    pub label: String,
    pub client: ArmClient,
    pub intervals: PollIntervals,
    /// Which subscriptions' caches, read how.
    pub scope: poll::Scope,
    /// The backend is the emulator running in this process (quitting loses its running operations).
    pub embedded: bool,
    pub log: Option<PathBuf>,
    /// The theme (the configuration file's, or the monochrome one with NO_COLOR) and the keys.
    pub theme: Theme,
    pub keys: command::Keymap,
}

/// What a run of the loop did (for benchmarks and tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct LoopStats {
    pub frames: u64,
    pub actions: u64,
}

/// Ticks while something animates.
const TICK: Duration = Duration::from_millis(250);

/// Runs the console until the user quits, `stop` resolves, or the events end. Generic over the
/// terminal backend and the event source, so it runs headless in tests and benchmarks.
pub async fn event_loop<B: ratatui::backend::Backend, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: E,
    stop: impl std::future::Future<Output = ()>,
    io: LoopIo<'_>,
) -> io::Result<LoopStats>
where
    E: Stream<Item = io::Result<Event>> + Unpin,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let LoopIo { client, intervals, clipboard, peers, feed } = io;
    let (tx, mut rx) = mpsc::unbounded_channel();
    // The process's poller (one for every `georep ssh` session), or this console's own.
    let (feed, _own_poller) = match feed {
        FeedChoice::Shared(feed) => (feed, None),
        FeedChoice::Own(scope) => {
            let (feed, task) = feed::Feed::start(client.clone(), intervals, scope);
            (feed, Some(task))
        }
    };
    let refresh = feed.refresh.clone();
    // Aborted when the loop ends, and also if it is dropped or unwinds (an SSH session's task).
    let poller = AbortOnDrop(tokio::spawn(feed.follow(tx.clone())));
    let (watch, watched) = tokio::sync::watch::channel(app.metrics_watch());
    let metrics = metrics_poll::poller(client.clone(), tx.clone(), watched, intervals.idle, feed.metrics.clone());
    let _metrics = AbortOnDrop(tokio::spawn(metrics));
    let (managed_watch, managed_watched) = tokio::sync::watch::channel(None);
    let managed =
        metrics_poll::poller(client.clone(), tx.clone(), managed_watched, intervals.idle, feed.managed_metrics.clone());
    let _managed_metrics = AbortOnDrop(tokio::spawn(managed));
    let interest = std::sync::Arc::new(feed.interest());
    let effects = Effects { client, tx, refresh, metrics: watch, interest, managed_metrics: managed_watch };
    let start = Instant::now();
    let now = || Now { elapsed: start.elapsed(), wall: chrono::Utc::now() };
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stats = LoopStats::default();
    tokio::pin!(stop);
    let mut peer_rx = peers.as_ref().map(|p| p.tx.subscribe());
    app.update(Action::Tick(now()));
    if let Ok(size) = terminal.size() {
        app.update(Action::Resize(size.width, size.height));
    }
    let result = loop {
        if app.dirty() {
            let mut hits = hits::Hits::default();
            if let Err(e) = terminal.draw(|f| hits = app.draw(f.area(), f.buffer_mut())) {
                break Err(backend_error(e));
            }
            app.update(Action::FrameDrawn(hits));
            stats.frames += 1;
        }
        if app.quit_requested() {
            break Ok(stats);
        }
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Action::Key(k),
                Some(Ok(Event::Mouse(m))) => Action::Mouse(m),
                Some(Ok(Event::Resize(w, h))) => Action::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => break Err(e),
                None => break Ok(stats),
            },
            Some(a) = rx.recv() => a,
            _ = tick.tick(), if app.wants_ticks() => Action::Tick(now()),
            shared = peer(&mut peer_rx) => match shared {
                Some((from, op)) if peers.as_ref().is_some_and(|p| p.id != from) => Action::PeerOperation(op),
                _ => continue,
            },
            _ = &mut stop => break Ok(stats),
        };
        // The clock first, then everything already waiting, before drawing once.
        let mut next = Some(action);
        if !matches!(next, Some(Action::Tick(_))) {
            app.update(Action::Tick(now()));
        }
        while let Some(action) = next {
            stats.actions += 1;
            for effect in app.update(action) {
                match effect {
                    Effect::Copy(text) => clipboard(&text),
                    Effect::Share(op) => {
                        if let Some(p) = &peers {
                            let _ = p.tx.send((p.id, op));
                        }
                    }
                    other => effects.run(other),
                }
            }
            next = rx.try_recv().ok();
        }
    };
    drop(poller);
    result
}

/// The other consoles of this process (the sessions of one `georep ssh`): they share how their
/// operations go, so that each shows the others' progress.
#[derive(Clone)]
pub struct Peers {
    pub tx: tokio::sync::broadcast::Sender<(u64, action::SharedOp)>,
    /// This console's id among them.
    pub id: u64,
}

/// The next word from the peers; pending forever without peers. A lagging receiver skips what it
/// missed (the next word on each operation says all).
async fn peer(
    rx: &mut Option<tokio::sync::broadcast::Receiver<(u64, action::SharedOp)>>,
) -> Option<(u64, action::SharedOp)> {
    let Some(rx) = rx else { return std::future::pending().await };
    loop {
        match rx.recv().await {
            Ok(v) => return Some(v),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return std::future::pending().await,
        }
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard of the terminal that shows it (also over
/// SSH: the client's terminal does it).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))
}

/// What the loop talks to besides the terminal: the backend, the clipboard of the terminal it draws
/// on, and the other consoles of the process.
pub struct LoopIo<'a> {
    pub client: ArmClient,
    pub intervals: PollIntervals,
    pub clipboard: &'a mut (dyn FnMut(&str) + Send),
    pub peers: Option<Peers>,
    pub feed: FeedChoice,
}

/// Where a console's data comes from.
pub enum FeedChoice {
    /// The process's poller, shared with other consoles (`georep ssh`).
    Shared(feed::Feed),
    /// A poller of its own, reading this scope.
    Own(poll::Scope),
}

/// A task that is aborted when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A backend's error as an io::Error: itself for the terminal backends, wrapped for others (TestBackend's
/// is `Infallible`, which has no `Into<io::Error>`).
fn backend_error<E: std::error::Error + Send + Sync + 'static>(e: E) -> io::Error {
    let e: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
    match e.downcast::<io::Error>() {
        Ok(io) => *io,
        Err(other) => io::Error::other(other),
    }
}

/// `georep`: the console, on the backend the caller chose. The caller stops an embedded emulator
/// after this returns.
pub async fn run(options: Options) -> ExitCode {
    let _ = color_eyre::install();
    let Options { label, client, intervals, scope, embedded, log, theme, keys } = options;
    tracing::info!(backend = %label, log = ?log, "console starting");

    // Without a terminal there is nothing to draw on: say so instead of failing inside ratatui.
    use std::io::IsTerminal;
    if !(io::stdout().is_terminal() && io::stdin().is_terminal()) {
        eprintln!(
            "georep: the console needs a terminal (stdin and stdout are not both a tty); for scripts use the \
             subcommands, e.g. `georep caches list`, or `georep --help`"
        );
        return ExitCode::from(2);
    }
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // try_init may have switched to raw mode or the alternate screen before it failed.
            let _ = ratatui::try_restore();
            eprintln!("georep: cannot set up the terminal: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = ratatui::crossterm::execute!(io::stdout(), ratatui::crossterm::event::EnableMouseCapture);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = ratatui::crossterm::execute!(io::stdout(), ratatui::crossterm::event::DisableMouseCapture);
        previous(info);
    }));
    let mut options = AppOptions::new(label, theme);
    options.keys = keys;
    options.poll_every = Some(intervals.idle);
    options.embedded = embedded;
    let mut app = App::new(options);
    let mut clipboard = |text: &str| {
        use std::io::Write;
        let mut out = io::stdout();
        let _ = out.write_all(osc52(text).as_bytes());
        let _ = out.flush();
    };
    let stop = crate::signals::stop_requested();
    let result = event_loop(
        &mut terminal,
        &mut app,
        EventStream::new(),
        stop,
        LoopIo { client, intervals, clipboard: &mut clipboard, peers: None, feed: FeedChoice::Own(scope) },
    )
    .await;
    let _ = ratatui::crossterm::execute!(io::stdout(), ratatui::crossterm::event::DisableMouseCapture);
    // The terminal may be gone (the window closed, SIGHUP): nothing here may panic on a failed write,
    // or the caller never shuts an embedded emulator down and a real data plane's redis-servers
    // outlive us.
    let _ = ratatui::try_restore();
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(io::stderr(), "georep: terminal error: {e}");
            ExitCode::FAILURE
        }
    }
}
