//! The server side of a request: direct to the origin, or through the
//! upstream proxy the `Upstream` rules choose (HTTP, SOCKS4a, SOCKS5),
//! with tinyproxy's log lines for each step.

pub mod opensock;
pub mod origin;
pub mod timed;

use crate::config::{OutboundSettings, UpstreamKind, UpstreamProxy};
use crate::http::url::Target;
use crate::log::Level;
use crate::log_msg;
use crate::pages::ErrorKind;
use crate::upstream;
use opensock::ConnectError;
pub use opensock::LoopTable;
use std::os::fd::AsRawFd;
use tokio::net::TcpStream;

/// An open connection towards the target.
pub struct Outbound<'a> {
    pub stream: TcpStream,
    pub fd: i32,
    /// Set when the next hop is an HTTP proxy (absolute URLs, CONNECT).
    pub http_proxy: Option<&'a UpstreamProxy>,
}

/// Why no connection was made: the page to send and its `{error}`.
#[derive(Debug)]
pub struct OutboundError {
    pub kind: ErrorKind,
    pub error: Option<String>,
}

/// The Upstream rule for `target` (`None`: direct), chosen once per request.
pub fn route<'a>(out: &'a OutboundSettings, target: &Target) -> Option<&'a UpstreamProxy> {
    upstream::route(&out.upstreams, &target.host)
}

/// Connect towards `target` from the local address `local` (the one the
/// client reached us on) through `proxy`, the route
/// [`route`] chose (`None`: direct), logging the decision as tinyproxy.
/// `loops` is the proxy's loop table (a connection to our own port is
/// recorded there).
pub async fn open<'a>(
    loops: &LoopTable,
    local: std::net::IpAddr,
    out: &OutboundSettings,
    target: &Target,
    proxy: Option<&'a UpstreamProxy>,
) -> Result<Outbound<'a>, OutboundError> {
    if crate::log::enabled(Level::Info) {
        log_msg!(
            Level::Info,
            "{}",
            upstream::route_log_line(proxy, &target.host)
        );
    }
    crate::ops::hooks::route(proxy); // ops hook
    let local = Some(local);
    let Some(p) = proxy else {
        let (stream, reached) = opensock::open(loops, out, &target.host, target.port, local)
            .await
            .map_err(unable_to_connect)?;
        let fd = stream.as_raw_fd();
        crate::ops::hooks::connected(reached); // ops hook
        log_msg!(
            Level::Connect,
            "Established connection to host \"{}\" using file descriptor {}.",
            target.host,
            fd
        );
        return Ok(Outbound {
            stream,
            fd,
            http_proxy: None,
        });
    };
    let mut stream = match opensock::open(loops, out, &p.host, p.port, local).await {
        Ok((s, _)) => s,
        Err(_) => {
            log_msg!(Level::Warning, "Could not connect to upstream proxy.");
            crate::ops::hooks::upstream_failed(crate::ops::labels::FAIL_UPSTREAM); // ops hook
            return Err(OutboundError {
                kind: ErrorKind::UpstreamUnreachable,
                error: None,
            });
        }
    };
    let fd = stream.as_raw_fd();
    match p.kind {
        UpstreamKind::Http => {
            log_msg!(
                Level::Connect,
                "Established connection to upstream proxy \"{}\" using file descriptor {}.",
                p.host,
                fd
            );
            Ok(Outbound {
                stream,
                fd,
                http_proxy: Some(p),
            })
        }
        UpstreamKind::Socks4 | UpstreamKind::Socks5 => {
            log_msg!(
                Level::Connect,
                "Established connection to {} proxy \"{}\" using file descriptor {}.",
                p.kind.as_str(),
                p.host,
                fd
            );
            socks_handshake(&mut stream, p, target, out.timeout).await?;
            Ok(Outbound {
                stream,
                fd,
                http_proxy: None,
            })
        }
    }
}

fn unable_to_connect(e: ConnectError) -> OutboundError {
    crate::ops::hooks::upstream_failed(e.failure_label()); // ops hook
    OutboundError {
        kind: ErrorKind::UnableToConnect,
        error: Some(e.reason()),
    }
}

/// SOCKS negotiation, bounded by Timeout as a whole (tinyproxy's socket
/// timeouts bound each read instead). tinyproxy closes silently when it
/// fails; we answer 502 and log the cause, so the client learns that the
/// upstream, not the site, failed.
async fn socks_handshake(
    stream: &mut TcpStream,
    p: &UpstreamProxy,
    target: &Target,
    timeout: std::time::Duration,
) -> Result<(), OutboundError> {
    let result = upstream::socks_handshake(p, stream, &target.host, target.port, timeout).await;
    result.map_err(|e| {
        crate::ops::hooks::upstream_failed(crate::ops::labels::FAIL_SOCKS); // ops hook
        let reason = e.to_string();
        log_msg!(
            Level::Warning,
            "{} handshake with proxy {}:{} for {}:{} failed: {}",
            p.kind.as_str(),
            p.host,
            p.port,
            target.host,
            target.port,
            reason
        );
        OutboundError {
            kind: ErrorKind::UpstreamUnreachable,
            error: Some(reason),
        }
    })
}
