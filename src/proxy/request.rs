//! One request on a client connection, in tinyproxy's order: request line,
//! headers, BasicAuth, target, filter, stats host, ConnectPort, upstream
//! choice, then forwarding or a tunnel.

use crate::config::Config;
use crate::http::headers::Headers;
use crate::http::request::{parse_request_line, read_header_lines, read_request_line, RequestLine};
use crate::http::reverse::{self, Mapping, ReverseRules};
use crate::log::Level;
use crate::log_msg;
use crate::pages::{self, ErrorKind, PageContext};
use crate::policy::auth::{self, AuthOutcome};
use crate::proxy::client::{Client, ErrorInfo};
use crate::proxy::generation::Generation;
use crate::proxy::next::{Next, Request};
use crate::proxy::target::{classify, Dest};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Read and answer one request.
pub async fn serve_one(client: &mut Client, gen: &Generation) -> Next {
    let cfg = &*gen.config;
    let raw_bytes = match tokio::time::timeout(cfg.timeout, read_request_line(&mut client.rd)).await
    {
        Ok(Ok(Some(raw))) => raw,
        other => {
            if matches!(other, Ok(Err(crate::http::HttpError::LineTooLong))) {
                client.reset_on_close = true;
            }
            if client.served == 0 {
                log_msg!(
                    Level::Error,
                    "read_request_line: Client (file descriptor: {}) closed socket before read.",
                    client.fd
                );
            }
            return Next::Close;
        }
    };
    // Text for logs and pages only; parsing works on the bytes.
    let raw = String::from_utf8_lossy(&raw_bytes).into_owned();
    log_msg!(
        Level::Connect,
        "Request (file descriptor {}): {}",
        client.fd,
        raw
    );
    let lines = match tokio::time::timeout(cfg.timeout, read_header_lines(&mut client.rd)).await {
        Ok(Ok(lines)) => lines,
        _ => return headers_failed(client, cfg, &raw, None).await,
    };
    let line = match parse_request_line(&raw_bytes) {
        Ok(l) => l,
        Err(_) => {
            log_msg!(
                Level::Error,
                "process_request: Bad Request on file descriptor {}",
                client.fd
            );
            client.ctx.stats.inc_bad();
            let info = ErrorInfo {
                url: Some(""),
                raw: Some(&raw),
                ..Default::default()
            };
            client.send_error(cfg, ErrorKind::BadRequest, info).await;
            return Next::Close;
        }
    };
    let headers = match Headers::parse_lines(&lines) {
        Ok(h) => h,
        Err(e) => {
            log_msg!(Level::Warning, "Refusing request with a {}", e);
            return headers_failed(client, cfg, &raw, Some(&line)).await;
        }
    };
    drop(lines);
    let req = Request { line, headers };
    crate::ops::hooks::request_head(&req.line.method, req.headers.get("Proxy-Authorization")); // ops hook
    if let Some(next) = check_auth(client, cfg, &req).await {
        return next;
    }
    route(client, gen, req).await
}

async fn headers_failed(
    client: &mut Client,
    cfg: &Config,
    raw: &str,
    line: Option<&RequestLine>,
) -> Next {
    log_msg!(
        Level::Warning,
        "Could not retrieve all the headers from the client"
    );
    client.ctx.stats.inc_bad();
    // Only what has already arrived: the answer goes out at once (issue 12
    // item 5); the rest is read after it, by `linger`.
    client.drain_request(Duration::ZERO, false).await;
    let info = ErrorInfo {
        line,
        raw: Some(raw),
        ..Default::default()
    };
    client
        .send_error(cfg, ErrorKind::HeadersIncomplete, info)
        .await;
    client.linger().await;
    Next::Close
}

/// Whether the request's `Host:` header names the stats host (exactly,
/// with an optional port): the stats page, and its `Authorization` path.
fn names_stat_host(cfg: &Config, req: &Request) -> bool {
    req.headers
        .get("Host")
        .is_some_and(|h| pages::is_stat_host(&cfg.stat_host, &String::from_utf8_lossy(h)))
}

/// BasicAuth (spec §6.9, 1.11.3 semantics): `Some(next)` when refused.
async fn check_auth(client: &mut Client, cfg: &Config, req: &Request) -> Option<Next> {
    if cfg.basic_auth.is_empty() {
        return None;
    }
    let proxy_auth = req.headers.get("Proxy-Authorization");
    let stathost = names_stat_host(cfg, req);
    let check = if stathost {
        auth::check_stathost_auth(cfg, proxy_auth, req.headers.get("Authorization"))
    } else {
        auth::AuthCheck {
            outcome: auth::check_proxy_auth(cfg, proxy_auth),
            on_failure: ErrorKind::AuthRequired,
        }
    };
    let (outcome, kind) = (check.outcome, check.on_failure);
    match outcome {
        AuthOutcome::NotRequired | AuthOutcome::Ok => None,
        AuthOutcome::Missing | AuthOutcome::Bad => {
            // As tinyproxy 1.11.3: every refusal is logged, missing
            // credentials too (fail2ban-style watchers count both).
            log_msg!(
                Level::Info,
                "Failed auth attempt (file descriptor: {}), ip {}",
                client.fd,
                client.ip_text
            );
            client.ctx.stats.inc_denied();
            // tinyproxy checks credentials before it parses the request
            // line, so this page says HTTP/1.0 whatever the client spoke.
            let info = ErrorInfo {
                raw: Some(&req.line.raw),
                ..Default::default()
            };
            client.send_error(cfg, kind, info).await;
            Some(Next::Close)
        }
    }
}

/// Target, filter, stats host and ConnectPort, then hand over.
async fn route(client: &mut Client, gen: &Generation, mut req: Request) -> Next {
    let cfg = &*gen.config;
    // As tinyproxy 1.11.3: a `Host:` naming the stats host (exactly, with
    // an optional port) is the stats page, before reverse mapping and the
    // transparent path look at the request.
    if names_stat_host(cfg, &req) {
        log_msg!(Level::Notice, "Request for the stathost.");
        send_stats(client, cfg, &req.line).await;
        return Next::Close;
    }
    let reverse_rule = match reverse_map(client, cfg, &gen.reverse, &mut req).await {
        Ok(rule) => rule,
        Err(next) => return next,
    };
    let dest = match classify(client, cfg, &req.line, &req.headers) {
        Ok(d) => d,
        Err(refusal) => {
            if refusal.kind == ErrorKind::BadRequest {
                log_msg!(
                    Level::Error,
                    "process_request: Bad Request on file descriptor {}",
                    client.fd
                );
            }
            let url = refusal.url.as_deref();
            return refuse(client, cfg, refusal.kind, &req.line, url).await;
        }
    };
    crate::ops::hooks::target(&dest.target().host, dest.target().port); // ops hook
    if let Some(filter) = &gen.filter {
        let subject = dest.filter_subject(filter.urls());
        if filter.is_blocked(subject) {
            let what = if filter.urls() { "url" } else { "domain" };
            log_msg!(
                Level::Notice,
                "Proxying refused on filtered {} \"{}\"",
                what,
                subject
            );
            client.ctx.stats.inc_denied();
            let url = subject.to_string();
            return refuse(client, cfg, ErrorKind::Filtered, &req.line, Some(&url)).await;
        }
    }
    if dest.target().host.eq_ignore_ascii_case(&cfg.stat_host) {
        log_msg!(Level::Notice, "Request for the stathost.");
        send_stats(client, cfg, &req.line).await;
        return Next::Close;
    }
    match dest {
        Dest::Connect { target, url } => {
            if !connect_port_allowed(cfg, target.port) {
                log_msg!(
                    Level::Info,
                    "Refused CONNECT method on port {}",
                    target.port
                );
                let kind = ErrorKind::ConnectPortDenied;
                return refuse(client, cfg, kind, &req.line, Some(&url)).await;
            }
            crate::proxy::connect::connect(client, gen, req, target).await
        }
        Dest::Http {
            target,
            host_header,
            ..
        } => {
            let fwd = crate::proxy::forward::Forward {
                target,
                host_header,
                reverse_rule,
            };
            crate::proxy::forward::forward(client, gen, req, fwd).await
        }
    }
}

/// Apply the reverse-proxy rules: rewrite the target, or answer (301,
/// 400) and return `Err(next)`. `Ok(Some(rule))` when a rule mapped it.
async fn reverse_map(
    client: &mut Client,
    cfg: &Config,
    rules: &ReverseRules,
    req: &mut Request,
) -> Result<Option<String>, Next> {
    let cookies: Vec<&[u8]> = req.headers.get_all("Cookie").collect();
    match reverse::map(rules, &req.line.target, &cookies) {
        Mapping::None => Ok(None),
        Mapping::Rewritten {
            url,
            rule,
            by_cookie,
        } => {
            if by_cookie {
                log_msg!(Level::Info, "Magical tracking cookie says: {}", rule);
            }
            log_msg!(
                Level::Connect,
                "Rewriting URL: {} -> {}",
                req.line.target,
                url
            );
            req.line.target = url;
            Ok(Some(rule))
        }
        Mapping::Redirect(location) => {
            log_msg!(
                Level::Connect,
                "Rewriting URL: {} -> {}",
                req.line.target,
                location
            );
            let minor = Some(req.line.version.reply_minor() as u8);
            let _ = client
                .wr
                .write_all(&pages::redirect_response(minor, &location))
                .await;
            let _ = client.wr.shutdown().await;
            Err(Next::Close)
        }
        Mapping::NoMapping => {
            log_msg!(
                Level::Error,
                "Bad request, no mapping for '{}' found",
                req.line.target
            );
            let target = req.line.target.clone();
            Err(refuse(client, cfg, ErrorKind::NoMapping, &req.line, Some(&target)).await)
        }
    }
}

/// Count a bad request and answer it with `kind`, showing the request
/// line and `{url}` on the page; the connection then closes.
async fn refuse(
    client: &mut Client,
    cfg: &Config,
    kind: ErrorKind,
    line: &RequestLine,
    url: Option<&str>,
) -> Next {
    client.ctx.stats.inc_bad();
    let info = ErrorInfo {
        line: Some(line),
        url,
        ..Default::default()
    };
    client.send_error(cfg, kind, info).await;
    Next::Close
}

/// ConnectPort: no list allows every port.
fn connect_port_allowed(cfg: &Config, port: u16) -> bool {
    cfg.connect_ports.is_empty() || cfg.connect_ports.contains(&u32::from(port))
}

async fn send_stats(client: &mut Client, cfg: &Config, line: &RequestLine) {
    let ctx = PageContext {
        config: cfg,
        client_ip: &client.ip_text,
        request_line: Some(line.raw.as_str()),
        http_minor: Some(line.version.reply_minor() as u8),
        url: None,
        error: None,
    };
    let bytes = pages::stats_response(&ctx, &client.ctx.stats.snapshot());
    crate::ops::hooks::response(200); // ops hook
    let _ = client.wr.write_all(&bytes).await;
    let _ = client.wr.shutdown().await;
}
