//! tinyproxy-rs: a memory-safe, config-compatible drop-in for tinyproxy 1.11.
//!
//! Layers, each depending only on the ones below it: `app` (process
//! lifecycle: start-up, daemon, privileges, signals, reload; `cli` parses
//! its command line) → `runtime` (accept loops, listeners, the
//! per-connection panic guard) → `proxy` (one client connection: request
//! head, decision, forward or tunnel, keep-alive) → `policy` (ACL,
//! BasicAuth) and `outbound` (dialling the origin or an upstream) →
//! `upstream` (routing and connectors), `filter`, `ops` (metrics and
//! access-log hooks) → `tunnel`, `pages` (error and stats pages) → `config`
//! (and the per-concern settings built from it) → `http` (wire format,
//! never `Config`), `log`, `counters` (what the stats page shows),
//! `netmatch` (address and domain rules) → `sys`. README's "How a request
//! flows" walks a request through them.

// No unsafe code: system calls go through std or nix's safe wrappers
// (tunnel's splice relay included).
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod config;
pub mod counters;
pub mod filter;
pub mod http;
pub mod log;
pub mod netmatch;
pub mod ops;
pub(crate) mod outbound;
pub mod pages;
pub mod policy;
pub(crate) mod proxy;
pub(crate) mod runtime;
pub mod sys;
pub mod tunnel;
pub mod upstream;

/// The tinyproxy version whose behaviour we reproduce.
pub const TINYPROXY_VERSION: &str = "1.11.3";
