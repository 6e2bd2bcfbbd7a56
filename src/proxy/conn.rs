//! One client connection from accept to close: loop check and ACL before
//! anything is read (as tinyproxy), then requests one after another while
//! the client keeps the connection alive, or a tunnel.
//!
//! Each request is judged by the configuration in force when it arrives:
//! after a reload, the next request on a kept connection meets the new
//! Allow/Deny, Filter, BasicAuth, ConnectPort and Upstream rules, as every
//! request does in tinyproxy (one request per connection).

use crate::config::Config;
use crate::log::Level;
use crate::log_msg;

use crate::proxy::client::Client;
use crate::proxy::error::ProxyError;
use crate::proxy::generation::Shared;
use crate::proxy::next::Next;
use crate::proxy::report::{closed_before_read, report};
use crate::proxy::request::serve_one;
use crate::proxy::slots::Slots;
use crate::proxy::trace::Trace;
use futures_util::FutureExt;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use tokio::io::AsyncBufReadExt;
use tokio::net::TcpStream;

/// A connection that became a tunnel, to relay once the request
/// handling's state is gone (see [`crate::runtime::guard::run`]).
pub struct Tunnel {
    // The sockets themselves, not the request-time `Client` (whose size
    // the tunnel's future would carry for its whole life).
    client: crate::proxy::relay::ClientSide,
    server: crate::proxy::relay::ServerSide,
    gen: Arc<crate::proxy::generation::Generation>,
    /// Counts the connection open (stats page) until the tunnel ends.
    _open: crate::counters::OpenGuard,
}

impl Tunnel {
    pub async fn run(self) {
        crate::proxy::relay::run_tunnel(self.client, self.server, &self.gen.limits).await;
    }
}

/// Serve one accepted connection's requests; `Some` when it became a
/// tunnel, which the caller relays.
pub async fn handle(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    slots: Arc<Slots>,
    trace: Arc<Trace>,
) -> Option<Tunnel> {
    let ctx = Arc::clone(&shared.ctx);
    let _open = ctx.stats.open_guard();
    let mut gen = shared.current();
    let cfg = &*Arc::clone(&gen.config);
    let fd = stream.as_raw_fd();
    let _ = stream.set_nodelay(true);
    let mut client = match Client::new(stream, peer, fd, cfg.timeout, ctx) {
        Ok(c) => c,
        Err(_) => return None,
    };
    log_connect(&client, cfg);
    let peer = SocketAddr::new(client.ip, peer.port());
    if client.ctx.loops.is_own_connection(peer) {
        // A connection from ourselves (`../shared/spec/tinyproxy-1.11.md`
        // §6.15): the loop page.
        Box::pin(report(&mut client, cfg, ProxyError::Loop, None)).await;
        return None;
    }
    // The checks and the refusals are boxed (as `serve_one` below): their
    // buffers are needed once, not for a kept connection's whole life.
    if !Box::pin(admitted(&mut client, cfg)).await {
        return None;
    }
    loop {
        if !wait_for_request(&mut client, &gen.config, &slots).await {
            return None;
        }
        if client.served > 0 {
            let now = shared.current();
            if !Arc::ptr_eq(&now, &gen) {
                gen = now;
                client.wr.set_limit(gen.config.timeout);
                if let Some(o) = client.origin.as_mut() {
                    o.wr.set_limit(gen.config.timeout);
                }
                if !Box::pin(admitted(&mut client, &gen.config)).await {
                    return None;
                }
            }
        }
        trace.note(client.rd.buffer());
        #[cfg(feature = "test-panic")]
        test_panic(&mut client).await;
        match serve_one(&mut client, &gen).await {
            Next::KeepAlive => {
                client.served += 1;
                // ops hook: account the request; close when draining.
                if !crate::ops::request_boundary() {
                    return None;
                }
            }
            Next::Close => {
                if client.reset_on_close {
                    client.reset();
                }
                return None;
            }
            Next::Tunnel(server) => {
                return Some(Tunnel {
                    client: crate::proxy::relay::ClientSide::from_client(client)?,
                    server,
                    gen,
                    _open,
                })
            }
        }
    }
}

/// tinyproxy's first line for a connection.
fn log_connect(client: &Client, cfg: &Config) {
    if cfg.bind_same {
        log_msg!(
            Level::Connect,
            "Connect (file descriptor {}): {} at [{}]",
            client.fd,
            client.ip_text,
            client.local.ip()
        );
    } else {
        log_msg!(
            Level::Connect,
            "Connect (file descriptor {}): {}",
            client.fd,
            client.ip_text
        );
    }
}

/// The ACL check (tinyproxy's, before the request is read); a refused
/// client gets the 403 page and `false`.
async fn admitted(client: &mut Client, cfg: &Config) -> bool {
    if crate::policy::acl::allowed(&cfg.acl, client.ip).await {
        return true;
    }
    report(client, cfg, ProxyError::AclDenied, None).await;
    false
}

/// Wait for the next request to start. `false` (close) after `Timeout`,
/// or, between two requests on a kept connection, when a new client needs
/// this connection's slot (see [`Slots`]).
async fn wait_for_request(client: &mut Client, cfg: &Config, slots: &Arc<Slots>) -> bool {
    if !client.rd.buffer().is_empty() {
        return true;
    }
    // Already sent, or closed: nothing to wait for.
    if client.rd.fill_buf().now_or_never().is_some() {
        return true;
    }
    if client.served == 0 {
        // A new connection is never closed for another: it was admitted
        // to send a request.
        if tokio::time::timeout(cfg.timeout, client.rd.fill_buf())
            .await
            .is_err()
        {
            closed_before_read(client.fd);
            return false;
        }
        return true;
    }
    let Some(idle) = slots.idle() else {
        return closing_idle(client);
    };
    tokio::select! {
        biased;
        _ = client.rd.fill_buf() => true,
        _ = idle.evicted() => closing_idle(client),
        // A shutdown closes connections idle at a request boundary at once.
        _ = client.ctx.ops.shutdown.closing() => false,
        _ = tokio::time::sleep(cfg.timeout) => false,
    }
}

fn closing_idle(client: &Client) -> bool {
    log_msg!(
        Level::Info,
        "Closing idle kept connection (file descriptor {}): a new client needs its slot",
        client.fd
    );
    false
}

/// Test builds only: a magic request panics, to prove a panic loses one
/// connection and nothing else.
#[cfg(feature = "test-panic")]
async fn test_panic(client: &mut Client) {
    if client
        .rd
        .fill_buf()
        .await
        .is_ok_and(|b| b.windows(11).any(|w| w == b"panic.test/"))
    {
        panic!("test-panic: injected panic");
    }
}
