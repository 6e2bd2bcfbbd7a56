//! Shared harness for end-to-end tests: our binary on a free loopback port,
//! a recording echo origin, raw clients, and log waits with deadlines.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any wait in a test may take before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

mod ports;
pub use ports::free_port;

/// Wait until `addr` accepts connections.
pub fn wait_port(addr: SocketAddr) {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on {addr} after {DEADLINE:?}");
}

/// Wait until `addr` answers (true) or `child` exits (false: it could not
/// listen, or failed otherwise); panics at the deadline.
fn listening(child: &mut Child, addr: SocketAddr) -> bool {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on {addr} after {DEADLINE:?}");
}

/// A running proxy (ours or tinyproxy), killed on drop.
pub struct Proxy {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub log: PathBuf,
}

impl Proxy {
    /// Start our binary with `body` (a config without Port/Listen/LogFile)
    /// on a free port of 127.0.0.1; stdout (the log) goes to a file.
    pub fn start(body: &str) -> Proxy {
        Proxy::start_bin(env!("CARGO_BIN_EXE_tinyproxy"), body)
    }

    pub fn start_bin(bin: &str, body: &str) -> Proxy {
        Proxy::start_listening(bin, "Listen 127.0.0.1\n", body)
    }

    /// Our binary with no `Listen` line: the IPv4 and IPv6 wildcards.
    pub fn start_wildcard(body: &str) -> Proxy {
        Proxy::start_listening(env!("CARGO_BIN_EXE_tinyproxy"), "", body)
    }

    /// A port from `free_port` can be taken by another process before the
    /// proxy binds it; a proxy that exits before its port answers is
    /// started again on a new port (twice at most).
    fn start_listening(bin: &str, listen: &str, body: &str) -> Proxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("proxy.log");
        let conf = dir.path().join("tinyproxy.conf");
        for _ in 0..3 {
            let port = free_port();
            let text = format!(
                "Port {port}\n{listen}LogFile \"{}\"\nLogLevel Info\n{body}\n",
                log.display()
            );
            std::fs::write(&conf, text).expect("write conf");
            let mut child = Command::new(bin)
                .arg("-d")
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn proxy");
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            // One probe connection in all (tests count connections).
            if listening(&mut child, addr) {
                return Proxy {
                    child,
                    port,
                    dir,
                    log,
                };
            }
        }
        panic!("{bin} exited before it listened, three times (config {conf:?})");
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait until the log has a line containing `needle`.
    pub fn wait_log(&self, needle: &str) -> String {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            let t = self.log_text();
            if let Some(l) = t.lines().find(|l| l.contains(needle)) {
                return l.to_string();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("log never said {needle:?}:\n{}", self.log_text());
    }

    /// Wait until the log has at least `n` lines containing `needle`.
    pub fn wait_log_n(&self, needle: &str, n: usize) {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            if self
                .log_text()
                .lines()
                .filter(|l| l.contains(needle))
                .count()
                >= n
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("log never said {needle:?} {n} times:\n{}", self.log_text());
    }

    /// Send `sig` to the proxy (a process this test started).
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of our own child process.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request as the origin received it.
pub type Recorded = Arc<Mutex<Vec<Vec<u8>>>>;

/// A loopback origin that records each request head (+ body by
/// Content-Length or chunked end) and answers with an echo of it.
pub struct Origin {
    pub port: u16,
    pub seen: Recorded,
}

impl Origin {
    pub fn start() -> Origin {
        Origin::start_with(|req: &[u8]| echo_response(req))
    }

    /// Start an origin that answers each request with `respond(request)`.
    pub fn start_with(respond: impl Fn(&[u8]) -> Vec<u8> + Send + Sync + 'static) -> Origin {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind origin");
        let port = l.local_addr().expect("addr").port();
        let seen: Recorded = Arc::new(Mutex::new(Vec::new()));
        let seen2 = Arc::clone(&seen);
        let respond = Arc::new(respond);
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let seen = Arc::clone(&seen2);
                let respond = Arc::clone(&respond);
                std::thread::spawn(move || {
                    let _ = s.set_read_timeout(Some(DEADLINE));
                    let mut r = BufReader::new(s.try_clone().expect("clone"));
                    if let Some(req) = read_message(&mut r) {
                        seen.lock().expect("lock").push(req.clone());
                        let mut w = s;
                        let _ = w.write_all(&respond(&req));
                        let _ = w.shutdown(Shutdown::Write);
                    }
                });
            }
        });
        Origin { port, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// The requests received so far, as text.
    pub fn requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }

    /// Wait until `n` requests have arrived.
    pub fn wait_requests(&self, n: usize) -> Vec<String> {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            let r = self.requests();
            if r.len() >= n {
                return r;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("origin got {:?}, wanted {n}", self.requests());
    }
}

/// `HTTP/1.1 200 OK` with the request echoed as the body.
pub fn echo_response(req: &[u8]) -> Vec<u8> {
    let mut body = b"ECHO-OF-REQUEST:\n".to_vec();
    body.extend_from_slice(req);
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nServer: echo-origin\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Read one request (head + body framed by Content-Length or chunked).
pub fn read_message(r: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut msg = Vec::new();
    let mut cl = 0usize;
    let mut chunked = false;
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line).ok()? == 0 {
            return if msg.is_empty() { None } else { Some(msg) };
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
    if chunked {
        loop {
            let mut size = Vec::new();
            r.read_until(b'\n', &mut size).ok()?;
            msg.extend_from_slice(&size);
            let n = usize::from_str_radix(String::from_utf8_lossy(&size).trim(), 16).ok()?;
            let mut data = vec![0u8; n + 2];
            r.read_exact(&mut data).ok()?;
            msg.extend_from_slice(&data);
            if n == 0 {
                return Some(msg);
            }
        }
    }
    let mut body = vec![0u8; cl];
    r.read_exact(&mut body).ok()?;
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
