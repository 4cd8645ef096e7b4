//! What one client can hold of the server, and for how long: deadlines for the handshake and the
//! sign-in, caps on connections that have not signed in (all of them, and per address), how long a
//! session's screen output may stay blocked, and the largest terminal size taken from a client.
//!
//! Unauthenticated connections are counted apart from sessions, so that connections which never sign
//! in cannot take the places of people who do.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Shutdown};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;

/// The widest terminal a client gets: a wider `pty-req` or `window-change` is clamped to this.
pub const MAX_COLUMNS: u16 = 1000;
/// The tallest terminal a client gets.
pub const MAX_ROWS: u16 = 500;

/// Deadlines and caps for what clients hold. [`Limits::default`] is what `georep ssh` uses.
#[derive(Clone, Debug)]
pub struct Limits {
    /// How long a new connection may take to send its SSH version line.
    pub handshake: Duration,
    /// How long a connection may take from being accepted to being signed in (OpenSSH's
    /// LoginGraceTime). Past it, its socket is closed.
    pub login_grace: Duration,
    /// Connections not signed in yet, all addresses together; more are closed at once.
    pub max_unauthenticated: usize,
    /// Connections not signed in yet from one IP address; more from it are closed at once.
    pub max_unauthenticated_per_address: usize,
    /// How long a session's screen output may stay blocked (its client reads nothing) before the
    /// session is closed.
    pub stall: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            handshake: Duration::from_secs(10),
            login_grace: Duration::from_secs(60),
            max_unauthenticated: 32,
            max_unauthenticated_per_address: 8,
            stall: Duration::from_secs(60),
        }
    }
}

/// What the server has refused or cut so far, and the screen output waiting for slow clients.
#[derive(Debug, Default)]
pub struct Counters {
    /// Connections closed at once: over a cap.
    pub refused: AtomicU64,
    /// Connections closed because they did not finish the handshake or sign in in time.
    pub timed_out: AtomicU64,
    /// Sessions closed because their client read nothing for [`Limits::stall`].
    pub stalled: AtomicU64,
    /// Bytes of screen output written by consoles and not yet taken by the SSH channel, all
    /// sessions together (at most one frame and the one being sent, per session).
    pub queued: AtomicU64,
    /// The most [`Counters::queued`] has been.
    pub peak_queued: AtomicU64,
}

/// A copy of [`Counters`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub refused: u64,
    pub timed_out: u64,
    pub stalled: u64,
    pub queued: u64,
    pub peak_queued: u64,
}

impl Counters {
    pub fn snapshot(&self) -> Stats {
        Stats {
            refused: self.refused.load(Ordering::Relaxed),
            timed_out: self.timed_out.load(Ordering::Relaxed),
            stalled: self.stalled.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed),
            peak_queued: self.peak_queued.load(Ordering::Relaxed),
        }
    }

    /// `n` more bytes queued.
    pub fn queue(&self, n: usize) {
        let now = self.queued.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        self.peak_queued.fetch_max(now, Ordering::Relaxed);
    }

    /// `n` queued bytes gone (sent, replaced or dropped).
    pub fn unqueue(&self, n: usize) {
        self.queued.fetch_sub(n as u64, Ordering::Relaxed);
    }
}

/// The connections that have not signed in yet, per address.
#[derive(Debug)]
pub struct Unauthenticated {
    max: usize,
    per_address: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// Why a new connection was closed at once.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    TooManyUnauthenticated,
    TooManyFromAddress,
}

impl Unauthenticated {
    pub fn new(limits: &Limits) -> Arc<Self> {
        Arc::new(Unauthenticated {
            max: limits.max_unauthenticated.max(1),
            per_address: limits.max_unauthenticated_per_address.max(1),
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// A place for a new connection from `ip`, held until it signs in or goes.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Pending, Refusal> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.values().sum::<usize>() >= self.max {
            return Err(Refusal::TooManyUnauthenticated);
        }
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.per_address {
            return Err(Refusal::TooManyFromAddress);
        }
        *n += 1;
        Ok(Pending { of: Some((self.clone(), ip)) })
    }

    /// Connections not signed in now.
    pub fn count(&self) -> usize {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).values().sum()
    }

    fn release(&self, ip: IpAddr) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&ip);
            }
        }
    }
}

/// A connection's place among the unauthenticated ones; given back on sign-in or when dropped.
#[derive(Debug)]
pub struct Pending {
    of: Option<(Arc<Unauthenticated>, IpAddr)>,
}

impl Pending {
    /// Signed in: the place is free for someone else.
    pub fn release(&mut self) {
        if let Some((of, ip)) = self.of.take() {
            of.release(ip);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.release();
    }
}

/// A second handle on a connection's socket, to close it from outside whatever holds the stream (the
/// SSH library runs each connection in a task of its own, which dropping its handle does not stop).
#[derive(Debug)]
pub struct Cut(std::net::TcpStream);

impl Cut {
    /// The stream to serve, and the handle that can cut it.
    pub fn new(tcp: TcpStream) -> io::Result<(TcpStream, Cut)> {
        let std = tcp.into_std()?;
        let cut = std.try_clone()?;
        Ok((TcpStream::from_std(std)?, Cut(cut)))
    }

    /// Shuts the socket down both ways: the reader sees the end, writes fail, the peer sees it close.
    pub fn cut(&self) {
        let _ = self.0.shutdown(Shutdown::Both);
    }
}

/// A terminal dimension from the wire (u32): 0 (a client that does not know) is `fallback`, more than a
/// terminal can be (above u16) is ignored (`fallback` too), anything else is clamped to `max`.
pub fn clamp_cells(n: u32, fallback: u16, max: u16) -> u16 {
    match u16::try_from(n) {
        Ok(0) | Err(_) => fallback,
        Ok(n) => n.min(max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthenticated_places_per_address_and_in_all() {
        let limits = Limits { max_unauthenticated: 3, max_unauthenticated_per_address: 2, ..Limits::default() };
        let u = Unauthenticated::new(&limits);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let mut a1 = u.admit(a).expect("first from a");
        let _a2 = u.admit(a).expect("second from a");
        assert_eq!(u.admit(a).unwrap_err(), Refusal::TooManyFromAddress);
        let _b1 = u.admit(b).expect("first from b");
        assert_eq!(u.admit(b).unwrap_err(), Refusal::TooManyUnauthenticated);
        a1.release();
        assert_eq!(u.count(), 2);
        let _b2 = u.admit(b).expect("a place freed by a sign-in");
        drop(_b1);
        assert_eq!(u.count(), 2);
    }

    #[test]
    fn wire_sizes_are_clamped_and_absurd_ones_ignored() {
        assert_eq!(clamp_cells(0, 80, MAX_COLUMNS), 80);
        assert_eq!(clamp_cells(120, 80, MAX_COLUMNS), 120);
        assert_eq!(clamp_cells(65535, 80, MAX_COLUMNS), MAX_COLUMNS);
        assert_eq!(clamp_cells(65535, 24, MAX_ROWS), MAX_ROWS);
        assert_eq!(clamp_cells(1 << 20, 80, MAX_COLUMNS), 80);
        assert_eq!(clamp_cells(u32::MAX, 24, MAX_ROWS), 24);
    }
}
