//! `georep config --print-default`: the configuration file with every setting at its default, made from
//! the command registry and the default theme so that it cannot drift from them.

use std::fmt::Write;

use super::style;
use crate::tui::command::Command;
use crate::tui::tasks::PollIntervals;

const HEAD: &str = "\
# georep configuration: $XDG_CONFIG_HOME/georep/config.toml (~/.config/georep/config.toml), or
# `georep --config FILE`. Every setting below is at its default; delete what you do not change.
# Check a file with `georep config` (or `georep --config FILE config`).
";

const KEYS: &str = "
# Keys of the console's commands: one key (\"a\") or a list ([\"a\", \"+\"]). A command listed here
# loses its default keys; a key may mean only one command; Ctrl-C always quits.
# Keys: a letter or symbol (a, G, ?, +), space, enter, esc, tab, backtab, up, down, left, right,
# pageup, pagedown, home, end, backspace, delete, insert, menu, f1 to f24, with ctrl-, alt- or shift-
# before (ctrl-r, alt-enter, shift-tab).
[keys]
";

const THEME: &str = "
# Colours of the console. Each entry is that element's whole style: fg and bg colours (a name such as
# blue, darkgray or lightcyan, \"#rrggbb\", or \"0\" to \"255\"), and bold, dim, italic, underlined,
# reversed = true. With NO_COLOR set (not empty) this table is ignored: bold, dim and reverse only.
[theme]
";

const BACKEND: &str = "
[backend]
# The ARM endpoint to use when --endpoint is not given (default: the embedded demo emulator).
# endpoint = \"http://127.0.0.1:8080\"
";

/// The default configuration file.
pub fn default_file() -> String {
    let mut out = String::from(HEAD);
    out.push_str(KEYS);
    for command in Command::ALL {
        let keys: Vec<String> =
            command.default_keys().iter().map(|k| toml::Value::String((*k).to_string()).to_string()).collect();
        let _ = writeln!(out, "# {}\n{} = [{}]", command.describe(), command.name(), keys.join(", "));
    }
    out.push_str(THEME);
    for name in style::FIELDS {
        if let Some(s) = style::default_style(name) {
            let _ = writeln!(out, "{name} = {}", style::to_toml(&s));
        }
    }
    out.push_str(BACKEND);
    let ours = PollIntervals::default();
    let azure = PollIntervals::azure();
    let _ = write!(
        out,
        "
[poll]
# How often the console asks the backend while nothing moves (idle) and while an operation runs (busy):
# \"500ms\", \"3s\", \"2m\" or a number of seconds, from 100ms to 10m. Unset, they are {} and {}, or
# {} and {} with --azure (Azure Resource Manager throttles reads).
# idle = \"{}\"
# busy = \"{}\"
",
        secs(ours.idle),
        secs(ours.busy),
        secs(azure.idle),
        secs(azure.busy),
        secs(ours.idle),
        secs(ours.busy),
    );
    out
}

/// `3s`, `500ms`.
fn secs(d: std::time::Duration) -> String {
    if d.subsec_millis() == 0 { format!("{}s", d.as_secs()) } else { format!("{}ms", d.as_millis()) }
}
