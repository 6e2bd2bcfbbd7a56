//! The runtime context of one proxy instance: everything its connections
//! share that is not configuration. `app` creates it once at start and
//! hands it down (in [`Shared`](super::generation::Shared)) to the accept
//! loops and every connection; nothing below reads a process-wide global
//! instead, so two proxies in one process keep their counters, loop tables
//! and ops state apart, and the proxy's code can be tested in-process.

use crate::counters::Stats;
use crate::ops::Ops;
use crate::outbound::LoopTable;
use std::sync::Arc;

/// One proxy instance's runtime state.
pub struct Context {
    /// The stats page's counters (also read by `/metrics`).
    pub stats: Arc<Stats>,
    /// Our own outgoing connections to our port (loop prevention).
    pub loops: LoopTable,
    /// Metrics, readiness and drain, access log. An `Arc`: the runtime
    /// puts it in each task's ops scope (see [`crate::ops::state`]).
    pub ops: Arc<Ops>,
}

impl Context {
    /// A fresh instance: counters at zero, no loop recorded, not ready.
    pub fn new() -> Context {
        let stats = Arc::new(Stats::new());
        Context {
            ops: Arc::new(Ops::new(Arc::clone(&stats))),
            stats,
            loops: LoopTable::new(),
        }
    }
}

impl Default for Context {
    fn default() -> Context {
        Context::new()
    }
}
