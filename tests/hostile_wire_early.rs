//! Issue 12 items 4 and 5: answers that must not wait. An origin's final
//! response that arrives while the request body is still coming is
//! relayed at once (the rest of the body is not forwarded, the connection
//! closes); a request header line that does not parse gets its 400 at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use tinyproxy_test_support::{curl, ours, process::under_test, Conn, Proxy, DEADLINE};

/// An origin that reads a request head only, answers `reply` at once and
/// then reads (and drops) whatever else arrives until the proxy closes.
fn answers_before_the_body(reply: &'static [u8]) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(DEADLINE));
                let mut r = BufReader::new(s.try_clone().expect("clone"));
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                let mut w = s;
                let _ = w.write_all(reply);
                let _ = std::io::copy(&mut r.take(256 << 20), &mut std::io::sink());
            });
        }
    });
    port
}

fn upload_file(dir: &std::path::Path, mib: usize) -> String {
    let path = dir.join("upload.bin");
    std::fs::write(&path, vec![b'u'; mib << 20]).expect("write upload");
    path.display().to_string()
}

/// `curl -H 'Expect: 100-continue'` and an origin that refuses with 417
/// at once: curl gets the 417 before its own 1 s wait for 100 ends.
#[test]
fn immediate_417_to_expect_100_continue_is_relayed_at_once() {
    let port = answers_before_the_body(
        b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let p = Proxy::start(under_test(ours!()), "");
    let file = upload_file(p.dir(), 1);
    let (code, out, err) = curl(&[
        "-x",
        &format!("127.0.0.1:{}", p.port),
        "-H",
        "Expect: 100-continue",
        "--data-binary",
        &format!("@{file}"),
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{time_total}",
        &format!("http://127.0.0.1:{port}/expect"),
    ]);
    assert_eq!(code, 0, "{err}");
    let (status, time) = out.split_once(' ').expect("curl -w output");
    assert_eq!(status, "417", "{out}");
    let secs: f64 = time.parse().expect("time");
    assert!(
        secs < 0.9,
        "the 417 waited for curl's 100-continue timeout: {secs} s"
    );
}

/// `curl -T` of 64 MiB (no Expect) to an origin that answers 413 at once:
/// the 413 reaches curl while it uploads and it stops; the proxy forwarded
/// nothing like the whole file.
#[test]
fn immediate_413_stops_the_upload() {
    const MIB: usize = 64;
    let port = answers_before_the_body(
        b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig",
    );
    let p = Proxy::start(under_test(ours!()), "");
    let file = upload_file(p.dir(), MIB);
    let started = Instant::now();
    let (_, out, err) = curl(&[
        "-x",
        &format!("127.0.0.1:{}", p.port),
        "-H",
        "Expect:",
        "-T",
        &file,
        "-w",
        " %{http_code} %{size_upload}",
        &format!("http://127.0.0.1:{port}/upload"),
    ]);
    let fields: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(fields.first(), Some(&"big"), "{out} {err}");
    assert_eq!(fields.get(1), Some(&"413"), "{out} {err}");
    let sent: f64 = fields
        .get(2)
        .and_then(|s| s.parse().ok())
        .expect("size_upload");
    assert!(
        sent < (MIB << 19) as f64,
        "curl sent {sent} bytes of {} MiB",
        MIB
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    p.wait_log("Server answered before the whole request body was sent");
}

/// Each malformed header line: 400 at once (the connection left open by
/// the client), and a log line that names the header.
#[test]
fn malformed_request_header_gets_400_at_once() {
    let p = Proxy::start(under_test(ours!()), "");
    for (line, named) in [
        ("Name : v", "Name "),
        ("X-Ctl: a\x01b", "X-Ctl"),
        ("X@Foo: v", "X@Foo"),
    ] {
        let mut c = Conn::open(p.addr());
        let started = Instant::now();
        c.send(format!("GET http://127.0.0.1:1/ HTTP/1.1\r\n{line}\r\n\r\n").as_bytes());
        let r = c.response().expect("an answer");
        assert_eq!(r.status(), 400, "{line:?}");
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "{line:?}: 400 after {took:?}"
        );
        p.wait_log(&format!(
            "Refusing request with a malformed header \"{named}\""
        ));
        let mut rest = Vec::new();
        let _ = c.r.read_to_end(&mut rest);
    }
}
