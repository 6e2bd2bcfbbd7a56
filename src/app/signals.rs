//! The signal mask of the lifecycle signals (SIGHUP, SIGUSR1, SIGTERM,
//! SIGINT): blocked from the first instruction, unblocked only once their
//! handlers are installed (or in the launcher, which must stay
//! interruptible), so a signal sent during start-up is held, never fatal.

use crate::log::Level;
use crate::log_msg;
use nix::sys::signal::{SigSet, SigmaskHow, Signal};

fn lifecycle_signals() -> SigSet {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGHUP,
        Signal::SIGUSR1,
        Signal::SIGTERM,
        Signal::SIGINT,
    ] {
        set.add(s);
    }
    set
}

/// Block (at start) or unblock (once handled, or in the launcher, which
/// must stay interruptible) SIGHUP, SIGUSR1, SIGTERM and SIGINT.
pub(crate) fn mask_signals(how: SigmaskHow) {
    if let Err(e) = nix::sys::signal::pthread_sigmask(how, Some(&lifecycle_signals()), None) {
        log_msg!(Level::Warning, "cannot change the signal mask: {}", e);
    }
}

/// Run `f` (reading the config or filter file, which may block for good on
/// a FIFO or a hung mount) with SIGTERM and SIGINT deliverable: their
/// default action ends start-up, as it does tinyproxy's. SIGHUP/SIGUSR1
/// stay held for the main loop.
pub(crate) fn interruptible<T>(f: impl FnOnce() -> T) -> T {
    let mut set = SigSet::empty();
    set.add(Signal::SIGTERM);
    set.add(Signal::SIGINT);
    let _ = nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&set), None);
    let out = f();
    let _ = nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
    out
}
