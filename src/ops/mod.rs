//! Operating the proxy (beyond tinyproxy): an admin listener with health
//! probes and Prometheus metrics, a one-line-per-request access log, and a
//! rollout-safe shutdown. Kept apart from the proxy's code paths, which
//! reach it only through the small calls in [`hooks`] and [`record`].

pub mod access_log;
pub mod admin;
mod entry;
pub mod hooks;
pub mod labels;
pub mod metrics;
pub mod record;
pub mod shutdown;

pub use record::{conn_scope, request_boundary};

use crate::cli::Options;
use crate::log::Level;
use crate::log_msg;
use crate::proxy::generation::Shared;
use std::sync::Arc;

/// What `start` leaves running; dropping it stops the admin listener.
pub struct Running {
    admin: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = self.admin.take() {
            t.abort();
        }
    }
}

/// Start what the command line asked for (access log writer, admin
/// listener) and mark the process ready. Called once the proxy listeners
/// are registered. `Err(exit status)` when the admin port cannot be bound.
pub fn start(opts: &Options, shared: &Arc<Shared>) -> Result<Running, i32> {
    metrics::get().set_max_clients(shared.current().config.max_clients);
    if let Some(spec) = &opts.access_log {
        if let Err(e) = access_log::install(spec) {
            log_msg!(Level::Error, "cannot open the access log: {}", e);
            eprintln!("tinyproxy: cannot open the access log: {e}");
            return Err(crate::app::lifecycle::EX_OSERR);
        }
    }
    let admin = match opts.admin {
        None => None,
        Some(addr) => match admin::start(addr, Arc::clone(shared)) {
            Ok(t) => Some(t),
            Err(e) => {
                log_msg!(
                    Level::Error,
                    "cannot listen on the admin port {}: {}",
                    addr,
                    e
                );
                eprintln!("tinyproxy: cannot listen on the admin port {addr}: {e}");
                return Err(crate::app::lifecycle::EX_OSERR);
            }
        },
    };
    shutdown::set_ready();
    Ok(Running { admin })
}
