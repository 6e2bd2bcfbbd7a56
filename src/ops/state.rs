//! One proxy instance's ops state: its metrics registry, its shutdown
//! phases (ready, closing) and its access log. Created once with the
//! instance's runtime context (`proxy::context::Context`), never a global,
//! so two proxies in one process keep apart.
//!
//! The proxy's code reaches it without a new parameter: the runtime runs
//! each task it spawns for an instance (accept loops, connections) in
//! [`scope`], and the hooks read the state of the task they run in. Outside
//! such a task (unit tests, the admin listener) a hook records nothing.

use super::access_log::{self, Sink, Spec};
use super::entry::Record;
use super::metrics::Metrics;
use super::shutdown::Shutdown;
use crate::counters::Stats;
use std::future::Future;
use std::sync::{Arc, OnceLock};

/// What `ops` keeps for one proxy instance.
pub struct Ops {
    pub metrics: Metrics,
    pub shutdown: Shutdown,
    /// Set once at start when `--access-log` is given.
    access_log: OnceLock<Sink>,
}

impl Ops {
    /// Fresh state; `stats` are the instance's stats-page counters, which
    /// `/metrics` reads at each scrape.
    pub fn new(stats: Arc<Stats>) -> Ops {
        Ops {
            metrics: Metrics::new(stats),
            shutdown: Shutdown::default(),
            access_log: OnceLock::new(),
        }
    }

    /// Open the access log and start its writer (once; a second call
    /// keeps the first log).
    pub fn install_access_log(&self, spec: &Spec) -> std::io::Result<()> {
        let sink = access_log::open(spec)?;
        let _ = self.access_log.set(sink);
        Ok(())
    }

    /// Queue the access log line for `rec` (nothing when it is off).
    pub(crate) fn log_access(&self, rec: &Record) {
        if let Some(sink) = self.access_log.get() {
            if !sink.write(rec) {
                self.metrics.access_log_dropped.inc();
            }
        }
    }
}

tokio::task_local! {
    static OPS: Arc<Ops>;
}

/// Run `fut` (a task of the instance `ops` belongs to) with `ops` as the
/// state its hooks record into.
pub async fn scope<F: Future>(ops: Arc<Ops>, fut: F) -> F::Output {
    OPS.scope(ops, fut).await
}

/// Apply `f` to the current task's state, if it runs in a [`scope`].
pub(crate) fn with<R>(f: impl FnOnce(&Ops) -> R) -> Option<R> {
    OPS.try_with(|o| f(o)).ok()
}

/// The current task's state, to hold across an await.
pub(crate) fn current() -> Option<Arc<Ops>> {
    OPS.try_with(Arc::clone).ok()
}
