//! How origin behaviour is relayed (spec §6.5): chunked and large
//! bodies, HEAD, 100-continue, an IPv6 origin, and origins that close,
//! stall or send garbage.

use super::{differs, same};
use crate::harness::Ctx;
use crate::peers::{Peer, Reply};
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        same("origin_chunked_response", chunked_response),
        same("origin_large_body", large_body),
        same("origin_head_request", head_request),
        same("origin_expect_100_continue", expect_continue),
        same("origin_ipv6_literal_target", ipv6_target),
        same("origin_closes_without_response", closes_without_response),
        same("origin_silent_until_timeout", silent_until_timeout),
        differs(
            "origin_garbage_status_line",
            "garbage-status",
            garbage_lift,
            garbage_status_line,
        ),
        same("origin_bad_header_block", bad_header_block),
        differs(
            "origin_te_and_content_length",
            "response-framing",
            te_cl_lift,
            te_and_content_length,
        ),
        differs(
            "origin_space_before_colon",
            "response-header-repair",
            space_colon_lift,
            space_before_colon,
        ),
    ]
}

/// RFC 9112 §6.3: both framing headers from the origin.
fn te_and_content_length(c: &mut Ctx) {
    c.origin_with(|_| {
        Reply::close(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        )
    });
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/tecl HTTP/1.1\r\n\r\n");
}

/// Ours: Content-Length dropped (Transfer-Encoding wins) and the client
/// connection closed after the response, and said so.
fn te_cl_lift(o: &mut crate::obs::Obs) {
    for t in o.client.iter_mut() {
        *t = t.replacen("Content-Length: 5\r\n\r\n", "Connection: close\r\n\r\n", 1);
    }
}

/// RFC 9112 §5.1: whitespace between a response field name and colon.
fn space_before_colon(c: &mut Ctx) {
    c.origin_with(|_| {
        Reply::close("HTTP/1.1 200 OK\r\nX-Foo : bar\r\nContent-Length: 2\r\n\r\nok")
    });
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/sp HTTP/1.0\r\n\r\n");
}

/// Ours: the whitespace is removed before the response is relayed (a
/// proxy must, §5.1); tinyproxy relays the line as received. And, as for
/// every HTTP/1.0 client not kept (keep-alive), `Connection: close`.
fn space_colon_lift(o: &mut crate::obs::Obs) {
    for t in o.client.iter_mut() {
        *t = t.replacen("X-Foo : bar", "X-Foo: bar", 1).replacen(
            "Content-Length: 2\r\n\r\n",
            "Content-Length: 2\r\nConnection: close\r\n\r\n",
            1,
        );
    }
}

fn chunked(_req: &[u8]) -> Reply {
    Reply::close(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    )
}

fn chunked_response(c: &mut Ctx) {
    c.origin_with(chunked);
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/chunked HTTP/1.1\r\n\r\n");
}

fn big(_req: &[u8]) -> Reply {
    let body: String = (0..300 * 1024)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    Reply::close(format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

/// 300 KiB with Content-Length arrive intact.
fn large_body(c: &mut Ctx) {
    c.origin_with(big);
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/big HTTP/1.1\r\n\r\n");
}

fn head_reply(_req: &[u8]) -> Reply {
    Reply::close("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/plain\r\n\r\n")
}

/// HEAD: a Content-Length without a body must not stall the relay.
fn head_request(c: &mut Ctx) {
    c.origin_with(head_reply);
    c.start("ViaProxyName \"vp\"");
    c.exchange_head("HEAD http://127.0.0.1:{ORIGIN}/h HTTP/1.1\r\n\r\n");
}

fn expect_continue(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange(
        "POST http://127.0.0.1:{ORIGIN}/e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
    );
}

/// `http://[::1]:PORT/`: Host keeps the brackets.
fn ipv6_target(c: &mut Ctx) {
    c.origin_peer(Peer::http_v6(crate::peers::fixed_ok));
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://[::1]:{ORIGIN}/v6 HTTP/1.1\r\n\r\n");
}

fn closes(_req: &[u8]) -> Reply {
    Reply::close("")
}

/// The origin reads the request and closes without a byte.
fn closes_without_response(c: &mut Ctx) {
    c.origin_with(closes);
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/x HTTP/1.1\r\n\r\n");
}

/// The origin never answers: the proxy gives up after Timeout.
fn silent_until_timeout(c: &mut Ctx) {
    c.origin_peer(Peer::silent());
    c.start("ViaProxyName \"vp\"\nTimeout 1");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/slow HTTP/1.1\r\n\r\n");
}

fn garbage(_req: &[u8]) -> Reply {
    Reply::close("garbage\r\nmore garbage\r\n\r\n")
}

/// tinyproxy forwards whatever the origin sends as the status line.
fn garbage_status_line(c: &mut Ctx) {
    c.origin_with(garbage);
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/g HTTP/1.1\r\n\r\n");
}

fn bad_headers(_req: &[u8]) -> Reply {
    let long = "x".repeat(140 * 1024);
    Reply::close(format!("HTTP/1.1 200 OK\r\nX-Long: {long}\r\n\r\n"))
}

/// A response header line over 128 KiB: 503 Could not retrieve all the
/// headers.
fn bad_header_block(c: &mut Ctx) {
    c.origin_with(bad_headers);
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/bh HTTP/1.1\r\n\r\n");
}

/// tinyproxy's page for a response whose headers could not be read.
const HEADERS_FAILED_PAGE: &str = "HTTP/1.1 503 Could not retrieve all the headers\r\n\
Server: tinyproxy\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n\
<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.1//EN\" \"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd\">\n\
<html>\n<head><title>503 Could not retrieve all the headers</title></head>\n<body>\n\
<h1>Could not retrieve all the headers</h1>\n\
<p>Tinyproxy was unable to retrieve and process headers from the remote web server.</p>\n<hr />\n\
<p><em>Generated by tinyproxy.</em></p>\n</body>\n</html>\n";

/// Ours: a response that does not start with an HTTP status line is not
/// relayed: the client gets the 503 page, and the log says why.
fn garbage_lift(o: &mut crate::obs::Obs) {
    o.client = vec![HEADERS_FAILED_PAGE.to_string()];
    if let Some(last) = o.log.last_mut() {
        if last.starts_with("INFO Closed connection") {
            *last = "INFO process_server_headers failed: not an HTTP status line. host \"127.0.0.1\" using file descriptor N.".to_string();
        }
    }
}
