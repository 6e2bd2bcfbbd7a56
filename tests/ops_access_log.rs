//! The access log end to end (issue 15): `--access-log json:PATH` and
//! `logfmt:PATH` write one line per request or tunnel when it ends, with
//! the BasicAuth user name but never its password, and tinyproxy's own
//! log is unchanged.

use std::io::{Read, Write};
use std::net::TcpStream;
use tinyproxy_test_support::prelude::*;

/// Our binary, the one under test.
const BIN: &str = ours!();

/// "alice:s3cret-pass"
const ALICE: &str = "YWxpY2U6czNjcmV0LXBhc3M=";

fn authed_get(proxy: std::net::SocketAddr, url: &str, auth: &str) -> String {
    let mut s = TcpStream::connect(proxy).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(
        s,
        "GET {url} HTTP/1.0\r\nProxy-Authorization: Basic {auth}\r\n\r\n"
    )
    .expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Wait until `path` holds `n` lines, return them.
fn lines(path: &std::path::Path, n: usize) -> Vec<String> {
    wait_for("access log lines", || {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let l: Vec<String> = text.lines().map(str::to_string).collect();
        (l.len() >= n).then_some(l)
    })
}

#[test]
fn json_lines_for_requests_and_tunnels_without_passwords() {
    let origin = Origin::start();
    let echo = echo_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("access.json");
    let arg = format!("json:{}", path.display());
    let p = Proxy::start_args(
        BIN,
        "LogLevel Info\nBasicAuth alice s3cret-pass",
        &["--access-log", &arg],
    );
    assert!(ok_from_origin(&authed_get(
        p.addr(),
        &origin.url("/a"),
        ALICE
    )));
    // "alice:wrong"
    let r = authed_get(p.addr(), &origin.url("/b"), "YWxpY2U6d3Jvbmc=");
    assert!(r.contains(" 407 "), "{r}");
    let mut t = TcpStream::connect(p.addr()).expect("connect");
    t.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(
        t,
        "CONNECT 127.0.0.1:{echo} HTTP/1.1\r\nProxy-Authorization: Basic {ALICE}\r\n\r\n"
    )
    .expect("send");
    // Sent right behind the CONNECT, before its answer: relayed too.
    t.write_all(b"ping\n").expect("tunnel write");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        t.read_exact(&mut byte).expect("CONNECT answer");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 200"), "{head:?}");
    let mut back = [0u8; 5];
    t.read_exact(&mut back).expect("tunnel echo");
    drop(t);

    // One line per connection, written when it ends: the order of
    // connections that end close together is not fixed.
    let mut l = lines(&path, 3);
    assert_eq!(l.len(), 3, "{l:?}");
    let pick = |l: &mut Vec<String>, what: &str| {
        let i = l.iter().position(|x| x.contains(what));
        l.remove(i.unwrap_or_else(|| panic!("no line with {what}: {l:?}")))
    };
    let ok = pick(&mut l, "\"status\":200,");
    let denied = pick(&mut l, "\"status\":407,");
    let tunnel = pick(&mut l, "\"method\":\"CONNECT\"");
    let l = [ok, denied, tunnel];
    assert!(l[0].starts_with("{\"time\":\"20"), "{}", l[0]);
    assert!(
        l[0].contains("\"user\":\"alice\",\"method\":\"GET\""),
        "{}",
        l[0]
    );
    assert!(
        l[0].contains(&format!("\"port\":{},", origin.port)),
        "{}",
        l[0]
    );
    assert!(
        l[0].contains(&format!("\"resolved\":\"127.0.0.1:{}\"", origin.port)),
        "{}",
        l[0]
    );
    assert!(
        l[0].contains("\"route\":\"direct\",\"status\":200,"),
        "{}",
        l[0]
    );
    assert!(l[1].contains("\"status\":407,"), "{}", l[1]);
    assert!(l[2].contains("\"method\":\"CONNECT\""), "{}", l[2]);
    assert!(l[2].contains("\"bytes_in\":5,\"bytes_out\":5,"), "{}", l[2]);
    assert!(l[2].contains("\"kind\":\"tunnel\""), "{}", l[2]);
    let all = l.join("\n");
    assert!(!all.contains("s3cret") && !all.contains("wrong"), "{all}");
    // tinyproxy's own log keeps its format and gets no access lines.
    assert!(!p.log_text().contains("\"method\""), "{}", p.log_text());
}

#[test]
fn logfmt_line_quotes_what_needs_it() {
    let origin = Origin::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("access.log");
    let arg = format!("logfmt:{}", path.display());
    let p = Proxy::start_args(BIN, "", &["--access-log", &arg]);
    assert!(ok_from_origin(&get(p.addr(), &origin.url("/x"))));
    let l = lines(&path, 1);
    let line = &l[0];
    assert!(line.starts_with("time=20"), "{line}");
    assert!(
        line.contains(" client=127.0.0.1 user= method=GET host=127.0.0.1 "),
        "{line}"
    );
    assert!(line.contains(" status=200 "), "{line}");
    assert!(line.contains(" kind=forward close="), "{line}");
}
