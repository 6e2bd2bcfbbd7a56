//! The one error funnel: what a failed request ([`ProxyError`]) shows,
//! decided in one place, in tinyproxy's order — its log line, the stats
//! counter, the error page (with its status, the metrics' denial reason
//! and the access log's status, through the ops hook), then what follows
//! the page (reading the client's leftovers, the "Closed" line). Every
//! failure closes the connection.

use crate::config::Config;
use crate::http::request::RequestLine;
use crate::log::events::{client_headers_failed, closed_connection, server_headers_failed};
use crate::log::Level;
use crate::log_msg;
use crate::pages::{self, ErrorKind, PageContext};
use crate::proxy::client::{Client, ClientRead, ClientWrite};
use crate::proxy::error::ProxyError;
use crate::proxy::next::Next;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// The request facts an error page may show.
#[derive(Clone, Copy, Default)]
struct ErrorInfo<'a> {
    line: Option<&'a RequestLine>,
    /// The request line as read, when it could not be parsed.
    raw: Option<&'a str>,
    url: Option<&'a str>,
    error: Option<&'a str>,
}

/// Answer `err` (`line`: the request's line, when its head was read) and
/// close.
pub async fn report<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    cfg: &Config,
    err: ProxyError,
    line: Option<&RequestLine>,
) -> Next {
    log_failure(client, &err);
    count(&client.ctx.stats, &err);
    match &err {
        ProxyError::AclDenied | ProxyError::Loop => client.drain_request(cfg.timeout, true).await,
        // Only what has already arrived: the answer goes out at once (issue
        // 12 item 5); the rest is read after it, by `linger`.
        ProxyError::HeadersIncomplete { .. } => client.drain_request(Duration::ZERO, false).await,
        _ => {}
    }
    if let Some((kind, info)) = page(&err, line) {
        send_page(client, cfg, kind, info).await;
    }
    after_page(client, &err).await;
    Next::Close
}

/// tinyproxy's log line(s) for `err`, written before the answer.
fn log_failure<R, W>(client: &mut Client<R, W>, err: &ProxyError) {
    let fd = client.fd;
    match err {
        ProxyError::NoRequest { too_long } => {
            client.reset_on_close |= *too_long;
            if client.served == 0 {
                closed_before_read(fd);
            }
        }
        ProxyError::BadRequestLine { .. } => bad_request(fd),
        ProxyError::BadTarget { kind, .. } if *kind == ErrorKind::BadRequest => bad_request(fd),
        ProxyError::LocalTarget { host, .. } => log_msg!(
            Level::Error,
            "transparent: destination IP {} is local on socket fd {}",
            host,
            fd
        ),
        ProxyError::HeadersIncomplete { refused, .. } => {
            if let Some(e) = refused {
                log_msg!(Level::Warning, "Refusing request with a {}", e);
            }
            log_msg!(
                Level::Warning,
                "Could not retrieve all the headers from the client"
            );
        }
        ProxyError::AclDenied => log_msg!(
            Level::Notice,
            "Unauthorized connection from \"{}\".",
            client.ip_text
        ),
        ProxyError::Loop => log_msg!(
            Level::Connect,
            "Prevented endless loop (file descriptor {}): {}",
            fd,
            client.ip_text
        ),
        ProxyError::AuthRequired(_) => log_msg!(
            Level::Info,
            "Failed auth attempt (file descriptor: {}), ip {}",
            fd,
            client.ip_text
        ),
        ProxyError::NoMapping(url) => {
            log_msg!(Level::Error, "Bad request, no mapping for '{}' found", url)
        }
        ProxyError::Filtered { subject, urls } => log_msg!(
            Level::Notice,
            "Proxying refused on filtered {} \"{}\"",
            if *urls { "url" } else { "domain" },
            subject
        ),
        ProxyError::ConnectPort { port, .. } => {
            log_msg!(Level::Info, "Refused CONNECT method on port {}", port)
        }
        _ => log_exchange_failure(client, err),
    }
}

/// The log lines of failures once the request was on its way.
fn log_exchange_failure<R, W>(client: &Client<R, W>, err: &ProxyError) {
    match err {
        ProxyError::RequestFraming(e) => log_msg!(
            Level::Warning,
            "Refusing request with ambiguous body framing from {}: {}",
            client.ip_text,
            e
        ),
        ProxyError::ClientBody { error, .. } => {
            log_msg!(
                Level::Warning,
                "Could not retrieve request entity: {}",
                error
            )
        }
        ProxyError::NoStatus { reason, server } => {
            server_headers_failed(reason, &server.host, server.fd)
        }
        ProxyError::BadStatus { server } => {
            server_headers_failed(&"not an HTTP status line", &server.host, server.fd)
        }
        ProxyError::ResponseHead { refused, .. } => {
            if let Some(e) = refused {
                log_msg!(Level::Warning, "Refusing response with a {}", e);
            }
            log_msg!(
                Level::Warning,
                "Could not retrieve all the headers from the remote server."
            )
        }
        ProxyError::ResponseFraming { error, server } => log_msg!(
            Level::Warning,
            "Refusing response from \"{}\" with ambiguous framing: {}",
            server.host,
            error
        ),
        ProxyError::GreetingFailed => log_msg!(
            Level::Error,
            "handle_connection: Could not send CONNECT method greeting to client."
        ),
        ProxyError::UpstreamSend { error, server } => {
            client_headers_failed(&crate::sys::strerror(error), &server.host, server.fd)
        }
        _ => {}
    }
}

/// tinyproxy's line for a client that sent no request line (also when a
/// new connection's first request never starts, see `conn`).
pub fn closed_before_read(fd: i32) {
    log_msg!(
        Level::Error,
        "read_request_line: Client (file descriptor: {}) closed socket before read.",
        fd
    );
}

fn bad_request(fd: i32) {
    log_msg!(
        Level::Error,
        "process_request: Bad Request on file descriptor {}",
        fd
    );
}

/// The stats page's counters (tinyproxy's `update_stats`).
fn count(stats: &crate::counters::Stats, err: &ProxyError) {
    match err {
        ProxyError::AclDenied | ProxyError::AuthRequired(_) => stats.inc_denied(),
        // A filtered request counts as denied and, as every refusal after
        // the request line was parsed, as bad.
        ProxyError::Filtered { .. } => {
            stats.inc_denied();
            stats.inc_bad();
        }
        ProxyError::BadRequestLine { .. }
        | ProxyError::HeadersIncomplete { .. }
        | ProxyError::BadTarget { .. }
        | ProxyError::LocalTarget { .. }
        | ProxyError::NoMapping(_)
        | ProxyError::ConnectPort { .. }
        | ProxyError::RequestFraming(_)
        | ProxyError::ClientBody { .. }
        | ProxyError::ResponseHead {
            server: Some(_), ..
        }
        | ProxyError::BadStatus { .. }
        | ProxyError::ResponseFraming { .. } => stats.inc_bad(),
        _ => {}
    }
}

/// The error page for `err` and what it shows; `None`: no answer (the
/// client is gone, or tinyproxy just closes).
fn page<'a>(
    err: &'a ProxyError,
    line: Option<&'a RequestLine>,
) -> Option<(ErrorKind, ErrorInfo<'a>)> {
    let with_line = ErrorInfo {
        line,
        ..Default::default()
    };
    let with_url = |url: &'a str| ErrorInfo {
        url: Some(url),
        ..with_line
    };
    Some(match err {
        ProxyError::BadRequestLine { raw } => {
            let info = ErrorInfo {
                url: Some(""),
                raw: Some(raw),
                ..Default::default()
            };
            (ErrorKind::BadRequest, info)
        }
        ProxyError::HeadersIncomplete { raw, line, .. } => {
            let info = ErrorInfo {
                line: line.as_deref(),
                raw: Some(raw),
                ..Default::default()
            };
            (ErrorKind::HeadersIncomplete, info)
        }
        ProxyError::AclDenied => (ErrorKind::AccessDenied, ErrorInfo::default()),
        ProxyError::Loop => (ErrorKind::ProxyLoop, ErrorInfo::default()),
        // tinyproxy checks credentials before it parses the request line,
        // so this page says HTTP/1.0 whatever the client spoke.
        ProxyError::AuthRequired(kind) => {
            let info = ErrorInfo {
                raw: line.map(|l| l.raw.as_str()),
                ..Default::default()
            };
            (*kind, info)
        }
        ProxyError::BadTarget { kind, url } => (*kind, with_url(url)),
        ProxyError::LocalTarget { url, .. } => (ErrorKind::ProxyLoop, with_url(url)),
        ProxyError::NoMapping(url) => (ErrorKind::NoMapping, with_url(url)),
        ProxyError::Filtered { subject, .. } => (ErrorKind::Filtered, with_url(subject)),
        ProxyError::ConnectPort { url, .. } => (ErrorKind::ConnectPortDenied, with_url(url)),
        ProxyError::Unreachable(e) => {
            let info = ErrorInfo {
                error: e.error.as_deref(),
                ..with_line
            };
            (e.kind, info)
        }
        ProxyError::RequestFraming(_) | ProxyError::ClientBody { .. } => {
            (ErrorKind::BadRequest, with_line)
        }
        ProxyError::SendFailed { .. } => (ErrorKind::SendFailed, with_line),
        ProxyError::ResponseHead { .. }
        | ProxyError::BadStatus { .. }
        | ProxyError::ResponseFraming { .. } => (ErrorKind::ResponseHeadersFailed, with_line),
        ProxyError::NoRequest { .. }
        | ProxyError::NoStatus { .. }
        | ProxyError::GreetingFailed
        | ProxyError::UpstreamSend { .. }
        | ProxyError::ClientGone { .. } => return None,
    })
}

/// Send one of tinyproxy's error pages and shut our side; the ops hook
/// records its status (access log, metrics) and counts a denial.
async fn send_page<R: ClientRead, W: ClientWrite>(
    client: &mut Client<R, W>,
    cfg: &Config,
    kind: ErrorKind,
    info: ErrorInfo<'_>,
) {
    crate::ops::hooks::error_page(kind); // ops hook
    let ctx = PageContext {
        config: cfg,
        client_ip: &client.ip_text,
        request_line: info.line.map(|l| l.raw.as_str()).or(info.raw),
        http_minor: info.line.map(|l| l.version.reply_minor() as u8),
        url: info.url,
        error: info.error,
    };
    let bytes = pages::error_response(&ctx, kind);
    let _ = client.wr.write_all(&bytes).await;
    let _ = client.wr.shutdown().await;
}

/// What follows the answer: the client's unread bytes (so closing does
/// not reset the page away), and tinyproxy's closing lines.
async fn after_page<R: ClientRead, W: ClientWrite>(client: &mut Client<R, W>, err: &ProxyError) {
    match err {
        ProxyError::HeadersIncomplete { .. } | ProxyError::RequestFraming(_) => {
            client.linger().await
        }
        ProxyError::ResponseHead {
            server: Some(server),
            ..
        } => server_headers_failed(&"Success", &server.host, server.fd),
        ProxyError::ClientBody { server_fd, .. }
        | ProxyError::SendFailed { server_fd }
        | ProxyError::ClientGone {
            server_fd: Some(server_fd),
        } => closed_connection(client.fd, *server_fd),
        ProxyError::ResponseFraming { server, .. } => closed_connection(client.fd, server.fd),
        _ => {}
    }
}
