//! Raw loopback clients: one request and its framed response, or a CONNECT
//! tunnel driven step by step. Every read has a deadline; a deadline hit
//! is recorded as `<<timeout>>` in the transcript, never hidden.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

/// Read deadline for one step of a client.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client connection with its own read buffer.
pub struct Conn {
    s: TcpStream,
    buf: Vec<u8>,
    /// Everything received so far, for the transcript.
    pub got: Vec<u8>,
    pub timed_out: bool,
    /// The proxy reset the connection.
    pub reset: bool,
}

impl Conn {
    /// Connect to `port` on 127.0.0.1, optionally from source `from`.
    pub fn open(port: u16, from: Option<IpAddr>) -> std::io::Result<Conn> {
        let to = SocketAddr::from(([127, 0, 0, 1], port));
        let s = match from {
            None => TcpStream::connect_timeout(&to, CLIENT_TIMEOUT)?,
            Some(ip) => {
                let sock =
                    socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
                sock.bind(&SocketAddr::new(ip, 0).into())?;
                sock.connect_timeout(&to.into(), CLIENT_TIMEOUT)?;
                sock.into()
            }
        };
        s.set_read_timeout(Some(CLIENT_TIMEOUT))?;
        Ok(Conn {
            s,
            buf: Vec::new(),
            got: Vec::new(),
            timed_out: false,
            reset: false,
        })
    }

    /// Connect to `ip:port` (a loopback address other than 127.0.0.1).
    pub fn open_to(ip: &str, port: u16) -> std::io::Result<Conn> {
        let ip: IpAddr = ip.parse().map_err(std::io::Error::other)?;
        let s = TcpStream::connect_timeout(&SocketAddr::new(ip, port), CLIENT_TIMEOUT)?;
        s.set_read_timeout(Some(CLIENT_TIMEOUT))?;
        Ok(Conn {
            s,
            buf: Vec::new(),
            got: Vec::new(),
            timed_out: false,
            reset: false,
        })
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let _ = self.s.write_all(bytes);
    }

    /// Read more bytes into the buffer; false at EOF, error or timeout.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 8192];
        match self.s.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.got.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) => {
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) {
                    self.timed_out = true;
                }
                if e.kind() == std::io::ErrorKind::ConnectionReset {
                    self.reset = true;
                }
                false
            }
        }
    }

    /// Take `n` buffered bytes (reading as needed); fewer at EOF.
    fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n && self.fill() {}
        let n = n.min(self.buf.len());
        self.buf.drain(..n).collect()
    }

    /// Take through the next `\r\n\r\n` (or `\n\n`); everything at EOF.
    pub fn read_head(&mut self) -> Vec<u8> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                return self.buf.drain(..i + 4).collect();
            }
            if !self.fill() {
                return std::mem::take(&mut self.buf);
            }
        }
    }

    fn read_line(&mut self) -> Vec<u8> {
        loop {
            if let Some(i) = find(&self.buf, b"\n") {
                return self.buf.drain(..=i).collect();
            }
            if !self.fill() {
                return std::mem::take(&mut self.buf);
            }
        }
    }

    /// One response: head, then the body by Content-Length, chunked
    /// framing, or to EOF. HTTP/0.9 answers (no status line) read to EOF.
    pub fn read_response(&mut self) {
        while self.buf.len() < 5 && self.fill() {}
        if !self.buf.starts_with(b"HTTP/") {
            self.read_to_eof();
            return;
        }
        let head = String::from_utf8_lossy(&self.read_head()).to_ascii_lowercase();
        let cl = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        if let Some(n) = cl {
            self.take(n);
        } else if head.contains("transfer-encoding: chunked") {
            for _ in 0..1000 {
                let size = self.read_line();
                let Ok(n) = usize::from_str_radix(String::from_utf8_lossy(&size).trim(), 16) else {
                    return;
                };
                self.take(n + 2);
                if n == 0 || self.timed_out {
                    return;
                }
            }
        } else {
            self.read_to_eof();
        }
    }

    /// Half-close, then read until the proxy closes (bounded).
    pub fn finish(&mut self) {
        let _ = self.s.shutdown(std::net::Shutdown::Write);
        self.read_to_eof();
    }

    pub fn read_to_eof(&mut self) {
        for _ in 0..10_000 {
            if !self.fill() {
                break;
            }
        }
        self.buf.clear();
    }

    /// The transcript: received bytes as text, plus a timeout marker.
    pub fn transcript(&self) -> String {
        let mut t = String::from_utf8_lossy(&self.got).into_owned();
        if self.timed_out {
            t.push_str("<<timeout>>");
        }
        if self.reset {
            t.push_str("<<reset>>");
        }
        t
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
