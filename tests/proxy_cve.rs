//! The security-history triggers of spec §8 that are not covered by the
//! smuggling tests: no crash, no hang, the documented answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use tinyproxy_test_support::ours;
use tinyproxy_test_support::{raw, Origin, Proxy};

#[test]
fn request_line_over_128k_is_dropped_and_the_proxy_lives_on() {
    let p = Proxy::start(ours!(), "");
    let mut s = TcpStream::connect(p.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let long = format!("GET http://h/{} HTTP/1.1\r\n\r\n", "a".repeat(140 * 1024));
    let _ = s.write_all(long.as_bytes());
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(out.is_empty(), "no response, as tinyproxy");
    p.wait_log("closed socket before read.");
    assert!(raw(p.addr(), b"GET http://tinyproxy.stats/ HTTP/1.0\r\n\r\n").contains("200 OK"));
}

#[test]
fn ten_thousand_and_one_headers_get_400() {
    let p = Proxy::start(ours!(), "");
    let mut req = b"GET http://127.0.0.1:1/ HTTP/1.1\r\n".to_vec();
    for i in 0..10_001 {
        req.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    let out = raw(p.addr(), &req);
    assert!(
        out.starts_with("HTTP/1.0 400 Bad Request"),
        "{}",
        &out[..out.len().min(200)]
    );
    assert!(out.contains("Could not retrieve all the headers from the client."));
}

#[test]
fn nul_bytes_and_connection_self_references_do_not_crash() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "");
    let out = raw(
        p.addr(),
        format!("GET {} HTTP/1.1\r\nX-Nul: a\0b\r\n\r\n", origin.url("/nul")).as_bytes(),
    );
    assert!(out.contains("400 Bad Request"), "{out}");
    for conn in [
        "Connection: Connection",
        "Connection: Proxy-Connection",
        "Proxy-Connection: Connection",
        "Connection: close, connection",
        "CONNECTION: CONNECTION",
    ] {
        let out = raw(
            p.addr(),
            // HTTP/1.0: the proxy closes after the answer.
            format!("GET {} HTTP/1.0\r\n{conn}\r\n\r\n", origin.url("/c")).as_bytes(),
        );
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{conn}: {out}");
    }
}

#[test]
fn connect_to_the_proxys_own_port_is_a_loop() {
    let p = Proxy::start(ours!(), "");
    let out = raw(
        p.addr(),
        format!(
            "CONNECT 127.0.0.1:{} HTTP/1.1\r\n\r\nGET / HTTP/1.0\r\n\r\n",
            p.port
        )
        .as_bytes(),
    );
    assert!(
        out.starts_with("HTTP/1.1 200 Connection established"),
        "{out}"
    );
    assert!(out.contains("400 Bad Request"), "{out}");
    p.wait_log("Prevented endless loop (file descriptor");
}

#[test]
fn cve_2011_1499_ipv4_mask_does_not_match_everything() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "Allow 10.0.0.0/8");
    let out = raw(
        p.addr(),
        format!("GET {} HTTP/1.0\r\n\r\n", origin.url("/")).as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.0 403 Access denied"), "{out}");
}
