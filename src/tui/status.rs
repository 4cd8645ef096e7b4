//! Whether the backend answers, and the one error banner: what the header and the banner say.

use std::time::Duration;

use crate::client::ClientError;

/// The backend as the poller last found it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Connection {
    #[default]
    Connecting,
    Live,
    /// Polls fail; the data on screen is from `last_ok` (console clock), if ever.
    Unreachable {
        last_ok: Option<Duration>,
        retry_at: Duration,
        error: String,
    },
}

/// An error shown as a banner until it clears or is dismissed: the backend cannot be polled.
#[derive(Clone, Debug, PartialEq)]
pub struct Banner {
    pub dismissed: bool,
}

/// A backend error in plain words, naming where the console is connected.
pub fn plain(e: &ClientError, backend: &str) -> String {
    match e {
        // "cannot reach http://127.0.0.1:18080 (connection refused)": where, and why, in a few words.
        ClientError::Transport { .. } | ClientError::Timeout { .. } => e.to_string(),
        ClientError::OperationTimeout { .. } | ClientError::InvalidName(_) => e.to_string(),
        ClientError::Arm { status: 401 | 403, message, .. } => format!("{backend} refused the credentials: {message}"),
        ClientError::Arm { status: 429, .. } => format!("{backend} is throttling requests"),
        ClientError::Arm { status, message, .. } if *status >= 500 => {
            format!("{backend} failed to answer (HTTP {status}): {message}")
        }
        ClientError::Arm { message, .. } => message.clone(),
        ClientError::Decode(_) => format!("{backend}'s answer could not be read"),
        ClientError::Config(m) | ClientError::Auth(m) => m.clone(),
    }
}

/// `12 s`, `3 min`, `2 h`.
pub fn ago(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}

impl Connection {
    /// The banner's text, while the backend cannot be reached.
    pub fn banner_text(&self, now: Duration) -> Option<String> {
        let Connection::Unreachable { last_ok, retry_at, error } = self else { return None };
        let data = match last_ok {
            Some(at) => format!("showing data from {} ago", ago(now.saturating_sub(*at))),
            None => "nothing loaded yet".to_string(),
        };
        let retry = retry_at.saturating_sub(now);
        let retry =
            if retry.as_secs() == 0 { "retrying now".to_string() } else { format!("retrying in {}", ago(retry)) };
        Some(format!("{error}; {data}; {retry}"))
    }

    /// The header's word on the backend and on how fresh the data on screen is: live data is at most
    /// one poll old (`every`), stale data says from when it is (`since`: the wall-clock time of the
    /// last answer, as `14:03:27`).
    pub fn header(&self, every: Option<Duration>, since: Option<String>) -> String {
        match self {
            Connection::Connecting => "connecting…".into(),
            Connection::Live => match every {
                Some(every) => format!("● live, every {}", ago(every)),
                None => "● live".into(),
            },
            Connection::Unreachable { .. } => match since {
                Some(at) => format!("⚠ unreachable, data from {at}"),
                None => "⚠ unreachable".into(),
            },
        }
    }

    /// Console clock of the last answer, while unreachable.
    pub fn last_ok(&self) -> Option<Duration> {
        match self {
            Connection::Unreachable { last_ok, .. } => *last_ok,
            _ => None,
        }
    }
}
