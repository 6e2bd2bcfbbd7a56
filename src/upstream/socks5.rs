//! SOCKS5 CONNECT (RFC 1928) with optional user/password auth (RFC 1929), byte
//! for byte as tinyproxy sends it (`../shared/spec/tinyproxy-1.11.md` §6.6,
//! transcripts §11.9).
//!
//! The whole reply is read, bound address included, and nothing more, so
//! the stream is positioned at the first tunnelled byte afterwards. The
//! functions here have no timeout of their own: the caller bounds them
//! (`socks_handshake` does, with the configured `Timeout`).

use super::error::{read_error, Socks5Reply, UpstreamError};
use crate::config::Credentials;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

const PROTO: &str = "socks5";
const VERSION: u8 = 5;
const METHOD_NONE: u8 = 0x00;
const METHOD_USERPASS: u8 = 0x02;
const METHOD_REJECT: u8 = 0xFF;

/// Negotiates a CONNECT to `target_host:target_port` over `s`, which is
/// already connected to the SOCKS5 proxy.
///
/// The target goes out as a domain name (ATYP 3) even when it is an IP
/// literal, as tinyproxy does; IPv6 brackets are removed first. A user
/// name is offered only when it is non-empty (tinyproxy's rule).
pub async fn socks5_connect<S>(
    s: &mut S,
    target_host: &str,
    target_port: u16,
    creds: Option<&Credentials>,
) -> Result<(), UpstreamError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let creds = creds.filter(|c| !c.user.is_empty());
    let request = connect_request(target_host, target_port)?;
    let auth = creds.map(auth_request).transpose()?;

    send(s, &greeting(auth.is_some())).await?;
    if select_method(s, auth.is_some()).await? == METHOD_USERPASS {
        let auth = auth
            .as_deref()
            .ok_or(UpstreamError::UnexpectedAuthMethod(METHOD_USERPASS))?;
        authenticate(s, auth).await?;
    }
    send(s, &request).await?;
    read_connect_reply(s).await
}

/// `05 01 00`, or `05 02 00 02` when we can authenticate.
fn greeting(with_auth: bool) -> Vec<u8> {
    if with_auth {
        vec![VERSION, 2, METHOD_NONE, METHOD_USERPASS]
    } else {
        vec![VERSION, 1, METHOD_NONE]
    }
}

/// Reads the method selection and checks it is one we offered.
async fn select_method<S>(s: &mut S, offered_auth: bool) -> Result<u8, UpstreamError>
where
    S: AsyncRead + Unpin,
{
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).await.map_err(read_error(PROTO))?;
    if reply[0] != VERSION {
        return Err(bad("method selection has the wrong version"));
    }
    match reply[1] {
        METHOD_NONE => Ok(METHOD_NONE),
        METHOD_USERPASS if offered_auth => Ok(METHOD_USERPASS),
        METHOD_REJECT => Err(UpstreamError::NoAcceptableAuth),
        other => Err(UpstreamError::UnexpectedAuthMethod(other)),
    }
}

/// RFC 1929: `01 ulen user plen pass`.
fn auth_request(creds: &Credentials) -> Result<Vec<u8>, UpstreamError> {
    let (user, pass) = (creds.user.as_bytes(), creds.pass.as_bytes());
    let ulen = u8::try_from(user.len()).map_err(|_| UpstreamError::CredentialsTooLong)?;
    let plen = u8::try_from(pass.len()).map_err(|_| UpstreamError::CredentialsTooLong)?;
    let mut out = Vec::with_capacity(3 + user.len() + pass.len());
    out.push(1);
    out.push(ulen);
    out.extend_from_slice(user);
    out.push(plen);
    out.extend_from_slice(pass);
    Ok(out)
}

/// Sends the sub-negotiation and checks the status. Like tinyproxy we
/// accept a reply version of 1 (RFC 1929) or 5 (seen in the wild).
async fn authenticate<S>(s: &mut S, auth: &[u8]) -> Result<(), UpstreamError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    send(s, auth).await?;
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).await.map_err(read_error(PROTO))?;
    if reply[0] != 1 && reply[0] != VERSION {
        return Err(bad("authentication reply has the wrong version"));
    }
    if reply[1] != 0 {
        return Err(UpstreamError::AuthRejected(reply[1]));
    }
    Ok(())
}

/// `05 01 00 03 len host port_be16`.
fn connect_request(target_host: &str, target_port: u16) -> Result<Vec<u8>, UpstreamError> {
    let host = super::hostaddr::strip_brackets(target_host).as_bytes();
    if host.is_empty() {
        return Err(UpstreamError::BadTarget("empty host name"));
    }
    let len = u8::try_from(host.len())
        .map_err(|_| UpstreamError::BadTarget("host name longer than 255 bytes"))?;
    let mut out = Vec::with_capacity(7 + host.len());
    out.extend_from_slice(&[VERSION, 1, 0, 3, len]);
    out.extend_from_slice(host);
    out.extend_from_slice(&target_port.to_be_bytes());
    Ok(out)
}

/// Reads `VER REP RSV ATYP BND.ADDR BND.PORT` completely.
///
/// RSV is read but not checked (tinyproxy does not check it either, and
/// a stray value there cannot desynchronise the framing).
async fn read_connect_reply<S>(s: &mut S) -> Result<(), UpstreamError>
where
    S: AsyncRead + Unpin,
{
    let mut head = [0u8; 4];
    s.read_exact(&mut head).await.map_err(read_error(PROTO))?;
    if head[0] != VERSION {
        return Err(bad("connect reply has the wrong version"));
    }
    if head[1] != 0 {
        return Err(UpstreamError::Socks5Refused(Socks5Reply::from_code(
            head[1],
        )));
    }
    let addr_len = match head[3] {
        1 => 4,
        4 => 16,
        3 => {
            let mut len = [0u8; 1];
            s.read_exact(&mut len).await.map_err(read_error(PROTO))?;
            usize::from(len[0])
        }
        _ => return Err(bad("connect reply has an unknown address type")),
    };
    // Bound address plus port; at most 255 + 2 bytes.
    let mut rest = [0u8; 257];
    s.read_exact(&mut rest[..addr_len + 2])
        .await
        .map_err(read_error(PROTO))?;
    Ok(())
}

/// One protocol message, written whole and flushed.
pub(crate) async fn send<S>(s: &mut S, bytes: &[u8]) -> Result<(), UpstreamError>
where
    S: AsyncWrite + Unpin,
{
    s.write_all(bytes).await?;
    s.flush().await?;
    Ok(())
}

fn bad(what: &'static str) -> UpstreamError {
    UpstreamError::BadReply { proto: PROTO, what }
}
