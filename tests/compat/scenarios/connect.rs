//! CONNECT (spec §6.3, transcripts §11.3, §11.4, §11.14, §11.18).

use super::{differs, same, sub};
use crate::harness::Ctx;
use crate::obs::Obs;
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        differs(
            "connect_tunnel_http11",
            "connect-reply-version",
            reply_http11,
            tunnel_http11,
        ),
        same("connect_tunnel_http10", tunnel_http10),
        same("connect_tunnel_pipelined_data", tunnel_pipelined),
        same("connect_port_refused", port_refused),
        same("connect_port_refused_template", port_refused_template),
        same("connect_port_zero", port_zero),
        same("connect_origin_refused", origin_refused),
        differs(
            "connect_idle_timeout",
            "connect-reply-version",
            reply_http11,
            idle_timeout,
        ),
    ]
}

/// 1.11.2+: the CONNECT reply echoes the client's HTTP minor version.
pub fn reply_http11(o: &mut Obs) {
    sub(
        &mut o.client,
        "HTTP/1.0 200 Connection established\r\n",
        "HTTP/1.1 200 Connection established\r\n",
    );
}

const IN_TUNNEL: &str = "GET /via-tunnel HTTP/1.1\r\nHost: 127.0.0.1:{ORIGIN}\r\n\r\n";

fn tunnel(c: &mut Ctx, version: &str) {
    c.origin();
    c.start(&format!("ConnectPort 443\nConnectPort {}", "{ORIGIN}"));
    let mut conn = c.conn(None);
    conn.send(
        c.expand(&format!(
            "CONNECT 127.0.0.1:{{ORIGIN}} HTTP/{version}\r\nHost: 127.0.0.1:{{ORIGIN}}\r\nUser-Agent: ua\r\n\r\n"
        ))
        .as_bytes(),
    );
    conn.read_head();
    conn.send(c.expand(IN_TUNNEL).as_bytes());
    conn.read_response();
    conn.finish();
    c.record(&conn);
}

/// §11.3: CONNECT, then a request through the tunnel (HTTP/1.1 client).
fn tunnel_http11(c: &mut Ctx) {
    tunnel(c, "1.1");
}

fn tunnel_http10(c: &mut Ctx) {
    tunnel(c, "1.0");
}

/// Bytes sent right behind the CONNECT head (as a TLS client does) must
/// reach the origin.
fn tunnel_pipelined(c: &mut Ctx) {
    c.origin();
    c.start("");
    let mut conn = c.conn(None);
    let req = format!("CONNECT 127.0.0.1:{{ORIGIN}} HTTP/1.0\r\n\r\n{IN_TUNNEL}");
    conn.send(c.expand(&req).as_bytes());
    conn.read_head();
    conn.read_response();
    conn.finish();
    c.record(&conn);
}

/// §11.4: ConnectPort list without the requested port → 403.
fn port_refused(c: &mut Ctx) {
    c.start("ConnectPort 443\nConnectPort 563");
    c.exchange("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n");
}

pub const VARS: &str = "errno=[{errno}] cause=[{cause}] request=[{request}] clientip=[{clientip}] clienthost=[{clienthost}] url=[{url}] detail=[{detail}] error=[{error}] date=[{date}] website=[{website}] version=[{version}] package=[{package}] unknown=[{nosuchvar}] upper=[{Cause}] digits=[{x1}]\n";

/// §11.4 with a DefaultErrorFile printing every variable, LogLevel Connect.
fn port_refused_template(c: &mut Ctx) {
    c.file("vars.html", VARS);
    c.start_marker(
        "LogLevel Connect\nDefaultErrorFile \"{DIR}/vars.html\"\nConnectPort 29080",
        "done sending stored logs",
    );
    c.exchange("CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n");
}

/// §11.14: `ConnectPort 0` alone; port 0 and no port both mean 443.
fn port_zero(c: &mut Ctx) {
    c.start("ConnectPort 0");
    c.exchange("CONNECT 127.0.0.1:0 HTTP/1.1\r\n\r\n");
    c.exchange("CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n");
}

/// CONNECT to a closed port → 500 Unable to connect.
fn origin_refused(c: &mut Ctx) {
    c.start("");
    c.exchange("CONNECT 127.0.0.1:1 HTTP/1.0\r\n\r\n");
}

/// §11.18: a tunnel without traffic closes after Timeout.
fn idle_timeout(c: &mut Ctx) {
    c.origin();
    c.start("Timeout 1");
    let mut conn = c.conn(None);
    conn.send(
        c.expand("CONNECT 127.0.0.1:{ORIGIN} HTTP/1.1\r\n\r\n")
            .as_bytes(),
    );
    conn.read_to_eof();
    c.record(&conn);
}
