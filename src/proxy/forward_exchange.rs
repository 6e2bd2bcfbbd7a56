//! The exchange with the origin for one forwarded request: the request
//! body goes out while the response head is awaited.

use super::Sent;
use crate::config::Config;
use crate::http::framing::{copy_body, CopyError, Framing};
use crate::http::headers::Headers;
use crate::http::rewrite::StatusLine;
use crate::http::HttpError;
use crate::outbound::origin::OriginConn;
use crate::proxy::client::{Client, ClientRead, ClientWrite};
use crate::proxy::error::{ProxyError, ServerEnd};
use crate::proxy::response::{read_response_head, ResponseError};
use tokio::io::AsyncWriteExt;

/// Send the request head, then the body and the response head together.
/// A kept connection (`reused`) that takes no request or answers with no
/// status line has gone stale: `SendFailed`, which may be retried.
pub(super) async fn send_and_exchange<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    cfg: &Config,
    conn: &mut OriginConn,
    head: &[u8],
    sent: &Sent<'_>,
    reused: bool,
) -> Result<(StatusLine, Headers, bool), ProxyError> {
    let server_fd = conn.fd;
    if conn.wr.write_all(head).await.is_err() {
        return Err(ProxyError::SendFailed { server_fd });
    }
    let http09 = sent.line.version.is_http09();
    let ends = Ends {
        host: &sent.target.host,
        fd: server_fd,
    };
    let (rd, wr) = (&mut conn.rd, &mut conn.wr);
    match exchange(client, cfg, rd, wr, sent.framing, http09, ends).await {
        Err(ProxyError::NoStatus { .. }) if reused => Err(ProxyError::SendFailed { server_fd }),
        other => other,
    }
}

/// The origin of the exchange, named in its failures.
#[derive(Clone, Copy)]
struct Ends<'a> {
    host: &'a str,
    fd: i32,
}

impl Ends<'_> {
    fn response(self, e: ResponseError) -> ProxyError {
        let server = ServerEnd {
            host: self.host.to_string(),
            fd: self.fd,
        };
        ProxyError::response(e, server, false)
    }

    fn client_body(self, error: HttpError) -> ProxyError {
        ProxyError::ClientBody {
            error,
            server_fd: self.fd,
        }
    }
}

/// Send the request body while waiting for the response head (so interim
/// `100 Continue` answers reach the client). Returns the final response
/// head and whether the whole request body was sent.
async fn exchange<SR, SW, R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    cfg: &Config,
    srv_rd: &mut SR,
    srv_wr: &mut SW,
    framing: Framing,
    http09: bool,
    ends: Ends<'_>,
) -> Result<(StatusLine, Headers, bool), ProxyError>
where
    SR: tokio::io::AsyncBufRead + Unpin,
    SW: tokio::io::AsyncWrite + Unpin,
{
    let body = copy_body(&mut client.rd, srv_wr, framing, cfg.timeout);
    let resp = read_response_head(srv_rd, &mut client.wr, cfg.timeout, http09);
    tokio::pin!(body, resp);
    let mut body_result: Option<bool> = None;
    let mut head = None;
    // Until the final response head arrives. A head that comes while the
    // body is still being sent (an early 413, a 417 to 100-continue) is
    // relayed at once: the rest of the body is not forwarded and the
    // connection closes after the response (issue 12 item 4).
    while head.is_none() {
        tokio::select! {
            b = &mut body, if body_result.is_none() => match b {
                Ok(n) => {
                    crate::ops::hooks::request_body(n); // ops hook
                    body_result = Some(true)
                }
                // The server stopped reading: it may still answer.
                Err(CopyError::Write(_)) => body_result = Some(false),
                Err(CopyError::Read(e)) => return Err(ends.client_body(e)),
            },
            r = &mut resp, if head.is_none() => match r {
                Ok(h) => head = Some(h),
                Err(e) => return Err(ends.response(e)),
            },
        }
    }
    if body_result.is_none() {
        // Both may have become ready together: a finished body counts.
        body_result = match futures_util::FutureExt::now_or_never(&mut body) {
            Some(Ok(_)) => Some(true),
            Some(Err(CopyError::Read(e))) => return Err(ends.client_body(e)),
            _ => Some(false),
        };
    }
    match (head, body_result) {
        (Some((status, headers)), Some(complete)) => Ok((status, headers, complete)),
        _ => Err(ends.response(ResponseError::Headers(None))),
    }
}
