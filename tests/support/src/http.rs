//! Raw HTTP I/O: read one message off a stream, one-shot exchanges, a
//! client connection that reads responses one at a time, and curl.

use crate::wait::DEADLINE;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

/// Read one message (head + body framed by Content-Length or chunked,
/// kept as sent); `None` at EOF before any byte, or when it is cut short.
pub fn read_message(r: &mut impl BufRead) -> Option<Vec<u8>> {
    read_framed(r, false)
}

/// As `read_message`, for what a proxy under test sends a scripted peer:
/// bounded (20,000 head lines, 1,000 chunks, 1 MiB per chunk or body), and
/// a message cut short or malformed is returned as far as it was read.
pub fn read_message_partial(r: &mut impl BufRead) -> Option<Vec<u8>> {
    read_framed(r, true)
}

fn read_framed(r: &mut impl BufRead, partial: bool) -> Option<Vec<u8>> {
    let (lines, chunks, cap) = if partial {
        (20_000, 1_000, 1 << 20)
    } else {
        (usize::MAX, usize::MAX, usize::MAX)
    };
    let mut msg = Vec::new();
    let mut cl = 0usize;
    let mut chunked = false;
    for _ in 0..lines {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line).ok()? == 0 {
            return (!msg.is_empty()).then_some(msg);
        }
        msg.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line).to_ascii_lowercase();
        if let Some(v) = text.strip_prefix("content-length:") {
            cl = v.trim().parse().unwrap_or(0);
        }
        if text.starts_with("transfer-encoding:") && text.contains("chunked") {
            chunked = true;
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    // What a read that fails leaves: the message so far, or nothing.
    let cut = |msg: Vec<u8>| partial.then_some(msg);
    if chunked {
        for _ in 0..chunks {
            let mut size = Vec::new();
            if r.read_until(b'\n', &mut size).is_err() {
                return cut(msg);
            }
            msg.extend_from_slice(&size);
            let Ok(n) = usize::from_str_radix(String::from_utf8_lossy(&size).trim(), 16) else {
                return cut(msg);
            };
            let mut data = vec![0u8; n.min(cap).saturating_add(2)];
            if r.read_exact(&mut data).is_err() {
                return cut(msg);
            }
            msg.extend_from_slice(&data);
            if n == 0 {
                return Some(msg);
            }
        }
        return Some(msg);
    }
    let mut body = vec![0u8; cl.min(cap)];
    if r.read_exact(&mut body).is_err() {
        return cut(msg);
    }
    msg.extend_from_slice(&body);
    Some(msg)
}

/// Send `req` raw to `addr` and read until the peer closes (bounded).
pub fn raw(addr: SocketAddr, req: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    s.write_all(req).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Run curl with `args`, return (exit status, stdout, stderr).
pub fn curl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10"])
        .args(args)
        .output()
        .expect("run curl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The status code of a response's first line; 0 when it has none.
pub fn status_of(text: &str) -> u16 {
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// One response as read off the wire.
pub struct Response {
    pub head: String,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body);
        let shown: String = body.chars().take(300).collect();
        write!(f, "{}{shown:?}", self.head)
    }
}

impl Response {
    pub fn status(&self) -> u16 {
        status_of(&self.head)
    }

    /// The value of the first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    /// How many times header `name` appears (case-insensitive).
    pub fn count(&self, name: &str) -> usize {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .count()
    }
}

/// A client connection that reads responses one at a time.
pub struct Conn {
    pub r: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(DEADLINE)).expect("timeout");
        Conn {
            r: BufReader::new(s),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.r.get_mut().write_all(bytes).expect("write");
    }

    /// Read a response head (through the empty line); `None` when the
    /// proxy closed first.
    pub fn head(&mut self) -> Option<String> {
        let mut head = String::new();
        loop {
            let mut line = Vec::new();
            if self.r.read_until(b'\n', &mut line).ok()? == 0 {
                return None;
            }
            head.push_str(&String::from_utf8_lossy(&line));
            if line == b"\r\n" || line == b"\n" {
                return Some(head);
            }
        }
    }

    /// Read one response head and its body, framed by Content-Length or
    /// chunked (decoded); `None` when the proxy closed first.
    pub fn response(&mut self) -> Option<Response> {
        let head = self.head()?;
        let mut resp = Response {
            head,
            body: Vec::new(),
        };
        let chunked = resp
            .header("Transfer-Encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            resp.body = self.chunked_body()?;
        } else if let Some(n) = resp.header("Content-Length") {
            let mut body = vec![0u8; n.parse().ok()?];
            self.r.read_exact(&mut body).ok()?;
            resp.body = body;
        } else if !matches!(resp.status(), 100..=199 | 204 | 304) {
            // No framing: the body ends when the proxy closes.
            let _ = self.r.read_to_end(&mut resp.body);
        }
        Some(resp)
    }

    /// A chunked body, decoded; trailers are read and dropped.
    fn chunked_body(&mut self) -> Option<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let mut size = String::new();
            self.r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            if n == 0 {
                loop {
                    let mut t = String::new();
                    if self.r.read_line(&mut t).ok()? == 0 || t.trim().is_empty() {
                        return Some(body);
                    }
                }
            }
            let mut data = vec![0u8; n + 2];
            self.r.read_exact(&mut data).ok()?;
            body.extend_from_slice(&data[..n]);
        }
    }

    /// Whether the proxy closes the connection within `wait` (reads
    /// nothing more); false if it stays open or sends more bytes.
    pub fn closes_within(&mut self, wait: Duration) -> bool {
        let _ = self.r.get_ref().set_read_timeout(Some(wait));
        let mut b = [0u8; 1];
        matches!(self.r.read(&mut b), Ok(0))
    }

    /// Everything until the proxy closes (bounded by the read timeout).
    pub fn rest(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.r.read_to_end(&mut out);
        out
    }
}
