//! The scenario catalogue, grouped by topic, and small helpers to write
//! the exact edits of `Differs` scenarios.

mod auth;
mod config;
mod connect;
mod errors;
mod headers;
mod http;
mod lifecycle;
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

/// Shorthand for a scenario.
pub fn same(name: &'static str, run: fn(&mut crate::harness::Ctx)) -> Scenario {
    Scenario {
        name,
        expect: crate::Expect::Same,
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
