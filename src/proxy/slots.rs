//! `MaxClients` slots, and what happens to idle kept connections when
//! they are all taken.
//!
//! A slot is taken for an *accepted* connection, never for an accept loop
//! that waits: with no `Listen` line the IPv4 and IPv6 loops both wait
//! for clients, and `MaxClients 1` must serve either family. When every
//! slot is taken the loop stops accepting (new clients wait in the kernel
//! backlog, as in tinyproxy) and the one connection it already accepted
//! waits for a slot.
//!
//! Keep-alive (which tinyproxy does not have) must not cost anybody a
//! slot: a kept connection that is idle between requests is closed as
//! soon as a new client waits for a slot — the longest-idle one first,
//! like nginx's reuse of idle keep-alive connections when
//! `worker_connections` run out and Apache's event MPM closing keep-alive
//! connections when its workers are busy. Idle kept connections otherwise
//! stay open up to `Timeout`, as before. A closed idle kept connection
//! costs its client one reconnect (RFC 9112 §9.3.1 lets a server close an
//! idle connection at any time, and clients retry).

use crate::log::Level;
use crate::log_msg;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// The slot pool shared by every accept loop and connection.
pub struct Slots {
    limit: Arc<Semaphore>,
    /// One WARNING per saturation episode, as tinyproxy.
    saturated: AtomicBool,
    state: Mutex<Idle>,
}

/// Accepted connections waiting for a slot, and kept connections idle
/// between requests, oldest first.
#[derive(Default)]
struct Idle {
    waiters: usize,
    next_id: u64,
    kept: BTreeMap<u64, Arc<Notify>>,
}

impl Slots {
    pub fn new(max: usize) -> Slots {
        Slots {
            limit: Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS))),
            saturated: AtomicBool::new(false),
            state: Mutex::new(Idle::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, Idle> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The semaphore, for `MaxClients` changes on reload.
    pub fn limit(&self) -> &Arc<Semaphore> {
        &self.limit
    }

    /// tinyproxy's WARNING, once per episode, when no slot is free. The
    /// accept loop asks before it hands a connection to its task, so the
    /// line comes before that connection's `Connect` line, as tinyproxy.
    pub fn note_if_full(&self) {
        if self.limit.available_permits() > 0 {
            self.saturated.store(false, Ordering::Relaxed);
        } else if !self.saturated.swap(true, Ordering::Relaxed) {
            log_msg!(
                Level::Warning,
                "Maximum number of connections reached. Refusing new connections."
            );
        }
    }

    /// A slot for a connection just accepted: at once if one is free;
    /// else the longest-idle kept connection is asked to close and the
    /// connection waits for the first slot freed. `None` when the pool is
    /// closed.
    pub async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(p) = Arc::clone(&self.limit).try_acquire_owned() {
            return Some(p);
        }
        crate::ops::hooks::max_clients_reached(); // ops hook
        self.note_if_full();
        let _waiting = Waiting::new(self);
        let permit = Arc::clone(&self.limit).acquire_owned().await.ok();
        // A slot was freed: that saturation episode is over.
        self.saturated.store(false, Ordering::Relaxed);
        permit
    }

    /// Register a kept connection that is now idle between requests.
    /// `None`: a new client waits for a slot, so close instead of idling.
    pub fn idle(self: &Arc<Self>) -> Option<IdleGuard> {
        let mut st = self.state();
        if st.waiters > 0 {
            return None;
        }
        let id = st.next_id;
        st.next_id += 1;
        let evicted = Arc::new(Notify::new());
        st.kept.insert(id, Arc::clone(&evicted));
        Some(IdleGuard {
            slots: Arc::clone(self),
            id,
            evicted,
        })
    }
}

/// Counts one accepted connection waiting for a slot while it lives, and
/// closes the longest-idle kept connection for it.
struct Waiting<'a>(&'a Slots);

impl<'a> Waiting<'a> {
    fn new(slots: &'a Slots) -> Waiting<'a> {
        let mut st = slots.state();
        st.waiters += 1;
        if let Some((_, evict)) = st.kept.pop_first() {
            evict.notify_one();
        }
        Waiting(slots)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.state().waiters -= 1;
    }
}

/// A kept connection registered as idle; deregistered on drop.
pub struct IdleGuard {
    slots: Arc<Slots>,
    id: u64,
    evicted: Arc<Notify>,
}

impl IdleGuard {
    /// Resolves when a new client needs this connection's slot.
    pub async fn evicted(&self) {
        self.evicted.notified().await
    }
}

impl Drop for IdleGuard {
    fn drop(&mut self) {
        self.slots.state().kept.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_waiting_client_evicts_the_longest_idle_kept_connection() {
        let slots = Arc::new(Slots::new(2));
        let _a = slots.admit().await.unwrap();
        let _b = slots.admit().await.unwrap();
        let older = slots.idle().unwrap();
        let newer = slots.idle().unwrap();
        let s2 = Arc::clone(&slots);
        let waiter = tokio::spawn(async move { s2.admit().await.is_some() });
        tokio::time::timeout(Duration::from_secs(5), older.evicted())
            .await
            .expect("the oldest idle connection was asked to close");
        assert!(
            tokio::time::timeout(Duration::from_millis(50), newer.evicted())
                .await
                .is_err(),
            "only one connection is closed per waiting client"
        );
        // While a client waits, a connection that goes idle closes at once.
        assert!(slots.idle().is_none());
        drop(_a);
        assert!(waiter.await.unwrap());
        assert!(slots.idle().is_some());
    }
}
