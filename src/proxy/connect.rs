//! CONNECT: open the tunnel (directly, via SOCKS, or by asking an HTTP
//! upstream), answer the client as tinyproxy does (`../shared/spec/tinyproxy-1.11.md` §6.3, §6.6), then
//! hand the open tunnel back to the connection loop (see `relay`).

use crate::config::UpstreamProxy;
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
use crate::proxy::client::{Client, ClientRead, ClientWrite};
use crate::proxy::error::{ProxyError, ServerEnd};
use crate::proxy::generation::Generation;
use crate::proxy::next::{Next, Request};
use crate::proxy::relay::{log_closed, ServerSide};
use crate::proxy::response::read_response_head;
use crate::upstream;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Handle a CONNECT whose port is allowed.
pub async fn connect<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    gen: &Generation,
    req: &mut Request,
    target: Target,
) -> Result<Next, ProxyError> {
    let route = outbound::route(&gen.outbound, &target);
    let out = outbound::open(
        &client.ctx.loops,
        client.local.ip(),
        &gen.outbound,
        &target,
        route,
    )
    .await?;
    if let Some(proxy) = out.http_proxy {
        return via_http_upstream(client, gen, req, target, out.stream, out.fd, proxy).await;
    }
    let Outbound { stream, fd, .. } = out;
    let reply = format!(
        "HTTP/1.{} 200 Connection established\r\nProxy-agent: tinyproxy\r\n\r\n",
        req.line.version.reply_minor()
    );
    if client.wr.write_all(reply.as_bytes()).await.is_err() {
        return Err(ProxyError::GreetingFailed);
    }
    log_msg!(Level::Info, "Not sending client headers to remote machine");
    crate::ops::hooks::response(200); // ops hook
    Ok(Next::Tunnel(ServerSide {
        stream,
        fd,
        leftover: Vec::new(),
    }))
}

/// Ask an HTTP upstream for the tunnel and relay its answer (with our
/// Via) instead of our own `200 Connection established`.
async fn via_http_upstream<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    gen: &Generation,
    req: &mut Request,
    target: Target,
    stream: TcpStream,
    fd: i32,
    proxy: &UpstreamProxy,
) -> Result<Next, ProxyError> {
    let cfg = &*gen.config;
    let headers = std::mem::take(&mut req.headers);
    let line = &req.line;
    let head = upstream_connect_head(client, gen, line, headers, &target, proxy);
    let server = || ServerEnd {
        host: target.host.clone(),
        fd,
    };
    let (rd, wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut wr = crate::outbound::timed::TimedWrite::new(wr, cfg.timeout);
    if let Err(error) = wr.write_all(&head).await {
        let server = server();
        return Err(ProxyError::UpstreamSend { error, server });
    }
    let (status, headers) = read_response_head(&mut rd, &mut client.wr, cfg.timeout, false)
        .await
        .map_err(|e| ProxyError::response(e, server(), true))?;
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
        return Err(ProxyError::ClientGone { server_fd: None });
    }
    if !ok {
        let _ = copy_body(&mut rd, &mut client.wr, framing, cfg.timeout).await;
        let _ = client.wr.shutdown().await;
        log_closed(client.fd, fd);
        return Ok(Next::Close);
    }
    let leftover = rd.buffer().to_vec();
    match rd.into_inner().reunite(wr.into_inner()) {
        Ok(stream) => Ok(Next::Tunnel(ServerSide {
            stream,
            fd,
            leftover,
        })),
        Err(_) => Ok(Next::Close),
    }
}

/// Our CONNECT request to an HTTP upstream: the authority `host:port` as
/// its target, the client's headers rewritten as for any forwarded
/// request, and the upstream's credentials when the rule has them.
fn upstream_connect_head<R, W>(
    client: &Client<R, W>,
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
