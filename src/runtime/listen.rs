//! Listening sockets, bound synchronously before any fork or privilege
//! drop (so `Port 80` works under `User nobody`), with tinyproxy's
//! log lines and its dual-stack wildcard when no `Listen` is given.

use crate::config::{Config, ScopedAddr};
use crate::log::Level;
use crate::log_msg;
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6, TcpListener};
use std::os::fd::AsRawFd;

/// tinyproxy's listen backlog.
const BACKLOG: i32 = 1024;

/// No listening socket could be made (tinyproxy exits 71).
#[derive(Debug, thiserror::Error)]
#[error("Could not create listening sockets.")]
pub struct ListenError;

/// Bind every `Listen` address on `Port`, or `0.0.0.0` and `::` (v6-only)
/// when there is none. A listed address that cannot be bound is fatal;
/// for the wildcard it is enough that one family binds.
pub fn bind_all(cfg: &Config) -> Result<Vec<TcpListener>, ListenError> {
    let mut out = Vec::new();
    if cfg.listen.is_empty() {
        log_msg!(Level::Info, "listen_sock called with addr = '(NULL)'");
        for ip in [
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        ] {
            if let Some(l) = bind_one(&ScopedAddr { ip, scope: None }, cfg.port) {
                out.push(l);
            }
        }
        if out.is_empty() {
            log_msg!(Level::Error, "Unable to listen on any address.");
            return Err(ListenError);
        }
        return Ok(out);
    }
    for addr in &cfg.listen {
        log_msg!(
            Level::Info,
            "listen_sock called with addr = '{}'",
            addr.to_string()
        );
        match bind_one(addr, cfg.port) {
            Some(l) => out.push(l),
            None => {
                log_msg!(Level::Error, "Unable to listen on any address.");
                return Err(ListenError);
            }
        }
    }
    Ok(out)
}

fn bind_one(addr: &ScopedAddr, port: u16) -> Option<TcpListener> {
    let family = if addr.ip.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    log_msg!(
        Level::Info,
        "trying to listen on host[{}], family[{}], socktype[{}], proto[{}]",
        addr.ip,
        family,
        libc::SOCK_STREAM,
        libc::IPPROTO_TCP
    );
    match try_bind(addr, port) {
        Ok(l) => {
            log_msg!(Level::Info, "listening on fd [{}]", l.as_raw_fd());
            Some(l)
        }
        Err(e) => {
            log_msg!(Level::Error, "bind failed: {}", crate::sys::strerror(&e));
            None
        }
    }
}

fn try_bind(addr: &ScopedAddr, port: u16) -> io::Result<TcpListener> {
    bind_addr(socket_addr(addr, port)?)
}

/// The socket address for a Listen entry (scope name resolved).
fn socket_addr(addr: &ScopedAddr, port: u16) -> io::Result<SocketAddr> {
    Ok(match addr.ip {
        IpAddr::V4(v4) => SocketAddr::new(IpAddr::V4(v4), port),
        IpAddr::V6(v6) => {
            let scope = match &addr.scope {
                Some(name) => scope_index(name)?,
                None => 0,
            };
            SocketAddr::V6(SocketAddrV6::new(v6, port, 0, scope))
        }
    })
}

/// The addresses a config asks to listen on (the wildcard pair without
/// `Listen`), for comparing across reloads.
pub fn wanted_addrs(cfg: &Config) -> Vec<SocketAddr> {
    if cfg.listen.is_empty() {
        return vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), cfg.port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), cfg.port),
        ];
    }
    cfg.listen
        .iter()
        .filter_map(|a| socket_addr(a, cfg.port).ok())
        .collect()
}

/// One listening socket: SO_REUSEADDR, v6-only for IPv6, non-blocking.
pub fn bind_addr(sa: SocketAddr) -> io::Result<TcpListener> {
    let sock = Socket::new(Domain::for_address(sa), Type::STREAM, Some(Protocol::TCP))?;
    sock.set_reuse_address(true)?;
    if sa.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.bind(&sa.into())?;
    sock.listen(BACKLOG)?;
    sock.set_nonblocking(true)?;
    Ok(sock.into())
}

/// An interface name (`eth0`) or number as an IPv6 scope id.
fn scope_index(name: &str) -> io::Result<u32> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(n);
    }
    crate::sys::if_nametoindex(name)
}
