//! Operating the proxy (beyond tinyproxy): Prometheus metrics, a
//! one-line-per-request access log, and a rollout-safe shutdown (the admin
//! listener that serves them is `app::admin`). Kept apart from the proxy's
//! code paths, which reach it only through the small calls in `hooks` and
//! [`record`]; it calls nothing above it (it sits below `proxy`,
//! `outbound` and `runtime`).

pub mod access_log;
mod entry;
pub(crate) mod hooks;
pub(crate) mod labels;
pub mod metrics;
pub mod record;
pub mod shutdown;
pub mod state;

pub use record::{conn_scope, request_boundary};
pub use state::Ops;
