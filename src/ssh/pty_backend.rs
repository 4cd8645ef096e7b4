//! The terminal of one SSH session: ratatui's `CrosstermBackend` writing into the SSH channel, reporting
//! the size the client gave in `pty-req` and `window-change` instead of the server's own terminal's.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::style::{Attribute, ResetColor, SetAttribute};
use ratatui::crossterm::terminal::{Clear, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::layout::{Position, Size};
use tokio::sync::mpsc::UnboundedSender;

/// The client's window size in cells, shared between the session's input (which learns of changes)
/// and its backend (which ratatui asks before each frame).
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
    (u32::from(width) << 16) | u32::from(height)
}

/// Clamps a size from the wire (u32, possibly 0 from a client that does not know) to a terminal's.
pub fn cells(n: u32, fallback: u16) -> u16 {
    if n == 0 { fallback } else { n.min(u32::from(u16::MAX)) as u16 }
}

/// Collects what the backend writes and hands it to the channel's sender task on each flush, so a
/// frame crosses the wire as one message. Counts the bytes it hands over.
pub struct ChannelWriter {
    buf: Vec<u8>,
    tx: UnboundedSender<Vec<u8>>,
    sent: Arc<AtomicU64>,
}

impl ChannelWriter {
    pub fn new(tx: UnboundedSender<Vec<u8>>, sent: Arc<AtomicU64>) -> Self {
        ChannelWriter { buf: Vec::with_capacity(8 * 1024), tx, sent }
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
        self.tx.send(bytes).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the SSH channel is closed"))?;
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

/// A ratatui backend for one SSH channel.
pub struct PtyBackend {
    inner: CrosstermBackend<ChannelWriter>,
    size: ClientSize,
    /// Where the cursor was last put (the client's terminal cannot be asked synchronously).
    cursor: Position,
    /// Whether the client's cursor is hidden now: ratatui hides it on every frame, and over SSH
    /// that is bytes for nothing.
    cursor_hidden: bool,
}

impl PtyBackend {
    pub fn new(writer: ChannelWriter, size: ClientSize) -> Self {
        PtyBackend { inner: CrosstermBackend::new(writer), size, cursor: Position::ORIGIN, cursor_hidden: false }
    }

    /// Takes over the client's terminal: alternate screen, hidden cursor, mouse reporting, cleared.
    pub fn enter(&mut self) -> io::Result<()> {
        self.cursor_hidden = true;
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
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden {
            return Ok(());
        }
        self.cursor_hidden = true;
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
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
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
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
    use ratatui::Terminal;
    use ratatui::widgets::Paragraph;

    #[test]
    fn reports_the_client_size_and_resizes_with_it() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let sent = Arc::new(AtomicU64::new(0));
        let size = ClientSize::new(100, 30);
        let mut terminal =
            Terminal::new(PtyBackend::new(ChannelWriter::new(tx, sent.clone()), size.clone())).expect("a terminal");
        assert_eq!(terminal.size().expect("a size"), Size::new(100, 30));
        terminal.draw(|f| f.render_widget(Paragraph::new("hello"), f.area())).expect("a frame");
        let frame = rx.try_recv().expect("one message per frame");
        assert!(String::from_utf8_lossy(&frame).contains("hello"));
        assert!(rx.try_recv().is_err(), "a frame is one message");
        assert_eq!(sent.load(Ordering::Relaxed), frame.len() as u64);

        // A frame where nothing changed sends nothing.
        terminal.draw(|f| f.render_widget(Paragraph::new("hello"), f.area())).expect("a frame");
        assert!(rx.try_recv().is_err(), "an unchanged frame is not sent");

        size.set(140, 40);
        let frame = terminal.draw(|f| f.render_widget(Paragraph::new("wider"), f.area())).expect("a frame");
        assert_eq!(frame.area.width, 140);
        assert_eq!(frame.area.height, 40);
    }

    #[test]
    fn a_closed_channel_is_a_broken_pipe() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        drop(rx);
        let mut w = ChannelWriter::new(tx, Arc::new(AtomicU64::new(0)));
        w.write_all(b"x").expect("buffered");
        assert_eq!(w.flush().expect_err("closed").kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn wire_sizes_are_clamped() {
        assert_eq!(cells(0, 80), 80);
        assert_eq!(cells(120, 80), 120);
        assert_eq!(cells(1 << 20, 80), u16::MAX);
    }
}
