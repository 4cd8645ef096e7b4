//! The console's configuration file: key bindings, theme colours, the default endpoint and poll
//! intervals.
//!
//! Read from `--config FILE`, else `$XDG_CONFIG_HOME/georep/config.toml` (`~/.config/georep/config.toml`).
//! A missing default file means the defaults; a missing `--config FILE` is an error. The file is checked
//! whole before anything uses it: an unknown table or field, a bad key, colour or duration, or two
//! commands on one key is an error naming the file, line and column, and nothing of the file applies.

mod default;
mod style;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ratatui::style::Style;
use serde::Deserialize;
use toml::Spanned;

use crate::tui::command::{Command, KeyBinding, Keymap, KeymapError};
use crate::tui::tasks::PollIntervals;
use crate::tui::theme::Theme;

pub use default::default_file;
use style::StyleSpec;

/// Poll intervals the file may set: from 100 ms (gentle on the backend) to 10 minutes (the console
/// must still notice a link finish).
pub const POLL_MIN: Duration = Duration::from_millis(100);
pub const POLL_MAX: Duration = Duration::from_secs(600);

/// A checked configuration: everything in it is usable.
#[derive(Clone, Debug, Default)]
pub struct Config {
    source: Option<PathBuf>,
    keymap: Keymap,
    theme: Vec<(&'static str, Style)>,
    endpoint: Option<String>,
    idle: Option<Duration>,
    busy: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// `at`: 1-based line and column, when the problem has a place in the file.
    #[error("{}{}: {message}", path.display(), Place(*at))]
    Invalid { path: PathBuf, at: Option<(usize, usize)>, message: String },
}

struct Place(Option<(usize, usize)>);

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some((line, column)) => write!(f, ":{line}:{column}"),
            None => Ok(()),
        }
    }
}

/// The file as written; checked into a [`Config`] by [`Config::parse`].
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<KeyList>>,
    #[serde(default)]
    theme: BTreeMap<Spanned<String>, Spanned<StyleSpec>>,
    #[serde(default)]
    backend: RawBackend,
    #[serde(default)]
    poll: RawPoll,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBackend {
    endpoint: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    idle: Option<Spanned<toml::Value>>,
    busy: Option<Spanned<toml::Value>>,
}

/// `up = "k"` or `up = ["up", "k"]`.
enum KeyList {
    One(String),
    /// Each key with its place, to point at a bad one.
    Many(Vec<Spanned<String>>),
}

/// By hand: serde's `untagged` would lose the places of the keys in a list.
impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = KeyList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key such as \"a\", or a list of keys such as [\"a\", \"+\"]")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<KeyList, E> {
                Ok(KeyList::One(s.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<Spanned<String>>()? {
                    keys.push(k);
                }
                Ok(KeyList::Many(keys))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A problem at a byte range of the file.
type Located = (Option<Range<usize>>, String);

impl Config {
    /// `path` (`--config`), or the default file if there is one.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Checks `text`, the contents of `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |(span, message): Located| ConfigError::Invalid {
            path: path.to_path_buf(),
            at: span.map(|s| line_column(text, s.start)),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| invalid((e.span(), e.message().trim_end().to_string())))?;
        let keymap = keymap(&raw.keys);
        let theme = style::overrides(&raw.theme);
        let endpoint = raw.backend.endpoint.as_ref().map(endpoint).transpose();
        let poll = poll_intervals(&raw.poll);
        // Of several problems, the first in the file.
        let first = [keymap.as_ref().err(), theme.as_ref().err(), endpoint.as_ref().err(), poll.as_ref().err()]
            .into_iter()
            .flatten()
            .min_by_key(|(span, _)| span.as_ref().map_or(usize::MAX, |s| s.start));
        if let Some(e) = first {
            return Err(invalid(e.clone()));
        }
        let (idle, busy) = poll.map_err(invalid)?;
        Ok(Config {
            source: Some(path.to_path_buf()),
            keymap: keymap.map_err(invalid)?,
            theme: theme.map_err(invalid)?,
            endpoint: endpoint.map_err(invalid)?,
            idle,
            busy,
        })
    }

    /// The file this came from; `None`: the defaults, no file.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    pub fn keymap(&self) -> Keymap {
        self.keymap.clone()
    }

    /// The theme: the file's colours over the default one, or, with `no_color`, the monochrome theme
    /// (`NO_COLOR` wins over the file).
    pub fn theme(&self, no_color: bool) -> Theme {
        if no_color {
            return Theme::mono();
        }
        let mut theme = Theme::azure();
        for (name, s) in &self.theme {
            if let Some(slot) = style::field_mut(&mut theme, name) {
                *slot = *s;
            }
        }
        theme
    }

    /// The ARM endpoint to use when `--endpoint` is not given.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// `backend`'s intervals (the backend's own defaults) with the file's in place where it gives them.
    pub fn poll_intervals(&self, backend: PollIntervals) -> PollIntervals {
        PollIntervals { idle: self.idle.unwrap_or(backend.idle), busy: self.busy.unwrap_or(backend.busy) }
    }
}

/// Whether the environment asks for no colour (`NO_COLOR` set and not empty), as [`Theme::from_env`].
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// `$XDG_CONFIG_HOME/georep/config.toml`, else `~/.config/georep/config.toml` (on Windows the roaming
/// AppData directory).
pub fn default_path() -> Option<PathBuf> {
    default_path_from(std::env::var_os("XDG_CONFIG_HOME"), dirs::home_dir(), dirs::config_dir())
}

/// XDG says to ignore a relative `$XDG_CONFIG_HOME`.
fn default_path_from(xdg: Option<OsString>, home: Option<PathBuf>, platform: Option<PathBuf>) -> Option<PathBuf> {
    let base = match xdg.map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(dir) => dir,
        None if cfg!(windows) => platform?,
        None => home?.join(".config"),
    };
    Some(base.join("georep").join("config.toml"))
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn keymap(keys: &BTreeMap<Spanned<String>, Spanned<KeyList>>) -> Result<Keymap, Located> {
    let mut entries: Vec<_> = keys.iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    let mut overrides: Vec<(Command, Vec<KeyBinding>)> = Vec::new();
    let mut places: Vec<(Command, Range<usize>)> = Vec::new();
    for (name, list) in entries {
        let Some(command) = Command::from_name(name.get_ref()) else {
            let known: Vec<_> = Command::ALL.iter().map(|c| c.name()).collect();
            let message = format!("[keys]: `{}` is not a command (commands: {})", name.get_ref(), known.join(", "));
            return Err((Some(name.span()), message));
        };
        let specs: Vec<(&str, Range<usize>)> = match list.get_ref() {
            KeyList::One(s) => vec![(s.as_str(), list.span())],
            KeyList::Many(v) => v.iter().map(|s| (s.get_ref().as_str(), s.span())).collect(),
        };
        let mut bound = Vec::new();
        for (spec, span) in specs {
            let key =
                KeyBinding::parse(spec).map_err(|e| (Some(span.clone()), format!("[keys] {}: {e}", name.get_ref())))?;
            if bound.contains(&key) {
                return Err((Some(span), format!("[keys] {}: '{key}' is listed twice", name.get_ref())));
            }
            bound.push(key);
        }
        overrides.push((command, bound));
        places.push((command, list.span()));
    }
    let place = |name: &str| places.iter().find(|(c, _)| c.name() == name).map(|(_, s)| s.clone());
    Keymap::with(&overrides).map_err(|e| match &e {
        KeymapError::Unbound(name) => (place(name), format!("[keys] {e}")),
        KeymapError::Conflict { first, second, .. } => {
            let kept: Vec<_> = [first, second].into_iter().filter(|n| place(n).is_none()).copied().collect();
            let note = match kept.as_slice() {
                [n] => format!(" ({n} keeps its default keys unless [keys] gives it others)"),
                _ => String::new(),
            };
            (place(second).or_else(|| place(first)), format!("[keys] {e}{note}"))
        }
    })
}

fn endpoint(value: &Spanned<String>) -> Result<String, Located> {
    let s = value.get_ref().trim();
    match reqwest::Url::parse(s) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(s.to_string()),
        _ => Err((
            Some(value.span()),
            format!("[backend] endpoint: `{s}` is not an http(s) URL (e.g. http://127.0.0.1:8080)"),
        )),
    }
}

fn poll_intervals(poll: &RawPoll) -> Result<(Option<Duration>, Option<Duration>), Located> {
    let idle = poll.idle.as_ref().map(|v| poll_interval("idle", v)).transpose()?;
    let busy = poll.busy.as_ref().map(|v| poll_interval("busy", v)).transpose()?;
    if let (Some(idle), Some(busy), Some(at)) = (idle, busy, &poll.busy)
        && busy > idle
    {
        return Err((Some(at.span()), "[poll] busy must not be longer than idle".into()));
    }
    Ok((idle, busy))
}

fn poll_interval(name: &str, value: &Spanned<toml::Value>) -> Result<Duration, Located> {
    let bad = |why: String| (Some(value.span()), format!("[poll] {name}: {why}"));
    let d = match value.get_ref() {
        toml::Value::Integer(n) => u64::try_from(*n).ok().map(Duration::from_secs),
        toml::Value::Float(f) => Duration::try_from_secs_f64(*f).ok(),
        toml::Value::String(s) => parse_duration(s),
        _ => None,
    };
    let d =
        d.ok_or_else(|| bad(format!("{} is not a duration such as \"3s\", \"500ms\", \"2m\" or 3", value.get_ref())))?;
    if !(POLL_MIN..=POLL_MAX).contains(&d) {
        return Err(bad(format!("{} is not between 100ms and 10m", value.get_ref())));
    }
    Ok(d)
}

/// `500ms`, `3s`, `1.5s`, `2m`, `3` (seconds).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" | "min" => n * 60.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}
