//! Issue 11 items 2 and 5: request smuggling through a connection header
//! that names the framing, and chunked request framing that ends early.
//! A kept client connection must never turn a request body into a second
//! request at the origin.

use std::io::Read;
use std::net::TcpListener;
use std::sync::mpsc;
use tinyproxy_test_support::{ours, process::under_test, Conn, Proxy, RawOrigin, Reply, DEADLINE};

/// A keep-alive origin answering every request with a short 200.
fn keepalive_origin() -> RawOrigin {
    RawOrigin::start(|_, _| Reply {
        bytes: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
        close: false,
    })
}

const SMUGGLED: &str = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

/// Connection or Proxy-Connection naming Content-Length, Transfer-Encoding
/// or Host: the origin sees one POST with its body, framed as sent, and
/// never the body as a request of its own; the follow-up request on the
/// same client connection is the second and last the origin sees.
#[test]
fn connection_naming_framing_headers_cannot_smuggle() {
    let origin = keepalive_origin();
    let p = Proxy::start(under_test(ours!()), "");
    let url = origin.url("/post");
    let mut expected = 0;
    for conn in ["Connection", "Proxy-Connection"] {
        for named in [
            "Content-Length",
            "Transfer-Encoding",
            "Host",
            "content-length, host",
        ] {
            let chunked = named == "Transfer-Encoding";
            let body = if chunked {
                format!("{:x}\r\n{SMUGGLED}\r\n0\r\n\r\n", SMUGGLED.len())
            } else {
                SMUGGLED.to_string()
            };
            let framing = if chunked {
                "Transfer-Encoding: chunked".to_string()
            } else {
                format!("Content-Length: {}", SMUGGLED.len())
            };
            let mut c = Conn::open(p.addr());
            c.send(
                format!(
                    "POST {url} HTTP/1.1\r\nHost: x\r\n{conn}: {named}\r\n{framing}\r\n\r\n{body}"
                )
                .as_bytes(),
            );
            let first = c.response().expect("a response to the POST");
            assert_eq!(first.status(), 200, "{conn}: {named}");
            c.send(format!("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", origin.url("/next")).as_bytes());
            let second = c.response();
            expected += 2;
            let seen = origin.requests();
            assert!(
                seen.iter().all(|r| !r.starts_with("GET /smuggled")),
                "{conn}: {named}: the origin ran the body as a request: {seen:#?}"
            );
            let post = seen
                .iter()
                .rev()
                .find(|r| r.starts_with("POST"))
                .expect("the POST");
            assert!(
                post.contains(SMUGGLED),
                "{conn}: {named}: body lost: {post}"
            );
            assert!(
                post.contains(&framing),
                "{conn}: {named}: framing header lost: {post}"
            );
            if let Some(second) = second {
                assert_eq!(second.status(), 200);
                assert_eq!(seen.len(), expected, "{seen:#?}");
            } else {
                expected -= 1;
            }
        }
    }
}

/// An origin that records every byte of one connection, and says when
/// the proxy closed it.
fn sink() -> (u16, mpsc::Receiver<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(DEADLINE));
            let mut all = Vec::new();
            let _ = s.read_to_end(&mut all);
            let _ = tx.send(all);
        }
    });
    (port, rx)
}

/// Issue 11 item 5: an empty chunk-size line, or one with only `;ext`,
/// ended the body and the bytes after it went on as trailers.
#[test]
fn chunk_size_line_without_digits_is_400_and_nothing_follows() {
    let (port, seen) = sink();
    let p = Proxy::start(under_test(ours!()), "");
    for size_line in ["", ";ext", " ", "0x5", "5\x01"] {
        let mut c = Conn::open(p.addr());
        c.send(
            format!(
                "POST http://127.0.0.1:{port}/up HTTP/1.1\r\nHost: x\r\n\
                 Transfer-Encoding: chunked\r\n\r\n{size_line}\r\nGET /admin HTTP/1.1\r\n\r\n"
            )
            .as_bytes(),
        );
        let r = c.response().expect("an answer");
        assert_eq!(r.status(), 400, "{size_line:?}: {r:?}");
        assert!(c.closes_within(DEADLINE), "{size_line:?}");
        let got = seen.recv_timeout(DEADLINE).expect("origin connection ends");
        let got = String::from_utf8_lossy(&got);
        assert!(!got.contains("/admin"), "{size_line:?}: {got}");
    }
}

/// Issue 11 item 5: RFC 9112 §6.1, Transfer-Encoding in an HTTP/1.0
/// request is faulty framing: 400 and close, nothing forwarded.
#[test]
fn http10_request_with_transfer_encoding_is_400() {
    let origin = keepalive_origin();
    let p = Proxy::start(under_test(ours!()), "");
    let mut c = Conn::open(p.addr());
    c.send(
        format!(
            "POST {} HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n\
             5\r\nhello\r\n0\r\n\r\n",
            origin.url("/te10")
        )
        .as_bytes(),
    );
    let r = c.response().expect("an answer");
    assert_eq!(r.status(), 400);
    assert!(c.closes_within(DEADLINE));
    assert!(origin.requests().is_empty(), "{:?}", origin.requests());
    p.wait_log("Transfer-Encoding in an HTTP/1.0 request");
}
