//! End-to-end error paths: bad requests, ACL, auth, unreachable origins,
//! smuggling inputs of spec §8, slow clients, MaxClients, stats page.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tinyproxy_test_support as support;
use tinyproxy_test_support::ours;
use tinyproxy_test_support::{curl, free_port, raw, Origin, Proxy};

#[test]
fn garbage_and_bad_versions_get_400_with_request_and_empty_url() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("vars.html");
    std::fs::write(
        &tpl,
        "request=[{request}] url=[{url}] clientip=[{clientip}]\n",
    )
    .unwrap();
    let p = Proxy::start(ours!(), &format!("DefaultErrorFile \"{}\"", tpl.display()));
    for line in [
        "GARBAGE",
        "POST http://127.0.0.1:1/",
        "GET http://h/ HTTP/x.y",
        " http://h/ HTTP/1.1",
    ] {
        let out = raw(p.addr(), format!("{line}\r\n\r\n").as_bytes());
        assert!(
            out.starts_with("HTTP/1.0 400 Bad Request\r\nServer: tinyproxy\r\n"),
            "{out}"
        );
        assert!(
            out.contains(&format!("request=[{line}] url=[] clientip=[127.0.0.1]")),
            "{out}"
        );
    }
    p.wait_log("process_request: Bad Request on file descriptor");
}

#[test]
fn acl_denies_other_loopback_addresses() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "Deny 127.0.0.2\nAllow 127.0.0.0/8\nDeny 127.0.0.3");
    let proxy = p.addr().to_string();
    let url = origin.url("/acl");
    let (_, body, _) = curl(&["--interface", "127.0.0.2", "-x", &proxy, &url]);
    assert!(body.contains("<title>403 Access denied</title>"), "{body}");
    p.wait_log("Unauthorized connection from \"127.0.0.2\".");
    let (rc, body, _) = curl(&["--interface", "127.0.0.3", "-x", &proxy, &url]);
    assert_eq!(rc, 0);
    assert!(body.contains("GET /acl"));
    assert_eq!(origin.wait_requests(1).len(), 1);
}

#[test]
fn basic_auth_407_and_success_without_leaking_credentials() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "BasicAuth user pass\nBasicAuthRealm \"Corp\"");
    let url = origin.url("/a");
    let out = raw(p.addr(), format!("GET {url} HTTP/1.1\r\n\r\n").as_bytes());
    assert!(
        // Credentials are checked before the request line: HTTP/1.0.
        out.starts_with("HTTP/1.0 407 Proxy Authentication Required\r\n"),
        "{out}"
    );
    assert!(
        out.contains("Proxy-Authenticate: Basic realm=\"Corp\"\r\n"),
        "{out}"
    );
    let bad = format!("GET {url} HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjp3cm9uZw==\r\n\r\n");
    let out = raw(p.addr(), bad.as_bytes());
    assert!(out.starts_with("HTTP/1.0 407 "), "{out}");
    p.wait_log("Failed auth attempt (file descriptor: ");
    let (rc, body, _) = curl(&["-x", &p.addr().to_string(), "-U", "user:pass", &url]);
    assert_eq!(rc, 0);
    assert!(body.contains("GET /a HTTP/1.1"));
    assert!(!body.contains("Proxy-Authorization"), "{body}");
}

#[test]
fn unreachable_origin_is_500_with_error_variable() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("e.html");
    std::fs::write(&tpl, "errno=[{errno}] cause=[{cause}] error=[{error}]\n").unwrap();
    let p = Proxy::start(ours!(), &format!("ErrorFile 500 \"{}\"", tpl.display()));
    let port = free_port();
    let out = raw(
        p.addr(),
        format!("GET http://127.0.0.1:{port}/ HTTP/1.1\r\n\r\n").as_bytes(),
    );
    assert!(
        out.starts_with("HTTP/1.1 500 Unable to connect\r\n"),
        "{out}"
    );
    assert!(
        out.contains("errno=[500] cause=[Unable to connect] error=[Connection refused]"),
        "{out}"
    );
    p.wait_log(&format!(
        "opensock: Could not establish a connection to 127.0.0.1:{port}"
    ));
}

#[test]
fn smuggling_inputs_never_reach_the_origin() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "");
    let url = origin.url("/s");
    let cases = [
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
        "Content-Length: 3\r\nContent-Length: 10\r\n\r\nabcdefghij",
        "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        "Content-Length : 100\r\n\r\n",
    ];
    for c in cases {
        let out = raw(p.addr(), format!("POST {url} HTTP/1.1\r\n{c}").as_bytes());
        assert!(
            out.starts_with("HTTP/1.1 400 ") || out.starts_with("HTTP/1.0 400 "),
            "{c:?}: {out}"
        );
    }
    // Bad chunk sizes: the origin may see the head, never a smuggled request.
    for size in ["-2", "FFFFFFFFFFFFFFFFF", "zz"] {
        let out = raw(
            p.addr(),
            format!("POST {url} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nxx\r\n0\r\n\r\n").as_bytes(),
        );
        assert!(out.contains("400 Bad Request"), "{size}: {out}");
    }
    // Transfer-Encoding in capitals is parsed as chunked (CVE-2026-31842).
    let out = raw(
        p.addr(),
        format!("POST {url} HTTP/1.1\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n").as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    for r in origin.requests() {
        assert!(!r.contains("/smuggled"), "{r}");
    }
}

#[test]
fn slow_clients_end_after_timeout() {
    let p = Proxy::start(ours!(), "Timeout 1");
    // Nothing sent: closed silently.
    let mut s = TcpStream::connect(p.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut out = Vec::new();
    let start = Instant::now();
    let _ = s.read_to_end(&mut out);
    assert!(out.is_empty());
    assert!(start.elapsed() < Duration::from_secs(8));
    p.wait_log("closed socket before read.");
    // Headers never finished: 400.
    let mut s = TcpStream::connect(p.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET http://127.0.0.1:1/p HTTP/1.1\r\nX-A: 1\r\n")
        .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.0 400 Bad Request"), "{out}");
    assert!(out.contains("Could not retrieve all the headers from the client."));
    p.wait_log("Could not retrieve all the headers from the client");
}

#[test]
fn max_clients_queues_the_third_client_and_keeps_the_first_two() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "MaxClients 2\nTimeout 30");
    let open_tunnel = || {
        let mut s = TcpStream::connect(p.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(format!("CONNECT 127.0.0.1:{} HTTP/1.1\r\n\r\n", origin.port).as_bytes())
            .unwrap();
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).contains("200 Connection established"));
        s
    };
    let first = open_tunnel();
    let _second = open_tunnel();
    let mut third = TcpStream::connect(p.addr()).unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    third
        .write_all(format!("GET {} HTTP/1.0\r\n\r\n", origin.url("/third")).as_bytes())
        .unwrap();
    let mut buf = [0u8; 16];
    assert!(
        third.read(&mut buf).is_err(),
        "third client was served while two were open"
    );
    p.wait_log("Maximum number of connections reached. Refusing new connections.");
    drop(first);
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut out = String::new();
    third.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
}

#[test]
fn stats_page_counts_and_respects_acl() {
    let p = Proxy::start(ours!(), "Allow 127.0.0.1");
    raw(p.addr(), b"GARBAGE\r\n\r\n");
    let out = raw(p.addr(), b"GET http://tinyproxy.stats/ HTTP/1.1\r\n\r\n");
    assert!(out.starts_with("HTTP/1.0 200 OK\r\n"), "{out}");
    // The stats request itself is open; the GARBAGE one may still be closing.
    assert!(out.contains("Number of open connections: "), "{out}");
    assert!(
        !out.contains("Number of open connections: 0<br />"),
        "{out}"
    );
    assert!(out.contains("Number of requests: 3<br />"), "{out}");
    assert!(out.contains("Number of bad connections: 1<br />"), "{out}");
    p.wait_log("Request for the stathost.");
    let (_, body, _) = curl(&[
        "--interface",
        "127.0.0.2",
        "-x",
        &p.addr().to_string(),
        "http://tinyproxy.stats/",
    ]);
    assert!(body.contains("403 Access denied"), "{body}");
}

#[test]
fn accept_errors_back_off_and_the_proxy_recovers() {
    // The proxy runs with 24 file descriptors: holding 30 connections
    // open makes accept() fail with EMFILE; once they close it serves again.
    let origin = Origin::start();
    let p = Proxy::builder(ours!())
        .config("Timeout 30")
        .no_log_level()
        .shell_prefix("ulimit -n 24 &&")
        .start();
    let (addr, log) = (p.addr(), p.log.clone());
    let held: Vec<TcpStream> = (0..30)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect();
    let start = Instant::now();
    while start.elapsed() < support::DEADLINE {
        if std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("accept failed")
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains("accept failed: Too many open files"),
        "{text}"
    );
    // Backing off, not spinning: a handful of lines, not thousands.
    assert!(text.matches("accept failed").count() < 200, "busy loop");
    drop(held);
    // The held connections end as the proxy reads their EOF; then it serves.
    let req = format!("GET {} HTTP/1.0\r\n\r\n", origin.url("/after"));
    let start = Instant::now();
    let mut out = raw(addr, req.as_bytes());
    while !out.starts_with("HTTP/1.1 200 OK") && start.elapsed() < support::DEADLINE {
        std::thread::sleep(Duration::from_millis(50));
        out = raw(addr, req.as_bytes());
    }
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
}
