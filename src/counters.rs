//! The connection counters the stats page and the metrics show.
//!
//! One [`Stats`] per proxy instance, held in its runtime context
//! (`proxy::context::Context`) and never reset on reload. Meaning, as in
//! tinyproxy: `opens` = client connections open now, `reqs` = client
//! connections accepted since start, `badconns` = malformed or rejected
//! requests, `deniedconns` = ACL, filter and auth refusals, `refusedconns`
//! = refused for load (tinyproxy never counts any).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The live counters.
#[derive(Debug, Default)]
pub struct Stats {
    opens: AtomicU64,
    reqs: AtomicU64,
    badconns: AtomicU64,
    deniedconns: AtomicU64,
    refusedconns: AtomicU64,
}

/// The counters at one instant, for rendering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub opens: u64,
    pub reqs: u64,
    pub badconns: u64,
    pub deniedconns: u64,
    pub refusedconns: u64,
}

impl Stats {
    pub const fn new() -> Stats {
        Stats {
            opens: AtomicU64::new(0),
            reqs: AtomicU64::new(0),
            badconns: AtomicU64::new(0),
            deniedconns: AtomicU64::new(0),
            refusedconns: AtomicU64::new(0),
        }
    }

    /// A client connection was accepted: one more open, one more request.
    pub fn inc_open(&self) {
        self.opens.fetch_add(1, Ordering::Relaxed);
        self.reqs.fetch_add(1, Ordering::Relaxed);
    }

    /// A client connection closed (never goes below zero).
    pub fn dec_open(&self) {
        let _ = self
            .opens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// Count an accepted connection and return a guard that un-counts it
    /// when dropped, so every exit path of a connection task closes it.
    /// The guard owns a handle on the counters, so a tunnel relayed after
    /// the request handling's state is gone still holds it.
    pub fn open_guard(self: &Arc<Self>) -> OpenGuard {
        self.inc_open();
        OpenGuard {
            stats: Arc::clone(self),
        }
    }

    pub fn inc_bad(&self) {
        self.badconns.fetch_add(1, Ordering::Relaxed);
    }

    pub fn inc_denied(&self) {
        self.deniedconns.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection refused for load. Nothing calls it today (neither
    /// does tinyproxy count any); a caller also reports the refusal to
    /// the metrics (`ops::hooks::denied("max-clients")`).
    pub fn inc_refused(&self) {
        self.refusedconns.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            opens: self.opens.load(Ordering::Relaxed),
            reqs: self.reqs.load(Ordering::Relaxed),
            badconns: self.badconns.load(Ordering::Relaxed),
            deniedconns: self.deniedconns.load(Ordering::Relaxed),
            refusedconns: self.refusedconns.load(Ordering::Relaxed),
        }
    }
}

/// Keeps one connection counted in `opens` while alive.
#[derive(Debug)]
pub struct OpenGuard {
    stats: Arc<Stats>,
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.stats.dec_open();
    }
}
