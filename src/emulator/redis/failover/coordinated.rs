//! The hand-over of a single-shard pair by Redis's own `FAILOVER TO <secondary> TIMEOUT <ms>`, sent to
//! the primary on its kept connection. It is the same protocol as the all-shards one, inside the
//! server: writes paused (`CLIENT PAUSE WRITE`), wait until the secondary has acknowledged the whole
//! replication stream (bounded by the timeout: then the failover is aborted and writes resume), the
//! primary turns replica, asks the secondary to take over (`PSYNC FAILOVER`, which continues the
//! stream: no full resync), and unpauses. Paused writes are then answered by a replica: `-READONLY
//! You can't write against a read only replica.`; none is lost.
//!
//! The command only starts the failover; its end is read from the primary's `INFO replication`
//! (`master_failover_state`, `role`, `master_host`/`master_port`).
//!
//! Only for a quiet link. Redis 7 decides that the secondary has caught up from the offset the
//! secondary last acknowledged, and a replica acknowledges once a second (Redis sends no `GETACK`
//! while writes are paused): with writes flowing, `FAILOVER` holds them for up to a second (measured:
//! 0.5 to 0.6 s for the slowest write, against 6 to 11 ms with the all-shards protocol, which reads
//! the secondary's own offset). So it is used when the primary's last measure (its node's monitor)
//! shows the secondary had acknowledged the whole stream; otherwise the all-shards protocol runs.

use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use super::super::info;
use super::super::link::{Job, Pair};
use super::super::node::IO_TIMEOUT;
use super::send_first;
use crate::emulator::data_plane::Progress;

/// How often the primary is asked whether the failover has ended (it usually takes under a
/// millisecond); each look is one `INFO replication` round trip.
const POLL: Duration = Duration::from_millis(1);

/// How a `FAILOVER` ended.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// The secondary is the primary, the old primary replicates it.
    Done,
    /// Started and abandoned by Redis (or aborted by georep): nothing changed, writes resumed.
    Abandoned(String),
    /// Not started (the primary refused the command, or could not be reached): nothing changed,
    /// nothing was paused; the all-shards protocol can still be tried.
    Refused(String),
}

/// Where the primary stands, from its `INFO replication`.
#[derive(Debug, PartialEq)]
enum State {
    Running,
    Primary,
    Follows { host: String, port: u16 },
}

fn state(text: &str) -> State {
    let failover = text.lines().find_map(|l| l.trim().strip_prefix("master_failover_state:"));
    if failover.is_some_and(|s| s != "no-failover") {
        return State::Running;
    }
    let i = info::parse(text);
    match (i.replica, i.master_host, i.master_port) {
        (true, Some(host), Some(port)) => State::Follows { host, port },
        _ => State::Primary,
    }
}

async fn read_state(conn: &mut MultiplexedConnection) -> Option<State> {
    let mut cmd = redis::cmd("INFO");
    cmd.arg("replication");
    match tokio::time::timeout(IO_TIMEOUT, cmd.query_async::<String>(conn)).await {
        Ok(Ok(text)) => Some(state(&text)),
        _ => None,
    }
}

/// Whether the primary's last measure shows the secondary online with the whole stream acknowledged
/// (why not, if not).
fn quiet(pair: &Pair) -> Result<(), String> {
    let info = pair.primary.status().info.ok_or("the primary has not been measured yet")?;
    let target = &pair.secondary.endpoint;
    let f = info.followers.iter().find(|f| f.host == target.host && f.port == target.port);
    let f = f.ok_or_else(|| format!("{target} is not among the primary's replicas"))?;
    let offset = info.master_repl_offset.unwrap_or(0);
    match (f.online, offset.saturating_sub(f.acked)) {
        (false, _) => Err(format!("{target} is not online")),
        (true, 0) => Ok(()),
        (true, behind) => Err(format!("writes are flowing ({behind} bytes not yet acknowledged)")),
    }
}

/// Runs the failover of `pair` by `FAILOVER`, waiting at most `timeout` for the secondary to catch up.
pub async fn run(job: &Job, pair: &Pair, timeout: Duration) -> Outcome {
    let (p, s) = (&pair.primary, &pair.secondary);
    if let Err(why) = quiet(pair) {
        return Outcome::Refused(format!("not by FAILOVER: {why}"));
    }
    let mut cmd = redis::cmd("FAILOVER");
    let millis = timeout.as_millis().clamp(1, u64::MAX as u128) as u64;
    cmd.arg("TO").arg(&s.endpoint.host).arg(s.endpoint.port).arg("TIMEOUT").arg(millis);
    let mut conn = match send_first::<()>(p, &cmd).await {
        Ok((conn, ())) => conn,
        Err(e) => return Outcome::Refused(format!("FAILOVER on {}: {e}", p.label())),
    };
    job.set(Progress::Unlinking { fraction: 0.25 });
    let started = Instant::now();
    // Redis ends the failover by itself within `timeout` (and the hand-over after it); an answer that
    // stops coming for longer than that is georep's to end.
    let until = started + timeout + IO_TIMEOUT;
    let ours = |host: &str, port: u16| host == s.endpoint.host && port == s.endpoint.port;
    loop {
        // Not at once: the hand-over takes a few server round trips, and an INFO in the middle of them
        // would only slow the primary down.
        tokio::time::sleep(POLL).await;
        match read_state(&mut conn).await {
            Some(State::Follows { host, port }) if ours(&host, port) => return Outcome::Done,
            Some(State::Running) | None if Instant::now() < until => {}
            Some(State::Running) | None => break,
            Some(State::Primary) => return Outcome::Abandoned(abandoned(pair, timeout, started.elapsed())),
            Some(State::Follows { host, port }) => {
                return Outcome::Abandoned(format!(
                    "{} follows {host}:{port}, not {}, after FAILOVER",
                    p.label(),
                    s.endpoint
                ));
            }
        }
    }
    let mut abort = redis::cmd("FAILOVER");
    abort.arg("ABORT");
    let aborted = tokio::time::timeout(IO_TIMEOUT, abort.query_async::<()>(&mut conn)).await;
    // It may have ended between the last look and the abort.
    match read_state(&mut conn).await {
        Some(State::Follows { host, port }) if ours(&host, port) => Outcome::Done,
        _ => Outcome::Abandoned(match aborted {
            Ok(Ok(())) => format!("{} did not end its FAILOVER within {} s: aborted", p.label(), secs(until - started)),
            _ => format!("{} stopped answering during its FAILOVER", p.label()),
        }),
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Why Redis gave the failover up: the timeout passed (the secondary did not acknowledge the whole
/// stream in time), or earlier (the secondary refused to take over).
fn abandoned(pair: &Pair, timeout: Duration, after: Duration) -> String {
    let (p, s) = (pair.primary.label(), pair.secondary.label());
    if after >= timeout {
        format!("{s} did not catch up with {p} within {} s (Redis FAILOVER timed out)", secs(timeout))
    } else {
        format!(
            "{s} did not take over from {p} (Redis abandoned the FAILOVER after {:.0} ms)",
            after.as_secs_f64() * 1e3
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_of_a_failover_from_info() {
        let running =
            "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nmaster_failover_state:waiting-for-sync\r\n";
        assert_eq!(state(running), State::Running);
        let progress =
            "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7001\r\nmaster_failover_state:failover-in-progress\r\n";
        assert_eq!(state(progress), State::Running);
        let done = "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7001\r\nmaster_link_status:up\r\nmaster_failover_state:no-failover\r\n";
        assert_eq!(state(done), State::Follows { host: "127.0.0.1".into(), port: 7001 });
        assert_eq!(state("role:master\r\nmaster_failover_state:no-failover\r\n"), State::Primary);
    }
}
