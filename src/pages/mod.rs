//! Error pages, the stats page and the reverse proxy's redirect.
//!
//! Everything here is pure: it turns a [`PageContext`] (what is known about
//! the connection) into the complete response bytes, which the server
//! writes before closing. Templates (ErrorFile, DefaultErrorFile, StatFile)
//! are read at the moment a page is built, like tinyproxy, so edits apply
//! without a reload.

mod context;
pub mod error;
pub mod kind;
pub mod stats;
pub mod template;

/// The counters live in [`crate::counters`] (one set per proxy instance,
/// in its runtime context); re-exported here for the callers that count
/// what a page reports.
pub use crate::counters::{OpenGuard, Stats, StatsSnapshot};
pub use context::{standard_vars, PageContext, WEBSITE};
pub use error::{error_body, error_response, error_vars, redirect_response};
pub use kind::ErrorKind;
pub use stats::{is_stat_host, stats_response};
pub use template::{render, Vars};
