//! SOCKS4a CONNECT, as tinyproxy 1.11 sends it for `Upstream socks4`
//! (`../shared/spec/tinyproxy-1.11.md` §6.6):
//! `04 01 port_be16 00 00 00 01 00 host 00` — the 0.0.0.1 address asks the
//! proxy to resolve `host`; the user id is empty. Credentials in the rule are
//! ignored, as in tinyproxy.
//!
//! No timeout of its own: the caller bounds it (`socks_handshake` does).

use super::error::{read_error, Socks4Reply, UpstreamError};
use super::socks5::send;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

const PROTO: &str = "socks4";
const GRANTED: u8 = 0x5A;

/// Negotiates a CONNECT to `target_host:target_port` over `s`, which is
/// already connected to the SOCKS4a proxy. The full 8-byte reply is read;
/// success is `00 5A`.
pub async fn socks4a_connect<S>(
    s: &mut S,
    target_host: &str,
    target_port: u16,
) -> Result<(), UpstreamError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    send(s, &connect_request(target_host, target_port)?).await?;
    let mut reply = [0u8; 8];
    s.read_exact(&mut reply).await.map_err(read_error(PROTO))?;
    if reply[0] != 0 {
        return Err(UpstreamError::BadReply {
            proto: PROTO,
            what: "reply version is not 0",
        });
    }
    if reply[1] != GRANTED {
        return Err(UpstreamError::Socks4Refused(Socks4Reply::from_code(
            reply[1],
        )));
    }
    Ok(())
}

/// The request bytes. The host is NUL-terminated on the wire, so it must
/// not contain a NUL; like the SOCKS5 name it is capped at 255 bytes.
fn connect_request(target_host: &str, target_port: u16) -> Result<Vec<u8>, UpstreamError> {
    let host = super::hostaddr::strip_brackets(target_host).as_bytes();
    if host.is_empty() {
        return Err(UpstreamError::BadTarget("empty host name"));
    }
    if host.len() > 255 {
        return Err(UpstreamError::BadTarget("host name longer than 255 bytes"));
    }
    if host.contains(&0) {
        return Err(UpstreamError::BadTarget("host name contains a NUL byte"));
    }
    let mut out = Vec::with_capacity(10 + host.len());
    out.extend_from_slice(&[4, 1]);
    out.extend_from_slice(&target_port.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 1, 0]);
    out.extend_from_slice(host);
    out.push(0);
    Ok(out)
}
