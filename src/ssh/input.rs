//! What the SSH client types, clicks and resizes, as the crossterm events the console's loop takes.
//!
//! Keys and mouse reports arrive as terminal escape sequences in the channel's data, split across
//! packets anywhere. `terminput` parses them (it is crossterm's own parser, over bytes instead of a
//! tty); `terminput-crossterm` maps its events to crossterm's. Window changes become
//! `Event::Resize` after the session's [`ClientSize`] is updated, so the next frame has the new size.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use futures::Stream;
use ratatui::crossterm::event::Event;
use russh::ChannelMsg;
use russh::ChannelReadHalf;

use super::pty_backend::{ClientSize, columns, rows};

const ESC: u8 = 0x1b;

/// Longest incomplete sequence kept. Key and mouse reports are a few bytes; the console does not turn
/// on bracketed paste, so anything longer is a sequence that will never end (an unterminated paste
/// start, noise), and keeping it would swallow every key after it.
const MAX_PENDING: usize = 256;

/// Turns the bytes of a terminal's input into events, keeping an incomplete sequence for the next
/// bytes.
#[derive(Debug, Default)]
pub struct InputParser {
    pending: Vec<u8>,
}

impl InputParser {
    /// Parses `bytes`, appending the events they complete to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Event>) {
        for (i, byte) in bytes.iter().enumerate() {
            let more = i + 1 < bytes.len();
            self.pending.push(*byte);
            // A lone ESC with more bytes in the same read starts a sequence; at the end of a read it
            // is the Esc key (as crossterm decides on a tty).
            if self.pending == [ESC] && more {
                continue;
            }
            match terminput::Event::parse_from(&self.pending) {
                Ok(Some(event)) => {
                    self.pending.clear();
                    if let Ok(event) = terminput_crossterm::to_crossterm(event) {
                        out.push(event);
                    }
                }
                // An incomplete sequence: wait for more, but not forever.
                Ok(None) if self.pending.len() > MAX_PENDING => self.pending.clear(),
                Ok(None) => {}
                // Not a sequence anything knows: drop it, as crossterm does.
                Err(_) => self.pending.clear(),
            }
        }
    }
}

/// The console's event source for one SSH session: channel data parsed into keys and mouse events,
/// window changes as resizes. Ends (`None`) when the client sends EOF or closes the channel; yields
/// an error of kind `TimedOut` when nothing came from the client for `idle`.
pub fn events(
    read: ChannelReadHalf,
    size: ClientSize,
    idle: Option<Duration>,
) -> impl Stream<Item = io::Result<Event>> + Unpin + Send + 'static {
    struct State {
        read: ChannelReadHalf,
        parser: InputParser,
        ready: VecDeque<Event>,
        size: ClientSize,
        idle: Option<Duration>,
        done: bool,
    }
    let state = State { read, parser: InputParser::default(), ready: VecDeque::new(), size, idle, done: false };
    Box::pin(futures::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(event) = s.ready.pop_front() {
                return Some((Ok(event), s));
            }
            if s.done {
                return None;
            }
            let msg = match s.idle {
                Some(idle) => match tokio::time::timeout(idle, s.read.wait()).await {
                    Ok(msg) => msg,
                    Err(_) => {
                        s.done = true;
                        let e = io::Error::new(io::ErrorKind::TimedOut, "no input from the client");
                        return Some((Err(e), s));
                    }
                },
                None => s.read.wait().await,
            };
            match msg {
                Some(ChannelMsg::Data { data }) => {
                    let mut out = Vec::new();
                    s.parser.feed(&data, &mut out);
                    s.ready.extend(out);
                }
                Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                    let old = s.size.get();
                    let (w, h) = (columns(col_width, old.width), rows(row_height, old.height));
                    s.size.set(w, h);
                    let now = s.size.get();
                    s.ready.push_back(Event::Resize(now.width, now.height));
                }
                Some(ChannelMsg::Eof | ChannelMsg::Close) | None => return None,
                Some(_) => {}
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};

    #[test]
    fn a_sequence_that_never_ends_does_not_swallow_later_keys() {
        let mut noise = b"\x1b[200~".to_vec();
        noise.extend(std::iter::repeat_n(b'x', 2 * MAX_PENDING));
        let events = parse_chunks(&[&noise, b"q"]);
        assert_eq!(events.last(), Some(&key(KeyCode::Char('q'))), "{events:?}");
    }

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<Event> {
        let mut p = InputParser::default();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        out
    }

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_and_sequences() {
        let events = parse_chunks(&[b"q/ab\r\t\x1b[B\x1b[A\x1b[Z\x7f"]);
        let codes: Vec<_> = events
            .iter()
            .map(|e| match e {
                Event::Key(k) => k.code,
                other => panic!("not a key: {other:?}"),
            })
            .collect();
        assert_eq!(
            codes,
            vec![
                KeyCode::Char('q'),
                KeyCode::Char('/'),
                KeyCode::Char('a'),
                KeyCode::Char('b'),
                KeyCode::Enter,
                KeyCode::Tab,
                KeyCode::Down,
                KeyCode::Up,
                KeyCode::BackTab,
                KeyCode::Backspace,
            ]
        );
    }

    #[test]
    fn lone_escape_is_the_esc_key() {
        assert_eq!(parse_chunks(&[b"\x1b"]), vec![key(KeyCode::Esc)]);
    }

    #[test]
    fn ctrl_c() {
        let events = parse_chunks(&[b"\x03"]);
        assert_eq!(events, vec![Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))]);
    }

    #[test]
    fn sequences_split_across_packets() {
        assert_eq!(parse_chunks(&[b"\x1b[", b"B"]), vec![key(KeyCode::Down)]);
        // A UTF-8 character split in two.
        assert_eq!(parse_chunks(&[&[0xc3], &[0xa9]]), vec![key(KeyCode::Char('é'))]);
    }

    #[test]
    fn sgr_mouse() {
        // Left press at column 10, row 5 (1-based on the wire), then wheel down.
        let events = parse_chunks(&[b"\x1b[<0;10;5M\x1b[<65;3;4M"]);
        match &events[..] {
            [Event::Mouse(press), Event::Mouse(wheel)] => {
                assert_eq!(press.kind, MouseEventKind::Down(MouseButton::Left));
                assert_eq!((press.column, press.row), (9, 4));
                assert_eq!(wheel.kind, MouseEventKind::ScrollDown);
            }
            other => panic!("not two mouse events: {other:?}"),
        }
    }

    #[test]
    fn garbage_is_dropped_and_parsing_goes_on() {
        let events = parse_chunks(&[b"\x1b[999;999~x"]);
        assert_eq!(events.last(), Some(&key(KeyCode::Char('x'))));
    }
}
