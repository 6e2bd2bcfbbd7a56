//! One request on a client connection, in tinyproxy's order: request line,
//! headers, BasicAuth, target, filter, stats host, ConnectPort, upstream
//! choice, then forwarding or a tunnel.

use crate::config::Config;
use crate::http::headers::Headers;
use crate::http::request::{parse_request_line, read_header_lines, read_request_line, RequestLine};
use crate::http::reverse::{self, Mapping, ReverseRules};
use crate::http::HttpError;
use crate::log::Level;
use crate::log_msg;
use crate::pages::{self, ErrorKind, PageContext};
use crate::policy::auth::{self, AuthOutcome};
use crate::proxy::client::{Client, ClientRead, ClientWrite};
use crate::proxy::error::ProxyError;
use crate::proxy::generation::Generation;
use crate::proxy::next::{Next, Request};
use crate::proxy::report::report;
use crate::proxy::target::{classify, Dest};
use tokio::io::AsyncWriteExt;

/// Read and answer one request; a failure is answered by the funnel.
pub async fn serve_one<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    gen: &Generation,
) -> Next {
    let cfg = &*gen.config;
    let mut req = match read_request(client, cfg).await {
        Ok(req) => req,
        Err(e) => return report(client, cfg, e, None).await,
    };
    crate::ops::hooks::request_head(&req.line.method, req.headers.get("Proxy-Authorization")); // ops hook
    let answered = match check_auth(cfg, &req) {
        Ok(()) => route(client, gen, &mut req).await,
        Err(e) => Err(e),
    };
    match answered {
        Ok(next) => next,
        Err(e) => report(client, cfg, e, Some(&req.line)).await,
    }
}

/// Read and parse the request line and headers.
async fn read_request<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    cfg: &Config,
) -> Result<Request, ProxyError> {
    let raw_bytes = match tokio::time::timeout(cfg.timeout, read_request_line(&mut client.rd)).await
    {
        Ok(Ok(Some(raw))) => raw,
        other => {
            let too_long = matches!(other, Ok(Err(crate::http::HttpError::LineTooLong)));
            return Err(ProxyError::NoRequest { too_long });
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
        _ => return Err(headers_failed(raw, None, None)),
    };
    let Ok(line) = parse_request_line(&raw_bytes) else {
        return Err(ProxyError::BadRequestLine { raw });
    };
    match Headers::parse_lines(&lines) {
        Ok(headers) => Ok(Request { line, headers }),
        Err(e) => Err(headers_failed(raw, Some(line), Some(e))),
    }
}

fn headers_failed(
    raw: String,
    line: Option<RequestLine>,
    refused: Option<HttpError>,
) -> ProxyError {
    let line = line.map(Box::new);
    ProxyError::HeadersIncomplete { raw, line, refused }
}

/// Whether the request's `Host:` header names the stats host (exactly,
/// with an optional port): the stats page, and its `Authorization` path.
fn names_stat_host(cfg: &Config, req: &Request) -> bool {
    req.headers
        .get("Host")
        .is_some_and(|h| pages::is_stat_host(&cfg.stat_host, &String::from_utf8_lossy(h)))
}

/// BasicAuth (`../shared/spec/tinyproxy-1.11.md` §6.9, 1.11.3 semantics). As tinyproxy 1.11.3, every
/// refusal is logged, missing credentials too (fail2ban-style watchers
/// count both).
fn check_auth(cfg: &Config, req: &Request) -> Result<(), ProxyError> {
    if cfg.basic_auth.is_empty() {
        return Ok(());
    }
    let proxy_auth = req.headers.get("Proxy-Authorization");
    let check = if names_stat_host(cfg, req) {
        auth::check_stathost_auth(cfg, proxy_auth, req.headers.get("Authorization"))
    } else {
        auth::AuthCheck {
            outcome: auth::check_proxy_auth(cfg, proxy_auth),
            on_failure: ErrorKind::AuthRequired,
        }
    };
    match check.outcome {
        AuthOutcome::NotRequired | AuthOutcome::Ok => Ok(()),
        AuthOutcome::Missing | AuthOutcome::Bad => Err(ProxyError::AuthRequired(check.on_failure)),
    }
}

/// Target, filter, stats host and ConnectPort, then hand over.
async fn route<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    gen: &Generation,
    req: &mut Request,
) -> Result<Next, ProxyError> {
    let cfg = &*gen.config;
    // As tinyproxy 1.11.3: a `Host:` naming the stats host (exactly, with
    // an optional port) is the stats page, before reverse mapping and the
    // transparent path look at the request.
    if names_stat_host(cfg, req) {
        log_msg!(Level::Notice, "Request for the stathost.");
        send_stats(client, cfg, &req.line).await;
        return Ok(Next::Close);
    }
    let reverse_rule = match reverse_map(&gen.reverse, req)? {
        Reversed::Rule(rule) => rule,
        Reversed::Redirect(location) => {
            let minor = Some(req.line.version.reply_minor() as u8);
            let _ = client
                .wr
                .write_all(&pages::redirect_response(minor, &location))
                .await;
            let _ = client.wr.shutdown().await;
            return Ok(Next::Close);
        }
    };
    let dest = classify(client, cfg, &req.line, &req.headers)?;
    crate::ops::hooks::target(&dest.target().host, dest.target().port); // ops hook
    if let Some(filter) = &gen.filter {
        let subject = dest.filter_subject(filter.urls());
        if filter.is_blocked(subject) {
            let (subject, urls) = (subject.to_string(), filter.urls());
            return Err(ProxyError::Filtered { subject, urls });
        }
    }
    if dest.target().host.eq_ignore_ascii_case(&cfg.stat_host) {
        log_msg!(Level::Notice, "Request for the stathost.");
        send_stats(client, cfg, &req.line).await;
        return Ok(Next::Close);
    }
    match dest {
        Dest::Connect { target, url } => {
            if !connect_port_allowed(cfg, target.port) {
                let port = target.port;
                return Err(ProxyError::ConnectPort { port, url });
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

/// What the reverse-proxy rules made of a request.
enum Reversed {
    /// Go on; `Some(rule)` when a rule mapped (and rewrote) the target.
    Rule(Option<String>),
    /// Answer with a redirect to this location.
    Redirect(String),
}

/// Apply the reverse-proxy rules (rewriting the target); `Err` when
/// ReverseOnly finds no rule.
fn reverse_map(rules: &ReverseRules, req: &mut Request) -> Result<Reversed, ProxyError> {
    let cookies: Vec<&[u8]> = req.headers.get_all("Cookie").collect();
    match reverse::map(rules, &req.line.target, &cookies) {
        Mapping::None => Ok(Reversed::Rule(None)),
        Mapping::NoMapping => Err(ProxyError::NoMapping(req.line.target.clone())),
        Mapping::Rewritten {
            url,
            rule,
            by_cookie,
        } => {
            if by_cookie {
                log_msg!(Level::Info, "Magical tracking cookie says: {}", rule);
            }
            log_rewrite(&req.line.target, &url);
            req.line.target = url;
            Ok(Reversed::Rule(Some(rule)))
        }
        Mapping::Redirect(location) => {
            log_rewrite(&req.line.target, &location);
            Ok(Reversed::Redirect(location))
        }
    }
}

fn log_rewrite(from: &str, to: &str) {
    log_msg!(Level::Connect, "Rewriting URL: {} -> {}", from, to);
}

/// ConnectPort: no list allows every port.
fn connect_port_allowed(cfg: &Config, port: u16) -> bool {
    cfg.connect_ports.is_empty() || cfg.connect_ports.contains(&u32::from(port))
}

async fn send_stats<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    cfg: &Config,
    line: &RequestLine,
) {
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
