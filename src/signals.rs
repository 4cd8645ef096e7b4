//! When a georep process is asked to stop: SIGINT (Ctrl-C, or `kill -INT`), SIGTERM, or SIGHUP (its
//! terminal closed). One rule for the console, `georep serve` and `georep ssh`, so that each of them
//! shuts down in order (restoring terminals, stopping redis-servers) whichever of these arrives.

/// Resolves when the process is asked to stop.
pub async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup())) {
            (Ok(mut int), Ok(mut term), Ok(mut hup)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            }
            // No handlers: the default actions stay, and this never resolves.
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
    }
}
