//! CONNECT: open the tunnel (directly, via SOCKS, or by asking an HTTP
//! upstream), answer the client as tinyproxy does (spec §6.3, §6.6), then
//! hand the open tunnel back to the connection loop (see `relay`).

use crate::config::{Config, UpstreamProxy};
use crate::http::framing::{copy_body, response_framing, Asked, Framing};
use crate::http::headers::Headers;
use crate::http::request::RequestLine;
use crate::http::rewrite::{
    build_request, build_response_head, ClientConnection, OutgoingRequest, StatusLine,
};
use crate::http::url::Target;
use crate::log::Level;
use crate::log_msg;
use crate::outbound::{self, Outbound};
use crate::pages::ErrorKind;
use crate::proxy::client::{Client, ErrorInfo};
use crate::proxy::generation::Generation;
use crate::proxy::next::{Next, Request};
use crate::proxy::relay::{log_closed, ServerSide};
use crate::proxy::response::{read_response_head, ResponseError};
use crate::upstream;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Handle a CONNECT whose port is allowed.
pub async fn connect(client: &mut Client, gen: &Generation, req: Request, target: Target) -> Next {
    let cfg = &*gen.config;
    let route = outbound::route(&gen.outbound, &target);
    let out = match outbound::open(
        &client.ctx.loops,
        client.local.ip(),
        &gen.outbound,
        &target,
        route,
    )
    .await
    {
        Ok(o) => o,
        Err(e) => {
            let info = ErrorInfo {
                line: Some(&req.line),
                url: None,
                error: e.error.as_deref(),
                ..Default::default()
            };
            client.send_error(cfg, e.kind, info).await;
            return Next::Close;
        }
    };
    if let Some(proxy) = out.http_proxy {
        return via_http_upstream(client, gen, req, target, out.stream, out.fd, proxy).await;
    }
    let Outbound { stream, fd, .. } = out;
    let reply = format!(
        "HTTP/1.{} 200 Connection established\r\nProxy-agent: tinyproxy\r\n\r\n",
        req.line.version.reply_minor()
    );
    if client.wr.write_all(reply.as_bytes()).await.is_err() {
        log_msg!(
            Level::Error,
            "handle_connection: Could not send CONNECT method greeting to client."
        );
        return Next::Close;
    }
    log_msg!(Level::Info, "Not sending client headers to remote machine");
    crate::ops::hooks::response(200); // ops hook
    Next::Tunnel(ServerSide {
        stream,
        fd,
        leftover: Vec::new(),
    })
}

/// Ask an HTTP upstream for the tunnel and relay its answer (with our
/// Via) instead of our own `200 Connection established`.
async fn via_http_upstream(
    client: &mut Client,
    gen: &Generation,
    req: Request,
    target: Target,
    stream: TcpStream,
    fd: i32,
    proxy: &UpstreamProxy,
) -> Next {
    let cfg = &*gen.config;
    let Request { line, headers } = req;
    let head = upstream_connect_head(client, gen, &line, headers, &target, proxy);
    let (rd, wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut wr = crate::outbound::timed::TimedWrite::new(wr, cfg.timeout);
    if let Err(e) = wr.write_all(&head).await {
        crate::log::events::client_headers_failed(&crate::sys::strerror(&e), &target.host, fd);
        return Next::Close;
    }
    let (status, headers) =
        match read_response_head(&mut rd, &mut client.wr, cfg.timeout, false).await {
            Ok(x) => x,
            Err(e) => return no_usable_answer(client, cfg, &line, &target, fd, e).await,
        };
    let ok = (200..300).contains(&status.code);
    crate::ops::hooks::response(status.code); // ops hook
    if !ok {
        log_refusal(proxy, &target, &status);
    }
    let asked = Asked {
        head: false,
        connect: true,
    };
    // A refused CONNECT's body is relayed by its framing; when that is
    // ambiguous, by the connection's end (the client connection closes
    // after it either way).
    let framing = response_framing(asked, status.code, status.http10, &headers)
        .map_or(Framing::Close, |rf| rf.framing);
    let conn = if ok {
        ClientConnection::Tunnel
    } else {
        ClientConnection::Close
    };
    let reply = build_response_head(&status, headers, line.version, conn, &[], &gen.headers);
    if client.wr.write_all(&reply).await.is_err() {
        return Next::Close;
    }
    if !ok {
        let _ = copy_body(&mut rd, &mut client.wr, framing, cfg.timeout).await;
        let _ = client.wr.shutdown().await;
        log_closed(client.fd, fd);
        return Next::Close;
    }
    let leftover = rd.buffer().to_vec();
    match rd.into_inner().reunite(wr.into_inner()) {
        Ok(stream) => Next::Tunnel(ServerSide {
            stream,
            fd,
            leftover,
        }),
        Err(_) => Next::Close,
    }
}

/// Our CONNECT request to an HTTP upstream: the authority `host:port` as
/// its target, the client's headers rewritten as for any forwarded
/// request, and the upstream's credentials when the rule has them.
fn upstream_connect_head(
    client: &Client,
    gen: &Generation,
    line: &RequestLine,
    headers: Headers,
    target: &Target,
    proxy: &UpstreamProxy,
) -> Vec<u8> {
    let authority = Target {
        path: format!("{}:{}", target.host_for_url(), target.port),
        ..target.clone()
    };
    build_request(
        &OutgoingRequest {
            method: "CONNECT",
            version: line.version,
            target: &authority,
            host_header: target.host_header(),
            absolute: false,
            upstream_auth: proxy
                .credentials
                .as_ref()
                .map(upstream::proxy_authorization),
            client_ip: &client.ip_text,
            keep_origin: false,
        },
        headers,
        &gen.headers,
    )
}

/// The HTTP upstream closed, timed out or spoke no HTTP before answering
/// our CONNECT. Like tinyproxy: the INFO line, then a silent close; broken
/// headers after a status line get the 503 page, as for plain requests.
async fn no_usable_answer(
    client: &mut Client,
    cfg: &Config,
    line: &RequestLine,
    target: &Target,
    fd: i32,
    e: ResponseError,
) -> Next {
    match e {
        ResponseError::NoStatus(reason) => {
            crate::log::events::server_headers_failed(&reason, &target.host, fd)
        }
        ResponseError::Headers => {
            log_msg!(
                Level::Warning,
                "Could not retrieve all the headers from the remote server."
            );
            let info = ErrorInfo {
                line: Some(line),
                ..Default::default()
            };
            client
                .send_error(cfg, ErrorKind::ResponseHeadersFailed, info)
                .await;
        }
    }
    Next::Close
}

/// Our own line (tinyproxy logs none) when the upstream answers CONNECT
/// with a non-2xx status, so a rejected `user:pass@` shows in the log and
/// not only at the client: WARNING for 401/407, INFO otherwise.
fn log_refusal(proxy: &UpstreamProxy, target: &Target, status: &StatusLine) {
    let level = if matches!(status.code, 401 | 407) {
        Level::Warning
    } else {
        Level::Info
    };
    log_msg!(
        level,
        "Upstream proxy {}:{} refused CONNECT to {}:{}: {}",
        proxy.host,
        proxy.port,
        target.host,
        target.port,
        String::from_utf8_lossy(&status.raw).trim_end()
    );
}
