//! Upstream failure paths end to end, each with what the client gets, a
//! log line, and a bound on the time it takes (`Timeout 2`): nothing
//! listening, an upstream that hangs up at once, a SOCKS server that
//! denies us, a silent upstream. Credentials never reach the log.

use std::time::Duration;
use tinyproxy_test_support::client::{timed_get, timed_raw, Timed};
use tinyproxy_test_support::logs::assert_no_secret;
use tinyproxy_test_support::ours;
use tinyproxy_test_support::peers::{microsocks, Mode, Peer};
use tinyproxy_test_support::{free_port, Origin, Proxy};

/// The configured Timeout.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Slack for a loaded machine on top of Timeout.
const SLACK: Duration = Duration::from_secs(2);

fn ours(rule: &str) -> Proxy {
    Proxy::start(ours!(), &format!("Timeout 2\n{rule}\n"))
}

/// GET and CONNECT for 127.0.0.1:`target` through `p`, side by side
/// (so the timeout cases wait once, not twice).
fn get_and_connect(p: &Proxy, target: u16) -> [Timed; 2] {
    let authority = format!("127.0.0.1:{target}");
    let addr = p.addr();
    std::thread::scope(|s| {
        let g = s.spawn(|| timed_get(addr, &format!("http://{authority}/x"), &authority));
        let connect = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
        let c = timed_raw(addr, &connect);
        [g.join().expect("GET thread"), c]
    })
}

fn assert_502(r: &Timed) {
    assert_eq!(
        r.status_line(),
        "HTTP/1.1 502 Unable to connect to upstream proxy",
        "{}",
        r.text
    );
    assert!(
        r.text.contains(
            "A network error occurred while trying to connect to the upstream web proxy."
        ),
        "{}",
        r.text
    );
}

#[test]
fn upstream_port_closed_is_502() {
    let closed = free_port();
    for kind in ["http", "socks5", "socks4"] {
        let p = ours(&format!(
            "Upstream {kind} user:pw-closed@127.0.0.1:{closed}"
        ));
        for r in get_and_connect(&p, 9) {
            assert_502(&r);
            assert!(r.elapsed < SLACK, "{kind}: {:?}", r.elapsed);
        }
        p.wait_log(&format!(
            "opensock: Could not establish a connection to 127.0.0.1:{closed}"
        ));
        let line = p.wait_log("Could not connect to upstream proxy.");
        assert!(line.starts_with("WARNING"), "{line}");
        assert_no_secret(&p.log_text(), "user", "pw-closed");
    }
}

#[test]
fn socks_upstream_that_hangs_up_is_502() {
    for (kind, mode) in [("socks5", Mode::Socks5NoAuth), ("socks4", Mode::Socks4a)] {
        let peer = Peer::start(Mode::CloseAtOnce, 9);
        let p = ours(&format!("Upstream {kind} 127.0.0.1:{}", peer.port));
        for r in get_and_connect(&p, 9) {
            assert_502(&r);
            assert!(r.elapsed < SLACK, "{mode:?}: {:?}", r.elapsed);
        }
        let line = p.wait_log(&format!(
            "{kind} handshake with proxy 127.0.0.1:{}",
            peer.port
        ));
        assert!(line.starts_with("WARNING"), "{line}");
    }
}

/// As tinyproxy: an HTTP upstream that answers nothing is treated like an
/// origin that answers nothing — the client connection is just closed,
/// and the log says `process_server_headers failed`.
#[test]
fn http_upstream_that_hangs_up_closes_the_client() {
    let peer = Peer::start(Mode::CloseAtOnce, 9);
    let p = ours(&format!("Upstream http 127.0.0.1:{}", peer.port));
    let [g, c] = get_and_connect(&p, 9);
    for r in [&g, &c] {
        assert_eq!(r.text, "", "no response expected");
        assert!(r.elapsed < SLACK, "{:?}", r.elapsed);
    }
    // The CONNECT line names the host, as tinyproxy's does (the reason
    // is "connection closed" or a reset, depending on timing).
    let line = p.wait_log("host \"127.0.0.1\" using file descriptor");
    assert!(line.contains("process_server_headers failed: "), "{line}");
}

#[test]
fn microsocks_denies_a_wrong_password() {
    let ms = microsocks(Some(("user", "right-pw")));
    let origin = Origin::start();
    let p = ours(&format!(
        "Upstream socks5 user:wrong-pw@127.0.0.1:{}",
        ms.port
    ));
    for r in get_and_connect(&p, origin.port) {
        assert_502(&r);
        assert!(r.elapsed < SLACK, "{:?}", r.elapsed);
    }
    let line = p.wait_log(&format!(
        "socks5 handshake with proxy 127.0.0.1:{} for 127.0.0.1:{} failed: \
         the socks5 proxy rejected the user name / password",
        ms.port, origin.port
    ));
    assert!(line.starts_with("WARNING"), "{line}");
    assert!(origin.requests().is_empty());
    assert_no_secret(&p.log_text(), "user", "wrong-pw");
}

#[test]
fn silent_socks_upstream_times_out_with_502() {
    for kind in ["socks5", "socks4"] {
        let peer = Peer::start(Mode::Silent, 9);
        let p = ours(&format!(
            "Upstream {kind} user:pw-silent@127.0.0.1:{}",
            peer.port
        ));
        for r in get_and_connect(&p, 9) {
            assert_502(&r);
            assert!(
                r.elapsed >= TIMEOUT - Duration::from_millis(100),
                "{:?}",
                r.elapsed
            );
            assert!(r.elapsed < TIMEOUT + SLACK, "{kind}: {:?}", r.elapsed);
        }
        p.wait_log("the upstream proxy handshake timed out after 2s");
        assert_no_secret(&p.log_text(), "user", "pw-silent");
    }
}

#[test]
fn silent_http_upstream_times_out_and_closes() {
    let peer = Peer::start(Mode::Silent, 9);
    let p = ours(&format!(
        "Upstream http user:pw-quiet@127.0.0.1:{}",
        peer.port
    ));
    for r in get_and_connect(&p, 9) {
        assert_eq!(r.text, "", "no response expected");
        assert!(
            r.elapsed >= TIMEOUT - Duration::from_millis(100),
            "{:?}",
            r.elapsed
        );
        assert!(r.elapsed < TIMEOUT + SLACK, "{:?}", r.elapsed);
    }
    p.wait_log(
        "process_server_headers failed: Resource temporarily unavailable. host \"127.0.0.1\"",
    );
    assert_no_secret(&p.log_text(), "user", "pw-quiet");
}
