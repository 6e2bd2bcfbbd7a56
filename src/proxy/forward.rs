//! Forwarding one plain HTTP request and its response, bodies streamed in
//! both directions with their framing checked, and the client connection
//! kept alive when both the client and the response allow it.

use crate::config::{Config, OutboundSettings, UpstreamProxy};
use crate::http::framing::{
    copy_body, request_framing, response_framing, split_buffered, Asked, Framing,
};
use crate::http::headers::Headers;
use crate::http::request::{MethodKind, RequestLine};
use crate::http::reverse::{self, ReverseRules};
use crate::http::rewrite::client_wants_keepalive;
use crate::http::rewrite::{
    build_request, build_response_head, ClientConnection, OutgoingRequest, StatusLine,
};
use crate::http::url::Target;
use crate::log::Level;
use crate::log_msg;
use crate::outbound;
use crate::outbound::origin::{self, OriginConn};
use crate::proxy::client::{Client, ClientRead, ClientWrite};
use crate::proxy::error::{ProxyError, ServerEnd};
use crate::proxy::generation::Generation;
use crate::proxy::next::{Next, Request};
use crate::upstream;
use exchange::send_and_exchange;
use std::io::IoSlice;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

#[path = "forward_exchange.rs"]
mod exchange;

/// Where a plain HTTP request goes.
pub struct Forward {
    pub target: Target,
    /// The `Host:` value to send.
    pub host_header: String,
    /// The ReversePath rule that mapped the request, if any.
    pub reverse_rule: Option<String>,
}

/// Forward `req` (directly or via an upstream) and relay the response:
/// check the body framing, get an origin connection (a kept one when it
/// may be reused), exchange, then relay the response and decide whether
/// the client connection stays open.
pub async fn forward<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    gen: &Generation,
    req: &mut Request,
    fwd: Forward,
) -> Result<Next, ProxyError> {
    let cfg = &*gen.config;
    // An ambiguous body framing (RFC 9112 §6.3) is refused: relaying it
    // would allow smuggling.
    let framing =
        request_framing(req.line.version, &req.headers).map_err(ProxyError::RequestFraming)?;
    let wants_keepalive = client_wants_keepalive(req.line.version, &req.headers);
    let req_headers = std::mem::take(&mut req.headers);
    let line = &req.line;
    let Forward {
        target,
        host_header,
        reverse_rule,
    } = fwd;
    let route = outbound::route(&gen.outbound, &target);
    let reusable = origin::reusable(
        route.is_none(),
        line.version,
        wants_keepalive,
        client.served,
    );
    let kept = client.origin.take();
    let reused = kept.filter(|o| reusable && o.goes_to(&target.host, target.port) && o.is_fresh());
    let was_reused = reused.is_some();
    let (conn, http_proxy) = match reused {
        Some(o) => (o, None),
        None => open(client, &gen.outbound, &target, route).await?,
    };
    let head = build_request(
        &OutgoingRequest {
            method: &line.method,
            version: line.version,
            target: &target,
            host_header,
            absolute: http_proxy.is_some(),
            upstream_auth: http_proxy
                .and_then(|p| p.credentials.as_ref())
                .map(upstream::proxy_authorization),
            client_ip: &client.ip_text,
            keep_origin: reusable,
        },
        req_headers,
        &gen.headers,
    );
    let sent = Sent {
        outbound: &gen.outbound,
        line,
        target: &target,
        route,
        framing,
        was_reused,
    };
    let (conn, answer) = exchange_once_more(client, cfg, conn, &head, &sent).await?;
    drop(head);
    let reply = Reply {
        line,
        host: &target.host,
        wants_keepalive,
        reusable,
        reverse_rule: reverse_rule.as_deref(),
    };
    relay_response(client, gen, conn, answer, &reply).await
}

/// What was sent towards the origin, for a second try.
struct Sent<'a> {
    outbound: &'a OutboundSettings,
    line: &'a RequestLine,
    target: &'a Target,
    route: Option<&'a UpstreamProxy>,
    framing: Framing,
    was_reused: bool,
}

/// A response head that may be relayed: status, headers, and whether the
/// request body was sent whole.
type Answer = (StatusLine, Headers, bool);

/// Send the request head and exchange; a kept connection the origin closed
/// meanwhile gets one fresh try, when no request body has been consumed.
async fn exchange_once_more<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    cfg: &Config,
    mut conn: OriginConn,
    head: &[u8],
    sent: &Sent<'_>,
) -> Result<(OriginConn, Answer), ProxyError> {
    let mut result = send_and_exchange(client, cfg, &mut conn, head, sent, sent.was_reused).await;
    let stale = matches!(result, Err(ProxyError::SendFailed { .. }));
    if sent.was_reused && sent.framing == Framing::Empty && stale {
        conn = open(client, sent.outbound, sent.target, sent.route)
            .await?
            .0;
        result = send_and_exchange(client, cfg, &mut conn, head, sent, false).await;
    }
    result.map(|answer| (conn, answer))
}

/// What decides how the response goes back to the client.
struct Reply<'a> {
    line: &'a RequestLine,
    host: &'a str,
    wants_keepalive: bool,
    /// The origin connection may be kept for this client's next request.
    reusable: bool,
    reverse_rule: Option<&'a str>,
}

/// Relay the response head (rewritten) and body, then keep both
/// connections for the next request or close them: the client's is kept
/// only when it asked, the body was sent whole and the response's length
/// is known.
async fn relay_response<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    gen: &Generation,
    mut conn: OriginConn,
    answer: Answer,
    reply: &Reply<'_>,
) -> Result<Next, ProxyError> {
    let cfg = &*gen.config;
    let (status, mut headers, body_complete) = answer;
    let (line, server_fd) = (reply.line, conn.fd);
    crate::ops::hooks::response(status.code); // ops hook
    let asked = Asked {
        head: line.method_kind() == MethodKind::Head,
        connect: false,
    };
    // A response whose length cannot be known (RFC 9112 §6.3: invalid or
    // differing Content-Length) is never relayed.
    let rf = response_framing(asked, status.code, status.http10, &headers).map_err(|error| {
        let server = ServerEnd {
            host: reply.host.to_string(),
            fd: server_fd,
        };
        ProxyError::ResponseFraming { error, server }
    })?;
    rf.apply(&mut headers);
    let resp_framing = rf.framing;
    if !body_complete {
        log_msg!(
            Level::Info,
            "Server answered before the whole request body was sent; closing after the response"
        );
    }
    let keep = reply.wants_keepalive && body_complete && rf.may_keep(line.version);
    let keep_origin =
        keep && reply.reusable && origin::origin_keeps(&status, &headers, resp_framing);
    let client_conn = if keep {
        ClientConnection::KeepAlive
    } else {
        ClientConnection::Close
    };
    let (mut early, mut rest) = (0usize, resp_framing);
    if !line.version.is_http09() {
        let (headers, extra) = reverse_response(&gen.reverse, headers, reply.reverse_rule);
        let head = build_response_head(
            &status,
            headers,
            line.version,
            client_conn,
            &extra,
            &gen.headers,
        );
        // The body bytes already read go out with the head, in one write.
        (early, rest) = split_buffered(conn.rd.buffer().len(), resp_framing);
        let sent = write_both(&mut client.wr, &head, &conn.rd.buffer()[..early]).await;
        conn.rd.consume(early);
        if sent.is_err() {
            let server_fd = Some(server_fd);
            return Err(ProxyError::ClientGone { server_fd });
        }
    }
    let copied = copy_body(&mut conn.rd, &mut client.wr, rest, cfg.timeout)
        .await
        .map(|n| n + early as u64);
    crate::ops::hooks::forwarded(&copied); // ops hook
    crate::log::events::closed_connection(client.fd, server_fd);
    if copied.is_ok() && keep {
        if keep_origin {
            client.origin = Some(conn);
        }
        Ok(Next::KeepAlive)
    } else {
        let _ = client.wr.shutdown().await;
        drop(conn);
        if !body_complete {
            client.linger().await;
        }
        Ok(Next::Close)
    }
}

/// Open a new connection towards `target` (direct or via an upstream).
async fn open<'a, R, W>(
    client: &Client<R, W>,
    out: &OutboundSettings,
    target: &Target,
    route: Option<&'a UpstreamProxy>,
) -> Result<(OriginConn, Option<&'a UpstreamProxy>), ProxyError> {
    let o = outbound::open(&client.ctx.loops, client.local.ip(), out, target, route).await?;
    let conn = OriginConn::new(&target.host, target.port, o.stream, o.fd, out.timeout);
    Ok((conn, o.http_proxy))
}

/// ReverseBaseURL rewrites a backend `Location`; ReverseMagic adds the
/// tracking cookie for the rule that mapped the request.
fn reverse_response(
    rules: &ReverseRules,
    mut headers: Headers,
    rule: Option<&str>,
) -> (Headers, Vec<(String, Vec<u8>)>) {
    let mut extra = Vec::new();
    let Some(rule) = rule else {
        return (headers, extra);
    };
    if rules.magic {
        extra.push(("Set-Cookie".to_string(), reverse::magic_set_cookie(rule)));
    }
    if let Some(old) = headers.get("Location").map(<[u8]>::to_vec) {
        if let Some(new) = reverse::rewrite_location(rules, &old) {
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

/// Write `a` then `b` with as few system calls as the writer allows (one
/// `writev` for a socket), without copying them together first.
async fn write_both<W>(w: &mut W, a: &[u8], b: &[u8]) -> std::io::Result<()>
where
    W: tokio::io::AsyncWrite + Unpin,
{
    let mut done = 0;
    while done < a.len() {
        let parts = [IoSlice::new(&a[done..]), IoSlice::new(b)];
        match w.write_vectored(&parts).await? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => done += n,
        }
    }
    w.write_all(&b[done - a.len()..]).await
}
