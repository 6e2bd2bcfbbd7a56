//! A panic loses one connection, never the daemon.
//!
//! Release builds unwind (`panic = "unwind"` in Cargo.toml), and each
//! connection's task runs under `catch_unwind`: a panic is logged at ERROR
//! with the client address and the request line being served (credentials
//! in the URL masked), the connection's sockets are closed as its future
//! is dropped, its `MaxClients` slot is given back, and the accept loops
//! and every other connection go on.

use crate::log::Level;
use crate::log_msg;
use crate::proxy::generation::Shared;
use crate::proxy::slots::Slots;
use crate::proxy::trace::Trace;
use futures_util::FutureExt;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::net::TcpStream;

/// Serve one accepted connection, containing any panic to it.
pub async fn run(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, slots: Arc<Slots>) {
    let trace = Arc::new(Trace::default());
    let traced = Arc::clone(&trace);
    let conn = async move {
        // The request handling's state (about 3.5 KiB) is boxed and freed
        // when it ends, so a long-lived tunnel holds only its own.
        let requests = Box::pin(crate::proxy::conn::handle(
            stream, peer, shared, slots, traced,
        ));
        if let Some(tunnel) = requests.await {
            tunnel.run().await;
        }
    };
    if let Err(payload) = AssertUnwindSafe(conn).catch_unwind().await {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        log_msg!(
            Level::Error,
            "Internal error serving {} (request \"{}\"): {}; connection closed",
            peer.ip().to_canonical(),
            trace.line(),
            what
        );
    }
}
