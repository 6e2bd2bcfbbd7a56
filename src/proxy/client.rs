//! The client side of one connection: its socket halves and identity for
//! logs (its error pages go out through `report`).

use crate::outbound::timed::TimedWrite;
use crate::proxy::context::Context;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// Read buffer for request heads and bodies; released when a tunnel starts.
const READ_BUF: usize = 8 * 1024;
/// The longest we wait for a refused client's request before answering.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// The most a closing connection's unread request bytes are waited for.
const LINGER_TIME: Duration = Duration::from_secs(2);
/// The most unread request bytes read and dropped before closing.
const LINGER_BYTES: usize = 1 << 20;

/// What a client connection reads from: a TCP socket's read half, or in
/// tests any in-process stream.
pub trait ClientRead: AsyncRead + Unpin {}
impl<T: AsyncRead + Unpin> ClientRead for T {}

/// What a client connection writes to.
pub trait ClientWrite: AsyncWrite + Unpin {}
impl<T: AsyncWrite + Unpin> ClientWrite for T {}

/// One accepted client connection. The request pipeline works on any
/// pair of byte streams; only the connection loop (tunnels, resets)
/// needs the TCP socket back.
pub struct Client<R = OwnedReadHalf, W = OwnedWriteHalf> {
    pub rd: BufReader<R>,
    /// Writes fail after `Timeout` without progress (a client that never
    /// reads frees its slot, as with tinyproxy's SO_SNDTIMEO).
    pub wr: TimedWrite<W>,
    /// The socket's descriptor: tinyproxy's per-connection key in logs.
    pub fd: i32,
    /// Client address, IPv4-mapped IPv6 shown as IPv4.
    pub ip: IpAddr,
    pub ip_text: String,
    /// The address the client connected to (BindSame, transparent path).
    pub local: SocketAddr,
    /// Requests served on this connection so far.
    pub served: u32,
    /// The origin connection kept from the previous request, if any.
    pub origin: Option<crate::outbound::origin::OriginConn>,
    /// End with a reset (RST) rather than a normal close.
    pub reset_on_close: bool,
    /// The proxy instance's runtime context (counters, loop table).
    pub ctx: Arc<Context>,
}

impl<R: ClientRead, W: ClientWrite> Client<R, W> {
    /// A client on the streams `rd` and `wr`, from `peer` (its address)
    /// to `local` (ours); `fd` names it in logs.
    pub fn from_parts(
        rd: R,
        wr: W,
        peer: IpAddr,
        local: SocketAddr,
        fd: i32,
        timeout: Duration,
        ctx: Arc<Context>,
    ) -> Client<R, W> {
        let local = SocketAddr::new(local.ip().to_canonical(), local.port());
        let ip = peer.to_canonical();
        Client {
            rd: BufReader::with_capacity(READ_BUF, rd),
            wr: TimedWrite::new(wr, timeout),
            fd,
            ip,
            ip_text: ip.to_string(),
            local,
            served: 0,
            origin: None,
            reset_on_close: false,
            ctx,
        }
    }

    /// After a final answer to a request that was not read to its end (and
    /// after our write side is shut): read and drop what the client still
    /// sends, bounded in time and size, so that closing with unread bytes does
    /// not reset the answer away before the client has read it.
    pub async fn linger(&mut self) {
        let deadline = tokio::time::Instant::now() + LINGER_TIME;
        let mut buf = vec![0u8; 16 * 1024];
        let mut total = 0usize;
        while total < LINGER_BYTES {
            match tokio::time::timeout_at(deadline, self.rd.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => total += n,
                _ => return,
            }
        }
    }

    /// Before answering a client whose request was not read (ACL denial,
    /// loop), read what it sends first so the close does not reset the
    /// answer away. tinyproxy waits up to Timeout; we cap that at 5 s.
    ///
    /// `quiet_empty`: log nothing when nothing came (the ACL path); else
    /// tinyproxy's `no entity`.
    pub async fn drain_request(&mut self, timeout: Duration, quiet_empty: bool) {
        // On the heap: inline, these 2 KiB would size every request's
        // future (this path is on the way of every refusal).
        let mut buf = vec![0u8; 2048];
        let wait = timeout.min(DRAIN_LIMIT);
        match tokio::time::timeout(wait, self.rd.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => crate::log_msg!(
                crate::log::Level::Info,
                "Read request entity of {} bytes",
                n
            ),
            _ if !quiet_empty => crate::log_msg!(crate::log::Level::Info, "no entity"),
            _ => {}
        }
    }
}

impl Client {
    /// An accepted TCP connection.
    pub fn new(
        stream: TcpStream,
        peer: SocketAddr,
        fd: i32,
        timeout: Duration,
        ctx: Arc<Context>,
    ) -> std::io::Result<Client> {
        let local = stream.local_addr()?;
        let (r, w) = stream.into_split();
        Ok(Client::from_parts(r, w, peer.ip(), local, fd, timeout, ctx))
    }

    /// Give back the whole socket and any bytes already read but not used
    /// (a client may send its TLS hello right behind CONNECT).
    pub fn into_stream(self) -> std::io::Result<(TcpStream, Vec<u8>)> {
        let leftover = self.rd.buffer().to_vec();
        let stream = self
            .rd
            .into_inner()
            .reunite(self.wr.into_inner())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok((stream, leftover))
    }

    /// Close with a reset instead of a FIN, as tinyproxy does after an
    /// over-long request line.
    pub fn reset(self) {
        if let Ok((stream, _)) = self.into_stream() {
            // Linger 0: close() resets at once, it never blocks.
            let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
        }
    }
}
