//! End-to-end: plain HTTP through our binary with real clients (curl, raw
//! sockets, Python urllib) to a recording loopback origin.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use tinyproxy_test_support as support;
use tinyproxy_test_support::ours;
use tinyproxy_test_support::{curl, raw, Origin, Proxy};

#[test]
fn curl_get_sends_tinyproxys_headers_and_logs_the_connection() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "ViaProxyName \"tinyproxy\"");
    let (rc, body, err) = curl(&["-x", &p.addr().to_string(), &origin.url("/plain")]);
    assert_eq!(rc, 0, "{err}");
    let seen = origin.wait_requests(1);
    let expected_head = format!(
        "GET /plain HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
         Via: 1.1 tinyproxy (tinyproxy)\r\nUser-Agent: curl/",
        origin.port
    );
    assert!(seen[0].starts_with(&expected_head), "{}", seen[0]);
    assert!(seen[0].ends_with("\r\nAccept: */*\r\n\r\n"), "{}", seen[0]);
    assert!(body.starts_with("ECHO-OF-REQUEST:"));
    p.wait_log("Connect (file descriptor");
    p.wait_log("Request (file descriptor");
    p.wait_log("No upstream proxy for 127.0.0.1");
    p.wait_log(&format!(
        "opensock: opening connection to 127.0.0.1:{}",
        origin.port
    ));
    p.wait_log("Established connection to host \"127.0.0.1\" using file descriptor");
    p.wait_log("Closed connection between local client");
}

#[test]
fn response_gets_via_after_status_line_and_hop_headers_removed() {
    let origin = Origin::start_with(|_| {
        b"HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n\
          Proxy-Authenticate: Basic realm=x\r\nVia: 1.1 originvia\r\nSet-Cookie: a=1\r\n\
          Set-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok"
            .to_vec()
    });
    let p = Proxy::start(ours!(), "ViaProxyName \"tp\"");
    let out = raw(
        p.addr(),
        format!(
            "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            origin.url("/")
        )
        .as_bytes(),
    );
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\nVia: 1.1 originvia, 1.1 tp (tinyproxy)\r\nSet-Cookie: a=1\r\n\
         Set-Cookie: b=2\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    );
}

#[test]
fn request_header_rules_of_spec_11_10() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "ViaProxyName \"tinyproxy\"");
    let req = format!(
        "GET http://user:pw@127.0.0.1:{}/hop?q=1 HTTP/1.1\r\nHost: evil.example\r\n\
         Connection: keep-alive, X-Remove-Me\r\nX-Remove-Me: secret\r\n\
         Proxy-Connection: keep-alive\r\nKeep-Alive: 300\r\nTE: trailers\r\nTrailers: x\r\n\
         Upgrade: websocket\r\nX-Dup: one\r\nX-Dup: two\r\nCookie: a=1\r\nCookie: b=2\r\n\
         Via: 1.0 clientproxy\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n\
         X-Folded: part1\r\n continued\r\nNoColonLine\r\nx-lower: v\r\nUser-Agent: raw\r\n\
         Connection: close\r\n\r\n",
        origin.port
    );
    raw(p.addr(), req.as_bytes());
    let seen = origin.wait_requests(1);
    assert_eq!(
        seen[0],
        format!(
            "GET /hop?q=1 HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Via: 1.0 clientproxy, 1.1 tinyproxy (tinyproxy)\r\nX-Dup: one\r\nX-Dup: two\r\n\
             Cookie: a=1\r\nCookie: b=2\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n\
             X-Folded: part1 continued\r\nx-lower: v\r\nUser-Agent: raw\r\n\r\n",
            origin.port
        )
    );
}

#[test]
fn addheader_xtinyproxy_and_disable_via() {
    let origin = Origin::start();
    let p = Proxy::start(
        ours!(),
        "XTinyproxy Yes\nAddHeader \"X-Added\" \"added value\"\nDisableViaHeader Yes",
    );
    raw(
        p.addr(),
        format!(
            "GET {} HTTP/1.0\r\nUser-Agent: ua\r\n\r\n",
            origin.url("/a")
        )
        .as_bytes(),
    );
    let seen = origin.wait_requests(1);
    assert_eq!(
        seen[0],
        format!(
            "GET /a HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nUser-Agent: ua\r\n\
             X-Added: added value\r\nX-Tinyproxy: 127.0.0.1\r\n\r\n",
            origin.port
        )
    );
}

#[test]
fn head_post_chunked_and_http10() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "");
    let proxy = p.addr().to_string();
    let (rc, _, err) = curl(&["-I", "-x", &proxy, &origin.url("/head")]);
    assert_eq!(rc, 0, "{err}");
    let (rc, body, err) = curl(&["-x", &proxy, "-d", "hello=world", &origin.url("/post")]);
    assert_eq!(rc, 0, "{err}");
    assert!(body.ends_with("hello=world"), "{body}");
    let (rc, body, err) = curl(&[
        "-x",
        &proxy,
        "-H",
        "Transfer-Encoding: chunked",
        "-d",
        "hello",
        &origin.url("/chunk"),
    ]);
    assert_eq!(rc, 0, "{err}");
    assert!(body.contains("Transfer-Encoding: chunked\r\n"), "{body}");
    assert!(body.ends_with("\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), "{body}");
    let (rc, body, err) = curl(&["-0", "-x", &proxy, &origin.url("/ten")]);
    assert_eq!(rc, 0, "{err}");
    assert!(body.contains("GET /ten HTTP/1.0\r\n"), "{body}");
    let reqs = origin.wait_requests(4);
    assert!(reqs[0].starts_with("HEAD /head HTTP/1.1\r\n"));
}

#[test]
fn keep_alive_and_pipelining_on_one_connection() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "");
    let mut s = TcpStream::connect(p.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let one = format!("GET {} HTTP/1.1\r\nHost: h\r\n\r\n", origin.url("/one"));
    let two = format!(
        "GET {} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        origin.url("/two")
    );
    // Both requests in one write: pipelined.
    s.write_all(format!("{one}{two}").as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
    assert!(out.contains("GET /one HTTP/1.1") && out.contains("GET /two HTTP/1.1"));
    let first_head = out.split("\r\n\r\n").next().unwrap();
    assert!(
        !first_head.contains("Connection: close"),
        "first response kept alive: {first_head}"
    );
    // curl reuses the connection for a second URL.
    let (rc, _, err) = curl(&[
        "-v",
        "-x",
        &p.addr().to_string(),
        &origin.url("/a"),
        &origin.url("/b"),
    ]);
    assert_eq!(rc, 0);
    assert!(
        err.contains("Re-using existing connection") || err.contains("Reusing existing"),
        "{err}"
    );
}

#[test]
fn python_urllib_through_the_proxy() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "");
    let script = format!(
        "import urllib.request\n\
         h = urllib.request.ProxyHandler({{'http': 'http://{}'}})\n\
         o = urllib.request.build_opener(h)\n\
         print(o.open('{}', timeout=10).read().decode())\n",
        p.addr(),
        origin.url("/py")
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("GET /py HTTP/1.1"));
}

#[test]
fn expect_100_continue_is_relayed_while_the_body_waits() {
    use std::io::BufRead;
    // An origin that answers `100 Continue` after the head, then reads the
    // body and answers 200 with it.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut r = std::io::BufReader::new(s.try_clone().unwrap());
        let mut line = String::new();
        while r.read_line(&mut line).unwrap() > 0 && !line.ends_with("\r\n\r\n") {}
        let mut w = s;
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap();
        let mut body = [0u8; 5];
        r.read_exact(&mut body).unwrap();
        w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
            .unwrap();
        w.write_all(&body).unwrap();
    });
    let p = Proxy::start(ours!(), "");
    let mut c = TcpStream::connect(p.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(
        format!(
            "POST http://127.0.0.1:{port}/up HTTP/1.1\r\nContent-Length: 5\r\n\
             Expect: 100-continue\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap();
    // The client sends its body only after the interim answer arrives.
    let mut first = [0u8; 25];
    c.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 100 Continue\r\n\r\n");
    c.write_all(b"hello").unwrap();
    let mut rest = String::new();
    c.read_to_string(&mut rest).unwrap();
    assert!(rest.starts_with("HTTP/1.1 200 OK\r\n"), "{rest}");
    assert!(rest.ends_with("hello"), "{rest}");
}

#[test]
fn later_requests_of_a_kept_client_connection_reuse_one_origin_connection() {
    use std::io::BufReader;
    use std::sync::{Arc, Mutex};
    // A keep-alive origin: many requests per connection; it records the
    // connection number each request came on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let seen2 = Arc::clone(&seen);
    std::thread::spawn(move || {
        for (n, s) in l.incoming().enumerate() {
            let s = s.unwrap();
            let seen = Arc::clone(&seen2);
            std::thread::spawn(move || {
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut w = s;
                while let Some(req) = support::read_message(&mut r) {
                    let text = String::from_utf8_lossy(&req).into_owned();
                    let close = text.contains("Connection: close");
                    seen.lock().unwrap().push((n, text));
                    let _ = w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    if close {
                        return;
                    }
                }
            });
        }
    });
    let p = Proxy::start(ours!(), "");
    let mut c = TcpStream::connect(p.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    for i in 0..3 {
        c.write_all(
            format!("GET http://127.0.0.1:{port}/{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let resp = support::read_message(&mut r).unwrap();
        let resp = String::from_utf8_lossy(&resp).into_owned();
        assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
        assert!(resp.ends_with("\r\n\r\nok"), "{resp}");
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    // First request exactly as tinyproxy sends it; then one kept connection.
    assert!(seen[0].1.contains("Connection: close\r\n"));
    assert!(!seen[1].1.contains("Connection: close"));
    assert!(!seen[2].1.contains("Connection: close"));
    assert_ne!(seen[0].0, seen[1].0);
    assert_eq!(
        seen[1].0, seen[2].0,
        "third request reused the second's connection"
    );
}

#[test]
fn reqwest_client_through_the_proxy() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "");
    let client = reqwest::blocking::Client::builder()
        .proxy(reqwest::Proxy::all(format!("http://{}", p.addr())).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for i in 0..3 {
        let resp = client.get(origin.url(&format!("/rq{i}"))).send().unwrap();
        assert_eq!(resp.status(), 200);
        assert!(resp
            .text()
            .unwrap()
            .contains(&format!("GET /rq{i} HTTP/1.1")));
    }
    let resp = client
        .post(origin.url("/rqpost"))
        .body("payload")
        .send()
        .unwrap();
    assert!(resp.text().unwrap().ends_with("payload"));
}

#[test]
fn ipv6_listener_and_acl() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "Listen ::1\nAllow ::1\nDeny 127.0.0.1");
    let v6 = format!("http://[::1]:{}", p.port);
    let (rc, body, err) = curl(&["-x", &v6, &origin.url("/v6")]);
    assert_eq!(rc, 0, "{err}");
    assert!(body.contains("GET /v6 HTTP/1.1"), "{body}");
    p.wait_log("Connect (file descriptor");
    p.wait_log("): ::1");
    let (_, body, _) = curl(&["-x", &p.addr().to_string(), &origin.url("/v4")]);
    assert!(body.contains("403 Access denied"), "{body}");
}
