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
use futures_util::FutureExt;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use tokio::net::TcpStream;

/// The longest request line kept for the panic report.
const MAX_TRACE: usize = 1024;

/// What a panic report says about the connection.
#[derive(Default)]
pub struct Trace {
    line: Mutex<Vec<u8>>,
}

impl Trace {
    /// Remember the first line of `buffered` (the start of the request
    /// about to be served).
    pub fn note(&self, buffered: &[u8]) {
        let end = buffered
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(buffered.len())
            .min(MAX_TRACE);
        let mut line = self.line.lock().unwrap_or_else(|p| p.into_inner());
        line.clear();
        line.extend_from_slice(&buffered[..end]);
    }

    fn line(&self) -> String {
        let line = self.line.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&mask_userinfo(&line)).into_owned()
    }
}

/// `user:password@` in a URL's authority becomes `****@`.
pub fn mask_userinfo(line: &[u8]) -> Vec<u8> {
    let Some(scheme) = line.windows(3).position(|w| w == b"://") else {
        return line.to_vec();
    };
    let start = scheme + 3;
    let rest = &line[start..];
    let auth_len = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b' ' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let Some(at) = rest[..auth_len].iter().rposition(|&b| b == b'@') else {
        return line.to_vec();
    };
    let mut out = line[..start].to_vec();
    out.extend_from_slice(b"****");
    out.extend_from_slice(&rest[at..]);
    out
}

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
            crate::proxy::client::canonical(peer.ip()),
            trace.line(),
            what
        );
    }
}

#[cfg(test)]
mod tests {
    use super::mask_userinfo;

    fn masked(s: &str) -> String {
        String::from_utf8(mask_userinfo(s.as_bytes())).unwrap()
    }

    #[test]
    fn credentials_in_the_url_are_masked() {
        assert_eq!(
            masked("GET http://user:secret@h:8/p@q HTTP/1.1"),
            "GET http://****@h:8/p@q HTTP/1.1"
        );
        assert_eq!(masked("GET http://h/x HTTP/1.1"), "GET http://h/x HTTP/1.1");
        assert_eq!(masked("CONNECT h:443 HTTP/1.1"), "CONNECT h:443 HTTP/1.1");
        assert_eq!(
            masked("GET http://a@b@c HTTP/1.0"),
            "GET http://****@c HTTP/1.0"
        );
    }
}
