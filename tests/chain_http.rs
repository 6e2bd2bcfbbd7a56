//! Chaining to a real HTTP upstream: the Debian tinyproxy 1.11.1 with
//! BasicAuth, and our own binary (for a password with `:`, which 1.11.1's
//! BasicAuth cannot take). Spec §2.1, §6.6, §11.9.

use tinyproxy_test_support::client::{connect_then, timed_get, timed_raw};
use tinyproxy_test_support::logs::{assert_in_order, assert_no_secret};
use tinyproxy_test_support::peers::tinyproxy_upstream;
use tinyproxy_test_support::process::DEBIAN as TINYPROXY;
use tinyproxy_test_support::{curl, ours};
use tinyproxy_test_support::{Origin, Proxy};

/// Our proxy chained to `upstream_port` with `creds` (`user:pass`).
fn ours_via(creds: &str, upstream_port: u16) -> Proxy {
    Proxy::start(
        ours!(),
        &format!(
            "Timeout 2\nViaProxyName \"ours\"\nUpstream http {creds}@127.0.0.1:{upstream_port}\n"
        ),
    )
}

#[test]
fn get_and_connect_through_real_tinyproxy_with_basic_auth() {
    let origin = Origin::start();
    let up = tinyproxy_upstream("BasicAuth user s3cr3t\nViaProxyName \"up\"\n");
    let ours = ours_via("user:s3cr3t", up.port);

    // Plain GET, with curl as the client.
    let url = origin.url("/chain-get?q=1");
    let (rc, body, err) = curl(&["-x", &format!("http://{}", ours.addr()), &url]);
    assert_eq!(rc, 0, "curl failed: {err}");
    assert!(body.contains("GET /chain-get?q=1 HTTP/1.1"), "{body}");
    let seen = origin.wait_requests(1);
    assert!(
        seen[0].starts_with("GET /chain-get?q=1 HTTP/1.1\r\n"),
        "{seen:?}"
    );
    // The upstream consumed our credentials; both hops added their Via.
    assert!(!seen[0].contains("Proxy-Authorization"), "{}", seen[0]);
    let via = seen[0]
        .lines()
        .find(|l| l.starts_with("Via:"))
        .unwrap_or("");
    let (o, u) = (via.find("ours"), via.find("up (tinyproxy/1.11.1)"));
    assert!(o.is_some() && u.is_some() && o < u, "{via}");
    // We sent the absolute URI with explicit port; tinyproxy logged it.
    let want = format!(
        "GET http://127.0.0.1:{}/chain-get?q=1 HTTP/1.1",
        origin.port
    );
    let line = up.wait_log(&want);
    assert!(line.contains("Request (file descriptor "), "{line}");
    ours.wait_log("Closed connection between local client");
    let fd_line = "Established connection to upstream proxy \"127.0.0.1\" using file descriptor";
    assert_in_order(
        &ours.log_text(),
        &[
            &format!(
                "Found upstream proxy http 127.0.0.1:{} for 127.0.0.1",
                up.port
            ),
            &format!("opensock: opening connection to 127.0.0.1:{}", up.port),
            &format!("opensock: getaddrinfo returned for 127.0.0.1:{}", up.port),
            fd_line,
        ],
    );

    // CONNECT: the upstream's reply is relayed with our Via inserted,
    // then a plain request goes through the tunnel untouched.
    let authority = format!("127.0.0.1:{}", origin.port);
    let (head, resp) = connect_then(
        ours.addr(),
        &authority,
        "GET /in-tunnel HTTP/1.1\r\nHost: tunnel.test\r\n\r\n",
    );
    assert!(
        head.starts_with("HTTP/1.0 200 Connection established\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nVia: 1.1 ours"), "{head}");
    assert!(
        head.contains("\r\nProxy-agent: tinyproxy/1.11.1\r\n"),
        "{head}"
    );
    assert!(
        resp.contains("GET /in-tunnel HTTP/1.1\r\nHost: tunnel.test\r\n\r\n"),
        "{resp}"
    );
    let seen = origin.wait_requests(2);
    assert_eq!(
        seen[1],
        "GET /in-tunnel HTTP/1.1\r\nHost: tunnel.test\r\n\r\n"
    );
    let line = up.wait_log(&format!("CONNECT {authority} HTTP/1.1"));
    assert!(line.contains("Request (file descriptor "), "{line}");
    assert_no_secret(&ours.log_text(), "user", "s3cr3t");
}

#[test]
fn wrong_or_missing_credentials_are_relayed_and_logged() {
    let origin = Origin::start();
    let up = tinyproxy_upstream("BasicAuth user s3cr3t\n");
    let ours = ours_via("user:wr0ng-pw", up.port);
    let url = origin.url("/denied");
    let authority = format!("127.0.0.1:{}", origin.port);

    // tinyproxy 1.11.1 answers a wrong password with 401; we relay it.
    let r = timed_get(ours.addr(), &url, &authority);
    assert_eq!(r.status_line(), "HTTP/1.0 401 Unauthorized", "{}", r.text);
    assert!(r
        .text
        .contains("WWW-Authenticate: Basic realm=\"Tinyproxy\""));
    assert!(r.text.contains("<h1>Unauthorized</h1>"), "{}", r.text);
    up.wait_log("Request (file descriptor");
    ours.wait_log("Closed connection between local client");
    ours.wait_log("Established connection to upstream proxy \"127.0.0.1\"");

    // Same for CONNECT: status, headers and body relayed, then closed;
    // our log says the upstream refused (tinyproxy logs nothing).
    let (head, _) = connect_then(ours.addr(), &authority, "");
    assert!(head.starts_with("HTTP/1.0 401 Unauthorized\r\n"), "{head}");
    let r = timed_raw(
        ours.addr(),
        &format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"),
    );
    assert!(r.text.contains("<h1>Unauthorized</h1>"), "{}", r.text);
    let line = ours.wait_log(&format!(
        "Upstream proxy 127.0.0.1:{} refused CONNECT to 127.0.0.1:{}: HTTP/1.0 401 Unauthorized",
        up.port, origin.port
    ));
    assert!(line.starts_with("WARNING"), "{line}");
    assert_no_secret(&ours.log_text(), "user", "wr0ng-pw");

    // Without credentials: the 407 is relayed, its Proxy-Authenticate
    // removed as tinyproxy removes it (spec §6.5; it is hop-by-hop).
    let bare = Proxy::start(
        ours!(),
        &format!("Timeout 2\nUpstream http 127.0.0.1:{}\n", up.port),
    );
    let r = timed_get(bare.addr(), &url, &authority);
    assert_eq!(
        r.status_line(),
        "HTTP/1.0 407 Proxy Authentication Required"
    );
    assert!(
        r.text.contains("This proxy requires authentication."),
        "{}",
        r.text
    );
    assert!(!r.text.contains("Proxy-Authenticate"), "{}", r.text);
    assert!(origin.requests().is_empty(), "{:?}", origin.requests());
}

#[test]
fn password_with_colon_reaches_the_upstream_intact() {
    // A recording fake upstream shows the exact request (spec §6.6).
    let fake = Origin::start();
    let body = format!(
        "ViaProxyName \"tp-d\"\nUpstream http user:p:ss@127.0.0.1:{}\n",
        fake.port
    );
    let ours = Proxy::start(ours!(), &body);
    let r = timed_get(
        ours.addr(),
        "http://www.viahttp.test/path?q",
        "www.viahttp.test",
    );
    assert!(r.text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text);
    let seen = fake.wait_requests(1);
    let want = "GET http://www.viahttp.test:80/path?q HTTP/1.1\r\n\
                Host: www.viahttp.test\r\nConnection: close\r\n\
                Proxy-Authorization: Basic dXNlcjpwOnNz\r\nVia: 1.1 tp-d";
    assert!(seen[0].starts_with(want), "{:?}", seen[0]);

    // The real tinyproxy sends the same bytes up to its Via version.
    let theirs = Proxy::start(TINYPROXY, &body);
    timed_get(
        theirs.addr(),
        "http://www.viahttp.test/path?q",
        "www.viahttp.test",
    );
    let seen = fake.wait_requests(2);
    assert!(seen[1].starts_with(want), "{:?}", seen[1]);

    // A real check of `user:p:ss`: our binary as the upstream, whose
    // BasicAuth takes a password with ':' (1.11.2+ rules).
    let origin = Origin::start();
    let up = Proxy::start(ours!(), "BasicAuth user p:ss\n");
    let good = ours_via("user:p:ss", up.port);
    let r = timed_get(good.addr(), &origin.url("/colon"), "127.0.0.1");
    assert!(r.text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text);
    assert!(origin.wait_requests(1)[0].starts_with("GET /colon HTTP/1.1\r\n"));
    let bad = ours_via("user:p:sx", up.port);
    let r = timed_get(bad.addr(), &origin.url("/colon"), "127.0.0.1");
    let code = r.status_line().split_whitespace().nth(1).unwrap_or("");
    assert!(code == "401" || code == "407", "{}", r.text);
    assert_eq!(origin.requests().len(), 1);
    assert_no_secret(&good.log_text(), "user", "p:ss");
}

/// Spec §6.6/§11.9: the CONNECT we send to an HTTP upstream, byte for
/// byte as tinyproxy sends it; the upstream's reply relayed with our Via
/// first; tunnel bytes that came in the same packet as that reply are
/// not lost.
#[test]
fn connect_request_bytes_and_early_tunnel_bytes() {
    let fake = Origin::start_with(|_req: &[u8]| {
        b"HTTP/1.1 200 Connection established\r\nX-Upstream: yes\r\n\r\nSERVER-FIRST".to_vec()
    });
    let body = format!(
        "ViaProxyName \"tp-d\"\nTimeout 2\nUpstream http user:p:ss@127.0.0.1:{}\n",
        fake.port
    );
    let req =
        "CONNECT www.viahttp.test:443 HTTP/1.1\r\nHost: www.viahttp.test\r\nUser-Agent: ua\r\n\r\n";
    let want = "CONNECT www.viahttp.test:443 HTTP/1.1\r\nHost: www.viahttp.test\r\n\
                Connection: close\r\nProxy-Authorization: Basic dXNlcjpwOnNz\r\n\
                Via: 1.1 tp-d (tinyproxy";
    for (n, bin) in [env!("CARGO_BIN_EXE_tinyproxy"), TINYPROXY]
        .into_iter()
        .enumerate()
    {
        let p = Proxy::start(bin, &body);
        let r = timed_raw(p.addr(), req);
        assert!(
            r.text
                .starts_with("HTTP/1.1 200 Connection established\r\nVia: 1.1 tp-d (tinyproxy"),
            "{bin}: {:?}",
            r.text
        );
        assert!(
            r.text.contains("\r\nX-Upstream: yes\r\n\r\nSERVER-FIRST"),
            "{bin}: {:?}",
            r.text
        );
        let seen = &fake.wait_requests(n + 1)[n];
        assert!(seen.starts_with(want), "{bin}: {seen:?}");
        assert!(
            seen.ends_with(")\r\nUser-Agent: ua\r\n\r\n"),
            "{bin}: {seen:?}"
        );
    }
}
