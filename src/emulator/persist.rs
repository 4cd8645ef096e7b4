//! Writing the state file (`--state FILE`) off the async runtime.
//!
//! One writer thread per emulator holds the latest serialised state waiting to be written (a newer one
//! replaces an unwritten older one: writes coalesce) and writes it atomically ([`store::write_state_bytes`]:
//! temporary file, fsync, rename, fsync of the directory). Serialising happens under the state lock
//! (cheap); the disk is touched only by that thread, never with a lock held that requests wait on.
//!
//! What is durable when: a request that changes the state (link, unlink) is answered only after a
//! write of a state at least as new as its change has finished ([`Emulator::durable`]), so an answered
//! request survives a `kill -9` right after the answer. If that write fails (a full disk), the request
//! is answered 503 with an ARM error instead: nothing is acknowledged that the file does not hold. The
//! change stays in memory (the data plane has started it) and the next successful write carries it. Every answer waits, the same way, for the changes the operation driver
//! has made (phases, statuses; [`Emulator::settled`]): a client never sees a phase that a `kill -9`
//! could undo. Progress figures (percent, bytes) are written at most once a second, and not waited for.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Emulator;
use super::store::{self, State};

/// How often progress alone (no phase or status change) is written.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// A staged state: wait for it with [`Emulator::durable`]. `None`: nothing to wait for (no state file,
/// or the state could not be serialised).
#[must_use = "wait for the write with Emulator::durable before answering"]
pub(crate) struct Ticket(Option<u64>);

/// A serialised state waiting to be written.
struct Snapshot {
    version: u64,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct Slot {
    pending: Option<Snapshot>,
    closed: bool,
}

struct Shared {
    path: PathBuf,
    slot: Mutex<Slot>,
    wake: Condvar,
    /// The newest version handled (written, or failed and logged). `u64::MAX` once the thread has ended.
    handled: watch::Sender<u64>,
    /// The newest version written to the file, and why the last write that failed did.
    written: Mutex<(u64, Option<String>)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The writer of one state file; closing it (or dropping it) lets its thread write what is staged and end.
pub(crate) struct Writer {
    shared: Arc<Shared>,
    /// Each staged state gets the next number, under the state lock, so numbers follow the changes.
    version: AtomicU64,
    /// The newest version that changed more than progress figures: what any answer waits for.
    last_change: AtomicU64,
    last_staged: Mutex<Instant>,
}

impl Writer {
    pub fn start(path: PathBuf) -> std::io::Result<Self> {
        let (handled, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            path,
            slot: Mutex::new(Slot::default()),
            wake: Condvar::new(),
            handled,
            written: Mutex::new((0, None)),
        });
        let thread = shared.clone();
        std::thread::Builder::new().name("georep-state-writer".into()).spawn(move || run(&thread))?;
        Ok(Writer {
            shared,
            version: AtomicU64::new(0),
            last_change: AtomicU64::new(0),
            last_staged: Mutex::new(Instant::now()),
        })
    }

    /// Queues `bytes` as the newest state; `change`: more than progress figures changed.
    fn stage(&self, bytes: Vec<u8>, change: bool) -> Ticket {
        let version = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        if change {
            self.last_change.fetch_max(version, Ordering::SeqCst);
        }
        *lock(&self.last_staged) = Instant::now();
        let mut slot = lock(&self.shared.slot);
        if slot.closed {
            return Ticket(None);
        }
        if slot.pending.as_ref().is_none_or(|p| p.version < version) {
            slot.pending = Some(Snapshot { version, bytes });
        }
        drop(slot);
        self.shared.wake.notify_one();
        Ticket(Some(version))
    }

    /// Waits until the write of `ticket`'s state (or a newer one) was tried: `Err` with why when the
    /// file does not hold it.
    async fn durable(&self, ticket: Ticket) -> Result<(), String> {
        let Some(version) = ticket.0 else { return Ok(()) };
        let mut handled = self.shared.handled.subscribe();
        let _ = handled.wait_for(|v| *v >= version).await;
        let written = lock(&self.shared.written);
        match &written.1 {
            _ if written.0 >= version => Ok(()),
            Some(why) => Err(why.clone()),
            // The thread ended with the state staged after it closed: nothing holds it.
            None => Err("the state file is closed".into()),
        }
    }

    /// Stops taking new states; what is staged is still written.
    pub fn close(&self) {
        lock(&self.shared.slot).closed = true;
        self.shared.wake.notify_one();
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

/// The writer thread: writes the newest staged state until closed and drained.
fn run(shared: &Shared) {
    /// Whatever ends the thread, waiters are released.
    struct Released<'a>(&'a watch::Sender<u64>);
    impl Drop for Released<'_> {
        fn drop(&mut self) {
            self.0.send_replace(u64::MAX);
        }
    }
    let _released = Released(&shared.handled);
    loop {
        let snapshot = {
            let mut slot = lock(&shared.slot);
            loop {
                if let Some(s) = slot.pending.take() {
                    break s;
                }
                if slot.closed {
                    return;
                }
                slot = shared.wake.wait(slot).unwrap_or_else(|e| e.into_inner());
            }
        };
        match store::write_state_bytes(&shared.path, &snapshot.bytes) {
            Ok(()) => lock(&shared.written).0 = snapshot.version,
            Err(e) => {
                tracing::error!(error = %e, "persisting state failed");
                lock(&shared.written).1 = Some(e.to_string());
            }
        }
        shared.handled.send_replace(snapshot.version);
    }
}

impl Emulator {
    /// Queues the state for the state file (when there is one). Call with the state locked, right after
    /// changing it; then, with the lock released, [`Emulator::durable`] before answering.
    pub(crate) fn stage(&self, state: &State) -> Ticket {
        self.stage_as(state, true)
    }

    /// Queues a state in which only progress figures changed (not waited for by [`Emulator::settled`]).
    pub(crate) fn stage_progress(&self, state: &State) {
        let _ = self.stage_as(state, false);
    }

    fn stage_as(&self, state: &State, change: bool) -> Ticket {
        let Some(writer) = &self.inner.writer else { return Ticket(None) };
        match serde_json::to_vec(state) {
            Ok(bytes) => writer.stage(bytes, change),
            Err(e) => {
                tracing::error!(error = %e, "serialising state failed");
                Ticket(None)
            }
        }
    }

    /// Waits until the state file holds the staged state (or a newer one): `Err` with why when the
    /// write failed.
    pub(crate) async fn durable(&self, ticket: Ticket) -> Result<(), String> {
        match &self.inner.writer {
            Some(writer) => writer.durable(ticket).await,
            None => Ok(()),
        }
    }

    /// Waits until every change staged so far (a phase, a status: not progress figures) is in the state
    /// file: an answer never shows a change that a `kill -9` could still undo. Immediate when there is
    /// nothing to wait for.
    pub(crate) async fn settled(&self) {
        if let Some(writer) = &self.inner.writer {
            let version = writer.last_change.load(Ordering::SeqCst);
            // A failed write was logged and answered by the request that made the change.
            let _ = writer.durable(Ticket((version > 0).then_some(version))).await;
        }
    }

    /// Whether progress alone is worth writing now.
    pub(crate) fn progress_due(&self) -> bool {
        self.inner.writer.as_ref().is_some_and(|w| lock(&w.last_staged).elapsed() >= PROGRESS_EVERY)
    }
}
