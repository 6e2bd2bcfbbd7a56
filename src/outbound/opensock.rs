//! Outgoing connections (tinyproxy's `opensock`): resolve, try every
//! address in order, bind the source address (`Bind` / `BindSame`), and
//! remember connections to our own port for loop prevention (`../shared/spec/tinyproxy-1.11.md` §6.15).

use crate::config::OutboundSettings;
use crate::log::Level;
use crate::log_msg;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};

/// Why no connection could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Resolve(String),
    #[error("{0}")]
    Connect(io::Error),
}

impl ConnectError {
    /// The text tinyproxy puts in `{error}` (strerror of the last attempt).
    pub fn reason(&self) -> String {
        match self {
            ConnectError::Resolve(r) => r.clone(),
            ConnectError::Connect(e) => crate::sys::strerror(e),
        }
    }

    /// The metrics label of this failure (`ops::labels::FAIL_*`).
    pub fn failure_label(&self) -> &'static str {
        match self {
            ConnectError::Resolve(_) => crate::ops::labels::FAIL_DNS,
            ConnectError::Connect(io) => crate::ops::labels::connect_failure(io),
        }
    }
}

/// Open a TCP connection to `host:port` as tinyproxy does, logging its
/// `opensock:` lines. `local` is the address the client connected to
/// (for BindSame); `loops` records a connection to our own port. Each
/// connect attempt is bounded by `Timeout`.
/// Returns the stream and the address it reached.
pub async fn open(
    loops: &LoopTable,
    out: &OutboundSettings,
    host: &str,
    port: u16,
    local: Option<IpAddr>,
) -> Result<(TcpStream, SocketAddr), ConnectError> {
    log_msg!(
        Level::Info,
        "opensock: opening connection to {}:{}",
        host,
        port
    );
    let addrs: Vec<SocketAddr> = match resolve(host, port, out.timeout).await {
        Ok(a) => a,
        Err(reason) => {
            log_msg!(
                Level::Error,
                "opensock: Could not retrieve address info for {}:{}: {}",
                host,
                port,
                reason
            );
            return Err(ConnectError::Resolve(reason));
        }
    };
    log_msg!(
        Level::Info,
        "opensock: getaddrinfo returned for {}:{}",
        host,
        port
    );
    let mut last = io::Error::new(io::ErrorKind::AddrNotAvailable, "No usable address");
    for addr in addrs {
        match crate::ops::hooks::timed_connect(connect_one(loops, out, addr, local)).await {
            Ok(s) => return Ok((s, addr)),
            Err(e) => last = e,
        }
    }
    log_msg!(
        Level::Error,
        "opensock: Could not establish a connection to {}:{}",
        host,
        port
    );
    Err(ConnectError::Connect(last))
}

/// Resolve without leaving the async runtime blocked; IP literals skip DNS.
async fn resolve(host: &str, port: u16, limit: Duration) -> Result<Vec<SocketAddr>, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let _dns = crate::ops::hooks::dns_timer(); // ops hook: observed when dropped
    match tokio::time::timeout(limit, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(it)) => {
            let v: Vec<SocketAddr> = it.collect();
            if v.is_empty() {
                Err("Name or service not known".to_string())
            } else {
                Ok(v)
            }
        }
        Ok(Err(e)) => Err(gai_text(&e)),
        Err(_) => Err("Temporary failure in name resolution".to_string()),
    }
}

/// tokio wraps getaddrinfo's message as "failed to lookup address
/// information: X"; keep X, which is what tinyproxy prints.
fn gai_text(e: &io::Error) -> String {
    let s = e.to_string();
    match s.split_once(": ") {
        Some((_, rest)) => rest.to_string(),
        None => s,
    }
}

async fn connect_one(
    loops: &LoopTable,
    out: &OutboundSettings,
    addr: SocketAddr,
    local: Option<IpAddr>,
) -> io::Result<TcpStream> {
    let sock = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    bind_source(out, &sock, addr, local)?;
    if addr.port() == out.own_port {
        // Perhaps ourselves: record the source port *before* connecting,
        // so the accepting side already knows it (`../shared/spec/tinyproxy-1.11.md` §6.15).
        if sock.local_addr()?.port() == 0 {
            let any: IpAddr = if addr.is_ipv4() {
                std::net::Ipv4Addr::UNSPECIFIED.into()
            } else {
                std::net::Ipv6Addr::UNSPECIFIED.into()
            };
            sock.bind(SocketAddr::new(any, 0))?;
        }
        loops.remember(sock.local_addr()?);
    }
    match tokio::time::timeout(out.timeout, sock.connect(addr)).await {
        Ok(Ok(s)) => {
            // A request head and its body are separate writes: without
            // this, Nagle holds the body until the server acknowledges
            // the head (a delayed ACK: up to 40 ms).
            let _ = s.set_nodelay(true);
            Ok(s)
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "Connection timed out",
        )),
    }
}

/// BindSame (the client's local address) wins over Bind; a Bind list is
/// tried in order for the target's address family.
fn bind_source(
    out: &OutboundSettings,
    sock: &TcpSocket,
    addr: SocketAddr,
    local: Option<IpAddr>,
) -> io::Result<()> {
    let (candidates, say): (Vec<IpAddr>, bool) = match (out.bind_same, local) {
        // tinyproxy logs "Bound to" only for the Bind list.
        (true, Some(ip)) => (vec![ip], false),
        _ => (out.bind.clone(), true),
    };
    if candidates.is_empty() {
        return Ok(());
    }
    for ip in candidates
        .into_iter()
        .filter(|ip| ip.is_ipv4() == addr.is_ipv4())
    {
        if sock.bind(SocketAddr::new(ip, 0)).is_ok() {
            if say {
                log_msg!(Level::Info, "Bound to {}", ip);
            }
            return Ok(());
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrNotAvailable,
        "Cannot assign requested address",
    ))
}

/// How long a connection to our own port is remembered (tinyproxy: 15 s).
const LOOP_MEMORY: Duration = Duration::from_secs(15);

/// The outgoing connections to our own port (loop prevention): one table
/// per proxy instance, in its runtime context, shared by the dialling side
/// (which records) and the accepting side (which checks).
#[derive(Debug, Default)]
pub struct LoopTable {
    entries: Mutex<HashMap<SocketAddr, Instant>>,
}

impl LoopTable {
    pub fn new() -> LoopTable {
        LoopTable::default()
    }

    /// The table, even after a panic elsewhere poisoned its lock: loop
    /// detection must not switch itself off (a panic loses one connection).
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, Instant>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remember `local`, the source of a connection towards our own port.
    pub fn remember(&self, local: SocketAddr) {
        let mut t = self.entries();
        let now = Instant::now();
        t.retain(|_, at| now.duration_since(*at) < LOOP_MEMORY);
        t.insert(local, now);
    }

    /// Whether `peer` is one of our own recent outgoing connections. A
    /// source recorded before connecting has no address yet: the port decides.
    pub fn is_own_connection(&self, peer: SocketAddr) -> bool {
        self.entries().iter().any(|(src, at)| {
            src.port() == peer.port()
                && (src.ip().is_unspecified() || src.ip() == peer.ip())
                && at.elapsed() < LOOP_MEMORY
        })
    }
}
