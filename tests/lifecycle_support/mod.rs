//! Support for the lifecycle tests: our binary with any flags, signals to
//! the pids the tests started, waits with deadlines, a TCP echo server
//! for tunnels and an origin whose answer waits for the test.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_tinyproxy");
/// How long any wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Poll `f` every 10 ms until it gives a value; fail after `DEADLINE`.
pub fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Send `sig` to `pid`, a process this test started.
pub fn kill(pid: u32, sig: i32) {
    let pid = libc::pid_t::try_from(pid).expect("pid fits");
    // SAFETY: kill(2) has no memory-safety preconditions.
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig}) failed");
}

#[allow(unused_imports)] // not every test file that shares this module needs it
pub use crate::common::free_port;

pub fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Does a connection to `addr` get refused (nothing listens)?
pub fn refused(addr: SocketAddr) -> bool {
    match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Err(e) => e.kind() == ErrorKind::ConnectionRefused,
        Ok(_) => false,
    }
}

/// Write `text` to `path` atomically (temp file + rename), so a reload
/// never reads half a file.
pub fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).expect("write tmp");
    std::fs::rename(&tmp, path).expect("rename");
}

/// Our binary in the foreground (`-d`) on a free loopback port, logging
/// to a file in its own directory; SIGKILLed on drop if still running.
pub struct Running {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub log: PathBuf,
    pub port: u16,
}

impl Running {
    /// Start with `Port`/`Listen`/`LogFile` + `body`, and `args` before
    /// `-d -c FILE`. Returns once the log is open (NOTICE, so at any
    /// `LogLevel` up to Notice): the sockets are bound by then, and the
    /// lifecycle signals are held until their handlers are installed, so
    /// the test may connect and signal at once.
    pub fn start(body: &str, args: &[&str]) -> Running {
        // A port from `free_port` can be taken again before the proxy
        // binds it (tests run in parallel): retry with another one.
        for _ in 0..3 {
            if let Some(r) = Running::try_start(body, args) {
                return r;
            }
        }
        panic!("the proxy did not start three times");
    }

    fn try_start(body: &str, args: &[&str]) -> Option<Running> {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("tinyproxy.conf");
        let log = dir.path().join("proxy.log");
        let port = free_port();
        std::fs::write(&conf, conf_text(port, &log, body)).expect("write conf");
        let child = Command::new(BIN)
            .args(args)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn proxy");
        let mut r = Running {
            child,
            dir,
            conf,
            log,
            port,
        };
        let up = wait_for("the proxy to start or fail", || {
            if r.count("Initializing tinyproxy ...") > 0 {
                Some(true)
            } else {
                r.child.try_wait().expect("try_wait").map(|_| false)
            }
        });
        up.then_some(r)
    }

    pub fn addr(&self) -> SocketAddr {
        local(self.port)
    }

    pub fn signal(&self, sig: i32) {
        kill(self.child.id(), sig);
    }

    /// Replace the config (same port) atomically.
    pub fn write_conf(&self, body: &str) {
        self.write_conf_port(self.port, body);
    }

    pub fn write_conf_port(&self, port: u16, body: &str) {
        write_atomic(&self.conf, &conf_text(port, &self.log, body));
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Lines of the log containing `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.log_text()
            .lines()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Wait until the log has a line containing `needle`; return it.
    pub fn wait_log(&self, needle: &str) -> String {
        self.wait_count(needle, 1);
        let text = self.log_text();
        let line = text.lines().find(|l| l.contains(needle)).unwrap_or("");
        line.to_string()
    }

    /// Wait until `needle` appears on at least `n` lines.
    pub fn wait_count(&self, needle: &str, n: usize) {
        let start = Instant::now();
        while self.count(needle) < n {
            if start.elapsed() > DEADLINE {
                panic!("log has not {n}× {needle:?}:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Send a reload signal and wait until that reload has finished or
    /// failed (by counting the end lines).
    pub fn reload(&self, sig: i32) {
        let before = self.reloads_ended();
        self.signal(sig);
        wait_for("the reload to end", || {
            (self.reloads_ended() > before).then_some(())
        });
    }

    fn reloads_ended(&self) -> usize {
        let t = self.log_text();
        t.lines()
            .filter(|l| {
                l.contains("Reloading config file finished")
                    || l.contains("Reloading config file failed!")
            })
            .count()
    }

    /// Wait for the process to exit (bounded) and return its status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        wait_for("the proxy to exit", || {
            self.child.try_wait().expect("try_wait")
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn conf_text(port: u16, log: &Path, body: &str) -> String {
    format!(
        "Port {port}\nListen 127.0.0.1\nLogFile \"{}\"\n{body}\n",
        log.display()
    )
}

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

/// Open a CONNECT tunnel to 127.0.0.1:`port` through `proxy`.
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

/// Send `msg` through a tunnel to the echo server; true if it came back.
pub fn echoes(s: &mut TcpStream, msg: &[u8]) -> bool {
    if s.write_all(msg).is_err() {
        return false;
    }
    let mut back = vec![0u8; msg.len()];
    s.read_exact(&mut back).is_ok() && back == msg
}

/// A TCP echo server on 127.0.0.1, one thread per connection.
pub fn echo_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind echo");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut r = s.try_clone().expect("clone");
                let _ = std::io::copy(&mut r, &mut s);
            });
        }
    });
    port
}

/// An origin that reads one request head, reports it, and answers only
/// when the test releases it.
pub struct SlowOrigin {
    pub port: u16,
    arrived: mpsc::Receiver<()>,
    release: Arc<Mutex<Option<mpsc::Sender<()>>>>,
}

pub const SLOW_BODY: &str = "slow body, complete\n";

impl SlowOrigin {
    pub fn start() -> SlowOrigin {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind slow origin");
        let port = l.local_addr().expect("addr").port();
        let (arrived_tx, arrived) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let Ok((s, _)) = l.accept() else { return };
            let mut r = BufReader::new(s.try_clone().expect("clone"));
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = arrived_tx.send(());
            if release_rx.recv_timeout(DEADLINE).is_ok() {
                let mut w = s;
                let _ = write!(
                    w,
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{SLOW_BODY}",
                    SLOW_BODY.len()
                );
            }
        });
        SlowOrigin {
            port,
            arrived,
            release: Arc::new(Mutex::new(Some(release_tx))),
        }
    }

    /// Wait until the request has reached the origin.
    pub fn wait_arrived(&self) {
        self.arrived
            .recv_timeout(DEADLINE)
            .expect("request never reached the slow origin");
    }

    /// Let the origin answer.
    pub fn release(&self) {
        if let Some(tx) = self.release.lock().expect("lock").take() {
            let _ = tx.send(());
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/slow", self.port)
    }
}
