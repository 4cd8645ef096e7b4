//! What the integration tests share.

#![allow(dead_code)]

pub mod demo;
pub mod emulator;
pub mod enterprise;
pub mod headless;
pub mod tmux;
pub mod wait;
