//! Shared pieces of the hostile wire suites (`tests/hostile_wire*.rs`):
//! which binary to attack, scripted raw origins, and raw clients that read
//! exactly one response off a kept connection.
#![allow(dead_code)]

use crate::common::{read_message, Proxy, DEADLINE};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The binary under test: ours, or another one named by `HOSTILE_PROXY_BIN`
/// (the reference tinyproxy, or an older build to see a test fail).
pub fn proxy_bin() -> String {
    match std::env::var("HOSTILE_PROXY_BIN") {
        Ok(b) if !b.is_empty() => b,
        _ => env!("CARGO_BIN_EXE_tinyproxy").into(),
    }
}

/// Start the binary under test with `body`.
pub fn start(body: &str) -> Proxy {
    Proxy::start_bin(&proxy_bin(), body)
}

/// The reference tinyproxy builds that exist on this machine.
pub fn references() -> Vec<&'static str> {
    ["/work/refbuild/tinyproxy", "/usr/bin/tinyproxy"]
        .into_iter()
        .filter(|p| std::path::Path::new(p).exists())
        .collect()
}

/// A raw origin on loopback: for each request read off a connection it
/// writes `script(n, request)` (n counts requests on that connection) and
/// closes when the script says so. Every request is recorded.
pub struct RawOrigin {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// What a scripted origin does after a request.
pub struct Reply {
    pub bytes: Vec<u8>,
    pub close: bool,
}

impl RawOrigin {
    pub fn start(script: impl Fn(usize, &[u8]) -> Reply + Send + Sync + 'static) -> RawOrigin {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind origin");
        let port = l.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (seen2, script) = (Arc::clone(&seen), Arc::new(script));
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let (seen, script) = (Arc::clone(&seen2), Arc::clone(&script));
                std::thread::spawn(move || serve(s, &seen, &*script));
            }
        });
        RawOrigin { port, seen }
    }

    /// An origin that answers every request with `bytes` and closes.
    pub fn fixed(bytes: &'static [u8]) -> RawOrigin {
        RawOrigin::start(move |_, _| Reply {
            bytes: bytes.to_vec(),
            close: true,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn requests(&self) -> Vec<String> {
        let seen = self.seen.lock().expect("lock");
        seen.iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

fn serve(s: TcpStream, seen: &Mutex<Vec<Vec<u8>>>, script: &dyn Fn(usize, &[u8]) -> Reply) {
    let _ = s.set_read_timeout(Some(DEADLINE));
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let mut w = s;
    for n in 0.. {
        let Some(req) = read_message(&mut r) else {
            return;
        };
        seen.lock().expect("lock").push(req.clone());
        let reply = script(n, &req);
        if w.write_all(&reply.bytes).is_err() || reply.close {
            let _ = w.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

/// A client connection that reads responses one at a time.
pub struct Conn {
    pub r: BufReader<TcpStream>,
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
        self.head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    /// The value of the first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    pub fn count(&self, name: &str) -> usize {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .count()
    }
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

    /// Read one response head and its body, framed by Content-Length or
    /// chunked (decoded); `None` when the proxy closed first.
    pub fn response(&mut self) -> Option<Response> {
        let mut head = String::new();
        loop {
            let mut line = Vec::new();
            if self.r.read_until(b'\n', &mut line).ok()? == 0 {
                return None;
            }
            let text = String::from_utf8_lossy(&line).into_owned();
            head.push_str(&text);
            if line == b"\r\n" || line == b"\n" {
                break;
            }
        }
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
