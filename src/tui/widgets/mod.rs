//! Small pieces shared by blades.

pub mod dialog;
pub mod progress;
pub mod wrap;
