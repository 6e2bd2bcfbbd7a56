//! The byte relay behind CONNECT (and after a close-delimited exchange).
//!
//! An idle tunnel holds no user-space buffer: the task waits for either
//! socket to become readable and only then borrows a buffer, which it
//! gives back before it waits again. That keeps thousands of idle tunnels
//! at a few hundred bytes each (the task and two socket registrations),
//! where a `copy_bidirectional` would pin two 8 KiB buffers per tunnel.

mod splice;

use std::cell::RefCell;
use std::io;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Size of the buffer borrowed per wake-up.
const CHUNK: usize = 64 * 1024;
/// Reads per wake-up before yielding to other tasks.
const BURST: usize = 16;

thread_local! {
    /// One spare buffer per worker thread, reused across tunnels.
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
pub async fn relay(
    a: &mut TcpStream,
    b: &mut TcpStream,
    idle: Duration,
) -> io::Result<(TunnelEnd, Moved)> {
    let mut moved = Moved::default();
    let (mut a_open, mut b_open) = (true, true);
    while a_open || b_open {
        let ready = tokio::time::timeout(idle, async {
            tokio::select! {
                r = a.readable(), if a_open => r.map(|_| true),
                r = b.readable(), if b_open => r.map(|_| false),
            }
        })
        .await;
        let from_a = match ready {
            Err(_) => return Ok((TunnelEnd::IdleTimeout, moved)),
            Ok(r) => r?,
        };
        let (src, dst, count) = if from_a {
            (&mut *a, &mut *b, &mut moved.client_to_server)
        } else {
            (&mut *b, &mut *a, &mut moved.server_to_client)
        };
        let more = if splice::available() {
            splice::pump(src, dst, count, BURST).await?
        } else {
            pump(src, dst, count).await?
        };
        if !more {
            // End of stream from `src`: tell the other side, stop reading.
            let _ = dst.shutdown().await;
            if from_a {
                a_open = false;
            } else {
                b_open = false;
            }
        }
    }
    Ok((TunnelEnd::Closed, moved))
}

/// Move what `src` has ready to `dst`. `Ok(false)` at end of stream.
async fn pump(src: &mut TcpStream, dst: &mut TcpStream, count: &mut u64) -> io::Result<bool> {
    let mut buf = take_buffer();
    let mut result = Ok(true);
    for _ in 0..BURST {
        match src.try_read(&mut buf) {
            Ok(0) => {
                result = Ok(false);
                break;
            }
            Ok(n) => {
                if let Err(e) = dst.write_all(&buf[..n]).await {
                    result = Err(e);
                    break;
                }
                *count += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    give_back(buf);
    result
}
