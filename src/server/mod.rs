//! The accept loop, shaped like mini-redis's `server::run(listener,
//! shutdown)`: one task per connection, `MaxClients` as a semaphore,
//! accept errors (EMFILE) backed off instead of ending the loop.

pub mod client;
pub mod conn;
pub mod connect;
pub mod daemon;
pub mod forward;
pub mod lifecycle;
pub mod listen;
pub mod opensock;
pub mod outbound;
pub mod request;
pub mod response;
pub mod state;
pub mod target;
pub mod watch;

use crate::log::Level;
use crate::log_msg;
use state::Shared;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long the loop pauses after an accept error such as EMFILE.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Accept on every listener until `shutdown` completes; returns the
/// tracker of live connections so the caller can drain them.
pub async fn run(
    listeners: Vec<TcpListener>,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()>,
) -> Arc<Semaphore> {
    let max = shared.current().config.max_clients as usize;
    let limit = Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS)));
    let saturated = Arc::new(AtomicBool::new(false));
    log_msg!(Level::Info, "Starting main loop. Accepting connections.");
    let mut tasks = tokio::task::JoinSet::new();
    for l in listeners {
        tasks.spawn(accept_loop(
            l,
            Arc::clone(&shared),
            Arc::clone(&limit),
            Arc::clone(&saturated),
        ));
    }
    shutdown.await;
    tasks.abort_all();
    limit
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    limit: Arc<Semaphore>,
    saturated: Arc<AtomicBool>,
) {
    loop {
        let permit = match Arc::clone(&limit).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if !saturated.swap(true, Ordering::Relaxed) {
                    log_msg!(
                        Level::Warning,
                        "Maximum number of connections reached. Refusing new connections."
                    );
                }
                match Arc::clone(&limit).acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                }
            }
        };
        saturated.store(false, Ordering::Relaxed);
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                log_msg!(Level::Error, "accept failed: {}", opensock::strerror(&e));
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let gen = shared.current();
        tokio::spawn(async move {
            conn::handle(stream, peer, gen).await;
            drop(permit);
        });
    }
}
