//! Issue 12 item 2: an HTTP/1.0 client's connection is kept only when the
//! response tells that client so (`Connection: keep-alive`); otherwise the
//! proxy says `close` and closes. Checked with raw sockets and with
//! `ab -k -X` (an HTTP/1.0 keep-alive client that waits for the close
//! when it is not told).

use std::process::Command;
use std::time::{Duration, Instant};
use tinyproxy_test_support::{ours, process::under_test, Conn, Proxy, RawOrigin, Reply, DEADLINE};

fn origin() -> RawOrigin {
    RawOrigin::start(|_, _| Reply {
        bytes: b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
        close: false,
    })
}

#[test]
fn http10_keepalive_client_is_told_and_kept() {
    let o = origin();
    let p = Proxy::start(under_test(ours!()), "");
    let mut c = Conn::open(p.addr());
    for i in 0..3 {
        c.send(
            format!(
                "GET {} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                o.url("/k")
            )
            .as_bytes(),
        );
        let r = c.response().unwrap_or_else(|| panic!("response {i}"));
        assert_eq!(r.body, b"hello");
        let conn = r.header("Connection").map(|v| v.to_ascii_lowercase());
        assert_eq!(conn.as_deref(), Some("keep-alive"), "{r:?}");
    }
}

#[test]
fn http10_client_without_keepalive_is_told_close_and_closed() {
    let o = origin();
    let p = Proxy::start(under_test(ours!()), "");
    let mut c = Conn::open(p.addr());
    c.send(format!("GET {} HTTP/1.0\r\n\r\n", o.url("/c")).as_bytes());
    let r = c.response().expect("response");
    let conn = r.header("Connection").map(|v| v.to_ascii_lowercase());
    assert_eq!(conn.as_deref(), Some("close"), "{r:?}");
    assert!(c.closes_within(DEADLINE));
}

/// A chunked answer cannot be read by an HTTP/1.0 client as a length:
/// the connection is closed after it, and said so.
#[test]
fn http10_keepalive_client_with_a_chunked_answer_is_closed() {
    let o = RawOrigin::start(|_, _| Reply {
        bytes: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            .to_vec(),
        close: false,
    });
    let p = Proxy::start(under_test(ours!()), "");
    let mut c = Conn::open(p.addr());
    c.send(
        format!(
            "GET {} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            o.url("/ch")
        )
        .as_bytes(),
    );
    let r = c.response().expect("response");
    assert_eq!(r.header("Connection").as_deref(), Some("close"), "{r:?}");
    assert!(c.closes_within(DEADLINE));
}

/// `ab -k -X`: every request kept alive and none waits for a timeout.
#[test]
fn ab_keepalive_through_the_proxy_finishes_at_once() {
    let o = origin();
    let p = Proxy::start(under_test(ours!()), "Timeout 30");
    let started = Instant::now();
    let out = Command::new("ab")
        .args(["-k", "-n", "50", "-c", "2", "-s", "5", "-X"])
        .arg(format!("127.0.0.1:{}", p.port))
        .arg(o.url("/ab"))
        .output()
        .expect("ab (apache2-utils, scripts/install-test-deps.sh) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Complete requests:      50"), "{text}");
    assert!(text.contains("Failed requests:        0"), "{text}");
    assert!(text.contains("Keep-Alive requests:    50"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
