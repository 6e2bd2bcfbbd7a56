//! The scenario catalogue, grouped by topic, and small helpers to write
//! the exact edits of `Differs` scenarios.

mod auth;
mod config;
mod connect;
mod errors;
mod headers;
mod http;
mod lifecycle;
mod newer;
mod origin;
mod pages;
mod reverse;
mod security;
mod upstream;

use crate::Scenario;

pub fn all() -> Vec<Scenario> {
    let mut v = Vec::new();
    v.extend(http::scenarios());
    v.extend(connect::scenarios());
    v.extend(errors::scenarios());
    v.extend(headers::scenarios());
    v.extend(auth::scenarios());
    v.extend(pages::scenarios());
    v.extend(upstream::scenarios());
    v.extend(reverse::scenarios());
    v.extend(security::scenarios());
    v.extend(config::scenarios());
    v.extend(lifecycle::scenarios());
    v.extend(origin::scenarios());
    v.extend(newer::scenarios());
    v
}

/// Replace `from` by `to` in every string of `v` (an exact edit).
pub fn sub(v: &mut [String], from: &str, to: &str) {
    for s in v.iter_mut() {
        *s = s.replace(from, to);
    }
}

/// Insert `line` right after the first line equal to `after`.
pub fn insert_after(log: &mut Vec<String>, after: &str, line: &str) {
    let i = log
        .iter()
        .position(|l| l == after)
        .map_or(log.len(), |i| i + 1);
    log.insert(i, line.to_string());
}

/// 1.11.2+ names the file in the reload line (`reload-line-path`). Only
/// the exact 1.11.1 line is edited, so the edit leaves the reference
/// build's observation (which already has the path) as it is.
pub fn reload_line_path(log: &mut [String]) {
    for l in log.iter_mut() {
        if l == "NOTICE Reloading config file" {
            *l = "NOTICE Reloading config file ({DIR}/tinyproxy.conf)".into();
        }
    }
}

/// 1.11.2+ recognises the stats host from the `Host:` header before the
/// transparent path, so it logs no `process_request: trans Host` line for
/// it; 1.11.1 does. Drops that line from 1.11.1's log.
pub fn stathost_host_header_lift(o: &mut crate::obs::Obs) {
    o.log
        .retain(|l| l != "INFO process_request: trans Host GET http://tinyproxy.stats:80/ for N");
}

/// tinyproxy refused the credentials of `GET http://127.0.0.1:{ORIGIN}/a`
/// (config `ViaProxyName "tp-c"`); we accepted them and proxied it.
pub fn auth_accepted(o: &mut crate::obs::Obs) {
    o.client = vec!["HTTP/1.1 200 OK\r\nVia: 1.1 tp-c (tinyproxy)\r\nServer: origin\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\norigin-ok\n".into()];
    o.origin = vec!["GET /a HTTP/1.1\r\nHost: 127.0.0.1:{ORIGIN}\r\nConnection: close\r\nVia: 1.1 tp-c (tinyproxy)\r\n\r\n".into()];
    o.log.truncate(2);
    for l in [
        "INFO No upstream proxy for 127.0.0.1",
        "INFO opensock: opening connection to 127.0.0.1:{ORIGIN}",
        "INFO opensock: getaddrinfo returned for 127.0.0.1:{ORIGIN}",
        "CONNECT Established connection to host \"127.0.0.1\" using file descriptor N.",
        "INFO Closed connection between local client (fd:N) and remote client (fd:N)",
    ] {
        o.log.push(l.into());
    }
}

/// A scenario whose config 1.11.1 refuses: run against the reference
/// build only, where it must be `Same` (unless `.vs_reference` says).
pub fn newer(name: &'static str, why: &'static str, run: fn(&mut crate::harness::Ctx)) -> Scenario {
    Scenario {
        name,
        expect: crate::Expect::Newer(why),
        reference: None,
        run,
    }
}

/// Shorthand for a scenario.
pub fn same(name: &'static str, run: fn(&mut crate::harness::Ctx)) -> Scenario {
    Scenario {
        name,
        expect: crate::Expect::Same,
        reference: None,
        run,
    }
}

pub fn differs(
    name: &'static str,
    anchor: &'static str,
    lift: crate::Lift,
    run: fn(&mut crate::harness::Ctx),
) -> Scenario {
    Scenario {
        name,
        expect: crate::Expect::Differs(anchor, lift),
        reference: None,
        run,
    }
}

/// keep-alive anchor: when we close the client connection after a
/// proxied response (HTTP/1.0 client, unframed response, or
/// `Connection: close` from the client) we say so with
/// `Connection: close` as the last response header; tinyproxy closes
/// without saying it. Applied to every response head that lacks it.
pub fn close_added(o: &mut crate::obs::Obs) {
    for t in o.client.iter_mut() {
        if !t.starts_with("HTTP/") || t.starts_with("HTTP/1.0 200 Connection established") {
            continue;
        }
        let Some(end) = t.find("\r\n\r\n") else {
            continue;
        };
        if t[..end + 2].contains("\r\nConnection: close\r\n") {
            continue;
        }
        t.insert_str(end + 2, "Connection: close\r\n");
    }
}
