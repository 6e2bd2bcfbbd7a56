//! The exchange with the origin for one forwarded request: the request
//! body goes out while the response head is awaited, and how it failed
//! when no response head could be relayed.

use crate::config::Config;
use crate::http::framing::{copy_body, CopyError, Framing};
use crate::http::headers::Headers;
use crate::http::request::RequestLine;
use crate::http::rewrite::StatusLine;
use crate::log::Level;
use crate::log_msg;
use crate::outbound::origin::OriginConn;
use crate::pages::ErrorKind;
use crate::proxy::client::{Client, ErrorInfo};
use crate::proxy::next::Next;
use crate::proxy::response::{read_response_head, ResponseError};
use tokio::io::AsyncWriteExt;

/// Send the request head, then the body and the response head together.
pub(super) async fn send_and_exchange(
    client: &mut Client,
    cfg: &Config,
    conn: &mut OriginConn,
    head: &[u8],
    framing: Framing,
    http09: bool,
    reused: bool,
) -> Result<(StatusLine, Headers, bool), Failure> {
    if conn.wr.write_all(head).await.is_err() {
        return Err(Failure::Stale);
    }
    match exchange(client, cfg, &mut conn.rd, &mut conn.wr, framing, http09).await {
        Err(Failure::Response(ResponseError::NoStatus(_))) if reused => Err(Failure::Stale),
        other => other,
    }
}

pub(super) fn closed(client: &Client, server_fd: i32) -> Next {
    crate::log::events::closed_connection(client.fd, server_fd);
    Next::Close
}

/// How an exchange failed before the response head reached the client.
pub(super) enum Failure {
    /// The client's body was malformed or cut short.
    ClientBody(CopyError),
    Response(ResponseError),
    /// The server closed before answering (a kept connection gone stale).
    Stale,
}

impl Failure {
    pub(super) async fn answer(
        self,
        client: &mut Client,
        cfg: &Config,
        line: &RequestLine,
        host: &str,
        server_fd: i32,
    ) -> Next {
        let info = ErrorInfo {
            line: Some(line),
            ..Default::default()
        };
        match self {
            Failure::ClientBody(CopyError::Read(e)) => {
                log_msg!(Level::Warning, "Could not retrieve request entity: {}", e);
                client.ctx.stats.inc_bad();
                client.send_error(cfg, ErrorKind::BadRequest, info).await;
            }
            Failure::ClientBody(CopyError::Write(_)) => {}
            Failure::Stale => {
                let info = ErrorInfo {
                    line: Some(line),
                    ..Default::default()
                };
                client.send_error(cfg, ErrorKind::SendFailed, info).await;
            }
            Failure::Response(ResponseError::NoStatus(reason)) => {
                crate::log::events::server_headers_failed(&reason, host, server_fd);
                // tinyproxy just closes here, without its "Closed" line.
                return Next::Close;
            }
            Failure::Response(ResponseError::Headers) => {
                log_msg!(
                    Level::Warning,
                    "Could not retrieve all the headers from the remote server."
                );
                client.ctx.stats.inc_bad();
                client
                    .send_error(cfg, ErrorKind::ResponseHeadersFailed, info)
                    .await;
                crate::log::events::server_headers_failed(&"Success", host, server_fd);
                return Next::Close;
            }
        }
        closed(client, server_fd)
    }
}

/// Send the request body while waiting for the response head (so interim
/// `100 Continue` answers reach the client). Returns the final response
/// head and whether the whole request body was sent.
async fn exchange<R, W>(
    client: &mut Client,
    cfg: &Config,
    srv_rd: &mut R,
    srv_wr: &mut W,
    framing: Framing,
    http09: bool,
) -> Result<
    (
        crate::http::rewrite::StatusLine,
        crate::http::headers::Headers,
        bool,
    ),
    Failure,
>
where
    R: tokio::io::AsyncBufRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
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
                Err(e) => return Err(Failure::ClientBody(e)),
            },
            r = &mut resp, if head.is_none() => match r {
                Ok(h) => head = Some(h),
                Err(e) => return Err(Failure::Response(e)),
            },
        }
    }
    if body_result.is_none() {
        // Both may have become ready together: a finished body counts.
        body_result = match futures_util::FutureExt::now_or_never(&mut body) {
            Some(Ok(_)) => Some(true),
            Some(Err(CopyError::Read(e))) => return Err(Failure::ClientBody(CopyError::Read(e))),
            _ => Some(false),
        };
    }
    match (head, body_result) {
        (Some((status, headers)), Some(complete)) => Ok((status, headers, complete)),
        _ => Err(Failure::Response(ResponseError::Headers)),
    }
}
