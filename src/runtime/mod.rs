//! The accept loops, shaped like mini-redis's `server::run(listener,
//! shutdown)`: one task per connection, `MaxClients` as slots taken by
//! accepted connections (see [`crate::proxy::slots`]), accept errors (EMFILE) backed off
//! instead of ending the loop. A panic in a connection's task loses that
//! connection only (see [`guard`]).
//!
//! Unlike tinyproxy, a reload that changes `Port`/`Listen` re-binds: new
//! sockets are bound before the old ones close, and connections already
//! accepted are never touched.

pub mod guard;
pub mod listen;

use crate::config::Config;
use crate::log::Level;
use crate::log_msg;
use crate::proxy::generation::Shared;
use crate::proxy::slots::Slots;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::task::TaskTracker;

/// How long the loop pauses after an accept error such as EMFILE.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The running accept loops and the connection limit they share.
pub struct Server {
    shared: Arc<Shared>,
    slots: Arc<Slots>,
    max: usize,
    loops: HashMap<SocketAddr, JoinHandle<()>>,
    /// Every connection task, so the drain can count and await them.
    conns: TaskTracker,
}

impl Server {
    pub fn new(shared: Arc<Shared>) -> Server {
        let max = shared.current().limits.max_clients;
        let max = max.min(Semaphore::MAX_PERMITS);
        Server {
            shared,
            slots: Arc::new(Slots::new(max)),
            max,
            loops: HashMap::new(),
            conns: TaskTracker::new(),
        }
    }

    /// Start accepting on `l`.
    pub fn add_listener(&mut self, l: TcpListener) {
        let Ok(addr) = l.local_addr() else { return };
        let accepting = accept_loop(
            l,
            Arc::clone(&self.shared),
            Arc::clone(&self.slots),
            self.conns.clone(),
        );
        // The loop's hooks (MaxClients reached) record into this instance.
        let ops = Arc::clone(&self.shared.ctx.ops);
        let task = tokio::spawn(crate::ops::state::scope(ops, accepting));
        if let Some(old) = self.loops.insert(addr, task) {
            old.abort();
        }
    }

    /// Apply a reloaded config's `Port`/`Listen`/`MaxClients`: bind what
    /// is new first, then close what is gone (connections accepted on a
    /// closed listener go on to their end). If a listed address cannot be
    /// bound, nothing changes: the old listeners stay.
    ///
    /// Known limit: a new address that overlaps an old one on the same
    /// port (`Listen 127.0.0.1` → no `Listen`, i.e. the wildcard) cannot
    /// be bound while the old socket is open; that reload keeps the old
    /// listeners and says so, and a restart applies it.
    pub async fn apply(&mut self, cfg: &Config) {
        self.resize(cfg.max_clients as usize);
        let wanted = listen::wanted_addrs(cfg);
        let Some(bound) = self.bind_fresh(&wanted, cfg.listen.is_empty()) else {
            return;
        };
        for l in bound {
            match TcpListener::from_std(l) {
                Ok(t) => {
                    if let Ok(a) = t.local_addr() {
                        log_msg!(Level::Notice, "Now listening on {}", a);
                    }
                    self.add_listener(t)
                }
                Err(e) => log_msg!(Level::Error, "Reload: cannot register listener: {}", e),
            }
        }
        let gone: Vec<SocketAddr> = self
            .loops
            .keys()
            .filter(|a| !wanted.contains(a))
            .copied()
            .collect();
        for addr in gone {
            if let Some(task) = self.loops.remove(&addr) {
                close(task).await;
                log_msg!(Level::Notice, "Stopped listening on {}", addr);
            }
        }
    }

    /// Bind the wanted addresses not listened on yet. `None`: a listed
    /// address failed (or nothing at all would listen), keep the old set.
    /// For the wildcard pair one family is enough, as at start-up (a host
    /// without IPv6 only gets an INFO line on each reload).
    fn bind_fresh(
        &self,
        wanted: &[SocketAddr],
        wildcard: bool,
    ) -> Option<Vec<std::net::TcpListener>> {
        let mut bound = Vec::new();
        for addr in wanted.iter().filter(|a| !self.loops.contains_key(a)) {
            match listen::bind_addr(*addr) {
                Ok(l) => bound.push(l),
                Err(e) if wildcard => log_msg!(
                    Level::Info,
                    "Reload: cannot listen on {}: {}",
                    addr,
                    crate::sys::strerror(&e)
                ),
                Err(e) => {
                    log_msg!(
                        Level::Error,
                        "Reload: cannot listen on {}: {}; keeping the old listeners",
                        addr,
                        crate::sys::strerror(&e)
                    );
                    return None;
                }
            }
        }
        let kept = wanted.iter().filter(|a| self.loops.contains_key(a)).count();
        if bound.is_empty() && kept == 0 {
            log_msg!(
                Level::Error,
                "Reload: unable to listen on any new address; keeping the old listeners"
            );
            return None;
        }
        Some(bound)
    }

    fn resize(&mut self, new_max: usize) {
        let new_max = new_max.min(Semaphore::MAX_PERMITS);
        if new_max > self.max {
            self.slots.limit().add_permits(new_max - self.max);
        } else if new_max < self.max {
            // Permits held by live connections are taken back as they end.
            let shrink = self.max - new_max;
            let limit = Arc::clone(self.slots.limit());
            tokio::spawn(async move {
                if let Ok(p) = limit.acquire_many(shrink as u32).await {
                    p.forget();
                }
            });
        }
        self.max = new_max;
    }

    /// Stop accepting; connections already accepted go on. When this
    /// returns the listening sockets are closed, so new connections are
    /// refused by the kernel.
    pub async fn stop_accepting(&mut self) {
        for (_, task) in self.loops.drain() {
            close(task).await;
        }
        self.conns.close();
    }

    /// Connections currently being served.
    pub fn open_connections(&self) -> usize {
        self.conns.len()
    }

    /// Wait until no connection is open (after `stop_accepting`).
    pub async fn all_closed(&self) {
        self.conns.wait().await;
    }
}

/// End an accept loop and wait until its task (and so its listening
/// socket) is gone.
async fn close(task: JoinHandle<()>) {
    task.abort();
    let _ = task.await;
}

/// Accept, then take a slot for the accepted connection (waiting for one
/// when all are taken), then hand it to its own task.
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    slots: Arc<Slots>,
    conns: TaskTracker,
) {
    loop {
        slots.note_if_full();
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                log_msg!(Level::Error, "accept failed: {}", crate::sys::strerror(&e));
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let Some(permit) = slots.admit().await else {
            return;
        };
        slots.note_if_full();
        let (shared, slots) = (Arc::clone(&shared), Arc::clone(&slots));
        conns.spawn(async move {
            let ops = Arc::clone(&shared.ctx.ops);
            // Boxed: passed by value into `conn_scope`, the connection's
            // future would be stored twice over in the task.
            let conn = Box::pin(guard::run(stream, peer, shared, slots));
            crate::ops::conn_scope(ops, peer, conn).await; // ops hook
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests;
