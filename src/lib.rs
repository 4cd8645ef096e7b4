//! georep: a terminal console for Redis geo-replication, shaped like the Azure portal's blades, and the
//! ARM-compatible emulator it runs on.

pub mod arm;
pub mod backend;
pub mod cli;
pub mod client;
pub mod config;
pub mod emulator;
pub mod geo;
pub mod out;
pub mod signals;
pub mod ssh;
pub mod tui;
