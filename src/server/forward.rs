//! Forwarding one plain HTTP request and its response, bodies streamed in
//! both directions with their framing checked, and the client connection
//! kept alive when both the client and the response allow it.

use super::client::{Client, ErrorInfo};
use super::origin::{self, OriginConn};
use super::outbound;
use super::request::{Next, Request};
use super::response::{read_response_head, ResponseError};
use crate::config::Config;
use crate::http::forward::client_wants_keepalive;
use crate::http::forward::{
    build_request, build_response_head, ClientConnection, OutgoingRequest, StatusLine,
};
use crate::http::framing::{copy_body, request_framing, response_framing, CopyError, Framing};
use crate::http::headers::Headers;
use crate::http::request::RequestLine;
use crate::http::reverse;
use crate::http::url::Target;
use crate::log::Level;
use crate::log_msg;
use crate::pages::{self, ErrorKind};
use crate::upstream;
use tokio::io::AsyncWriteExt;

/// Where a plain HTTP request goes.
pub struct Forward {
    pub target: Target,
    /// The `Host:` value to send.
    pub host_header: String,
    /// The ReversePath rule that mapped the request, if any.
    pub reverse_rule: Option<String>,
}

/// Forward `req` (directly or via an upstream) and relay the response.
pub async fn forward(client: &mut Client, cfg: &Config, req: Request, fwd: Forward) -> Next {
    let Forward {
        target,
        host_header,
        reverse_rule,
    } = fwd;
    let framing = match request_framing(&req.headers) {
        Ok(f) => f,
        Err(e) => {
            log_msg!(
                Level::Warning,
                "Refusing request with ambiguous body framing from {}: {}",
                client.ip_text,
                e
            );
            pages::stats().inc_bad();
            let info = ErrorInfo {
                line: Some(&req.line),
                ..Default::default()
            };
            client.send_error(cfg, ErrorKind::BadRequest, info).await;
            return Next::Close;
        }
    };
    let wants_keepalive = client_wants_keepalive(req.line.version, &req.headers);
    let Request {
        line,
        headers: req_headers,
    } = req;
    let route = outbound::route(cfg, &target);
    let reusable = origin::reusable(
        route.is_none(),
        line.version,
        wants_keepalive,
        client.served,
    );
    let kept = client.origin.take();
    let reused = kept.filter(|o| reusable && o.goes_to(&target.host, target.port) && o.is_fresh());
    let was_reused = reused.is_some();
    let (mut conn, http_proxy) = match reused {
        Some(o) => (o, None),
        None => match open(client, cfg, &target, route, &line).await {
            Some(x) => x,
            None => return Next::Close,
        },
    };
    let upstream_auth = http_proxy
        .and_then(|p: &crate::config::UpstreamProxy| p.credentials.as_ref())
        .map(upstream::proxy_authorization);
    let head = build_request(
        &OutgoingRequest {
            method: &line.method,
            version: line.version,
            target: &target,
            host_header,
            absolute: http_proxy.is_some(),
            upstream_auth,
            client_ip: &client.ip_text,
            keep_origin: reusable,
        },
        req_headers,
        cfg,
    );
    let http09 = line.version.is_http09();
    let mut result =
        send_and_exchange(client, cfg, &mut conn, &head, framing, http09, was_reused).await;
    // A kept connection the origin closed meanwhile: one fresh try, when
    // no request body has been consumed.
    if was_reused && framing == Framing::Empty && matches!(result, Err(Failure::Stale)) {
        conn = match open(client, cfg, &target, route, &line).await {
            Some((c, _)) => c,
            None => return Next::Close,
        };
        result = send_and_exchange(client, cfg, &mut conn, &head, framing, http09, false).await;
    }
    drop(head);
    let server_fd = conn.fd;
    let (status, headers, body_complete) = match result {
        Ok(x) => x,
        Err(fail) => {
            return fail
                .answer(client, cfg, &line, &target.host, server_fd)
                .await
        }
    };
    let is_head = line.method.eq_ignore_ascii_case("HEAD");
    let resp_framing = response_framing(&headers, is_head, status.code);
    let keep = wants_keepalive && body_complete && resp_framing != Framing::Close;
    let keep_origin = keep && reusable && origin::origin_keeps(&status, &headers, resp_framing);
    let client_conn = if keep {
        ClientConnection::KeepAlive
    } else {
        ClientConnection::Close
    };
    if !http09 {
        let (headers, extra) = reverse_response(cfg, headers, reverse_rule.as_deref());
        let head = build_response_head(&status, headers, line.version, client_conn, &extra, cfg);
        if client.wr.write_all(&head).await.is_err() {
            return closed(client, server_fd);
        }
    }
    let copied = copy_body(&mut conn.rd, &mut client.wr, resp_framing, cfg.timeout).await;
    log_msg!(
        Level::Info,
        "Closed connection between local client (fd:{}) and remote client (fd:{})",
        client.fd,
        server_fd
    );
    if copied.is_ok() && keep {
        if keep_origin {
            client.origin = Some(conn);
        }
        Next::KeepAlive
    } else {
        let _ = client.wr.shutdown().await;
        Next::Close
    }
}

/// Open a new connection towards `target` (direct or via an upstream),
/// answering the client with the error page when that fails.
async fn open<'a>(
    client: &mut Client,
    cfg: &'a Config,
    target: &Target,
    route: Option<&'a crate::config::UpstreamProxy>,
    line: &RequestLine,
) -> Option<(OriginConn, Option<&'a crate::config::UpstreamProxy>)> {
    match outbound::open(client, cfg, target, route).await {
        Ok(o) => Some((
            OriginConn::new(&target.host, target.port, o.stream, o.fd, cfg.timeout),
            o.http_proxy,
        )),
        Err(e) => {
            let info = ErrorInfo {
                line: Some(line),
                error: e.error.as_deref(),
                ..Default::default()
            };
            client.send_error(cfg, e.kind, info).await;
            None
        }
    }
}

/// Send the request head, then the body and the response head together.
async fn send_and_exchange(
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

/// ReverseBaseURL rewrites a backend `Location`; ReverseMagic adds the
/// tracking cookie for the rule that mapped the request.
fn reverse_response(
    cfg: &Config,
    mut headers: Headers,
    rule: Option<&str>,
) -> (Headers, Vec<(String, Vec<u8>)>) {
    let mut extra = Vec::new();
    let Some(rule) = rule else {
        return (headers, extra);
    };
    if cfg.reverse_magic {
        extra.push(("Set-Cookie".to_string(), reverse::magic_set_cookie(rule)));
    }
    if let Some(old) = headers.get("Location").map(<[u8]>::to_vec) {
        if let Some(new) = reverse::rewrite_location(cfg, &old) {
            log_msg!(
                Level::Info,
                "Rewriting HTTP redirect: {} -> {}",
                String::from_utf8_lossy(&old),
                new
            );
            headers.set_first("Location", new.as_bytes());
        }
    }
    (headers, extra)
}

fn closed(client: &Client, server_fd: i32) -> Next {
    log_msg!(
        Level::Info,
        "Closed connection between local client (fd:{}) and remote client (fd:{})",
        client.fd,
        server_fd
    );
    Next::Close
}

/// How an exchange failed before the response head reached the client.
enum Failure {
    /// The client's body was malformed or cut short.
    ClientBody(CopyError),
    Response(ResponseError),
    /// The server closed before answering (a kept connection gone stale).
    Stale,
}

impl Failure {
    async fn answer(
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
                pages::stats().inc_bad();
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
                log_msg!(
                    Level::Info,
                    "process_server_headers failed: {}. host \"{}\" using file descriptor {}.",
                    reason,
                    host,
                    server_fd
                );
                // tinyproxy just closes here, without its "Closed" line.
                return Next::Close;
            }
            Failure::Response(ResponseError::Headers) => {
                log_msg!(
                    Level::Warning,
                    "Could not retrieve all the headers from the remote server."
                );
                pages::stats().inc_bad();
                client
                    .send_error(cfg, ErrorKind::ResponseHeadersFailed, info)
                    .await;
                log_msg!(
                    Level::Info,
                    "process_server_headers failed: Success. host \"{}\" using file descriptor {}.",
                    host,
                    server_fd
                );
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
        crate::http::forward::StatusLine,
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
    let resp = read_response_head(srv_rd, &mut client.wr, cfg, http09);
    tokio::pin!(body, resp);
    let mut body_result: Option<bool> = None;
    let mut head = None;
    while body_result.is_none() || head.is_none() {
        tokio::select! {
            b = &mut body, if body_result.is_none() => match b {
                Ok(_) => body_result = Some(true),
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
    match (head, body_result) {
        (Some((status, headers)), Some(complete)) => Ok((status, headers, complete)),
        _ => Err(Failure::Response(ResponseError::Headers)),
    }
}
