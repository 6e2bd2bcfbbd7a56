//! Upstream peers for chaining tests: real upstream daemons (Debian's
//! tinyproxy, microsocks, danted) and a tiny in-test peer for what Debian
//! has no server for (SOCKS4a) or for misbehaving upstreams.

use crate::ports::{free_port, local};
use crate::process::{Guard, Proxy, DEBIAN};
use crate::socks::{socks4_grant, socks4_read, socks5_accept, Socks5Step};
use crate::wait::{wait_port, DEADLINE};
use std::io::Read;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// Debian's tinyproxy on a free port with `body` added to its config, as
/// a real HTTP upstream.
pub fn tinyproxy_upstream(body: &str) -> Proxy {
    Proxy::start(DEBIAN, body)
}

/// A server daemon in its own process group (killed on drop), up once
/// its port answers.
pub struct Server {
    pub guard: Guard,
    pub port: u16,
    /// Kept so a config file / log outlive the process.
    pub dir: Option<tempfile::TempDir>,
}

impl Server {
    pub fn spawn(cmd: Command, addr: SocketAddr, dir: Option<tempfile::TempDir>) -> Server {
        let mut guard = Guard::spawn_group(&format!("server on port {}", addr.port()), cmd);
        wait_port(addr);
        guard.assert_running();
        Server {
            guard,
            port: addr.port(),
            dir,
        }
    }
}

/// microsocks on 127.0.0.1, with RFC 1929 auth when `auth` is given.
pub fn microsocks(auth: Option<(&str, &str)>) -> Server {
    microsocks_on(local(free_port()), auth)
}

/// microsocks on `addr` (127.0.0.1 or `[::1]`).
pub fn microsocks_on(addr: SocketAddr, auth: Option<(&str, &str)>) -> Server {
    let mut cmd = Command::new("microsocks");
    cmd.args(["-i", &addr.ip().to_string(), "-p", &addr.port().to_string()]);
    if let Some((user, pass)) = auth {
        cmd.args(["-u", user, "-P", pass]);
    }
    Server::spawn(cmd, addr, None)
}

/// The danted.conf for a server on 127.0.0.1:`port` with `socksmethod`
/// (`none`, `username`), going out from `externals`, logging into `dir`
/// (danted runs as root).
pub fn danted_conf(
    dir: &std::path::Path,
    port: u16,
    socksmethod: &str,
    externals: &[&str],
) -> String {
    let externals: String = externals
        .iter()
        .map(|e| format!("external: {e}\n"))
        .collect();
    format!(
        "logoutput: {log}\n\
         internal: 127.0.0.1 port = {port}\n\
         {externals}\
         socksmethod: {socksmethod}\n\
         clientmethod: none\n\
         user.privileged: root\n\
         user.unprivileged: nobody\n\
         client pass {{\n  from: 127.0.0.0/8 to: 0/0\n}}\n\
         socks pass {{\n  from: 127.0.0.0/8 to: 0/0\n}}\n",
        log = dir.join("danted.log").display(),
    )
}

/// danted on 127.0.0.1 without authentication, going out from 127.0.0.1.
pub fn danted() -> Server {
    danted_with("none", &["127.0.0.1"])
}

/// danted on 127.0.0.1 with `socksmethod`, going out from `externals`.
pub fn danted_with(socksmethod: &str, externals: &[&str]) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = dir.path().join("danted.conf");
    let text = danted_conf(dir.path(), port, socksmethod, externals);
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
        Mode::Socks4a => socks4_read(&mut c).and_then(|r| socks4_grant(&mut c).map(|()| r)),
        Mode::Socks5NoAuth => {
            let mut got = Vec::new();
            let mut keep = |step: Socks5Step| {
                if let Socks5Step::Greeting(b) | Socks5Step::Connect(b) = step {
                    got.extend_from_slice(b);
                }
            };
            socks5_accept(&mut c, false, 0, &mut keep).map(|()| got)
        }
    };
    let Some(hs) = hs else { return };
    seen.lock().expect("lock").push(hs);
    relay_to(c, origin);
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
