//! Failure paths: nothing listening, a proxy that hangs up, a proxy that
//! answers garbage or nothing at all. Every case must end in an error,
//! quickly, never a hang.

use std::io::ErrorKind;
use std::time::{Duration, Instant};
use tinyproxy_rs::config::{UpstreamKind, UpstreamProxy};
use tinyproxy_rs::upstream::{socks4a_connect, socks5_connect, socks_handshake, UpstreamError};
use tinyproxy_test_support::scripted::*;
use tinyproxy_test_support::{free_port, local};
use tokio::net::TcpStream;
use Step::{Expect, Hold, Send};

fn proxy(kind: UpstreamKind, port: u16) -> UpstreamProxy {
    UpstreamProxy {
        kind,
        host: "127.0.0.1".into(),
        port,
        credentials: None,
    }
}

/// Runs the handshake of `kind` against a scripted peer, bounded.
async fn against(kind: UpstreamKind, steps: Vec<Step>) -> Result<(), UpstreamError> {
    let (port, _task) = scripted_peer(steps).await;
    let mut s = connect_peer(port).await;
    socks_handshake(&proxy(kind, port), &mut s, "a.test", 80, STEP).await
}

fn is_closed_or_reset(r: &Result<(), UpstreamError>) -> bool {
    match r {
        Err(UpstreamError::Closed(_)) => true,
        Err(UpstreamError::Io(e)) => matches!(
            e.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionAborted
        ),
        _ => false,
    }
}

#[tokio::test]
async fn upstream_port_closed_is_an_io_error() {
    let port = free_port();
    let err = TcpStream::connect(local(port))
        .await
        .expect_err("nothing listens there");
    let up = UpstreamError::from(err);
    assert!(
        matches!(&up, UpstreamError::Io(e) if e.kind() == ErrorKind::ConnectionRefused),
        "{up:?}"
    );
    assert!(up
        .to_string()
        .starts_with("I/O error talking to the upstream proxy"));
}

#[tokio::test]
async fn proxy_that_closes_at_once() {
    for kind in [UpstreamKind::Socks5, UpstreamKind::Socks4] {
        let r = against(kind, vec![]).await;
        assert!(is_closed_or_reset(&r), "{kind:?}: {r:?}");
    }
}

#[tokio::test]
async fn proxy_that_reads_the_request_then_closes() {
    let r = against(UpstreamKind::Socks5, vec![Expect(3)]).await;
    assert!(matches!(r, Err(UpstreamError::Closed("socks5"))), "{r:?}");
    let r = against(UpstreamKind::Socks4, vec![Expect(16)]).await;
    assert!(matches!(r, Err(UpstreamError::Closed("socks4"))), "{r:?}");
}

#[tokio::test]
async fn proxy_that_closes_in_the_middle_of_a_reply() {
    let cut_connect = vec![
        Expect(3),
        Send(vec![5, 0]),
        Expect(13),
        Send(vec![5, 0, 0, 1, 127]),
    ];
    let r = against(UpstreamKind::Socks5, cut_connect).await;
    assert!(matches!(r, Err(UpstreamError::Closed("socks5"))), "{r:?}");
    let cut_domain = vec![
        Expect(3),
        Send(vec![5, 0]),
        Expect(13),
        Send(vec![5, 0, 0, 3, 200, b'x']),
    ];
    let r = against(UpstreamKind::Socks5, cut_domain).await;
    assert!(matches!(r, Err(UpstreamError::Closed("socks5"))), "{r:?}");
    let r = against(
        UpstreamKind::Socks4,
        vec![Expect(16), Send(vec![0, 0x5A, 0, 0])],
    )
    .await;
    assert!(matches!(r, Err(UpstreamError::Closed("socks4"))), "{r:?}");
}

#[tokio::test]
async fn garbage_replies_are_bad_replies() {
    let http = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec();
    let r = against(UpstreamKind::Socks5, vec![Expect(3), Send(http.clone())]).await;
    assert!(
        matches!(
            r,
            Err(UpstreamError::BadReply {
                proto: "socks5",
                ..
            })
        ),
        "{r:?}"
    );
    let r = against(UpstreamKind::Socks4, vec![Expect(16), Send(http)]).await;
    assert!(
        matches!(
            r,
            Err(UpstreamError::BadReply {
                proto: "socks4",
                ..
            })
        ),
        "{r:?}"
    );
    let bad_atyp = vec![
        Expect(3),
        Send(vec![5, 0]),
        Expect(13),
        Send(vec![5, 0, 0, 7, 0, 0]),
    ];
    let r = against(UpstreamKind::Socks5, bad_atyp).await;
    assert!(matches!(r, Err(UpstreamError::BadReply { .. })), "{r:?}");
    let bad_version = vec![
        Expect(3),
        Send(vec![5, 0]),
        Expect(13),
        Send(vec![4, 0, 0, 1]),
    ];
    let r = against(UpstreamKind::Socks5, bad_version).await;
    assert!(matches!(r, Err(UpstreamError::BadReply { .. })), "{r:?}");
    let bad_auth = vec![Expect(4), Send(vec![5, 2]), Expect(5), Send(vec![9, 0])];
    let (port, _task) = scripted_peer(bad_auth).await;
    let mut s = connect_peer(port).await;
    let c = tinyproxy_rs::config::Credentials {
        user: "u".into(),
        pass: "p".into(),
    };
    let r = socks5_connect(&mut s, "a.test", 80, Some(&c)).await;
    assert!(matches!(r, Err(UpstreamError::BadReply { .. })), "{r:?}");
}

#[tokio::test]
async fn silent_proxy_times_out() {
    let limit = Duration::from_millis(300);
    for kind in [UpstreamKind::Socks5, UpstreamKind::Socks4] {
        let (port, _task) = scripted_peer(vec![Hold]).await;
        let mut s = connect_peer(port).await;
        let start = Instant::now();
        let r = socks_handshake(&proxy(kind, port), &mut s, "a.test", 80, limit).await;
        assert!(
            matches!(r, Err(UpstreamError::Timeout(d)) if d == limit),
            "{r:?}"
        );
        assert!(start.elapsed() < STEP, "took {:?}", start.elapsed());
        assert!(r
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("timed out"));
    }
    // Stalling after a partial reply also ends at the deadline.
    let (port, _task) = scripted_peer(vec![
        Expect(3),
        Send(vec![5, 0]),
        Expect(13),
        Send(vec![5]),
        Hold,
    ])
    .await;
    let mut s = connect_peer(port).await;
    let r = socks_handshake(
        &proxy(UpstreamKind::Socks5, port),
        &mut s,
        "a.test",
        80,
        limit,
    )
    .await;
    assert!(matches!(r, Err(UpstreamError::Timeout(_))), "{r:?}");
}

#[tokio::test]
async fn raw_connectors_stop_on_eof_without_a_timeout() {
    // The bare functions have no deadline of their own; on EOF they must
    // still return at once.
    let (port, _task) = scripted_peer(vec![Expect(3)]).await;
    let mut s = connect_peer(port).await;
    let r = tokio::time::timeout(STEP, socks5_connect(&mut s, "a.test", 80, None)).await;
    assert!(matches!(r, Ok(Err(UpstreamError::Closed(_)))), "{r:?}");
    let (port, _task) = scripted_peer(vec![Expect(16)]).await;
    let mut s = connect_peer(port).await;
    let r = tokio::time::timeout(STEP, socks4a_connect(&mut s, "a.test", 80)).await;
    assert!(matches!(r, Ok(Err(UpstreamError::Closed(_)))), "{r:?}");
}
