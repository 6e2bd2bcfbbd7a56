//! SOCKS5 against real servers: microsocks (user/password) and danted
//! (no auth, and username method with a user it does not know).
//! Debian packages: microsocks, dante-server. danted runs as root here.

use tinyproxy_rs::config::{Credentials, UpstreamKind, UpstreamProxy};
use tinyproxy_rs::upstream::{socks5_connect, socks_handshake, Socks5Reply, UpstreamError};
use tinyproxy_test_support::peers::{danted_with, microsocks};
use tinyproxy_test_support::scripted::*;
use tinyproxy_test_support::{free_port, local};
use tokio::net::TcpStream;

fn creds(user: &str, pass: &str) -> Credentials {
    Credentials {
        user: user.to_string(),
        pass: pass.to_string(),
    }
}

/// Runs one SOCKS5 handshake on a fresh connection, bounded.
async fn handshake(
    port: u16,
    host: &str,
    target: u16,
    c: Option<&Credentials>,
) -> (TcpStream, Result<(), UpstreamError>) {
    let mut s = TcpStream::connect(local(port))
        .await
        .expect("connect proxy");
    let r = tokio::time::timeout(STEP, socks5_connect(&mut s, host, target, c))
        .await
        .expect("socks5 handshake hung");
    (s, r)
}

#[tokio::test]
async fn microsocks_with_credentials_domain_ipv4_and_ipv6_targets() {
    let ms = microsocks(Some(("user", "pa:ss word")));
    let port = ms.port;
    let c = creds("user", "pa:ss word");
    let dual = echo_server_dual().await;
    let v4 = echo_server_on(V4).await;
    let v6 = echo_server_on(V6).await;
    for (host, target) in [
        ("localhost", dual),
        ("127.0.0.1", v4),
        ("::1", v6),
        ("[::1]", v6),
    ] {
        let (mut s, r) = handshake(port, host, target, Some(&c)).await;
        r.unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_round_trip(&mut s, format!("hello {host}\n").as_bytes()).await;
    }
}

#[tokio::test]
async fn microsocks_wrong_password_is_auth_rejected() {
    let ms = microsocks(Some(("user", "pa:ss word")));
    let port = ms.port;
    let target = echo_server_on(V4).await;
    let (_, r) = handshake(port, "127.0.0.1", target, Some(&creds("user", "nope"))).await;
    assert!(matches!(r, Err(UpstreamError::AuthRejected(_))), "{r:?}");
}

#[tokio::test]
async fn microsocks_without_credentials_offers_no_acceptable_method() {
    let ms = microsocks(Some(("user", "pa:ss word")));
    let port = ms.port;
    let target = echo_server_on(V4).await;
    let (_, r) = handshake(port, "127.0.0.1", target, None).await;
    assert!(matches!(r, Err(UpstreamError::NoAcceptableAuth)), "{r:?}");
    // An empty user name is not offered either (tinyproxy's rule).
    let (_, r) = handshake(port, "127.0.0.1", target, Some(&creds("", "pass"))).await;
    assert!(matches!(r, Err(UpstreamError::NoAcceptableAuth)), "{r:?}");
}

#[tokio::test]
async fn microsocks_target_refused_maps_reply_code() {
    let ms = microsocks(Some(("user", "pa:ss word")));
    let port = ms.port;
    let closed = free_port();
    let (_, r) = handshake(
        port,
        "127.0.0.1",
        closed,
        Some(&creds("user", "pa:ss word")),
    )
    .await;
    assert!(
        matches!(
            r,
            Err(UpstreamError::Socks5Refused(Socks5Reply::ConnectionRefused))
        ),
        "{r:?}"
    );
    let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("connection refused"), "{msg}");
}

#[tokio::test]
async fn socks_handshake_dispatches_on_kind_with_timeout() {
    let ms = microsocks(Some(("user", "pa:ss word")));
    let port = ms.port;
    let target = echo_server_on(V4).await;
    let proxy = UpstreamProxy {
        kind: UpstreamKind::Socks5,
        host: "127.0.0.1".into(),
        port,
        credentials: Some(creds("user", "pa:ss word")),
    };
    let mut s = TcpStream::connect(local(port)).await.expect("connect");
    socks_handshake(&proxy, &mut s, "127.0.0.1", target, STEP)
        .await
        .expect("handshake");
    assert_round_trip(&mut s, b"via socks_handshake").await;
    let http = UpstreamProxy {
        kind: UpstreamKind::Http,
        ..proxy
    };
    let r = socks_handshake(&http, &mut s, "127.0.0.1", target, STEP).await;
    assert!(matches!(r, Err(UpstreamError::NotSocks)), "{r:?}");
}

#[tokio::test]
async fn danted_no_auth_domain_ipv4_and_ipv6_targets() {
    // Outgoing on both loopback addresses.
    let d = danted_with("none", &["127.0.0.1", "::1"]);
    let port = d.port;
    let dual = echo_server_dual().await;
    let v4 = echo_server_on(V4).await;
    let v6 = echo_server_on(V6).await;
    // Offering credentials is fine: danted picks "no auth".
    let c = creds("someone", "secret");
    for (host, target, cr) in [
        ("localhost", dual, None),
        ("127.0.0.1", v4, None),
        ("::1", v6, None),
        ("127.0.0.1", v4, Some(&c)),
    ] {
        let (mut s, r) = handshake(port, host, target, cr).await;
        r.unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_round_trip(&mut s, format!("dante {host}\n").as_bytes()).await;
    }
    let closed = free_port();
    let (_, r) = handshake(port, "127.0.0.1", closed, None).await;
    assert!(matches!(r, Err(UpstreamError::Socks5Refused(_))), "{r:?}");
}

#[tokio::test]
async fn danted_username_method_rejects_unknown_user() {
    let d = danted_with("username", &["127.0.0.1", "::1"]);
    let port = d.port;
    let target = echo_server_on(V4).await;
    let c = creds("tp-rs-no-such-user", "wrong");
    let (_, r) = handshake(port, "127.0.0.1", target, Some(&c)).await;
    assert!(matches!(r, Err(UpstreamError::AuthRejected(_))), "{r:?}");
    let (_, r) = handshake(port, "127.0.0.1", target, None).await;
    assert!(matches!(r, Err(UpstreamError::NoAcceptableAuth)), "{r:?}");
}
