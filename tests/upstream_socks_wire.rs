//! Exact SOCKS bytes, checked by scripted peers on loopback. The expected
//! requests are the ones tinyproxy 1.11.1 sent in spec §11.9.

use tinyproxy_rs::config::{Credentials, UpstreamKind, UpstreamProxy};
use tinyproxy_rs::upstream::{
    socks4a_connect, socks5_connect, socks_handshake, Socks4Reply, Socks5Reply, UpstreamError,
};
use tinyproxy_test_support::scripted::*;
use tokio::io::AsyncReadExt;
use Step::{Echo, Expect, Send};

fn creds(user: &str, pass: &str) -> Credentials {
    Credentials {
        user: user.into(),
        pass: pass.into(),
    }
}

/// `05 01 00 03 len host port`.
fn s5_connect(host: &str, port: u16) -> Vec<u8> {
    let mut v = vec![5, 1, 0, 3, host.len() as u8];
    v.extend_from_slice(host.as_bytes());
    v.extend_from_slice(&port.to_be_bytes());
    v
}

/// A successful reply with an IPv4 bound address.
const S5_OK: [u8; 10] = [5, 0, 0, 1, 127, 0, 0, 1, 0, 80];

async fn run_s5(
    steps: Vec<Step>,
    host: &str,
    port: u16,
    c: Option<&Credentials>,
) -> (
    tokio::net::TcpStream,
    Result<(), UpstreamError>,
    Vec<Vec<u8>>,
) {
    let (peer, task) = scripted_peer(steps).await;
    let mut s = connect_peer(peer).await;
    let r = tokio::time::timeout(STEP, socks5_connect(&mut s, host, port, c))
        .await
        .expect("socks5 handshake hung");
    if r.is_err() {
        drop(s);
        let seen = task.await.expect("peer task");
        return (connect_peer_dummy().await, r, seen);
    }
    assert_round_trip(&mut s, b"tunnelled bytes").await;
    drop(s);
    let seen = task.await.expect("peer task");
    (connect_peer_dummy().await, r, seen)
}

/// A stream to return when the real one has been consumed.
async fn connect_peer_dummy() -> tokio::net::TcpStream {
    let port = echo_server_on(V4).await;
    connect_peer(port).await
}

#[tokio::test]
async fn socks5_with_credentials_sends_tinyproxys_bytes() {
    let connect = s5_connect("a.viasocks5.test", 8080);
    let steps = vec![
        Expect(4),
        Send(vec![5, 2]),
        Expect(13),
        Send(vec![1, 0]),
        Expect(connect.len()),
        Send(S5_OK.to_vec()),
        Echo,
    ];
    let c = creds("user5", "pass5");
    let (_, r, seen) = run_s5(steps, "a.viasocks5.test", 8080, Some(&c)).await;
    r.expect("handshake");
    assert_eq!(seen[0], b"\x05\x02\x00\x02");
    assert_eq!(seen[1], b"\x01\x05user5\x05pass5");
    assert_eq!(seen[2], b"\x05\x01\x00\x03\x10a.viasocks5.test\x1f\x90");
}

#[tokio::test]
async fn socks5_without_credentials_sends_tinyproxys_bytes() {
    let steps = vec![
        Expect(3),
        Send(vec![5, 0]),
        Expect(25),
        Send(S5_OK.to_vec()),
        Echo,
    ];
    let (_, r, seen) = run_s5(steps, "noauth.socks5.test", 80, None).await;
    r.expect("handshake");
    assert_eq!(seen[0], b"\x05\x01\x00");
    assert_eq!(seen[1], b"\x05\x01\x00\x03\x12noauth.socks5.test\x00P");
}

#[tokio::test]
async fn socks5_ip_literals_go_as_domain_names() {
    for (host, sent) in [("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("[::1]", "::1")] {
        let want = s5_connect(sent, 443);
        let steps = vec![
            Expect(3),
            Send(vec![5, 0]),
            Expect(want.len()),
            Send(S5_OK.to_vec()),
            Echo,
        ];
        let (_, r, seen) = run_s5(steps, host, 443, None).await;
        r.unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(seen[1], want, "{host}");
    }
}

#[tokio::test]
async fn socks5_reply_is_consumed_exactly() {
    // Bound addresses of every type, followed at once by tunnel data.
    let mut domain = vec![5, 0, 0, 3, 13];
    domain.extend_from_slice(b"proxy.example");
    domain.extend_from_slice(&[0x1f, 0x90]);
    let mut v6 = vec![5, 0, 0, 4];
    v6.extend_from_slice(&[0u8; 15]);
    v6.extend_from_slice(&[1, 0, 80]);
    for reply in [S5_OK.to_vec(), domain, v6] {
        let mut burst = reply.clone();
        burst.extend_from_slice(b"FIRST");
        let (peer, task) =
            scripted_peer(vec![Expect(3), Send(vec![5, 0]), Expect(13), Send(burst)]).await;
        let mut s = connect_peer(peer).await;
        socks5_connect(&mut s, "a.test", 80, None)
            .await
            .expect("handshake");
        let mut first = [0u8; 5];
        s.read_exact(&mut first).await.expect("tunnel data");
        assert_eq!(&first, b"FIRST", "reply {reply:?} leaked into the tunnel");
        task.await.expect("peer");
    }
}

#[tokio::test]
async fn socks5_reply_codes_map_to_variants() {
    let table = [
        (
            1,
            Socks5Reply::GeneralFailure,
            "general SOCKS server failure",
        ),
        (2, Socks5Reply::NotAllowed, "not allowed by ruleset"),
        (3, Socks5Reply::NetworkUnreachable, "network unreachable"),
        (4, Socks5Reply::HostUnreachable, "host unreachable"),
        (5, Socks5Reply::ConnectionRefused, "connection refused"),
        (6, Socks5Reply::TtlExpired, "TTL expired"),
        (7, Socks5Reply::CommandNotSupported, "command not supported"),
        (
            8,
            Socks5Reply::AddressTypeNotSupported,
            "address type not supported",
        ),
        (0x42, Socks5Reply::Other(0x42), "unknown reply code 0x42"),
    ];
    for (code, want, text) in table {
        let steps = vec![
            Expect(3),
            Send(vec![5, 0]),
            Expect(13),
            Send(vec![5, code, 0, 1]),
        ];
        let (_, r, _) = run_s5(steps, "a.test", 80, None).await;
        match r {
            Err(UpstreamError::Socks5Refused(got)) => {
                assert_eq!(got, want);
                let msg = UpstreamError::Socks5Refused(got).to_string();
                assert!(msg.contains(text), "{msg}");
            }
            other => panic!("code {code}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn socks5_auth_outcomes() {
    let c = creds("u", "p");
    // Status 1 from the server: rejected.
    let steps = vec![Expect(4), Send(vec![5, 2]), Expect(5), Send(vec![1, 1])];
    let (_, r, _) = run_s5(steps, "a.test", 80, Some(&c)).await;
    assert!(matches!(r, Err(UpstreamError::AuthRejected(1))), "{r:?}");
    // Version 5 in the auth reply is tolerated, as tinyproxy does.
    let steps = vec![
        Expect(4),
        Send(vec![5, 2]),
        Expect(5),
        Send(vec![5, 0]),
        Expect(13),
        Send(S5_OK.to_vec()),
        Echo,
    ];
    let (_, r, _) = run_s5(steps, "a.test", 80, Some(&c)).await;
    r.expect("auth reply version 5");
    // Credentials offered, server picks "no auth": no sub-negotiation.
    let steps = vec![
        Expect(4),
        Send(vec![5, 0]),
        Expect(13),
        Send(S5_OK.to_vec()),
        Echo,
    ];
    let (_, r, seen) = run_s5(steps, "a.test", 80, Some(&c)).await;
    r.expect("no-auth chosen");
    assert_eq!(seen[1][..4], [5, 1, 0, 3]);
}

#[tokio::test]
async fn socks5_method_selection_errors() {
    let cases: [(Option<Credentials>, u8); 3] = [(None, 2), (None, 1), (Some(creds("u", "p")), 1)];
    for (c, method) in cases {
        let n = if c.is_some() { 4 } else { 3 };
        let steps = vec![Expect(n), Send(vec![5, method])];
        let (_, r, _) = run_s5(steps, "a.test", 80, c.as_ref()).await;
        assert!(
            matches!(r, Err(UpstreamError::UnexpectedAuthMethod(m)) if m == method),
            "{r:?}"
        );
    }
    let (_, r, _) = run_s5(vec![Expect(3), Send(vec![5, 0xff])], "a.test", 80, None).await;
    assert!(matches!(r, Err(UpstreamError::NoAcceptableAuth)), "{r:?}");
}

#[tokio::test]
async fn socks5_rejects_bad_targets_and_credentials_before_sending() {
    let long = "a".repeat(256);
    let max = "a".repeat(255);
    let cases: [(&str, Option<Credentials>); 3] = [
        ("", None),
        (long.as_str(), None),
        ("a.test", Some(creds(&max, &long))),
    ];
    for (host, c) in cases {
        let (_, r, seen) = run_s5(vec![Expect(1)], host, 80, c.as_ref()).await;
        match (host.len(), &r) {
            (0 | 256, Err(UpstreamError::BadTarget(_))) => {}
            (6, Err(UpstreamError::CredentialsTooLong)) => {}
            _ => panic!("{}: {r:?}", host.len()),
        }
        assert!(seen.is_empty(), "bytes were sent before the check");
    }
}

/// `04 01 port 00 00 00 01 00 host 00`.
fn s4_request(host: &str, port: u16) -> Vec<u8> {
    let mut v = vec![4, 1];
    v.extend_from_slice(&port.to_be_bytes());
    v.extend_from_slice(&[0, 0, 0, 1, 0]);
    v.extend_from_slice(host.as_bytes());
    v.push(0);
    v
}

#[tokio::test]
async fn socks4a_sends_tinyproxys_bytes_and_consumes_reply() {
    let want = s4_request("b.viasocks4.test", 80);
    assert_eq!(
        want,
        b"\x04\x01\x00P\x00\x00\x00\x01\x00b.viasocks4.test\x00"
    );
    let mut burst = vec![0, 0x5A, 0, 0, 0, 0, 0, 0];
    burst.extend_from_slice(b"FIRST");
    let (peer, task) = scripted_peer(vec![Expect(want.len()), Send(burst), Echo]).await;
    let mut s = connect_peer(peer).await;
    socks4a_connect(&mut s, "b.viasocks4.test", 80)
        .await
        .expect("socks4a");
    let mut first = [0u8; 5];
    s.read_exact(&mut first).await.expect("tunnel data");
    assert_eq!(&first, b"FIRST");
    assert_round_trip(&mut s, b"through socks4a").await;
    drop(s);
    assert_eq!(task.await.expect("peer")[0], want);
}

#[tokio::test]
async fn socks4a_ignores_credentials_and_strips_brackets() {
    let want = s4_request("::1", 443);
    let (peer, task) = scripted_peer(vec![
        Expect(want.len()),
        Send(vec![0, 0x5A, 1, 187, 0, 0, 0, 0]),
        Echo,
    ])
    .await;
    let proxy = UpstreamProxy {
        kind: UpstreamKind::Socks4,
        host: "127.0.0.1".into(),
        port: peer,
        credentials: Some(creds("user", "pass")),
    };
    let mut s = connect_peer(peer).await;
    socks_handshake(&proxy, &mut s, "[::1]", 443, STEP)
        .await
        .expect("socks4a");
    assert_round_trip(&mut s, b"x").await;
    drop(s);
    assert_eq!(task.await.expect("peer")[0], want);
}

#[tokio::test]
async fn socks4a_refusals_and_bad_replies() {
    let table = [
        (0x5B, Some(Socks4Reply::Rejected)),
        (0x5C, Some(Socks4Reply::IdentdUnreachable)),
        (0x5D, Some(Socks4Reply::IdentdMismatch)),
        (0x00, Some(Socks4Reply::Other(0))),
    ];
    for (code, want) in table {
        let (peer, _task) =
            scripted_peer(vec![Expect(16), Send(vec![0, code, 0, 0, 0, 0, 0, 0])]).await;
        let mut s = connect_peer(peer).await;
        let r = socks4a_connect(&mut s, "a.test", 80).await;
        match (r, want) {
            (Err(UpstreamError::Socks4Refused(got)), Some(w)) => assert_eq!(got, w),
            (other, _) => panic!("code {code:#x}: {other:?}"),
        }
    }
    // Reply version must be 0 (tinyproxy checks it too).
    let (peer, _task) =
        scripted_peer(vec![Expect(16), Send(vec![4, 0x5A, 0, 0, 0, 0, 0, 0])]).await;
    let mut s = connect_peer(peer).await;
    let r = socks4a_connect(&mut s, "a.test", 80).await;
    assert!(matches!(r, Err(UpstreamError::BadReply { .. })), "{r:?}");
    // A NUL in the host would end the name early on the wire.
    let r = socks4a_connect(&mut s, "a\0b", 80).await;
    assert!(matches!(r, Err(UpstreamError::BadTarget(_))), "{r:?}");
}
