//! BasicAuth (spec §6.9; transcript §11.15).

use super::{differs, insert_after, same, sub};
use crate::harness::Ctx;
use crate::obs::Obs;
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        differs(
            "auth_missing_407",
            "auth-log-missing",
            missing_lift,
            missing,
        ),
        differs("auth_wrong_password", "auth-407", wrong_lift, wrong),
        differs(
            "auth_scheme_upper_case",
            "auth-scheme-case-insensitive",
            upper_lift,
            upper_scheme,
        ),
        same("auth_correct", correct),
        same("auth_lower_case_scheme", lower_scheme),
        differs(
            "auth_connect_missing_407",
            "auth-log-missing",
            missing_lift,
            connect_missing,
        ),
        differs(
            "auth_stathost_needs_authorization",
            "auth-log-missing",
            missing_lift,
            stathost_no_auth,
        ),
        differs(
            "auth_stathost_with_authorization",
            "stathost-host-header",
            super::stathost_host_header_lift,
            stathost_auth,
        ),
        differs(
            "auth_stathost_prefix_cve_2026_55202",
            "stathost-exact",
            stathost_prefix_lift,
            stathost_prefix,
        ),
    ]
}

/// 1.11.2+ logs `Failed auth attempt` for missing credentials too (1.11.1
/// only for wrong ones).
fn missing_lift(o: &mut Obs) {
    let req = o.log.get(1).cloned().unwrap_or_default();
    insert_after(
        &mut o.log,
        &req,
        "INFO Failed auth attempt (file descriptor: N), ip 127.0.0.1",
    );
}

const CONF: &str = "BasicAuth user pass\nViaProxyName \"tp-c\"";

fn missing(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange("GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\n\r\n");
}

fn wrong(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjp3cm9uZw==\r\n\r\n",
    );
}

fn upper_scheme(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nProxy-Authorization: BASIC dXNlcjpwYXNz\r\n\r\n",
    );
}

/// 1.11.3: bad proxy credentials answer 407 + Proxy-Authenticate (1.11.1:
/// 401 + WWW-Authenticate); 1.11.2+ logs `Failed auth attempt`.
fn wrong_lift(o: &mut Obs) {
    sub(
        &mut o.client,
        "HTTP/1.0 401 Unauthorized\r\n",
        "HTTP/1.0 407 Proxy Authentication Required\r\n",
    );
    sub(
        &mut o.client,
        "WWW-Authenticate: Basic realm=\"Tinyproxy\"",
        "Proxy-Authenticate: Basic realm=\"Tinyproxy\"",
    );
    sub(
        &mut o.client,
        "<title>401 Unauthorized</title>",
        "<title>407 Proxy Authentication Required</title>",
    );
    sub(
        &mut o.client,
        "<h1>Unauthorized</h1>\n<p>The administrator of this proxy has not configured it to service requests from you.</p>",
        "<h1>Proxy Authentication Required</h1>\n<p>This proxy requires authentication.</p>",
    );
    let req = o.log.get(1).cloned().unwrap_or_default();
    insert_after(
        &mut o.log,
        &req,
        "INFO Failed auth attempt (file descriptor: N), ip 127.0.0.1",
    );
}

fn correct(c: &mut Ctx) {
    c.origin();
    c.start(&format!(
        "{CONF}\nXTinyproxy Yes\nAddHeader \"X-Added\" \"added value\""
    ));
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\nUser-Agent: client-ua\r\n\r\n",
    );
}

fn lower_scheme(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nProxy-Authorization: basic dXNlcjpwYXNz\r\n\r\n",
    );
}

fn connect_missing(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange("CONNECT 127.0.0.1:{ORIGIN} HTTP/1.1\r\n\r\n");
}

/// §11.15: origin-form `Host: tinyproxy.stats` without Authorization →
/// 401 + WWW-Authenticate (the browser-facing stathost exception).
fn stathost_no_auth(c: &mut Ctx) {
    c.start(CONF);
    c.exchange("GET / HTTP/1.1\r\nHost: tinyproxy.stats\r\n\r\n");
}

/// CVE-2026-55202: a Host that only starts with StatHost is no stats host,
/// so `Authorization` does not stand in for `Proxy-Authorization`.
fn stathost_prefix(c: &mut Ctx) {
    c.origin();
    c.start(&format!("{CONF}\nStatHost \"localhos\""));
    c.exchange(
        "GET /p HTTP/1.1\r\nHost: localhost:{ORIGIN}\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n",
    );
}

/// 1.11.1 takes the `Authorization` path for any Host starting with
/// StatHost and proxies the request (with the credentials); master and we
/// ask for proxy credentials.
fn stathost_prefix_lift(o: &mut Obs) {
    o.client = vec![PAGE_407.into()];
    o.origin.clear();
    o.log.truncate(2);
    o.log
        .push("INFO Failed auth attempt (file descriptor: N), ip 127.0.0.1".into());
}

const PAGE_407: &str = "HTTP/1.0 407 Proxy Authentication Required\r\nServer: tinyproxy\r\nContent-Type: text/html\r\nProxy-Authenticate: Basic realm=\"Tinyproxy\"\r\nConnection: close\r\n\r\n<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.1//EN\" \"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd\">\n<html>\n<head><title>407 Proxy Authentication Required</title></head>\n<body>\n<h1>Proxy Authentication Required</h1>\n<p>This proxy requires authentication.</p>\n<hr />\n<p><em>Generated by tinyproxy.</em></p>\n</body>\n</html>\n";

fn stathost_auth(c: &mut Ctx) {
    c.start(CONF);
    c.exchange(
        "GET / HTTP/1.1\r\nHost: tinyproxy.stats\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n",
    );
}

/// RFC 7617: the scheme name is case-insensitive, so `BASIC` with good
/// credentials is accepted and proxied (tinyproxy: 401).
fn upper_lift(o: &mut Obs) {
    super::auth_accepted(o);
}
