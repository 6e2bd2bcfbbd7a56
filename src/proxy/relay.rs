//! The tunnel of one connection, once CONNECT is answered: the two ends
//! (with bytes either side already sent), relayed until both close or the
//! tunnel idles for `Timeout`, then tinyproxy's closing line. Kept apart
//! from `connect` so the connection loop (`conn`) and the request types
//! (`next`) can name a tunnel without depending on how CONNECT is handled.

use crate::config::Limits;
use crate::log::Level;
use crate::log_msg;
use crate::proxy::client::Client;
use crate::tunnel::{self, TunnelEnd};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The server end of a tunnel and bytes it already sent us.
pub struct ServerSide {
    pub stream: TcpStream,
    pub fd: i32,
    pub leftover: Vec<u8>,
}

/// The client's side of a tunnel: its socket, and what it sent right
/// behind CONNECT (a TLS hello, say).
pub struct ClientSide {
    pub stream: TcpStream,
    pub fd: i32,
    pub pending: Vec<u8>,
}

impl ClientSide {
    /// The client connection as a tunnel end; `None` if its halves do not
    /// reunite (they always come from one socket).
    pub fn from_client(client: Client) -> Option<ClientSide> {
        let fd = client.fd;
        let (stream, pending) = client.into_stream().ok()?;
        Some(ClientSide {
            stream,
            fd,
            pending,
        })
    }
}

/// tinyproxy's last line for a connection that reached the server.
pub(super) fn log_closed(client_fd: i32, server_fd: i32) {
    crate::log::events::closed_connection(client_fd, server_fd);
}

/// Relay the tunnel until both sides close or it idles for Timeout.
pub async fn run_tunnel(client: ClientSide, server: ServerSide, limits: &Limits) {
    let ClientSide {
        stream: mut c,
        fd: client_fd,
        pending: pending_up,
    } = client;
    let ServerSide {
        stream: mut s,
        fd: server_fd,
        leftover,
    } = server;
    // Bytes already read on either side go first, bounded like any write.
    let primed = tokio::time::timeout(limits.timeout, async {
        if !pending_up.is_empty() {
            s.write_all(&pending_up).await?;
        }
        if !leftover.is_empty() {
            c.write_all(&leftover).await?;
        }
        Ok::<(), std::io::Error>(())
    })
    .await
    .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()));
    crate::ops::hooks::tunnel_primed(pending_up.len(), leftover.len()); // ops hook
    drop((pending_up, leftover));
    if primed.is_ok() {
        let relay = std::pin::pin!(tunnel::relay(&mut c, &mut s, limits.timeout));
        if let Ok((TunnelEnd::IdleTimeout, _)) = crate::ops::hooks::tunnel(relay).await {
            log_msg!(Level::Info, "Idle Timeout (after poll)");
        }
    }
    log_closed(client_fd, server_fd);
}
