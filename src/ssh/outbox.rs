//! Between a session's console and its SSH channel: what the console has written and the channel has
//! not taken yet. Bounded: it holds at most one frame (a newer frame replaces an unsent one, see
//! [`super::pty_backend::PtyBackend`], which then sends a whole repaint) and the few bytes that set the
//! client's terminal up or give it back. A client that reads nothing therefore costs one frame and the
//! one being sent, however long the console goes on drawing.

use std::io;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::limits::Counters;

/// One session's outgoing screen bytes.
#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    ready: Notify,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct State {
    pending: Vec<u8>,
    /// The console's writer is gone: nothing more will come.
    writer_gone: bool,
    /// The channel is gone or blocked for good: nothing more is taken.
    shut: bool,
}

impl Outbox {
    pub fn new(counters: Arc<Counters>) -> Arc<Self> {
        Arc::new(Outbox { state: Mutex::new(State::default()), ready: Notify::new(), counters })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `bytes` after what is waiting, or instead of it when `replace` (a whole repaint, which
    /// makes every unsent frame useless). Fails once the channel is shut.
    pub fn push(&self, bytes: Vec<u8>, replace: bool) -> io::Result<()> {
        let mut s = self.state();
        if s.shut {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "the SSH channel is closed"));
        }
        if replace || s.pending.is_empty() {
            let old = std::mem::take(&mut s.pending);
            self.counters.unqueue(old.len());
            self.counters.queue(bytes.len());
            s.pending = bytes;
        } else {
            self.counters.queue(bytes.len());
            s.pending.extend_from_slice(&bytes);
        }
        drop(s);
        self.ready.notify_one();
        Ok(())
    }

    /// Whether the channel takes nothing more.
    pub fn is_shut(&self) -> bool {
        self.state().shut
    }

    /// Whether bytes are waiting that the channel has not taken.
    pub fn has_unsent(&self) -> bool {
        !self.state().pending.is_empty()
    }

    /// The waiting bytes, once there are some; `None` when the writer is gone and nothing is left.
    /// The caller calls [`Outbox::sent`] with their length once they are sent (or dropped).
    pub async fn take(&self) -> Option<Vec<u8>> {
        loop {
            let notified = self.ready.notified();
            {
                let mut s = self.state();
                if !s.pending.is_empty() {
                    return Some(std::mem::take(&mut s.pending));
                }
                if s.writer_gone || s.shut {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// `n` bytes from [`Outbox::take`] are sent or dropped.
    pub fn sent(&self, n: usize) {
        self.counters.unqueue(n);
    }

    /// The console's writer is gone.
    pub fn writer_gone(&self) {
        self.state().writer_gone = true;
        self.ready.notify_one();
    }

    /// The channel takes nothing more: what waits is dropped, later pushes fail.
    pub fn shut(&self) {
        let mut s = self.state();
        s.shut = true;
        let dropped = std::mem::take(&mut s.pending);
        self.counters.unqueue(dropped.len());
        drop(s);
        self.ready.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_repaint_replaces_what_waits_and_the_rest_is_appended() {
        let counters = Arc::new(Counters::default());
        let o = Outbox::new(counters.clone());
        o.push(b"setup".to_vec(), false).expect("queued");
        o.push(b"+frame".to_vec(), false).expect("queued");
        assert_eq!(counters.snapshot().queued, 11);
        o.push(b"repaint".to_vec(), true).expect("queued");
        assert_eq!(counters.snapshot().queued, 7);
        let taken = o.take().await.expect("bytes");
        assert_eq!(taken, b"repaint");
        assert!(!o.has_unsent());
        o.sent(taken.len());
        assert_eq!(counters.snapshot().queued, 0);
        assert_eq!(counters.snapshot().peak_queued, 11, "setup and frame; the repaint replaced them");
        o.writer_gone();
        assert_eq!(o.take().await, None);
    }

    #[tokio::test]
    async fn a_shut_outbox_drops_what_waits_and_refuses_more() {
        let counters = Arc::new(Counters::default());
        let o = Outbox::new(counters.clone());
        o.push(b"frame".to_vec(), false).expect("queued");
        o.shut();
        assert_eq!(counters.snapshot().queued, 0);
        assert_eq!(o.push(b"x".to_vec(), false).expect_err("shut").kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(o.take().await, None);
    }
}
