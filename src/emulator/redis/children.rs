//! The record of the redis-servers a run started (`<state file>.redis-children.json`, next to the
//! state file), so that the next run on the same state can stop what a `kill -9` left running.
//!
//! On Linux children die with georep anyway (see [`super::process`]); the record covers the rest: other
//! systems, and a child that outlived its parent some other way. A recorded pid is signalled only after
//! checking that it is still that redis-server: `/proc/PID/cmdline` names the binary and
//! `--port <recorded port>`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What a run recorded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The run's data directory (`georep-redis-*`), removed with its survivors.
    pub dir: Option<PathBuf>,
    pub children: Vec<RecordedChild>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedChild {
    pub pid: u32,
    pub port: u16,
}

/// Where the record of the redis-servers of an emulator on `state_file` goes.
pub fn record_path(state_file: &Path) -> PathBuf {
    let name = state_file.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    state_file.with_file_name(format!("{name}.redis-children.json"))
}

/// Writes the record (atomically: a crash leaves the old one or the new one).
pub fn write(path: &Path, record: &Record) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Stops what the previous run recorded in `path` and still runs, removes its data directory and the
/// record. Blocking (it waits for the survivors to exit): call it off the async runtime.
/// Returns the pids stopped.
pub fn stop_survivors(path: &Path, binary: &Path) -> Result<Vec<u32>, String> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let record: Record = serde_json::from_slice(&text).map_err(|e| {
        format!("{} is not a record of redis-servers ({e}): remove it if no georep runs on this state", path.display())
    })?;
    let ours: Vec<RecordedChild> = record.children.iter().copied().filter(|c| is_our_server(*c, binary)).collect();
    for c in &ours {
        tracing::warn!(pid = c.pid, port = c.port, "stopping a redis-server left running by a previous run");
        signal(c.pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + super::process::STOP_GRACE;
    while Instant::now() < deadline && ours.iter().any(|c| is_our_server(*c, binary)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    for c in ours.iter().filter(|c| is_our_server(**c, binary)) {
        signal(c.pid, libc::SIGKILL);
    }
    // Only a directory georep made (its name says so) is removed.
    if let Some(dir) =
        record.dir.filter(|d| d.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("georep-redis-")))
        && let Err(e) = std::fs::remove_dir_all(&dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot remove a previous run's data directory");
    }
    std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
    Ok(ours.iter().map(|c| c.pid).collect())
}

/// Whether `child.pid` is, now, a running redis-server of `binary` on `child.port` (not a zombie, not a
/// process that took the pid since). Redis rewrites its command line to a title
/// (`redis-server 127.0.0.1:PORT`), so the port is looked for in both forms.
fn is_our_server(child: RecordedChild, binary: &Path) -> bool {
    let proc = PathBuf::from(format!("/proc/{}", child.pid));
    let Ok(stat) = std::fs::read_to_string(proc.join("stat")) else { return false };
    // `pid (comm) S ...`: the state follows the last ')'.
    if stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')) {
        return false;
    }
    let Ok(comm) = std::fs::read_to_string(proc.join("comm")) else { return false };
    // The kernel keeps the first 15 bytes of the executable's name.
    let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("redis-server");
    let short: String = name
        .chars()
        .scan(0, |len, c| {
            *len += c.len_utf8();
            (*len <= 15).then_some(c)
        })
        .collect();
    if comm.trim_end() != short {
        return false;
    }
    let Ok(cmdline) = std::fs::read(proc.join("cmdline")) else { return false };
    let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    let words: Vec<&str> = text.split_whitespace().collect();
    let port = child.port.to_string();
    words.windows(2).any(|w| w[0] == "--port" && w[1] == port)
        || words.iter().any(|w| w.rsplit_once(':').is_some_and(|(_, p)| p == port))
}

fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid)
        && pid > 0
    {
        // SAFETY: kill(2) has no memory effects; the pid was checked just before to be our redis-server.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}
