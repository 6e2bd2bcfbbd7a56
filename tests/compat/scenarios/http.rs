//! Plain HTTP forwarding (spec §6.1, §6.2, §6.4, §6.5; transcripts §11.2,
//! §11.6, §11.11).

use super::{close_added, differs, same};
use crate::harness::Ctx;
use crate::obs::Obs;
use crate::peers::Reply;
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        same("http_plain_get_info", plain_get_info),
        same("http_plain_get_connect_level", plain_get_connect_level),
        differs(
            "http_http10_client",
            "keep-alive",
            close_added,
            http10_client,
        ),
        same("http_http09_client", http09_client),
        same("http_unknown_method", unknown_method),
        differs(
            "http_lowercase_method_scheme",
            "keep-alive",
            close_added,
            lowercase_method_scheme,
        ),
        differs(
            "http_version_variants",
            "keep-alive",
            close_added,
            version_variants,
        ),
        same("http_origin_form_listen_host", origin_form_listen_host),
        same("http_origin_form_localhost", origin_form_localhost),
        same("http_origin_form_no_host", origin_form_no_host),
        same("http_https_uri_transparent", https_uri_transparent),
        same("http_lowercase_connect", lowercase_connect),
        same("http_post_content_length", post_content_length),
        same("http_post_chunked", post_chunked),
        differs(
            "http_response_http10_unframed",
            "keep-alive",
            close_added,
            response_http10_unframed,
        ),
        same("http_via_hostname_default", via_hostname_default),
        same("http_disable_via", disable_via),
        differs(
            "http_keepalive_second_request",
            "keep-alive",
            keepalive_lift,
            keepalive_second_request,
        ),
    ]
}

pub const CURL_LIKE: &str = "GET http://127.0.0.1:{ORIGIN}/plain HTTP/1.1\r\nHost: 127.0.0.1:{ORIGIN}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nProxy-Connection: Keep-Alive\r\n\r\n";

/// §11.2: curl-like GET at LogLevel Info, ViaProxyName set.
fn plain_get_info(c: &mut Ctx) {
    c.origin();
    c.start("LogLevel Info\nViaProxyName \"tinyproxy\"");
    c.exchange(CURL_LIKE);
}

/// §11.2 at LogLevel Connect: only CONNECT-level lines (and, at start,
/// the two DEBUG lines of the Connect-level quirk).
fn plain_get_connect_level(c: &mut Ctx) {
    c.origin();
    c.start_marker(
        "LogLevel Connect\nViaProxyName \"tinyproxy\"",
        "done sending stored logs",
    );
    c.exchange(CURL_LIKE);
}

fn http10_client(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/ten HTTP/1.0\r\nUser-Agent: ua\r\n\r\n");
}

/// §11.6: HTTP/0.9 — the client gets only the body; upstream gets 1.0.
fn http09_client(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/http09\r\n\r\n");
}

fn unknown_method(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange("FOO http://127.0.0.1:{ORIGIN}/foo-method HTTP/1.1\r\n\r\n");
}

fn lowercase_method_scheme(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange("get HTTP://127.0.0.1:{ORIGIN}/lower HTTP/1.0\r\n\r\n");
}

/// §11.6 version handling: the line sent upstream and Via mirror it.
fn version_variants(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    for v in ["HTTP/1.5", "HTTP/2.0", "http/1.1", "HTTP/01.01"] {
        c.exchange(&format!(
            "GET http://127.0.0.1:{{ORIGIN}}/ver HTTP/{}\r\nConnection: close\r\n\r\n",
            &v[5..]
        ));
    }
}

/// §11.6: origin-form whose Host is the Listen address → 400 (loop).
fn origin_form_listen_host(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET /origin-form HTTP/1.1\r\nHost: 127.0.0.1:{ORIGIN}\r\n\r\n");
}

/// §11.6: origin-form with `Host: localhost:PORT` is proxied.
fn origin_form_localhost(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET /origin-form HTTP/1.1\r\nHost: localhost:{ORIGIN}\r\nX-A: 1\r\n\r\n");
}

fn origin_form_no_host(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET /origin-form HTTP/1.0\r\n\r\n");
}

fn https_uri_transparent(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET https://127.0.0.1:{ORIGIN}/x HTTP/1.1\r\nHost: localhost:{ORIGIN}\r\n\r\n");
}

fn lowercase_connect(c: &mut Ctx) {
    c.origin();
    // tinyproxy glues its own port to the target: mask that run too.
    c.mask(format!("{}127.0.0.1:", c.port), "{PROXY}127.0.0.1:");
    c.start("ViaProxyName \"vp\"");
    c.exchange("connect 127.0.0.1:{ORIGIN} HTTP/1.1\r\n\r\n");
}

/// §11.11: body framed by Content-Length is forwarded exactly.
fn post_content_length(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange(
        "POST http://127.0.0.1:{ORIGIN}/post HTTP/1.1\r\nHost: 127.0.0.1:{ORIGIN}\r\n\
         Content-Length: 11\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nhello=world",
    );
}

/// §11.11: chunked body forwarded with its framing.
fn post_chunked(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange(
        "POST http://127.0.0.1:{ORIGIN}/chunk HTTP/1.1\r\nHost: x\r\n\
         Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
}

fn unframed_http10(_req: &[u8]) -> Reply {
    Reply::close("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close\n")
}

/// An HTTP/1.0 origin without Content-Length: relayed until it closes.
fn response_http10_unframed(c: &mut Ctx) {
    c.origin_with(unframed_http10);
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/u HTTP/1.1\r\nConnection: Connection\r\n\r\n");
}

/// No ViaProxyName: the host name (same machine for both) is used.
fn via_hostname_default(c: &mut Ctx) {
    c.origin();
    c.start("");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    c.mask(host.trim(), "{HOSTNAME}");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/h HTTP/1.1\r\n\r\n");
}

/// DisableViaHeader: no Via either way; an incoming Via is kept as is.
fn disable_via(c: &mut Ctx) {
    c.origin_with(|_| {
        Reply::close("HTTP/1.1 200 OK\r\nVia: 1.1 originvia\r\nContent-Length: 2\r\n\r\nok")
    });
    c.start("DisableViaHeader Yes");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/nv HTTP/1.1\r\nVia: 1.0 clientproxy\r\n\r\n");
}

const TWO_REQUESTS: &str =
    "GET http://127.0.0.1:{ORIGIN}/one HTTP/1.1\r\nHost: 127.0.0.1:{ORIGIN}\r\n\r\n";

/// Two requests on one HTTP/1.1 connection: tinyproxy answers the first
/// and closes; we keep the framed connection open and answer both.
fn keepalive_second_request(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    let mut conn = c.conn(None);
    let req = c.expand(TWO_REQUESTS);
    conn.send(req.as_bytes());
    conn.read_response();
    conn.send(req.replace("/one", "/two").as_bytes());
    conn.read_response();
    conn.finish();
    c.record(&conn);
}

/// Ours: the second request is answered on the same connection: the
/// client reads both responses, the origin sees both requests, and the
/// log repeats the request lines for `/two` under the same connection.
/// The second request leaves out `Connection: close` (origin-keepalive).
fn keepalive_lift(o: &mut Obs) {
    let first = o.client[0].clone();
    o.client[0] = format!("{first}{first}");
    let second = o.origin[0]
        .replace("/one", "/two")
        .replace("Connection: close\r\n", "");
    o.origin.push(second);
    let again: Vec<String> = o.log[1..]
        .iter()
        .map(|l| l.replace("/one", "/two"))
        .collect();
    o.log.extend(again);
}
