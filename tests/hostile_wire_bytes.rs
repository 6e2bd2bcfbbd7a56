//! Issue 11 item 1: every byte value, and a few multi-byte sequences, at
//! every position of a short request line and of a CONNECT target. Each
//! one gets an answer (a response or an error page, never a silent close
//! from a crashed task) and the daemon answers a normal request after.
//!
//! All requests go to a loopback HTTP upstream, so a mutated host name is
//! never looked up in DNS.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tinyproxy_test_support::{ours, process::references, process::under_test, raw, Origin, Proxy};

/// Multi-byte sequences: valid UTF-8 of 2, 3 and 4 bytes, U+FFFD, and
/// invalid ones (overlong, surrogate, lone lead and continuation bytes).
const SEQUENCES: &[&[u8]] = &[
    "\u{e9}".as_bytes(),
    "\u{20ac}".as_bytes(),
    "\u{1d11e}".as_bytes(),
    "\u{fffd}".as_bytes(),
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xe2\x82",
    b"\x80\x80",
];

/// Every variant of `line`: each byte replaced by each value, and each
/// sequence inserted at each position.
fn variants(line: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for at in 0..line.len() {
        for b in 0..=255u8 {
            let mut v = line.to_vec();
            v[at] = b;
            out.push(v);
        }
    }
    for at in 0..=line.len() {
        for seq in SEQUENCES {
            let mut v = line.to_vec();
            v.splice(at..at, seq.iter().copied());
            out.push(v);
        }
    }
    out
}

/// Send `line` with an ending that closes the exchange; the answer, or
/// what went wrong.
fn ask(addr: SocketAddr, line: &[u8]) -> Result<Vec<u8>, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(8)))
        .map_err(|e| e.to_string())?;
    let mut req = line.to_vec();
    req.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    s.write_all(&req).map_err(|e| format!("write: {e}"))?;
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) if !out.is_empty() => Err(format!("after {} bytes: {e}", out.len())),
        Err(e) => Err(format!("read: {e}")),
    }
}

/// Run every variant against `p` on a few threads; returns the lines that
/// got no answer at all.
fn sweep(p: &Proxy, lines: Vec<Vec<u8>>) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let start = Instant::now();
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(line) = lines.get(i) else { return };
                assert!(start.elapsed() < Duration::from_secs(240), "sweep too slow");
                let got = ask(p.addr(), line);
                if !matches!(&got, Ok(b) if !b.is_empty()) {
                    let what = format!("{:?}: {:?}", String::from_utf8_lossy(line), got);
                    failures.lock().unwrap().push(what);
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

fn upstream_body(upstream: &Origin) -> String {
    format!("Upstream http 127.0.0.1:{}\n", upstream.port)
}

fn ok_upstream() -> Origin {
    Origin::start_with(|_| {
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".to_vec()
    })
}

fn assert_alive(p: &Proxy) {
    let out = raw(p.addr(), b"GET http://tinyproxy.stats/ HTTP/1.0\r\n\r\n");
    assert!(
        out.contains("200 OK"),
        "the daemon no longer answers: {out}"
    );
}

#[test]
fn every_byte_in_a_request_line_gets_an_answer() {
    let upstream = ok_upstream();
    let p = Proxy::start(under_test(ours!()), &upstream_body(&upstream));
    let failures = sweep(&p, variants(b"GET http://a.b:1/x HTTP/1.1"));
    assert!(
        failures.is_empty(),
        "{} unanswered: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert_alive(&p);
}

#[test]
fn every_byte_in_a_connect_target_gets_an_answer() {
    let upstream = ok_upstream();
    let p = Proxy::start(under_test(ours!()), &upstream_body(&upstream));
    let failures = sweep(&p, variants(b"CONNECT a.b:443 HTTP/1.1"));
    assert!(
        failures.is_empty(),
        "{} unanswered: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert_alive(&p);
}

/// Every byte at every position of a header line (name, colon, value):
/// each request gets an answer, and the daemon lives on.
#[test]
fn every_byte_in_a_header_line_gets_an_answer() {
    let upstream = ok_upstream();
    let p = Proxy::start(under_test(ours!()), &upstream_body(&upstream));
    let lines = variants(b"X-Ab: cd")
        .into_iter()
        .map(|h| {
            let mut l = b"GET http://a.b:1/x HTTP/1.1\r\n".to_vec();
            l.extend_from_slice(&h);
            l
        })
        .collect();
    let failures = sweep(&p, lines);
    assert!(
        failures.is_empty(),
        "{} unanswered: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert_alive(&p);
}

/// The lines of the issue: a 400, as tinyproxy answers, and the daemon
/// lives on.
#[test]
fn non_ascii_request_lines_get_400() {
    let upstream = ok_upstream();
    let p = Proxy::start(under_test(ours!()), &upstream_body(&upstream));
    for line in [
        "GET / HTTP\u{e9}".as_bytes(),
        b"GET / HTTP\xff",
        "GET http:/\u{e9} HTTP/1.1".as_bytes(),
        b"GET http://a.b/\xe9 HTTP/1.1",
    ] {
        let got = ask(p.addr(), line).expect("an answer");
        let text = String::from_utf8_lossy(&got);
        assert!(
            text.contains(" 400 "),
            "{:?}: {text}",
            String::from_utf8_lossy(line)
        );
        assert_alive(&p);
    }
}

/// The transparent path's `Host:` must be text to be looked up: bytes
/// that are not UTF-8 are a 400, not a name passed to the resolver.
#[test]
fn host_header_that_is_not_text_gets_400() {
    let upstream = ok_upstream();
    let p = Proxy::start(under_test(ours!()), &upstream_body(&upstream));
    let got = ask(p.addr(), b"GET /x HTTP/1.1\r\nHost: a\xe9b").expect("an answer");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 400 "), "{text}");
    assert!(upstream.requests().is_empty());
    assert_alive(&p);
}

/// The status a raw answer starts with: 0 for nothing at all, 200 for a
/// body without a status line (HTTP/0.9: forwarded).
fn status_of(answer: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(answer);
    match text.strip_prefix("HTTP/") {
        Some(rest) => rest.get(4..7).and_then(|c| c.parse().ok()).unwrap_or(0),
        None if answer.is_empty() => 0,
        None => 200,
    }
}

/// The byte values the comparison tries at each position: every control
/// byte, space and DEL, URL delimiters, and high bytes (UTF-8 lead,
/// continuation and invalid ones).
fn sample_bytes() -> Vec<u8> {
    let mut v: Vec<u8> = (0..0x20).chain([0x7f, b' ']).collect();
    v.extend_from_slice(b"a0/:%@?#.;,\"[]{}<>");
    v.extend_from_slice(&[0x80, 0xbf, 0xc0, 0xc3, 0xe9, 0xef, 0xf0, 0xff]);
    v
}

/// Never looser than tinyproxy: sampled byte values at every position of
/// a request line and of a CONNECT line, against the newest reference
/// build and us; where the reference refuses (4xx) or answers nothing,
/// we must not forward.
#[test]
fn never_looser_than_the_reference_on_request_lines() {
    let refs = references();
    if refs.is_empty() {
        eprintln!("no reference tinyproxy built (scripts: /work/shared/reference/build.sh)");
    }
    let mut lines = Vec::new();
    for line in [
        &b"GET http://a.b:1/x HTTP/1.1"[..],
        b"CONNECT a.b:443 HTTP/1.1",
    ] {
        for at in 0..line.len() {
            for b in sample_bytes() {
                let mut v = line.to_vec();
                v[at] = b;
                lines.push(v);
            }
        }
    }
    let upstream = ok_upstream();
    let ours = Proxy::start(under_test(ours!()), &upstream_body(&upstream));
    for bin in refs.into_iter().take(1) {
        let reference = Proxy::start(bin, &upstream_body(&upstream));
        let next = AtomicUsize::new(0);
        let looser = Mutex::new(Vec::new());
        std::thread::scope(|sc| {
            // Some lines make tinyproxy wait for more: many in flight.
            for _ in 0..12 {
                sc.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(l) = lines.get(i) else { return };
                    let theirs = ask(reference.addr(), l).map_or(0, |a| status_of(&a));
                    let mine = ask(ours.addr(), l).map_or(0, |a| status_of(&a));
                    let refused = theirs == 0 || (400..500).contains(&theirs);
                    if refused && (200..300).contains(&mine) {
                        let what = format!(
                            "{:?}: {bin} {theirs}, ours {mine}",
                            String::from_utf8_lossy(l)
                        );
                        looser.lock().unwrap().push(what);
                    }
                });
            }
        });
        let looser = looser.into_inner().unwrap();
        assert!(
            looser.is_empty(),
            "{} looser: {:#?}",
            looser.len(),
            &looser[..looser.len().min(10)]
        );
    }
    assert_alive(&ours);
}
