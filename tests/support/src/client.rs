//! Client exchanges through a proxy: plain GETs (optionally from another
//! loopback source address, optionally timed), GETs on a kept-alive
//! connection, CONNECT tunnels, and requests to the admin listener.

use crate::http::{raw, read_message, status_of};
use crate::wait::DEADLINE;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A plain HTTP/1.0 GET of `url` through the proxy at `proxy`; the whole
/// answer, or the I/O error as text.
pub fn get(proxy: SocketAddr, url: &str) -> String {
    get_from(proxy, url, None)
}

/// The same from a given local address (e.g. 127.0.0.2).
pub fn get_from(proxy: SocketAddr, url: &str, from: Option<[u8; 4]>) -> String {
    let attempt = || -> std::io::Result<String> {
        let mut s = match from {
            None => TcpStream::connect(proxy)?,
            Some(ip) => {
                let sock =
                    socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
                sock.bind(&SocketAddr::from((ip, 0)).into())?;
                sock.connect(&proxy.into())?;
                sock.into()
            }
        };
        s.set_read_timeout(Some(DEADLINE))?;
        s.write_all(format!("GET {url} HTTP/1.0\r\n\r\n").as_bytes())?;
        let mut out = Vec::new();
        s.read_to_end(&mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    };
    attempt().unwrap_or_else(|e| format!("I/O error: {e}"))
}

/// Is `resp` a 200 relayed from the echo origin?
pub fn ok_from_origin(resp: &str) -> bool {
    resp.lines().next().is_some_and(|l| l.contains(" 200 ")) && resp.contains("ECHO-OF-REQUEST")
}

/// What a client got back, and how long it took.
pub struct Timed {
    pub text: String,
    pub elapsed: Duration,
}

impl Timed {
    pub fn status_line(&self) -> &str {
        self.text.lines().next().unwrap_or("")
    }
}

/// Send `req` raw to `addr`, read until the peer closes (bounded), time it.
pub fn timed_raw(addr: SocketAddr, req: &str) -> Timed {
    let start = Instant::now();
    let text = raw(addr, req.as_bytes());
    Timed {
        text,
        elapsed: start.elapsed(),
    }
}

/// A plain HTTP/1.1 GET for `url` with `Host: host` through a proxy,
/// closing after the response; timed.
pub fn timed_get(addr: SocketAddr, url: &str, host: &str) -> Timed {
    timed_raw(
        addr,
        &format!("GET {url} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
}

/// Open a CONNECT tunnel to 127.0.0.1:`port` through `proxy`; fails the
/// test unless the answer is a 200.
pub fn open_tunnel(proxy: SocketAddr, port: u16) -> TcpStream {
    let mut s = TcpStream::connect(proxy).expect("connect proxy");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let req = format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    s.write_all(req.as_bytes()).expect("send CONNECT");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).expect("read CONNECT answer");
        assert_eq!(n, 1, "proxy closed during CONNECT: {head:?}");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "CONNECT refused: {head}"
    );
    s
}

/// Send `msg` through a tunnel to an echo server; true if it came back.
pub fn echoes(s: &mut TcpStream, msg: &[u8]) -> bool {
    if s.write_all(msg).is_err() {
        return false;
    }
    let mut back = vec![0u8; msg.len()];
    s.read_exact(&mut back).is_ok() && back == msg
}

/// CONNECT to `authority` through the proxy at `addr`; on a 2xx answer,
/// send `inner` through the tunnel and read one HTTP response (framed by
/// Content-Length, so the test does not wait for the tunnel to close).
/// Returns (the proxy's reply head, the tunnelled response).
pub fn connect_then(addr: SocketAddr, authority: &str, inner: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).expect("connect proxy");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    s.write_all(req.as_bytes()).expect("write CONNECT");
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let head = read_message(&mut r).map(|m| String::from_utf8_lossy(&m).into_owned());
    let head = head.unwrap_or_default();
    let ok = head
        .split_whitespace()
        .nth(1)
        .is_some_and(|c| c.starts_with('2'));
    if !ok {
        return (head, String::new());
    }
    s.write_all(inner.as_bytes()).expect("write in tunnel");
    let resp = read_message(&mut r).map(|m| String::from_utf8_lossy(&m).into_owned());
    (head, resp.unwrap_or_default())
}

/// `GET path` on an admin listener: (status, body); status 0 when the
/// exchange failed.
pub fn admin_get(admin: SocketAddr, path: &str) -> (u16, String) {
    let attempt = || -> std::io::Result<(u16, String)> {
        let mut s = TcpStream::connect_timeout(&admin, Duration::from_secs(2))?;
        s.set_read_timeout(Some(DEADLINE))?;
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: admin\r\n\r\n").as_bytes())?;
        let mut out = Vec::new();
        s.read_to_end(&mut out)?;
        let text = String::from_utf8_lossy(&out).into_owned();
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status_of(&text), body))
    };
    attempt().unwrap_or((0, String::new()))
}

/// A connection to `proxy` for [`kept_get`], reads bounded by `DEADLINE`.
pub fn kept_conn(proxy: SocketAddr) -> BufReader<TcpStream> {
    let s = TcpStream::connect(proxy).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    BufReader::new(s)
}

/// One request on a kept-alive connection; reads the answer by its
/// Content-Length so the connection stays usable. `true` for a 200.
pub fn kept_get(s: &mut BufReader<TcpStream>, url: &str) -> bool {
    let req = format!("GET {url} HTTP/1.1\r\nHost: origin\r\nConnection: keep-alive\r\n\r\n");
    if s.get_mut().write_all(req.as_bytes()).is_err() {
        return false;
    }
    let (mut status, mut len) = (String::new(), 0usize);
    if s.read_line(&mut status).unwrap_or(0) == 0 {
        return false;
    }
    loop {
        let mut line = String::new();
        if s.read_line(&mut line).unwrap_or(0) == 0 {
            return false;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).is_ok() && status.contains(" 200 ")
}

/// The value of an unlabelled series in a Prometheus scrape.
pub fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}
