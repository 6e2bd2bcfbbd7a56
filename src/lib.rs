//! tinyproxy-rs: a memory-safe, config-compatible drop-in for tinyproxy 1.11.
//!
//! Modules follow the data flow: `config` (grammar → typed Config, and the
//! per-concern settings built from it), `acl`, `http` (request head, header
//! rules, framing; never `Config`), `upstream` (routing and connectors),
//! `tunnel`, `filter`, `auth`, `pages` (error and stats pages), `counters`
//! (what the stats page shows), `log`, `netmatch` (address and domain
//! rules), `server` (accept loop, limits, signals, reload, shutdown), `cli`,
//! `sys` (system calls and errno text).

// No unsafe code: system calls go through std or nix's safe wrappers
// (tunnel's splice relay included).
#![forbid(unsafe_code)]

pub mod acl;
pub mod auth;
pub mod cli;
pub mod config;
pub mod counters;
pub mod filter;
pub mod http;
pub mod log;
pub mod netmatch;
pub mod ops;
pub mod pages;
pub mod server;
pub mod sys;
pub mod tunnel;
pub mod upstream;

/// The tinyproxy version whose behaviour we reproduce.
pub const TINYPROXY_VERSION: &str = "1.11.3";
