//! Where a request goes (`../shared/spec/tinyproxy-1.11.md` §6.2): an absolute `http://` URL, a CONNECT
//! authority, the stats host, or — for anything else — tinyproxy's
//! transparent path, which takes the destination from `Host:`.

use crate::config::Config;
use crate::http::headers::Headers;
use crate::http::request::{MethodKind, RequestLine};
use crate::http::url::{parse_absolute_http, parse_authority, Target};
use crate::http::HttpError;
use crate::log::Level;
use crate::log_msg;
use crate::pages::ErrorKind;
use crate::proxy::client::Client;
use crate::proxy::error::ProxyError;

/// The destination of a request.
#[derive(Debug)]
pub enum Dest {
    /// A plain HTTP request to `target`.
    Http {
        target: Target,
        /// The `Host:` value to send.
        host_header: String,
        /// What FilterURLs matches.
        url: String,
    },
    /// A CONNECT tunnel.
    Connect { target: Target, url: String },
}

impl Dest {
    pub fn target(&self) -> &Target {
        match self {
            Dest::Http { target, .. } | Dest::Connect { target, .. } => target,
        }
    }

    /// The subject the filter matches: the host, or the URL with FilterURLs.
    pub fn filter_subject(&self, urls: bool) -> &str {
        match self {
            Dest::Http { url, .. } | Dest::Connect { url, .. } if urls => url,
            _ => &self.target().host,
        }
    }
}

/// A target that cannot be worked out: `{url}` is the request's target.
fn refuse(kind: ErrorKind, url: &str) -> ProxyError {
    let url = url.to_string();
    ProxyError::BadTarget { kind, url }
}

/// Work out the destination of `line`.
pub fn classify<R, W>(
    client: &Client<R, W>,
    cfg: &Config,
    line: &RequestLine,
    headers: &Headers,
) -> Result<Dest, ProxyError> {
    match parse_absolute_http(&line.target) {
        Ok(Some(target)) => {
            let host_header = target.host_header();
            return Ok(Dest::Http {
                target,
                host_header,
                url: line.target.clone(),
            });
        }
        Ok(None) => {}
        Err(e) => return Err(url_error(e, &line.target)),
    }
    if line.method_kind() == MethodKind::Connect {
        let (host, port) =
            parse_authority(&line.target, 443).map_err(|e| url_error(e, &line.target))?;
        let target = Target {
            host,
            port,
            path: String::new(),
        };
        let url = format!("{}:{}", target.host_for_url(), target.port);
        return Ok(Dest::Connect { target, url });
    }
    transparent(client, cfg, line, headers)
}

fn url_error(e: HttpError, url: &str) -> ProxyError {
    match e {
        HttpError::BadPort => refuse(ErrorKind::BadRequest, url),
        _ => refuse(ErrorKind::BadUrl, url),
    }
}

/// tinyproxy's transparent path: destination from `Host:` (or, without
/// one, the address the client connected to), the original target as path.
fn transparent<R, W>(
    client: &Client<R, W>,
    cfg: &Config,
    line: &RequestLine,
    headers: &Headers,
) -> Result<Dest, ProxyError> {
    let (host, port, how) = match headers.get("Host") {
        Some(h) => {
            // A Host that is not text names no host we could look up.
            let text =
                std::str::from_utf8(h).map_err(|_| refuse(ErrorKind::BadUrl, &line.target))?;
            let (host, port) =
                parse_authority(text.trim(), 80).map_err(|e| url_error(e, &line.target))?;
            (host, port, "Host")
        }
        None => (client.local.ip().to_string(), client.local.port(), "IP"),
    };
    let target = Target {
        host,
        port,
        path: line.target.clone(),
    };
    let url = format!("http://{}:{}{}", target.host_for_url(), port, line.target);
    log_msg!(
        Level::Info,
        "process_request: trans {} {} {} for {}",
        how,
        line.method,
        url,
        client.fd
    );
    let is_listen_addr = cfg.listen.iter().any(|l| l.ip.to_string() == target.host);
    let stathost = target.host.eq_ignore_ascii_case(&cfg.stat_host);
    if is_listen_addr && !stathost {
        return Err(ProxyError::LocalTarget {
            host: target.host,
            url,
        });
    }
    Ok(Dest::Http {
        host_header: target.host_header(),
        target,
        url,
    })
}
