//! Chaining through SOCKS upstreams: microsocks (user/password), danted
//! (no auth), an in-test SOCKS4a server (Debian has none), and the rule
//! forms of spec §2.1 (site rules, `none`, last match wins), the latter
//! also run against the real tinyproxy with the same config.

use tinyproxy_test_support::client::{connect_then, timed_get};
use tinyproxy_test_support::logs::{assert_in_order, assert_no_secret};
use tinyproxy_test_support::ours;
use tinyproxy_test_support::peers::{
    danted, microsocks, microsocks_on, tinyproxy_upstream, Mode, Peer,
};
use tinyproxy_test_support::process::DEBIAN as TINYPROXY;
use tinyproxy_test_support::{Origin, Proxy};

/// The §11.9 log lines for a SOCKS upstream, in order.
fn assert_socks_lines(log: &str, kind: &str, port: u16, host: &str) {
    assert_in_order(
        log,
        &[
            &format!("Found upstream proxy {kind} 127.0.0.1:{port} for {host}"),
            &format!("opensock: opening connection to 127.0.0.1:{port}"),
            &format!("Established connection to {kind} proxy \"127.0.0.1\" using file descriptor"),
        ],
    );
}

/// GET and CONNECT to the origin through `ours`; both must arrive.
fn get_and_connect(ours: &Proxy, origin: &Origin) {
    let authority = format!("127.0.0.1:{}", origin.port);
    let r = timed_get(ours.addr(), &origin.url("/via-socks"), &authority);
    assert!(r.text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text);
    let seen = origin.wait_requests(1);
    // Through SOCKS the request is origin-form, as for a direct connection.
    assert!(
        seen[0].starts_with("GET /via-socks HTTP/1.1\r\n"),
        "{seen:?}"
    );
    assert!(
        seen[0].contains(&format!("\r\nHost: {authority}\r\n")),
        "{seen:?}"
    );

    let inner = "GET /in-socks-tunnel HTTP/1.1\r\nHost: t.test\r\n\r\n";
    let (head, resp) = connect_then(ours.addr(), &authority, inner);
    // Our own reply: no HTTP upstream to relay one from.
    assert!(
        head.starts_with("HTTP/1.1 200 Connection established\r\n"),
        "{head}"
    );
    assert!(head.contains("Proxy-agent: tinyproxy"), "{head}");
    assert!(resp.contains(inner), "{resp}");
    assert_eq!(origin.wait_requests(2)[1], inner);
    ours.wait_log("Not sending client headers to remote machine");
}

#[test]
fn microsocks_with_password_containing_colon() {
    let origin = Origin::start();
    let ms = microsocks(Some(("user", "p:ss w0rd")));
    let ours = Proxy::start(
        ours!(),
        &format!(
            "Timeout 2\nUpstream socks5 user:p:ss w0rd@127.0.0.1:{}\n",
            ms.port
        ),
    );
    get_and_connect(&ours, &origin);
    assert_socks_lines(&ours.log_text(), "socks5", ms.port, "127.0.0.1");
    assert_no_secret(&ours.log_text(), "user", "p:ss w0rd");
}

/// `[IPv6]:port` upstreams (tinyproxy 1.11.2+; 1.11.1 cannot parse them).
#[test]
fn microsocks_on_ipv6_loopback() {
    let origin = Origin::start();
    let port = std::net::TcpListener::bind("[::1]:0")
        .and_then(|l| l.local_addr())
        .expect("free ::1 port")
        .port();
    let ms = microsocks_on(
        std::net::SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], port)),
        None,
    );
    let ours = Proxy::start(
        ours!(),
        &format!("Timeout 2\nUpstream socks5 [::1]:{}\n", ms.port),
    );
    get_and_connect(&ours, &origin);
    assert_in_order(
        &ours.log_text(),
        &[
            &format!("Found upstream proxy socks5 ::1:{} for 127.0.0.1", ms.port),
            "Established connection to socks5 proxy \"::1\" using file descriptor",
        ],
    );
}

#[test]
fn danted_without_authentication() {
    let origin = Origin::start();
    let d = danted();
    let ours = Proxy::start(
        ours!(),
        &format!("Timeout 2\nUpstream socks5 127.0.0.1:{}\n", d.port),
    );
    get_and_connect(&ours, &origin);
    assert_socks_lines(&ours.log_text(), "socks5", d.port, "127.0.0.1");
}

#[test]
fn socks4a_request_bytes_and_get() {
    let origin = Origin::start();
    let s4 = Peer::start(Mode::Socks4a, origin.port);
    // Credentials in a socks4 rule are ignored (empty user id), as in
    // tinyproxy.
    let ours = Proxy::start(
        ours!(),
        &format!(
            "Timeout 2\nUpstream socks4 someone:secret@127.0.0.1:{}\n",
            s4.port
        ),
    );
    let r = timed_get(
        ours.addr(),
        "http://b.viasocks4.test/s4",
        "b.viasocks4.test",
    );
    assert!(r.text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text);
    let mut want = vec![4, 1, 0, 80, 0, 0, 0, 1, 0];
    want.extend_from_slice(b"b.viasocks4.test\0");
    assert_eq!(s4.handshakes(), vec![want]);
    let seen = origin.wait_requests(1);
    assert!(
        seen[0].starts_with("GET /s4 HTTP/1.1\r\nHost: b.viasocks4.test\r\nConnection: close\r\n"),
        "{seen:?}"
    );
    ours.wait_log("Closed connection between local client");
    assert_socks_lines(&ours.log_text(), "socks4", s4.port, "b.viasocks4.test");

    // An IP-literal target still goes as a name (SOCKS4a), with its port.
    let r = timed_get(ours.addr(), &origin.url("/ip"), "127.0.0.1");
    assert!(r.text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text);
    let mut want = vec![4, 1];
    want.extend_from_slice(&origin.port.to_be_bytes());
    want.extend_from_slice(&[0, 0, 0, 1, 0]);
    want.extend_from_slice(b"127.0.0.1\0");
    assert_eq!(s4.handshakes()[1], want);
    assert_no_secret(&ours.log_text(), "someone", "secret");
}

/// Config D of spec §11.9, reduced: a SOCKS5 rule for `.test`, the real
/// tinyproxy as default upstream, `none` for 127.0.0.0/8.
#[test]
fn site_rules_default_and_none() {
    let origin = Origin::start();
    let s5 = Peer::start(Mode::Socks5NoAuth, origin.port);
    let up = tinyproxy_upstream("");
    let ours = Proxy::start(
        ours!(),
        &format!(
            "Timeout 2\nUpstream socks5 127.0.0.1:{} \".test\"\n\
         Upstream http 127.0.0.1:{}\nUpstream none \"127.0.0.0/8\"\n",
            s5.port, up.port
        ),
    );
    // Inside .test: the SOCKS5 server, asked for the name (ATYP 3).
    let r = timed_get(ours.addr(), "http://a.chain.test/s5", "a.chain.test");
    assert!(r.text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text);
    let mut want = vec![5, 1, 0, 5, 1, 0, 3, 12];
    want.extend_from_slice(b"a.chain.test\x00\x50");
    assert_eq!(s5.handshakes(), vec![want]);
    ours.wait_log(&format!(
        "Found upstream proxy socks5 127.0.0.1:{} for a.chain.test",
        s5.port
    ));

    // An IP literal in 127.0.0.0/8: direct, although a default exists.
    let r = timed_get(ours.addr(), &origin.url("/direct"), "127.0.0.1");
    assert!(r.text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text);
    ours.wait_log("No upstream proxy for 127.0.0.1");
    ours.wait_log("Established connection to host \"127.0.0.1\"");

    // A name outside .test: the default (the real tinyproxy), which logs it.
    let url = format!("http://localhost:{}/default", origin.port);
    let r = timed_get(ours.addr(), &url, "localhost");
    assert!(r.text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text);
    let line = up.wait_log(&format!("GET {url} HTTP/1.1"));
    assert!(line.contains("Request (file descriptor "), "{line}");
    ours.wait_log(&format!(
        "Found upstream proxy http 127.0.0.1:{} for localhost",
        up.port
    ));

    let seen = origin.wait_requests(3);
    assert_eq!(s5.handshakes().len(), 1, "only .test names go to SOCKS");
    assert!(seen
        .iter()
        .any(|r| r.starts_with("GET /default HTTP/1.1\r\n")));
    assert!(seen
        .iter()
        .any(|r| r.starts_with("GET /direct HTTP/1.1\r\n")));
}

/// Spec §2.1: the last matching site rule in file order wins. Run with
/// both binaries; the real tinyproxy is the reference.
#[test]
fn last_matching_rule_wins_like_tinyproxy() {
    let origin = Origin::start();
    let up = tinyproxy_upstream("");
    let via = format!("Upstream http 127.0.0.1:{} \"127.0.0.0/8\"\n", up.port);
    let none = "Upstream none \"127.0.0.1\"\n";
    let url = origin.url("/order");
    for bin in [env!("CARGO_BIN_EXE_tinyproxy"), TINYPROXY] {
        for (body, expect_up) in [
            (format!("{via}{none}"), false),
            (format!("{none}{via}"), true),
        ] {
            let p = Proxy::start(bin, &body);
            let r = timed_get(p.addr(), &url, "127.0.0.1");
            assert!(r.text.contains(" 200 OK\r\n"), "{bin}: {}", r.text);
            let want = if expect_up {
                format!(
                    "Found upstream proxy http 127.0.0.1:{} for 127.0.0.1",
                    up.port
                )
            } else {
                "No upstream proxy for 127.0.0.1".to_string()
            };
            p.wait_log(&want);
        }
    }
    // Two of the four requests went through the upstream.
    let n = up
        .log_text()
        .matches(&format!("GET {url} HTTP/1.1"))
        .count();
    assert_eq!(n, 2, "{}", up.log_text());
    assert_eq!(origin.wait_requests(4).len(), 4);
}
