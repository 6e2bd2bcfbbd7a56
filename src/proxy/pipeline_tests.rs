//! The request pipeline's decisions, in process: a client on an in-memory
//! stream (`tokio::io::duplex`), one `serve_one` per request, the answer
//! read back from the other end. The same paths against the real binary
//! are in tests/proxy_errors.rs, tests/auth_basic.rs and the hostile_wire
//! suites; these are the fast ones.

use crate::proxy::client::Client;
use crate::proxy::generation::Generation;
use crate::proxy::next::Next;
use crate::proxy::request::serve_one;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::net::TcpListener;

type TestClient = Client<ReadHalf<DuplexStream>, WriteHalf<DuplexStream>>;

/// A generation of the config `text` (its `Timeout` bounds each test).
fn generation(text: &str) -> Generation {
    let text = format!("Port 8888\nTimeout 5\n{text}");
    let loaded = crate::config::parse_bytes(text.as_bytes(), Path::new("pipeline.conf"));
    Generation::new(Arc::new(loaded.expect("test config").config), None)
}

/// A client whose request bytes are `request` (then end of input, unless
/// `keep_open`), and the peer end to read the answer from.
async fn client_with(request: &[u8], keep_open: bool) -> (TestClient, DuplexStream) {
    let (ours, mut peer) = tokio::io::duplex(256 * 1024);
    peer.write_all(request).await.unwrap();
    if !keep_open {
        peer.shutdown().await.unwrap();
    }
    let (rd, wr) = tokio::io::split(ours);
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let local = SocketAddr::new(ip, 8888);
    (
        Client::from_parts(
            rd,
            wr,
            ip,
            local,
            7,
            Duration::from_secs(5),
            std::sync::Arc::new(crate::proxy::context::Context::new()),
        ),
        peer,
    )
}

/// Serve one request that ends the connection; its whole answer.
async fn refused(config: &str, request: &[u8]) -> String {
    let gen = generation(config);
    let (mut client, mut peer) = client_with(request, false).await;
    let next = tokio::time::timeout(Duration::from_secs(10), serve_one(&mut client, &gen))
        .await
        .expect("serve_one finished");
    assert!(matches!(next, Next::Close), "a refusal closes");
    drop(client);
    let mut answer = Vec::new();
    peer.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_line(answer: &str) -> &str {
    answer.split("\r\n").next().unwrap_or("")
}

#[tokio::test]
async fn bad_request_line_gets_400() {
    let answer = refused("", b"GET\r\n\r\n").await;
    assert_eq!(status_line(&answer), "HTTP/1.0 400 Bad Request", "{answer}");
}

#[tokio::test]
async fn connect_port_not_listed_gets_403() {
    let req = b"CONNECT 127.0.0.1:25 HTTP/1.1\r\nHost: 127.0.0.1:25\r\n\r\n";
    let answer = refused("ConnectPort 443\n", req).await;
    assert!(
        status_line(&answer).starts_with("HTTP/1.1 403 "),
        "{answer}"
    );
}

#[tokio::test]
async fn missing_credentials_get_407_page() {
    let req = b"GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n";
    let answer = refused("BasicAuth user secret\n", req).await;
    // tinyproxy checks credentials before it parses the request line, so
    // this page says HTTP/1.0 whatever the client spoke.
    assert!(
        status_line(&answer).starts_with("HTTP/1.0 407 "),
        "{answer}"
    );
    assert!(answer.contains("Proxy-Authenticate: Basic"), "{answer}");
}

#[tokio::test]
async fn ambiguous_body_framing_gets_400_and_close() {
    let req = b"POST http://127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\
                Content-Length: 1\r\nContent-Length: 2\r\n\r\nab";
    let answer = refused("", req).await;
    assert!(
        status_line(&answer).starts_with("HTTP/1.1 400 "),
        "{answer}"
    );
}

/// An origin on loopback answering each request on one connection with
/// `ok` (length-framed), `n` times.
async fn origin(n: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        for _ in 0..n {
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let k = s.read(&mut buf).await.unwrap();
                assert!(k > 0, "proxy closed the origin connection");
                got.extend_from_slice(&buf[..k]);
            }
            let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            s.write_all(reply).await.unwrap();
        }
    });
    port
}

/// A kept-alive request ends at its response's last byte: the next
/// request on the connection is read and judged on its own.
#[tokio::test]
async fn keep_alive_boundary_then_next_request() {
    let port = origin(1).await;
    let gen = generation("");
    let req = format!("GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let (mut client, mut peer) = client_with(req.as_bytes(), true).await;
    let next = serve_one(&mut client, &gen).await;
    assert!(
        matches!(next, Next::KeepAlive),
        "a length-framed answer keeps"
    );
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\nok") {
        let mut buf = [0u8; 1024];
        let k = peer.read(&mut buf).await.unwrap();
        assert!(k > 0, "answer cut short: {answer:?}");
        answer.extend_from_slice(&buf[..k]);
    }
    assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
    peer.write_all(b"GET\r\n\r\n").await.unwrap();
    peer.shutdown().await.unwrap();
    let next = serve_one(&mut client, &gen).await;
    assert!(matches!(next, Next::Close), "the bad second request closes");
    drop(client);
    let mut rest = Vec::new();
    peer.read_to_end(&mut rest).await.unwrap();
    let rest = String::from_utf8_lossy(&rest);
    assert_eq!(status_line(&rest), "HTTP/1.0 400 Bad Request", "{rest}");
}

/// The funnel itself: failures tinyproxy answers with silence write
/// nothing; a refused client gets its page.
#[tokio::test]
async fn funnel_pages_only_what_tinyproxy_pages() {
    use crate::proxy::error::{ProxyError, ServerEnd};
    use crate::proxy::report::report;
    let gen = generation("");
    let server = || ServerEnd {
        host: "origin.test".into(),
        fd: 9,
    };
    let silent = [
        ProxyError::NoRequest { too_long: false },
        ProxyError::NoStatus {
            reason: "Success".into(),
            server: server(),
        },
        ProxyError::GreetingFailed,
        ProxyError::ClientGone { server_fd: Some(9) },
    ];
    for err in silent {
        let what = err.to_string();
        let (mut client, mut peer) = client_with(b"", false).await;
        let next = report(&mut client, &gen.config, err, None).await;
        assert!(matches!(next, Next::Close), "{what} closes");
        drop(client);
        let mut answer = Vec::new();
        peer.read_to_end(&mut answer).await.unwrap();
        assert!(answer.is_empty(), "{what}: {answer:?}");
    }
    let (mut client, mut peer) = client_with(b"", false).await;
    report(&mut client, &gen.config, ProxyError::AclDenied, None).await;
    drop(client);
    let mut answer = Vec::new();
    peer.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        status_line(&answer).starts_with("HTTP/1.0 403 "),
        "{answer}"
    );
}
