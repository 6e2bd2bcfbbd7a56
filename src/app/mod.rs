//! The process: start-up in tinyproxy's order, the daemon and its pid
//! file, the privilege drop, signals, reload and the config watch. The
//! top layer: it builds a `runtime::Server` and drives it; nothing
//! below calls back into it.

pub(crate) mod admin;
pub(crate) mod daemon;
pub(crate) mod exit;
pub mod lifecycle;
pub(crate) mod load;
pub(crate) mod privs;
pub(crate) mod reload;
pub(crate) mod signals;
pub(crate) mod watch;
