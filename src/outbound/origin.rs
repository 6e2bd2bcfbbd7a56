//! Origin connection reuse, per client connection (beyond tinyproxy).
//!
//! tinyproxy sends `Connection: close` to every origin and opens a new TCP
//! connection per request. A client that keeps its connection alive and
//! sends further requests to the same origin gets them over one kept
//! origin connection instead: its first request goes out exactly as
//! tinyproxy sends it; from the second on, `Connection: close` is left
//! out so the origin may keep the connection, which this client
//! connection alone then reuses. Nothing is shared between clients.

use crate::http::framing::Framing;
use crate::http::headers::{has_token, Headers};
use crate::http::request::Version;
use crate::http::rewrite::StatusLine;
use crate::outbound::timed::TimedWrite;
use std::io::ErrorKind;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// Buffer for reading response heads and bodies from an origin.
const ORIGIN_BUF: usize = 16 * 1024;

/// A connection to a server, split for concurrent request/response.
pub struct OriginConn {
    host: String,
    port: u16,
    pub rd: BufReader<OwnedReadHalf>,
    /// Writes fail after `Timeout` without progress (an origin that stops
    /// reading a request body).
    pub wr: TimedWrite<OwnedWriteHalf>,
    pub fd: i32,
}

impl OriginConn {
    pub fn new(host: &str, port: u16, stream: TcpStream, fd: i32, timeout: Duration) -> OriginConn {
        let (r, w) = stream.into_split();
        OriginConn {
            host: host.to_ascii_lowercase(),
            port,
            rd: BufReader::with_capacity(ORIGIN_BUF, r),
            wr: TimedWrite::new(w, timeout),
            fd,
        }
    }

    /// Whether this connection goes to `host:port`.
    pub fn goes_to(&self, host: &str, port: u16) -> bool {
        self.port == port && self.host.eq_ignore_ascii_case(host)
    }

    /// Still open, with nothing unread from the server.
    pub fn is_fresh(&self) -> bool {
        if !self.rd.buffer().is_empty() {
            return false;
        }
        let mut probe = [0u8; 1];
        matches!(self.rd.get_ref().try_read(&mut probe), Err(e) if e.kind() == ErrorKind::WouldBlock)
    }
}

/// Whether a request may use (and keep) an origin connection: direct,
/// HTTP/1.1, a client that keeps its own connection, past its first request.
pub fn reusable(direct: bool, version: Version, client_keepalive: bool, served: u32) -> bool {
    direct && client_keepalive && served > 0 && version == (Version { major: 1, minor: 1 })
}

/// Whether the origin left the connection usable after this response.
pub fn origin_keeps(status: &StatusLine, headers: &Headers, framing: Framing) -> bool {
    framing != Framing::Close
        && !status.http10
        && !headers.get_all("Connection").any(|v| has_token(v, "close"))
}
