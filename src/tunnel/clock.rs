//! The relay's idle clock and write deadline, shared by the portable
//! relay and the splice one (a leaf, so neither depends on the other).

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// When bytes last moved either way, for the idle watchdog.
pub struct Clock {
    start: Instant,
    /// Milliseconds after `start`.
    last: AtomicU64,
    /// The longest a write may wait for its receiver (`Timeout`).
    idle: Duration,
}

impl Clock {
    pub(super) fn new(idle: Duration) -> Clock {
        Clock {
            start: Instant::now(),
            last: AtomicU64::new(0),
            idle,
        }
    }

    /// Note that bytes moved now.
    pub fn touch(&self) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.last.store(ms, Ordering::Relaxed);
    }

    pub(super) fn last_seen(&self) -> Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }

    /// A deadline for a write that has just started to wait.
    pub fn write_deadline(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.idle
    }
}

/// Wait until `dst` can take bytes, failing with `TimedOut` at `deadline`:
/// a receiver that stops reading ends the tunnel at `Timeout` even while
/// the other direction is busy (tinyproxy's SO_SNDTIMEO).
pub async fn writable_by(dst: &TcpStream, deadline: tokio::time::Instant) -> io::Result<()> {
    match tokio::time::timeout_at(deadline, dst.writable()).await {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "tunnel peer stopped reading for Timeout",
        )),
    }
}
