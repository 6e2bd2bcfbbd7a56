//! Upstream proxies: choosing one for a request (`route`), the
//! `Proxy-Authorization` value for HTTP upstreams, and the SOCKS4a / SOCKS5
//! handshakes. Opening the TCP connection (with `Bind`, and tinyproxy's
//! `opensock` log lines) and speaking HTTP to an HTTP upstream belong to
//! the request code.

mod error;
mod hostaddr;
mod route;
mod socks4;
mod socks5;

pub use error::{Socks4Reply, Socks5Reply, UpstreamError};
pub use hostaddr::{parse_inet_aton, parse_ip_literal, strip_brackets};
pub use route::{describe_route, route, route_log_line, HostPort};
pub use socks4::socks4a_connect;
pub use socks5::socks5_connect;

use crate::config::{Credentials, UpstreamKind, UpstreamProxy};
use base64::Engine;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// The `Proxy-Authorization` header value for an HTTP upstream:
/// `Basic base64(user:pass)`, user and pass as written in the rule.
pub fn proxy_authorization(creds: &Credentials) -> String {
    let pair = format!("{}:{}", creds.user, creds.pass);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// Runs the SOCKS handshake `proxy.kind` calls for over `s` (already
/// connected to the proxy), bounded by `timeout` as a whole.
///
/// tinyproxy bounds each socket read by `Timeout` (verified: a silent
/// SOCKS5 proxy with `Timeout 3` ends the client after about 3 s); we bound
/// the handshake as a whole, so a proxy trickling one byte per second
/// cannot hold a client for long either.
/// An `http` upstream is an error: it needs no handshake.
pub async fn socks_handshake<S>(
    proxy: &UpstreamProxy,
    s: &mut S,
    target_host: &str,
    target_port: u16,
    timeout: Duration,
) -> Result<(), UpstreamError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let handshake = async {
        match proxy.kind {
            UpstreamKind::Socks5 => {
                socks5_connect(s, target_host, target_port, proxy.credentials.as_ref()).await
            }
            UpstreamKind::Socks4 => socks4a_connect(s, target_host, target_port).await,
            UpstreamKind::Http => Err(UpstreamError::NotSocks),
        }
    };
    tokio::time::timeout(timeout, handshake)
        .await
        .unwrap_or(Err(UpstreamError::Timeout(timeout)))
}
