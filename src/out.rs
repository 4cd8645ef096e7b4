//! Lines for the user on stdout that never take the program down: `println!` panics when stdout is a
//! closed pipe (`georep serve | head -1`) or a terminal that went away (SIGHUP), and a banner is not
//! worth a crash, let alone one that skips an orderly shutdown. [`say!`](crate::say) writes the line
//! and ignores a failed write.

use std::io::Write;

/// Writes `args` and a newline to stdout, ignoring any error (EPIPE, a closed terminal).
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(args).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
}

/// `println!` that ignores a closed stdout (see [`line`]).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}
