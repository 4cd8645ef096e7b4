//! When a georep process is asked to stop: SIGINT (Ctrl-C, or `kill -INT`), SIGTERM, or SIGHUP (its
//! terminal closed). One rule for the console, `georep serve` and `georep ssh`, so that each of them
//! shuts down in order (restoring terminals, stopping redis-servers) whichever of these arrives.
//!
//! The signals are caught once for the whole process, by a listener thread that lives as long as it,
//! and latched: a stop that arrives between two waits (`georep serve` waits once while it starts and
//! again while it serves) is not lost, and every later [`stop_requested`] returns at once. (Tokio drops
//! a signal that arrives while no `Signal` stream exists, once its handler is installed.)

use std::sync::OnceLock;

use tokio::sync::watch;

/// `true` once a stop signal has arrived; `None` when the signals cannot be caught here.
fn latch() -> Option<&'static watch::Sender<bool>> {
    static LATCH: OnceLock<Option<watch::Sender<bool>>> = OnceLock::new();
    LATCH.get_or_init(start_listener).as_ref()
}

/// Starts the listener thread; returns once it catches the signals (so that none sent after the first
/// [`stop_requested`] is missed).
fn start_listener() -> Option<watch::Sender<bool>> {
    let (tx, _) = watch::channel(false);
    let latch = tx.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("georep-signals".into()).spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let Ok(runtime) = runtime else {
            let _ = ready_tx.send(false);
            return;
        };
        runtime.block_on(async move {
            let Some(mut caught) = caught() else {
                let _ = ready_tx.send(false);
                return;
            };
            let _ = ready_tx.send(true);
            caught.next().await;
            // send_replace: kept even when nobody waits at this moment.
            latch.send_replace(true);
        });
    });
    if spawned.is_err() || !ready_rx.recv().unwrap_or(false) {
        return None;
    }
    Some(tx)
}

#[cfg(unix)]
struct Caught(tokio::signal::unix::Signal, tokio::signal::unix::Signal, tokio::signal::unix::Signal);

#[cfg(unix)]
fn caught() -> Option<Caught> {
    use tokio::signal::unix::{SignalKind, signal};
    let (int, term, hup) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()));
    Some(Caught(int.ok()?, term.ok()?, hup.ok()?))
}

#[cfg(unix)]
impl Caught {
    async fn next(&mut self) {
        tokio::select! {
            _ = self.0.recv() => {}
            _ = self.1.recv() => {}
            _ = self.2.recv() => {}
        }
    }
}

#[cfg(not(unix))]
struct Caught;

#[cfg(not(unix))]
fn caught() -> Option<Caught> {
    Some(Caught)
}

#[cfg(not(unix))]
impl Caught {
    async fn next(&mut self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
    }
}

/// Resolves when the process is asked to stop (or has been, before this was called).
pub async fn stop_requested() {
    match latch() {
        Some(latch) => {
            let _ = latch.subscribe().wait_for(|stop| *stop).await;
        }
        // No handlers: the default actions stay, and this never resolves.
        None => std::future::pending::<()>().await,
    }
}
