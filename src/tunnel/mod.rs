//! The byte relay behind CONNECT (and after a close-delimited exchange).
//!
//! An idle tunnel holds no user-space buffer: the task waits for either
//! socket to become readable and only then borrows a buffer (or, on
//! Linux, a pipe for `splice`), which it gives back before it waits again.
//! That keeps thousands of idle tunnels at a few hundred bytes each (the
//! task and two socket registrations), where a `copy_bidirectional` would
//! pin two 8 KiB buffers per tunnel.

// splice(2) and fcntl(F_SETPIPE_SZ) through nix's safe wrappers.
mod splice;

mod clock;

pub use clock::{writable_by, Clock};

use std::cell::RefCell;
use std::io;
use std::time::Duration;
use tokio::net::TcpStream;

/// Size of the buffer borrowed per wake-up.
const CHUNK: usize = 64 * 1024;
/// Reads per wake-up before yielding to other tasks.
const BURST: usize = 16;

thread_local! {
    /// One spare buffer per worker thread, reused across tunnels: a
    /// cache of memory, not state (no proxy instance's behaviour depends
    /// on it), so it is not in the runtime context.
    static SPARE: RefCell<Option<Box<[u8]>>> = const { RefCell::new(None) };
}

fn take_buffer() -> Box<[u8]> {
    SPARE
        .with(|s| s.borrow_mut().take())
        .unwrap_or_else(|| vec![0u8; CHUNK].into_boxed_slice())
}

fn give_back(buf: Box<[u8]>) {
    SPARE.with(|s| *s.borrow_mut() = Some(buf));
}

/// How a relay ended.
#[derive(Debug, PartialEq, Eq)]
pub enum TunnelEnd {
    /// Both directions reached end of stream.
    Closed,
    /// Nothing moved for the idle timeout.
    IdleTimeout,
}

/// Totals moved each way.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub client_to_server: u64,
    pub server_to_client: u64,
}

/// Relay bytes between `a` (client) and `b` (server) until both sides have
/// closed, an I/O error, or `idle` passes without traffic either way.
/// A half-close is passed on as a shutdown of the other side's write half.
/// A write that waits `idle` for its receiver is an error.
///
/// The two directions run concurrently in this one task: a direction
/// waiting for its receiver to drain never stops the other one (a single
/// loop would deadlock against a peer that writes back while it reads).
pub async fn relay(
    a: &mut TcpStream,
    b: &mut TcpStream,
    idle: Duration,
) -> io::Result<(TunnelEnd, Moved)> {
    let (a, b) = (&*a, &*b);
    let clock = Clock::new(idle);
    // Pinned here, so the join below borrows them instead of holding a
    // second copy of both (an idle tunnel's memory is mostly this future).
    let mut up = std::pin::pin!(direction(a, b, &clock));
    let mut down = std::pin::pin!(direction(b, a, &clock));
    let watchdog = async {
        loop {
            let seen = clock.last_seen();
            tokio::time::sleep_until((seen + idle).into()).await;
            if clock.last_seen() == seen {
                return;
            }
        }
    };
    tokio::select! {
        r = async { tokio::try_join!(up.as_mut(), down.as_mut()) } => {
            let (client_to_server, server_to_client) = r?;
            Ok((TunnelEnd::Closed, Moved { client_to_server, server_to_client }))
        }
        _ = watchdog => Ok((TunnelEnd::IdleTimeout, Moved::default())),
    }
}

/// One direction: wait for `src`, move what it has to `dst`, note the
/// time; at end of stream shut `dst`'s write side and finish.
async fn direction(src: &TcpStream, dst: &TcpStream, clock: &Clock) -> io::Result<u64> {
    let mut count = 0u64;
    loop {
        src.readable().await?;
        // The moving state is boxed while bytes move, so an idle tunnel
        // holds only the wait for readability (about 200 bytes a side,
        // not 570): one small allocation per burst of traffic.
        let more = if splice::available() {
            Box::pin(splice::pump(src, dst, &mut count, BURST, clock)).await?
        } else {
            Box::pin(pump(src, dst, &mut count, clock)).await?
        };
        clock.touch();
        if !more {
            let _ = socket2::SockRef::from(dst).shutdown(std::net::Shutdown::Write);
            return Ok(count);
        }
    }
}

/// Move what `src` has ready to `dst` through a borrowed buffer.
/// `Ok(false)` at end of stream.
async fn pump(
    src: &TcpStream,
    dst: &TcpStream,
    count: &mut u64,
    clock: &Clock,
) -> io::Result<bool> {
    let mut buf = take_buffer();
    let result = pump_with(src, dst, count, &mut buf, clock).await;
    give_back(buf);
    result
}

async fn pump_with(
    src: &TcpStream,
    dst: &TcpStream,
    count: &mut u64,
    buf: &mut [u8],
    clock: &Clock,
) -> io::Result<bool> {
    for _ in 0..BURST {
        let n = match src.try_read(buf) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
            Err(e) => return Err(e),
        };
        let mut sent = 0;
        let mut deadline = clock.write_deadline();
        while sent < n {
            writable_by(dst, deadline).await?;
            match dst.try_write(&buf[sent..n]) {
                Ok(m) => {
                    sent += m;
                    clock.touch();
                    deadline = clock.write_deadline();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
        *count += n as u64;
    }
    Ok(true)
}
