//! The console without a terminal: the same App, effects and poller, driven by a test or a benchmark
//! that sends keys and reads the screen as text.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use tokio::sync::Notify;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tokio::task::JoinHandle;

use super::action::Action;
use super::app::App;
use super::render;
use super::tasks::{self, Effects, PollIntervals};
use crate::client::ArmClient;

pub struct Headless {
    pub app: App,
    effects: Effects,
    rx: UnboundedReceiver<Action>,
    poller: JoinHandle<()>,
    start: Instant,
}

impl Headless {
    /// Starts the poller against `client`; must be called inside a tokio runtime.
    pub fn start(app: App, client: ArmClient, intervals: PollIntervals) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let refresh = Arc::new(Notify::new());
        let poller = tokio::spawn(tasks::poller(client.clone(), tx.clone(), refresh.clone(), intervals));
        Headless { app, effects: Effects { client, tx, refresh }, rx, poller, start: Instant::now() }
    }

    /// Feeds one action through `App::update` and runs the effects it asks for.
    pub fn send(&mut self, action: Action) {
        self.app.set_clock(self.start.elapsed());
        for effect in self.app.update(action) {
            self.effects.run(effect);
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn keys(&mut self, codes: &[KeyCode]) {
        for c in codes {
            self.key(*c);
        }
    }

    /// Types `text` one character at a time.
    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Handles backend results (and ticks) until `done` holds or `timeout` passes; says which.
    pub async fn until(&mut self, timeout: Duration, done: impl Fn(&App) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if done(&self.app) {
                return true;
            }
            let next = tokio::time::timeout_at(deadline, async {
                tokio::select! {
                    a = self.rx.recv() => a,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => Some(Action::Tick(self.start.elapsed())),
                }
            })
            .await;
            match next {
                Ok(Some(action)) => self.send(action),
                Ok(None) | Err(_) => return done(&self.app),
            }
        }
    }

    /// The screen as `width` x `height` lines of text.
    pub fn screen(&self, width: u16, height: u16) -> String {
        screen_text(&self.app, width, height)
    }
}

impl Drop for Headless {
    fn drop(&mut self) {
        self.poller.abort();
    }
}

/// Renders `app` into a buffer of `width` x `height` and returns its text, one line per row.
pub fn screen_text(app: &App, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    render::render(app, area, &mut buf);
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            skip = unicode_width(sym).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn unicode_width(s: &str) -> usize {
    // Cells after a wide symbol hold a blank that ratatui skips; the bell is the only wide one here.
    if s.chars().any(|c| c as u32 >= 0x1F300) { 2 } else { 1 }
}
