//! Helpers for the chaining tests (tests/chain_*.rs): real upstream
//! proxies (the Debian tinyproxy, microsocks, danted) and small in-test
//! peers for what Debian has no server for (SOCKS4a) or for misbehaving
//! upstreams (closing at once, silent). Needs `mod common;` in the test
//! crate as well. Debian packages: tinyproxy, microsocks, dante-server.
#![allow(dead_code)]

use crate::common::{free_port, read_message, wait_port, Proxy, DEADLINE};
use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The Debian tinyproxy 1.11.1, used as the real HTTP upstream.
pub const TINYPROXY: &str = "/usr/bin/tinyproxy";

/// The real tinyproxy on a free port with `body` added to its config
/// (Port/Listen/LogFile/LogLevel Info are written by the harness).
pub fn tinyproxy_upstream(body: &str) -> Proxy {
    Proxy::start_bin(TINYPROXY, body)
}

/// 127.0.0.1:port.
pub fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A server process in its own process group; the group is killed and
/// the child reaped on drop (danted forks helpers).
pub struct Server {
    child: Child,
    pub port: u16,
    /// Kept so a config file / log outlive the process.
    pub dir: Option<tempfile::TempDir>,
}

impl Server {
    fn spawn(mut cmd: Command, addr: SocketAddr, dir: Option<tempfile::TempDir>) -> Server {
        let port = addr.port();
        use std::os::unix::process::CommandExt;
        cmd.process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().expect("spawn server");
        let mut s = Server { child, port, dir };
        wait_port(addr);
        if let Ok(Some(status)) = s.child.try_wait() {
            panic!("server on port {port} exited early: {status}");
        }
        s
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pgid = self.child.id() as i32;
        // SAFETY: kill(2) on the process group this guard created.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// microsocks on 127.0.0.1, with RFC 1929 auth when `auth` is given.
pub fn microsocks(auth: Option<(&str, &str)>) -> Server {
    microsocks_on(local(free_port()), auth)
}

/// microsocks on `addr` (127.0.0.1 or [::1]).
pub fn microsocks_on(addr: SocketAddr, auth: Option<(&str, &str)>) -> Server {
    let mut cmd = Command::new("microsocks");
    cmd.args(["-i", &addr.ip().to_string(), "-p", &addr.port().to_string()]);
    if let Some((user, pass)) = auth {
        cmd.args(["-u", user, "-P", pass]);
    }
    Server::spawn(cmd, addr, None)
}

/// danted on 127.0.0.1 without authentication (as in
/// tests/upstream_socks5.rs; runs as root).
pub fn danted() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = dir.path().join("danted.conf");
    let text = format!(
        "logoutput: {log}\n\
         internal: 127.0.0.1 port = {port}\n\
         external: 127.0.0.1\n\
         socksmethod: none\n\
         clientmethod: none\n\
         user.privileged: root\n\
         user.unprivileged: nobody\n\
         client pass {{\n  from: 127.0.0.0/8 to: 0/0\n}}\n\
         socks pass {{\n  from: 127.0.0.0/8 to: 0/0\n}}\n",
        log = dir.path().join("danted.log").display(),
    );
    std::fs::write(&conf, text).expect("write danted.conf");
    let mut cmd = Command::new("danted");
    cmd.arg("-f")
        .arg(&conf)
        .args(["-N", "1", "-p"])
        .arg(dir.path().join("danted.pid"));
    Server::spawn(cmd, local(port), Some(dir))
}

/// How an in-test peer behaves after accepting a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// SOCKS4a: read the request (to the NUL after the host), answer
    /// `00 5A`, then connect to the origin and relay.
    Socks4a,
    /// SOCKS5 without authentication: greeting, CONNECT, reply, relay.
    Socks5NoAuth,
    /// Close the connection at once.
    CloseAtOnce,
    /// Say nothing and keep the connection open until the peer leaves.
    Silent,
}

/// A tiny loopback server playing `mode`; every SOCKS target (whatever
/// its name) is connected to 127.0.0.1:`origin`, so no DNS is needed.
/// Records the handshake bytes of each connection.
pub struct Peer {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Peer {
    pub fn start(mode: Mode, origin: u16) -> Peer {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind peer");
        let port = l.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = Arc::clone(&seen);
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(conn) = conn else { continue };
                let seen = Arc::clone(&seen2);
                std::thread::spawn(move || serve(mode, conn, origin, &seen));
            }
        });
        Peer { port, seen }
    }

    /// The handshakes received so far.
    pub fn handshakes(&self) -> Vec<Vec<u8>> {
        self.seen.lock().expect("lock").clone()
    }
}

fn serve(mode: Mode, mut c: TcpStream, origin: u16, seen: &Mutex<Vec<Vec<u8>>>) {
    let _ = c.set_read_timeout(Some(DEADLINE));
    let hs = match mode {
        Mode::CloseAtOnce => return,
        Mode::Silent => {
            let mut sink = Vec::new();
            let _ = c.read_to_end(&mut sink);
            return;
        }
        Mode::Socks4a => socks4a_handshake(&mut c),
        Mode::Socks5NoAuth => socks5_handshake(&mut c),
    };
    let Some(hs) = hs else { return };
    seen.lock().expect("lock").push(hs);
    relay_to(c, origin);
}

/// Reads `04 01 port ip userid\0 host\0`, answers granted.
fn socks4a_handshake(c: &mut TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut nuls = 0;
    let mut byte = [0u8; 1];
    while nuls < 2 && got.len() < 600 {
        c.read_exact(&mut byte).ok()?;
        got.push(byte[0]);
        if got.len() > 8 && byte[0] == 0 {
            nuls += 1;
        }
    }
    c.write_all(&[0, 0x5A, 0, 0, 0, 0, 0, 0]).ok()?;
    Some(got)
}

/// Reads the greeting and the CONNECT request (ATYP 3 only, as
/// tinyproxy sends); answers "no auth" and success.
fn socks5_handshake(c: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = [0u8; 2];
    c.read_exact(&mut head).ok()?;
    let mut methods = vec![0u8; usize::from(head[1])];
    c.read_exact(&mut methods).ok()?;
    c.write_all(&[5, 0]).ok()?;
    let mut req = [0u8; 5];
    c.read_exact(&mut req).ok()?;
    let mut rest = vec![0u8; usize::from(req[4]) + 2];
    c.read_exact(&mut rest).ok()?;
    c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).ok()?;
    let mut got = head.to_vec();
    got.extend_from_slice(&methods);
    got.extend_from_slice(&req);
    got.extend_from_slice(&rest);
    Some(got)
}

/// Relays `c` <-> 127.0.0.1:origin until both directions end.
fn relay_to(c: TcpStream, origin: u16) {
    let Ok(o) = TcpStream::connect(local(origin)) else {
        return;
    };
    let (Ok(mut c2), Ok(mut o2)) = (c.try_clone(), o.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || {
        let mut c = c;
        let mut o = o;
        let _ = std::io::copy(&mut c, &mut o);
        let _ = o.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut o2, &mut c2);
    let _ = c2.shutdown(Shutdown::Write);
    let _ = up.join();
}

/// What a client got back, and how long it took.
pub struct Reply {
    pub text: String,
    pub elapsed: Duration,
}

impl Reply {
    pub fn status_line(&self) -> &str {
        self.text.lines().next().unwrap_or("")
    }
}

/// Send `req` raw to `addr`, read until the peer closes (bounded), time it.
pub fn timed_raw(addr: SocketAddr, req: &str) -> Reply {
    let start = Instant::now();
    let text = crate::common::raw(addr, req.as_bytes());
    Reply {
        text,
        elapsed: start.elapsed(),
    }
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

/// A plain GET for `url` through a proxy, closing after the response.
pub fn get(addr: SocketAddr, url: &str, host: &str) -> Reply {
    timed_raw(
        addr,
        &format!("GET {url} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
}

/// Asserts that `log` has lines containing each needle, in this order.
pub fn assert_in_order(log: &str, needles: &[&str]) {
    let mut rest = log;
    for n in needles {
        match rest.find(n) {
            Some(i) => rest = &rest[i + n.len()..],
            None => panic!("log lacks {n:?} (in order {needles:?}):\n{log}"),
        }
    }
}

/// Asserts that no secret appears in `log`, in clear or inside the
/// base64 of a Proxy-Authorization value.
pub fn assert_no_secret(log: &str, user: &str, pass: &str) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    for s in [pass, b64.as_str()] {
        assert!(!log.contains(s), "log leaks {s:?}:\n{log}");
    }
}
