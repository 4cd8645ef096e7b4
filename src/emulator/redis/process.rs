//! `redis-server` children: one per shard, on a free loopback port, with a data directory of its own,
//! in the foreground (`--daemonize no`) so that georep owns the process: it sees it exit, stops it, and
//! reaps it (no zombies).
//!
//! On Linux every child is started with `PR_SET_PDEATHSIG` (SIGKILL): it dies with georep even when
//! georep is killed with SIGKILL. The signal follows the *thread* that forked the child, so children
//! are forked by one dedicated spawner thread that lives as long as the process (see [`spawn`]).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use crate::emulator::live::Endpoint;

/// The Debian (and Ubuntu) package that ships `redis-server`.
pub const PACKAGE: &str = "redis-server";

/// How long a new server may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Ports tried before giving up (another process can take a free port before redis-server binds it).
const PORT_ATTEMPTS: usize = 5;
/// How long a stopping server may take to exit after SIGTERM before it gets SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(
        "redis-server was not found ('{binary}' is not on PATH): --data-plane redis runs real redis-server processes; install the {PACKAGE} package (apt-get install {PACKAGE}), or name the binary with --redis-server PATH"
    )]
    Missing { binary: String },
    #[error("'{binary}' does not run as redis-server: {why}")]
    NotRedis { binary: String, why: String },
    #[error("cannot start redis-server in {dir}: {why}")]
    Start { dir: PathBuf, why: String },
}

/// Checks that `binary` runs and is redis-server; returns its version line.
pub fn check(binary: &Path) -> Result<String, ProcessError> {
    let name = binary.display().to_string();
    let out = match Command::new(binary).arg("--version").stdin(Stdio::null()).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ProcessError::Missing { binary: name }),
        Err(e) => return Err(ProcessError::NotRedis { binary: name, why: e.to_string() }),
    };
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || !text.starts_with("Redis server") {
        let why = if text.is_empty() { out.status.to_string() } else { text };
        return Err(ProcessError::NotRedis { binary: name, why });
    }
    Ok(text)
}

/// A redis-server child process.
#[derive(Debug)]
pub struct RedisServer {
    pub endpoint: Endpoint,
    pub dir: PathBuf,
    pid: u32,
    /// `None` once reaped.
    child: Mutex<Option<Child>>,
    /// How it ended, once it has.
    ended: Mutex<Option<String>>,
}

impl RedisServer {
    /// Starts redis-server with its data in `dir` (created if needed) on a free loopback port, and waits
    /// until it answers as the process just started.
    pub async fn start(binary: &Path, dir: &Path) -> Result<Self, ProcessError> {
        let fail = |why: String| ProcessError::Start { dir: dir.to_path_buf(), why };
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port().map_err(|e| fail(format!("no free loopback port: {e}")))?;
            let stderr = File::create(dir.join("stderr.log")).map_err(|e| fail(e.to_string()))?;
            let mut cmd = Command::new(binary);
            cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--daemonize", "no"])
                .arg("--dir")
                .arg(dir)
                .args(["--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no"])
                // Disk-based sync: the replica learns the snapshot's size before it arrives, so a link's
                // progress is bytes read over a known total.
                .args(["--repl-diskless-sync", "no", "--repl-diskless-load", "disabled"])
                .args(["--protected-mode", "yes", "--loglevel", "notice"])
                .arg("--logfile")
                .arg(dir.join("redis.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr);
            let child = spawn(cmd).await.map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    fail(ProcessError::Missing { binary: binary.display().to_string() }.to_string())
                }
                _ => fail(e.to_string()),
            })?;
            let server = RedisServer {
                endpoint: Endpoint { host: "127.0.0.1".into(), port },
                dir: dir.to_path_buf(),
                pid: child.id(),
                child: Mutex::new(Some(child)),
                ended: Mutex::new(None),
            };
            match server.wait_ready().await {
                Ok(()) => return Ok(server),
                Err(why) => {
                    server.stop_async().await;
                    let in_use = why.contains("Address already in use");
                    last = why;
                    if !in_use {
                        break;
                    }
                }
            }
        }
        Err(fail(last))
    }

    /// Waits until the server answers `INFO server` with its own pid (a server that lost the port race
    /// exits, and another one may answer on that port).
    async fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let url = format!("redis://{}/", self.endpoint);
        let client = redis::Client::open(url.as_str()).map_err(|e| e.to_string())?;
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_secs(1)));
        loop {
            if let Some(how) = self.exited() {
                return Err(format!("redis-server exited at start ({how}): {}", self.log_tail()));
            }
            if let Ok(mut conn) = client.get_multiplexed_async_connection_with_config(&config).await {
                let text: redis::RedisResult<String> = redis::cmd("INFO").arg("server").query_async(&mut conn).await;
                if let Ok(text) = text {
                    let pid = text.lines().find_map(|l| l.trim().strip_prefix("process_id:")?.parse::<u32>().ok());
                    if pid == Some(self.pid) {
                        return Ok(());
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "redis-server did not answer on {} within {}s: {}",
                    self.endpoint,
                    START_TIMEOUT.as_secs(),
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// How the process ended, if it has (reaping it); `None` while it runs. Never blocks.
    pub fn exited(&self) -> Option<String> {
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        if ended.is_some() {
            return ended.clone();
        }
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let status = match child.as_mut().map(Child::try_wait) {
            Some(Ok(Some(status))) => describe(status),
            Some(Ok(None)) => return None,
            Some(Err(e)) => format!("cannot be waited for: {e}"),
            None => "stopped by georep".into(),
        };
        *child = None;
        *ended = Some(status);
        ended.clone()
    }

    /// Asks the process to stop (SIGTERM) without waiting.
    pub fn terminate(&self) {
        let child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = child.as_ref() {
            send_sigterm(c);
        }
    }

    /// Waits up to `deadline` for the process to exit, then kills it (SIGKILL), and reaps it.
    pub fn reap(&self, deadline: Instant) {
        // Taken out, so the lock is not held while waiting (and never held with `ended`'s in this order).
        let taken = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(mut c) = taken else { return };
        while Instant::now() < deadline {
            if let Ok(Some(_)) | Err(_) = c.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Ok(None) = c.try_wait() {
            let _ = c.kill();
        }
        let _ = c.wait();
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        ended.get_or_insert_with(|| "stopped by georep".into());
    }

    /// [`RedisServer::stop`] without blocking the async runtime.
    pub async fn stop_async(&self) {
        self.terminate();
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline && self.exited().is_none() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Exited (reaped, quick) or past the grace period (SIGKILL, then a short wait).
        self.reap(Instant::now());
    }

    /// Stops the process and reaps it: SIGTERM, then SIGKILL after [`STOP_GRACE`]. Blocks: call it off
    /// the async runtime (or use [`RedisServer::stop_async`]).
    pub fn stop(&self) {
        self.terminate();
        self.reap(Instant::now() + STOP_GRACE);
    }

    /// The last lines the server logged, for error messages.
    pub fn log_tail(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        for name in ["stderr.log", "redis.log"] {
            lines.extend(tail(&self.dir.join(name), 2048).lines().map(str::to_string).filter(|l| !l.trim().is_empty()));
        }
        let start = lines.len().saturating_sub(4);
        match lines[start..].join(" | ") {
            s if s.is_empty() => "nothing logged".into(),
            s => s,
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => status.to_string(),
    }
}

#[cfg(unix)]
fn send_sigterm(child: &Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) has no memory effects; the pid is our own child, not yet reaped (we hold it),
        // so it cannot name another process.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
}

#[cfg(not(unix))]
fn send_sigterm(_: &Child) {}

type SpawnRequest = (Command, tokio::sync::oneshot::Sender<std::io::Result<Child>>);

/// Starts `cmd` from the spawner thread, which never ends, so that the child's parent-death signal
/// (Linux) fires when georep ends and not when some runtime thread does.
pub async fn spawn(mut cmd: Command) -> std::io::Result<Child> {
    die_with_parent(&mut cmd);
    static SPAWNER: OnceLock<Result<Mutex<mpsc::Sender<SpawnRequest>>, String>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("georep-spawner".into())
            .spawn(move || {
                // The sender lives in a static: this loop runs as long as the process.
                while let Ok((mut cmd, reply)) = rx.recv() {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .map(|_| Mutex::new(tx))
            .map_err(|e| e.to_string())
    });
    let spawner = spawner.as_ref().map_err(|e| std::io::Error::other(format!("no spawner thread: {e}")))?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    spawner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((cmd, reply))
        .map_err(|_| std::io::Error::other("the spawner thread has stopped"))?;
    answer.await.map_err(|_| std::io::Error::other("the spawner thread has stopped"))?
}

/// Linux: the child gets SIGKILL when the thread that forked it ends (the spawner's: the process).
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = libc::pid_t::try_from(std::process::id()).unwrap_or(0);
    // SAFETY: runs in the child between fork and exec, and calls only prctl(2) and getppid(2), which
    // are async-signal-safe; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl: then nobody would ever signal this child. (No
            // allocation here: an OS error code, not a message.)
            if libc::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_: &mut Command) {}

/// A loopback port nobody listens on now.
fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// The last `max` bytes of a file, as text.
fn tail(path: &Path, max: u64) -> String {
    let Ok(mut f) = File::open(path) else { return String::new() };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(max)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_names_the_package() {
        let err = check(Path::new("/nonexistent/redis-server")).unwrap_err().to_string();
        assert!(err.contains("apt-get install redis-server"), "{err}");
        assert!(err.contains("--redis-server"), "{err}");
    }

    #[test]
    fn a_binary_that_is_not_redis_is_refused() {
        let err = check(Path::new("true")).unwrap_err().to_string();
        assert!(err.contains("does not run as redis-server"), "{err}");
    }
}
