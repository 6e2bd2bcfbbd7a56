//! Issue 11 item 3: a hostile origin's response framing cannot make the
//! proxy answer the next request on the same client connection with the
//! hostile origin's bytes. After each conflicting response, a request to
//! a second origin on the same connection either finds the connection
//! closed or gets the second origin's own response.

use tinyproxy_test_support::{ours, process::under_test, Conn, Proxy, RawOrigin, Reply, DEADLINE};

/// What a hostile origin appends so that a confused reader takes it as
/// the next response.
const EVIL: &str = "HTTP/1.1 200 OK\r\nSet-Cookie: evil=1\r\nContent-Length: 4\r\n\r\nEVIL";

fn good_origin() -> RawOrigin {
    RawOrigin::start(|_, _| Reply {
        bytes: b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nGOOD".to_vec(),
        close: false,
    })
}

/// A client connection to `p` that has asked, for `/`, an origin that
/// answers `bytes` (and closes after them when `close`). The origin runs
/// as long as the returned value lives.
fn asked(p: &Proxy, bytes: String, close: bool) -> (Conn, RawOrigin) {
    let origin = RawOrigin::start(move |_, _| Reply {
        bytes: bytes.clone().into_bytes(),
        close,
    });
    let mut c = Conn::open(p.addr());
    c.send(format!("GET {} HTTP/1.1\r\nHost: e\r\n\r\n", origin.url("/")).as_bytes());
    (c, origin)
}

/// The hostile responses: name, bytes, whether the proxy must close the
/// client connection after relaying it (framing repaired or ambiguous).
fn cases() -> Vec<(&'static str, String)> {
    vec![
        (
            "TE chunked and CL",
            format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n{EVIL}"),
        ),
        (
            "HTTP/1.0 with TE",
            format!("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n{EVIL}"),
        ),
        (
            "trailer that is a status line",
            format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n{EVIL}"),
        ),
        (
            "differing lengths",
            format!("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello{EVIL}"),
        ),
        (
            "repeated equal lengths",
            format!("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello{EVIL}"),
        ),
        (
            "unknown coding",
            format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello{EVIL}"),
        ),
        ("no framing", format!("HTTP/1.1 200 OK\r\n\r\nhello{EVIL}")),
        (
            "invalid length",
            format!("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello{EVIL}"),
        ),
    ]
}

#[test]
fn conflicting_response_framing_never_answers_for_the_next_origin() {
    let good = good_origin();
    let p = Proxy::start(under_test(ours!()), "");
    for (name, bytes) in cases() {
        let (mut c, _evil) = asked(&p, bytes, true);
        let first = c
            .response()
            .unwrap_or_else(|| panic!("{name}: no response"));
        assert!(
            !(first.header("Transfer-Encoding").is_some()
                && first.header("Content-Length").is_some()),
            "{name}: both framing headers relayed: {first:?}"
        );
        assert!(first.count("Content-Length") <= 1, "{name}: {first:?}");
        assert_ne!(
            first.header("Connection").as_deref(),
            Some("keep-alive"),
            "{name}"
        );
        if first.header("Transfer-Encoding").is_none() && first.header("Content-Length").is_none() {
            // Read to the close: the client saw no framing and must not
            // have been kept.
            assert!(first.status() != 200 || !first.body.is_empty(), "{name}");
            continue;
        }
        let _ = std::io::Write::write_all(
            c.r.get_mut(),
            format!("GET {} HTTP/1.1\r\nHost: g\r\n\r\n", good.url("/")).as_bytes(),
        );
        if let Some(second) = c.response() {
            assert_eq!(
                second.body, b"GOOD",
                "{name}: the second answer was not the good origin's: {second:?}"
            );
            assert!(second.header("Set-Cookie").is_none(), "{name}: {second:?}");
        }
        let rest = String::from_utf8_lossy(&c.rest()).into_owned();
        assert!(!rest.contains("EVIL"), "{name}: {rest}");
    }
    // And the daemon still serves.
    let mut c = Conn::open(p.addr());
    c.send(format!("GET {} HTTP/1.1\r\nHost: g\r\n\r\n", good.url("/")).as_bytes());
    assert_eq!(c.response().expect("alive").body, b"GOOD");
}

/// The repaired responses close the client connection after the response
/// (RFC 9112 §6.3: a response whose framing was repaired is not trusted
/// to end where it says).
#[test]
fn repaired_framing_closes_the_client_connection() {
    let p = Proxy::start(under_test(ours!()), "");
    for (name, bytes) in cases() {
        // Bodies read to the origin's close need that close; the others
        // are framed and the origin keeps its connection open.
        let close = matches!(name, "no framing" | "unknown coding");
        let (mut c, _evil) = asked(&p, bytes, close);
        let first = c.response();
        // A bad trailer shows only after the head went out: the body is
        // cut short (no last CRLF) and the connection closed instead.
        let late = name.starts_with("trailer");
        if let Some(first) = first.as_ref().filter(|_| !late) {
            assert_eq!(
                first
                    .header("Connection")
                    .as_deref()
                    .map(str::to_ascii_lowercase),
                Some("close".into()),
                "{name}: {first:?}"
            );
        }
        assert!(c.closes_within(DEADLINE), "{name}: connection kept");
    }
}

/// Issue 11 item 2, response side: an origin's `Connection` naming its
/// own framing header does not strip it, so the client still finds where
/// the response ends and its next response is the next origin's.
#[test]
fn response_connection_naming_framing_keeps_it() {
    let good = good_origin();
    let p = Proxy::start(under_test(ours!()), "");
    for (named, framing) in [
        ("Content-Length", "Content-Length: 5\r\n\r\nhello"),
        (
            "Transfer-Encoding",
            "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        ),
    ] {
        let bytes = format!("HTTP/1.1 200 OK\r\nConnection: {named}\r\n{framing}");
        let (mut c, _o) = asked(&p, bytes, false);
        let first = c.response().expect("first response");
        assert!(first.header(named).is_some(), "{named} stripped: {first:?}");
        assert_eq!(first.body, b"hello");
        c.send(format!("GET {} HTTP/1.1\r\nHost: g\r\n\r\n", good.url("/")).as_bytes());
        let second = c
            .response()
            .expect("second response on the kept connection");
        assert_eq!(second.body, b"GOOD", "{named}: {second:?}");
    }
}

/// An answer that does not start with an HTTP status line is never
/// relayed (tinyproxy relays it with its Via header inserted: response
/// splitting): the client gets the 503 page for unreadable headers and
/// the connection closes. Before, it got no bytes at all ("empty reply").
#[test]
fn non_http_status_lines_get_the_503_page_and_are_never_relayed() {
    let p = Proxy::start(under_test(ours!()), "");
    let answers: [(&str, &str); 5] = [
        ("garbage", "garbage\r\n\r\n"),
        ("ICY", "ICY 200 OK\r\nContent-Length: 4\r\n\r\nEVIL"),
        (
            "two-digit status",
            "HTTP/1.1 99 X\r\nContent-Length: 4\r\n\r\nEVIL",
        ),
        (
            "two spaces",
            "HTTP/1.1  200 OK\r\nContent-Length: 4\r\n\r\nEVIL",
        ),
        ("HTTP/0.9 body", "EVIL body without a status line\n"),
    ];
    for (name, bytes) in answers {
        let (mut c, _evil) = asked(&p, bytes.to_string(), true);
        let first = c
            .response()
            .unwrap_or_else(|| panic!("{name}: no response"));
        assert_eq!(first.status(), 503, "{name}: {first:?}");
        let body = String::from_utf8_lossy(&first.body).into_owned();
        assert!(
            body.contains("Could not retrieve all the headers"),
            "{name}: {body}"
        );
        assert!(!body.contains("EVIL"), "{name}: {body}");
        assert!(c.closes_within(DEADLINE), "{name}: connection kept");
    }
}
