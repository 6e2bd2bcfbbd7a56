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

/// Requests sent while the access log's reader is stuck: more than the
/// pipe (64 KiB, about 200 lines), the writer's buffer and the 4,096-line
/// queue hold together, so some lines must be dropped.
const STUCK_REQUESTS: usize = 6000;

#[test]
fn a_stuck_access_log_reader_drops_counted_lines_and_never_stalls_the_proxy() {
    use std::os::unix::fs::OpenOptionsExt;
    let origin = Origin::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("access.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    // A reader that is there (so the proxy's open does not wait for one)
    // and never reads: a log shipper that hung.
    let _stuck = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .expect("open fifo for reading");
    let arg = format!("json:{}", fifo.display());
    let (p, admin) = start_with_admin(BIN, "", &["--access-log", &arg]);
    let url = origin.url("/x");
    let mut kept = kept_conn(p.addr());
    let served = (0..STUCK_REQUESTS)
        .take_while(|_| kept_get(&mut kept, &url))
        .count();
    assert_eq!(
        served, STUCK_REQUESTS,
        "the proxy stalled behind its access log"
    );
    let dropped = wait_for("dropped lines on /metrics", || {
        let s = admin_get(admin, "/metrics").1;
        sample(&s, "tinyproxy_access_log_dropped_lines_total").filter(|n| *n > 0.0)
    });
    // Every line beyond what the pipe, buffer and queue hold was dropped.
    assert!(dropped < STUCK_REQUESTS as f64, "{dropped}");
    eprintln!("{served} requests served, {dropped} access lines dropped");
    // New clients are still served.
    assert!(ok_from_origin(&get(p.addr(), &origin.url("/after"))));
}

#[test]
fn an_access_log_fifo_without_a_reader_fails_start_at_once_and_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("nobody-reads.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    let conf = dir.path().join("t.conf");
    let log = dir.path().join("t.log");
    std::fs::write(&conf, conf_text(free_port(), &log, "")).expect("conf");
    let arg = format!("json:{}", fifo.display());
    let child = std::process::Command::new(BIN)
        .args(["-d", "-c"])
        .arg(&conf)
        .args(["--access-log", &arg])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut guard = Guard::new(child);
    // Before: open(2) waited for a reader, and the proxy never got ready.
    let status = wait_for("the proxy to give up on the FIFO", || {
        guard.child.try_wait().expect("try_wait")
    });
    assert_eq!(status.code(), Some(71));
    let mut err = String::new();
    if let Some(mut e) = guard.child.stderr.take() {
        e.read_to_string(&mut err).expect("stderr");
    }
    let want = format!("cannot open the access log {}", fifo.display());
    assert!(err.contains(&want), "{err}");
}
