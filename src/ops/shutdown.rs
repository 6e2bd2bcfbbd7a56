//! The rollout-safe shutdown's state (one per proxy instance, in its
//! `ops::state::Ops`). On SIGTERM `/readyz` turns
//! 503 at once while the proxy keeps accepting for `--shutdown-delay`
//! (the time a load balancer needs to stop sending new connections);
//! then the listeners close and connections idle at a request boundary
//! are closed at once instead of holding the drain for `--grace`.

use futures_util::StreamExt;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Where the shutdown is: ready (serving, `/readyz` 200), not ready
/// (the delay), closing (the drain).
#[derive(Debug, Default)]
pub struct Shutdown {
    ready: AtomicBool,
    closing: AtomicBool,
    close_idle: Notify,
}

impl Shutdown {
    /// Listeners bound and the config loaded: `/readyz` answers 200.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Whether idle connections are being closed (the drain has begun).
    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Resolves once the drain begins.
    pub async fn closing(&self) {
        loop {
            let notified = self.close_idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_closing() {
                return;
            }
            notified.await;
        }
    }

    /// First phase of the shutdown: not ready any more, but go on serving
    /// and accepting for `delay`. Returns `false` when a second
    /// SIGTERM/SIGINT cut the delay short, so the caller should exit at once.
    pub async fn delay(&self, delay: Duration, signals: &mut signal_hook_tokio::Signals) -> bool {
        self.ready.store(false, Ordering::SeqCst);
        pause(delay, signals).await
    }

    /// Second phase, once the listeners are closed: connections waiting for
    /// a next request close now; requests in flight finish first.
    pub fn close_idle(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.close_idle.notify_waiters();
    }
}

/// Wait out `delay` (logged), or until a second signal: `false` then.
async fn pause(delay: Duration, signals: &mut signal_hook_tokio::Signals) -> bool {
    if delay.is_zero() {
        return true;
    }
    crate::log_msg!(
        crate::log::Level::Notice,
        "Not ready; still accepting connections for {} s (--shutdown-delay).",
        delay.as_secs()
    );
    tokio::select! {
        _ = tokio::time::sleep(delay) => true,
        _ = second_signal(signals) => false,
    }
}

/// Resolves at the next SIGTERM or SIGINT (other signals are consumed and
/// ignored): a second one during the shutdown delay or the drain means
/// "end now".
pub async fn second_signal(signals: &mut signal_hook_tokio::Signals) {
    while let Some(sig) = signals.next().await {
        if sig == SIGTERM || sig == SIGINT {
            return;
        }
    }
    std::future::pending::<()>().await
}
