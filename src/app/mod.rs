//! The process: start-up in tinyproxy's order, the daemon and its pid
//! file, the privilege drop, signals, reload and the config watch. The
//! top layer: it builds a [`crate::runtime::Server`] and drives it; nothing
//! below calls back into it.

pub mod admin;
pub mod daemon;
pub mod exit;
pub mod lifecycle;
pub mod load;
pub mod privs;
pub mod reload;
pub mod signals;
pub mod watch;
