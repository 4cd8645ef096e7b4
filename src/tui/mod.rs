//! The console (in progress in this session).

use std::path::PathBuf;
use std::process::ExitCode;

pub struct Options {
    pub endpoint: Option<String>,
    pub token: Option<String>,
    pub time_scale: f64,
    pub fleet: String,
    pub log: Option<PathBuf>,
}

pub async fn run(_options: Options) -> ExitCode {
    eprintln!("georep: the console is being built; use `georep serve`");
    ExitCode::FAILURE
}
