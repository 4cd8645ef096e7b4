//! The terminal of one SSH session: ratatui's `CrosstermBackend` writing into the SSH channel, reporting
//! the size the client gave in `pty-req` and `window-change` instead of the server's own terminal's.
//!
//! Frames go through the session's [`Outbox`], which holds at most one: when the client has not taken
//! the last one yet, the next frame is a whole repaint (from the backend's copy of the client's screen)
//! that replaces it, since a frame is only the difference from the one before.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::style::{Attribute, ResetColor, SetAttribute};
use ratatui::crossterm::terminal::{Clear, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::crossterm::{execute, queue};
use ratatui::layout::{Position, Rect, Size};

use super::limits::{MAX_COLUMNS, MAX_ROWS, clamp_cells};
use super::outbox::Outbox;

/// The client's window size in cells, shared between the session's input (which learns of changes)
/// and its backend (which ratatui asks before each frame). Never more than [`MAX_COLUMNS`] x
/// [`MAX_ROWS`], nor zero: the console's buffers are allocated at this size.
#[derive(Clone, Debug)]
pub struct ClientSize(Arc<AtomicU32>);

impl ClientSize {
    pub fn new(width: u16, height: u16) -> Self {
        ClientSize(Arc::new(AtomicU32::new(pack(width, height))))
    }

    pub fn set(&self, width: u16, height: u16) {
        self.0.store(pack(width, height), Ordering::Relaxed);
    }

    pub fn get(&self) -> Size {
        let v = self.0.load(Ordering::Relaxed);
        Size { width: (v >> 16) as u16, height: (v & 0xffff) as u16 }
    }
}

fn pack(width: u16, height: u16) -> u32 {
    (u32::from(width.clamp(1, MAX_COLUMNS)) << 16) | u32::from(height.clamp(1, MAX_ROWS))
}

/// A width from the wire (`pty-req`, `window-change`): see [`clamp_cells`].
pub fn columns(n: u32, fallback: u16) -> u16 {
    clamp_cells(n, fallback, MAX_COLUMNS)
}

/// A height from the wire: see [`clamp_cells`].
pub fn rows(n: u32, fallback: u16) -> u16 {
    clamp_cells(n, fallback, MAX_ROWS)
}

/// Collects what the backend writes and hands it to the session's [`Outbox`] on each flush, so a
/// frame crosses the wire as one message. Counts the bytes it hands over.
pub struct ChannelWriter {
    buf: Vec<u8>,
    outbox: Arc<Outbox>,
    sent: Arc<std::sync::atomic::AtomicU64>,
    /// The next flush is a whole repaint: it replaces what waits in the outbox (set by the backend).
    replace: Arc<AtomicBool>,
}

impl ChannelWriter {
    pub fn new(outbox: Arc<Outbox>, sent: Arc<std::sync::atomic::AtomicU64>) -> Self {
        ChannelWriter { buf: Vec::with_capacity(8 * 1024), outbox, sent, replace: Arc::new(AtomicBool::new(false)) }
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        self.outbox.writer_gone();
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::replace(&mut self.buf, Vec::with_capacity(8 * 1024));
        let n = bytes.len() as u64;
        self.outbox.push(bytes, self.replace.swap(false, Ordering::Relaxed))?;
        self.sent.fetch_add(n, Ordering::Relaxed);
        Ok(())
    }
}

/// The bytes that give a client's terminal back: default colours, no mouse reporting, the cursor
/// shown, the main screen.
pub fn restore_sequence() -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail.
    let _ =
        execute!(bytes, ResetColor, SetAttribute(Attribute::Reset), DisableMouseCapture, Show, LeaveAlternateScreen);
    bytes
}

/// The cells of `buffer` that differ from a cleared screen, as ratatui's `Buffer::diff` against an
/// empty buffer gives them (the cells a wide character covers are left to it), without allocating
/// that empty buffer or the list: a repaint at the largest size would otherwise take ~25 MB at once.
fn non_blank_cells(buffer: &Buffer) -> impl Iterator<Item = (u16, u16, &Cell)> {
    // The index of the next cell not covered by a wide character before it.
    let mut next = 0usize;
    buffer.content.iter().enumerate().filter_map(move |(i, cell)| {
        if i < next {
            return None;
        }
        let width = match cell.diff_option {
            CellDiffOption::ForcedWidth(w) => usize::from(w.get()),
            _ => ratatui::text::Span::raw(cell.symbol()).width(),
        };
        next = i + width.max(1);
        let shown = !matches!(cell.diff_option, CellDiffOption::Skip) && *cell != Cell::EMPTY;
        shown.then(|| {
            let (x, y) = buffer.pos_of(i);
            (x, y, cell)
        })
    })
}

/// A ratatui backend for one SSH channel.
pub struct PtyBackend {
    inner: CrosstermBackend<ChannelWriter>,
    size: ClientSize,
    /// Where the cursor was last put (the client's terminal cannot be asked synchronously).
    cursor: Position,
    /// Whether the client's cursor is hidden now: ratatui hides it on every frame, and over SSH
    /// that is bytes for nothing.
    cursor_hidden: bool,
    /// What the client's screen shows once it has every frame: the source of a whole repaint.
    shadow: Buffer,
    outbox: Arc<Outbox>,
    /// The writer's flag: its next flush replaces what waits.
    replace: Arc<AtomicBool>,
    /// Whether [`PtyBackend::enter`] took the client's terminal over (a repaint does it again, since
    /// it may replace those bytes too).
    entered: bool,
}

impl PtyBackend {
    pub fn new(writer: ChannelWriter, size: ClientSize) -> Self {
        let (outbox, replace) = (writer.outbox.clone(), writer.replace.clone());
        let shadow = Buffer::empty(Rect::from((Position::ORIGIN, size.get())));
        PtyBackend {
            inner: CrosstermBackend::new(writer),
            size,
            cursor: Position::ORIGIN,
            cursor_hidden: false,
            shadow,
            outbox,
            replace,
            entered: false,
        }
    }

    /// Instead of a frame's changes: the whole screen, cleared and drawn from the shadow, to replace
    /// an unsent frame (the changes of which it contains).
    fn repaint(&mut self) -> io::Result<()> {
        self.replace.store(true, Ordering::Relaxed);
        if self.entered {
            queue!(self.inner, EnterAlternateScreen, EnableMouseCapture)?;
        }
        queue!(
            self.inner,
            ResetColor,
            SetAttribute(Attribute::Reset),
            Clear(ratatui::crossterm::terminal::ClearType::All)
        )?;
        if self.cursor_hidden {
            queue!(self.inner, Hide)?;
        }
        self.inner.draw(non_blank_cells(&self.shadow))
    }

    fn reset_shadow(&mut self) {
        self.shadow = Buffer::empty(Rect::from((Position::ORIGIN, self.size.get())));
    }

    /// Takes over the client's terminal: alternate screen, hidden cursor, mouse reporting, cleared.
    pub fn enter(&mut self) -> io::Result<()> {
        self.cursor_hidden = true;
        self.entered = true;
        execute!(
            self.inner,
            EnterAlternateScreen,
            Hide,
            EnableMouseCapture,
            Clear(ratatui::crossterm::terminal::ClearType::All)
        )
    }

    /// Gives the client's terminal back as it was: no mouse reporting, cursor shown, main screen.
    pub fn leave(&mut self) -> io::Result<()> {
        self.cursor_hidden = false;
        self.entered = false;
        self.inner.write_all(&restore_sequence())?;
        Write::flush(&mut self.inner)
    }

    /// Writes `text` as it is (for a line after leaving the alternate screen) and flushes it.
    pub fn write_text(&mut self, text: &str) -> io::Result<()> {
        self.inner.write_all(text.as_bytes())?;
        Write::flush(&mut self.inner)
    }
}

impl Backend for PtyBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // A frame where no cell changed writes nothing (the crossterm backend would still reset the
        // colours and attributes, which it does after every non-empty draw anyway).
        let content: Vec<_> = content.collect();
        if content.is_empty() {
            return Ok(());
        }
        for &(x, y, cell) in &content {
            if let Some(c) = self.shadow.cell_mut((x, y)) {
                *c = cell.clone();
            }
        }
        if self.outbox.has_unsent() {
            // The client has not taken the last frame: this one replaces it, so it must be whole.
            return self.repaint();
        }
        self.inner.draw(content.into_iter())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden {
            return Ok(());
        }
        self.cursor_hidden = true;
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.outbox.is_shut() {
            // The channel is gone: no cursor to show (ratatui's Terminal tries again when dropped,
            // and would print the failure on the server's stderr).
            return Ok(());
        }
        self.cursor_hidden = false;
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let position = position.into();
        self.cursor = position;
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.reset_shadow();
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        if clear_type == ClearType::All {
            self.reset_shadow();
        }
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.size.get())
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        // The pixel size is not needed: nothing here draws images.
        Ok(WindowSize { columns_rows: self.size.get(), pixels: Size::default() })
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::limits::Counters;
    use ratatui::Terminal;
    use ratatui::widgets::Paragraph;
    use std::sync::atomic::AtomicU64;

    fn terminal(size: &ClientSize) -> (Terminal<PtyBackend>, Arc<Outbox>, Arc<AtomicU64>) {
        let outbox = Outbox::new(Arc::new(Counters::default()));
        let sent = Arc::new(AtomicU64::new(0));
        let backend = PtyBackend::new(ChannelWriter::new(outbox.clone(), sent.clone()), size.clone());
        (Terminal::new(backend).expect("a terminal"), outbox, sent)
    }

    async fn taken(outbox: &Outbox) -> Vec<u8> {
        let bytes = outbox.take().await.expect("bytes");
        outbox.sent(bytes.len());
        bytes
    }

    #[tokio::test]
    async fn reports_the_client_size_and_resizes_with_it() {
        let size = ClientSize::new(100, 30);
        let (mut terminal, outbox, sent) = terminal(&size);
        assert_eq!(terminal.size().expect("a size"), Size::new(100, 30));
        terminal.draw(|f| f.render_widget(Paragraph::new("hello"), f.area())).expect("a frame");
        let frame = taken(&outbox).await;
        assert!(String::from_utf8_lossy(&frame).contains("hello"));
        assert!(!outbox.has_unsent(), "a frame is one message");
        assert_eq!(sent.load(Ordering::Relaxed), frame.len() as u64);

        // A frame where nothing changed sends nothing.
        terminal.draw(|f| f.render_widget(Paragraph::new("hello"), f.area())).expect("a frame");
        assert!(!outbox.has_unsent(), "an unchanged frame is not sent");

        size.set(140, 40);
        let frame = terminal.draw(|f| f.render_widget(Paragraph::new("wider"), f.area())).expect("a frame");
        assert_eq!(frame.area.width, 140);
        assert_eq!(frame.area.height, 40);
    }

    #[tokio::test]
    async fn a_frame_the_client_has_not_taken_is_replaced_by_a_whole_repaint() {
        let size = ClientSize::new(40, 5);
        let (mut terminal, outbox, _) = terminal(&size);
        terminal.backend_mut().enter().expect("entered");
        for text in ["first line", "second", "third 日本 last"] {
            terminal
                .draw(|f| {
                    let lines = vec!["header".into(), text.into()];
                    f.render_widget(Paragraph::new::<Vec<ratatui::text::Line>>(lines), f.area())
                })
                .expect("a frame");
        }
        // Nothing was taken: what waits is one repaint of the last screen, alone (the terminal set-up
        // again, then every cell), and it shows what the client would have shown after all three.
        let bytes = taken(&outbox).await;
        assert!(!outbox.has_unsent());
        let mut vt = vt100::Parser::new(5.try_into().unwrap(), 40.try_into().unwrap(), 0);
        vt.process(&bytes);
        let screen = vt.screen();
        assert!(screen.alternate_screen() && screen.hide_cursor());
        assert_eq!(screen.contents().lines().collect::<Vec<_>>(), ["header", "third 日本 last"]);
        assert!(bytes.len() < 2000, "one frame, not three: {} bytes", bytes.len());

        // Taken in time, the next frame is its changes only.
        terminal.draw(|f| f.render_widget(Paragraph::new("header\nfourth"), f.area())).expect("a frame");
        let bytes = taken(&outbox).await;
        vt.process(&bytes);
        assert_eq!(vt.screen().contents().lines().map(str::trim_end).collect::<Vec<_>>(), ["header", "fourth"]);
        assert!(!String::from_utf8_lossy(&bytes).contains("header"), "only what changed");
    }

    #[test]
    fn a_closed_channel_is_a_broken_pipe() {
        let outbox = Outbox::new(Arc::new(Counters::default()));
        outbox.shut();
        let mut w = ChannelWriter::new(outbox, Arc::new(AtomicU64::new(0)));
        w.write_all(b"x").expect("buffered");
        assert_eq!(w.flush().expect_err("closed").kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(columns(0, 80), 80);
        assert_eq!(columns(65535, 80), MAX_COLUMNS);
        assert_eq!(rows(65535, 24), MAX_ROWS);
        let size = ClientSize::new(u16::MAX, u16::MAX);
        assert_eq!(size.get(), Size::new(MAX_COLUMNS, MAX_ROWS));
        size.set(0, 0);
        assert_eq!(size.get(), Size::new(1, 1));
    }
}
