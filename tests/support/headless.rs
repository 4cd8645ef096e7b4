//! The console without a terminal, for tests and benchmarks: the same `App`, driven through actions
//! only, drawn into a buffer whose click targets go back to the app as the loop does.
//!
//! [`Console`] runs the effects against a backend (the poller, links, operation polls); [`Offline`]
//! is fed backend results by the test itself and keeps the effects the app asked for.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use georep::client::ArmClient;
use georep::tui::action::{Action, Effect, Now};
use georep::tui::hits::Hits;
use georep::tui::tasks::{Effects, PollIntervals};
use georep::tui::{App, AppOptions};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use tokio::sync::mpsc::{self, UnboundedReceiver};
use tokio::task::JoinHandle;

/// A fixed wall clock (notification times), so that screens are the same on every run.
pub const WALL_START: i64 = 1_795_000_000;

fn now(elapsed: Duration) -> Now {
    let wall = Utc.timestamp_opt(WALL_START, 0).single().unwrap_or_default() + elapsed;
    Now { elapsed, wall }
}

/// Renders `app` into a `width` x `height` buffer: its text, one line per row, and the click targets.
pub fn draw(app: &App, width: u16, height: u16) -> (String, Buffer, Hits) {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    let hits = app.draw(area, &mut buf);
    (text(&buf), buf, hits)
}

pub fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            // Cells after a wide symbol hold a blank that ratatui skips; the bell is the only wide one.
            skip = if sym.chars().any(|c| c as u32 >= 0x1F300) { 1 } else { 0 };
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Where `needle` first appears on `screen`, as (x, y).
pub fn find(screen: &str, needle: &str) -> Option<(u16, u16)> {
    screen.lines().enumerate().find_map(|(y, line)| {
        let byte = line.find(needle)?;
        Some((line[..byte].chars().count() as u16, y as u16))
    })
}

fn key_event(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn mouse_event(button: MouseButton, (x, y): (u16, u16)) -> Action {
    Action::Mouse(MouseEvent { kind: MouseEventKind::Down(button), column: x, row: y, modifiers: KeyModifiers::NONE })
}

/// The app fed by the test: data and backend answers are actions the test sends; effects are kept.
pub struct Offline {
    pub app: App,
    pub size: (u16, u16),
    pub clock: Duration,
    /// Every effect the app asked for, in order.
    pub effects: Vec<Effect>,
}

impl Offline {
    /// The app, with wall-clock times shown in UTC so that screens are the same in every time zone.
    pub fn new(mut options: AppOptions, size: (u16, u16)) -> Self {
        options.tz = chrono::FixedOffset::east_opt(0).expect("UTC");
        let mut app = App::new(options);
        app.update(Action::Tick(now(Duration::ZERO)));
        app.update(Action::Resize(size.0, size.1));
        Offline { app, size, clock: Duration::ZERO, effects: Vec::new() }
    }

    pub fn send(&mut self, action: Action) {
        let fx = self.app.update(action);
        self.effects.extend(fx);
    }

    /// Moves the clock to `t` since start.
    pub fn at(&mut self, t: Duration) {
        self.clock = t;
        self.send(Action::Tick(now(t)));
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = (w, h);
        self.send(Action::Resize(w, h));
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(key_event(code));
    }

    pub fn keys(&mut self, codes: &[KeyCode]) {
        for c in codes {
            self.key(*c);
        }
    }

    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Draws the screen (as the loop does: the frame's targets go back as `FrameDrawn`).
    pub fn screen(&mut self) -> String {
        let (text, _, hits) = draw(&self.app, self.size.0, self.size.1);
        self.send(Action::FrameDrawn(hits));
        text
    }

    pub fn buffer(&mut self) -> Buffer {
        let (_, buf, hits) = draw(&self.app, self.size.0, self.size.1);
        self.send(Action::FrameDrawn(hits));
        buf
    }

    /// Clicks where `needle` is on the current screen; panics when it is not there.
    pub fn click_on(&mut self, needle: &str) {
        let screen = self.screen();
        let at = find(&screen, needle).unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"));
        self.send(mouse_event(MouseButton::Left, at));
    }

    pub fn click(&mut self, button: MouseButton, at: (u16, u16)) {
        self.screen();
        self.send(mouse_event(button, at));
    }

    /// Opens a cache from Home by typing its name into the filter, then shows `item` (its jump key).
    pub fn open(&mut self, name: &str, jump: char) {
        self.key(KeyCode::Char('/'));
        self.text(name);
        self.keys(&[KeyCode::Enter, KeyCode::Enter]);
        self.key(KeyCode::Char(jump));
    }
}

/// The app with effects carried out against a backend: the poller, operations, refreshes.
pub struct Console {
    pub app: App,
    runner: Effects,
    rx: UnboundedReceiver<Action>,
    poller: JoinHandle<()>,
    /// The metrics poller (reads what the screen shows of Azure Monitor).
    metrics_poller: JoinHandle<()>,
    managed_poller: JoinHandle<()>,
    start: Instant,
    pub size: (u16, u16),
    /// What the console put on the clipboard.
    pub copied: Vec<String>,
    /// Every effect the app asked for, in order (after being carried out).
    pub effects: Vec<Effect>,
}

impl Console {
    /// Starts the poller against `client`; must be called inside a tokio runtime.
    pub fn start(mut options: AppOptions, client: ArmClient, intervals: PollIntervals) -> Self {
        options.tz = chrono::FixedOffset::east_opt(0).expect("UTC");
        let (tx, rx) = mpsc::unbounded_channel();
        let (feed, feed_task) = georep::tui::feed::Feed::start(client.clone(), intervals, Default::default());
        let refresh = feed.refresh.clone();
        let follow = feed.follow(tx.clone());
        let poller = tokio::spawn(async move {
            // The poller lives as long as this console follows it.
            let _task = feed_task;
            follow.await
        });
        let (metrics, watched) = tokio::sync::watch::channel(None);
        let (managed_metrics, managed_watched) = tokio::sync::watch::channel(None);
        let managed_poller = tokio::spawn(georep::tui::metrics_poll::poller(
            client.clone(),
            tx.clone(),
            managed_watched,
            intervals.idle,
            feed.managed_metrics.clone(),
        ));
        let metrics_poller = tokio::spawn(georep::tui::metrics_poll::poller(
            client.clone(),
            tx.clone(),
            watched,
            intervals.idle,
            feed.metrics.clone(),
        ));
        let mut c = Console {
            app: App::new(options),
            runner: Effects {
                client,
                tx,
                refresh,
                metrics,
                interest: std::sync::Arc::new(feed.interest()),
                managed_metrics,
            },
            rx,
            poller,
            metrics_poller,
            managed_poller,
            start: Instant::now(),
            size: (120, 36),
            copied: Vec::new(),
            effects: Vec::new(),
        };
        c.send(Action::Resize(120, 36));
        c
    }

    /// Feeds one action through `App::update` (after the clock) and runs the effects it asks for.
    pub fn send(&mut self, action: Action) {
        let _ = self.app.update(Action::Tick(now(self.start.elapsed())));
        for effect in self.app.update(action) {
            self.effects.push(effect.clone());
            match effect {
                Effect::Copy(text) => self.copied.push(text),
                other => self.runner.run(other),
            }
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(key_event(code));
    }

    pub fn keys(&mut self, codes: &[KeyCode]) {
        for c in codes {
            self.key(*c);
        }
    }

    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn open(&mut self, name: &str, jump: char) {
        self.key(KeyCode::Char('/'));
        self.text(name);
        self.keys(&[KeyCode::Enter, KeyCode::Enter]);
        self.key(KeyCode::Char(jump));
    }

    /// The screen as text, drawn at the console's size (its targets go back to the app).
    pub fn screen(&mut self) -> String {
        let (text, _, hits) = draw(&self.app, self.size.0, self.size.1);
        self.send(Action::FrameDrawn(hits));
        text
    }

    pub fn click_on(&mut self, needle: &str) {
        self.click_button(MouseButton::Left, needle);
    }

    /// Clicks at `at` on the current screen.
    pub fn click_at(&mut self, button: MouseButton, at: (u16, u16)) {
        self.screen();
        self.send(mouse_event(button, at));
    }

    pub fn click_button(&mut self, button: MouseButton, needle: &str) {
        let screen = self.screen();
        let at = find(&screen, needle).unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"));
        self.send(mouse_event(button, at));
    }

    /// Handles backend results (and the clock) until the screen satisfies `done` or `timeout`
    /// passes; says which.
    pub async fn until(&mut self, timeout: Duration, done: impl Fn(&str) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if done(&self.screen()) {
                return true;
            }
            let next = tokio::time::timeout_at(deadline, async {
                tokio::select! {
                    a = self.rx.recv() => a,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => Some(Action::Tick(now(self.start.elapsed()))),
                }
            })
            .await;
            match next {
                Ok(Some(action)) => self.send(action),
                Ok(None) | Err(_) => return done(&self.screen()),
            }
        }
    }

    /// Like [`Console::until`], failing the test with the screen when it does not happen.
    pub async fn wait_for(&mut self, what: &str, timeout: Duration, done: impl Fn(&str) -> bool) {
        if !self.until(timeout, done).await {
            panic!("timed out waiting for {what}; the screen:\n{}", self.screen());
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.poller.abort();
        self.metrics_poller.abort();
        self.managed_poller.abort();
    }
}
