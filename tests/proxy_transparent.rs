//! End-to-end: tinyproxy's transparent path for origin-form requests
//! (spec §6.2, §11.6) and its guard against the proxy's own addresses.

use tinyproxy_test_support::ours;
use tinyproxy_test_support::{raw, Origin, Proxy};

#[test]
fn origin_form_goes_to_the_host_header() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "ViaProxyName \"tinyproxy\"");
    let out = raw(
        p.addr(),
        format!(
            "GET /origin-form HTTP/1.1\r\nHost: localhost:{}\r\nX-A: 1\r\nConnection: close\r\n\r\n",
            origin.port
        )
        .as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    let seen = origin.wait_requests(1);
    assert_eq!(
        seen[0],
        format!(
            "GET /origin-form HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\
             Via: 1.1 tinyproxy (tinyproxy)\r\nX-A: 1\r\n\r\n",
            origin.port
        )
    );
    p.wait_log(&format!(
        "process_request: trans Host GET http://localhost:{}/origin-form for",
        origin.port
    ));
}

#[test]
fn origin_form_to_a_listen_address_is_refused() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "");
    let out = raw(
        p.addr(),
        format!("GET /x HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n", origin.port).as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.1 400 Bad Request"), "{out}");
    assert!(out.contains("You tried to connect to the machine the proxy is running on"));
    p.wait_log("transparent: destination IP 127.0.0.1 is local on socket fd");
    // No Host: the destination is the proxy's own address.
    let out = raw(p.addr(), b"GET /x HTTP/1.0\r\n\r\n");
    assert!(out.starts_with("HTTP/1.0 400 Bad Request"), "{out}");
    p.wait_log("process_request: trans IP GET http://127.0.0.1:");
    assert!(origin.requests().is_empty());
}

#[test]
fn origin_form_stats_host_and_loop_through_our_own_port() {
    let p = Proxy::start(ours!(), "");
    let out = raw(p.addr(), b"GET / HTTP/1.1\r\nHost: tinyproxy.stats\r\n\r\n");
    assert!(out.starts_with("HTTP/1.0 200 OK"), "{out}");
    assert!(out.contains("Number of requests:"), "{out}");
    // A proxied request to the proxy itself is caught by loop prevention.
    let out = raw(
        p.addr(),
        format!("GET http://127.0.0.1:{}/loop HTTP/1.1\r\n\r\n", p.port).as_bytes(),
    );
    assert!(out.contains("400 Bad Request"), "{out}");
    p.wait_log("Prevented endless loop (file descriptor");
}
