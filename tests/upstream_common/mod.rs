//! Helpers shared by the upstream tests: loopback echo servers, child
//! process guards, free ports, waiting for a port with a deadline.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
pub const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

/// Bounds every network step of a test.
pub const STEP: Duration = Duration::from_secs(5);

#[path = "../common/ports.rs"]
mod ports;
#[allow(unused_imports)] // not every test file that shares this module needs it
pub use ports::free_port;

/// Echoes every connection back until EOF; runs until the runtime ends.
fn serve_echo(listener: TcpListener) {
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = conn.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
}

/// An echo server on `ip`, port chosen by the OS.
pub async fn echo_server(ip: IpAddr) -> u16 {
    let listener = TcpListener::bind((ip, 0)).await.expect("bind echo");
    let port = listener.local_addr().expect("local_addr").port();
    serve_echo(listener);
    port
}

/// One echo port served on both 127.0.0.1 and ::1, so a `localhost`
/// target works whichever address the resolver returns first.
pub async fn echo_server_dual() -> u16 {
    for _ in 0..20 {
        let v4 = TcpListener::bind((V4, 0)).await.expect("bind echo v4");
        let port = v4.local_addr().expect("local_addr").port();
        if let Ok(v6) = TcpListener::bind((V6, port)).await {
            serve_echo(v4);
            serve_echo(v6);
            return port;
        }
    }
    panic!("no port free on both 127.0.0.1 and ::1 after 20 tries");
}

/// Sends `payload` through an established tunnel and expects it back.
pub async fn assert_round_trip(stream: &mut TcpStream, payload: &[u8]) {
    stream
        .write_all(payload)
        .await
        .expect("write through tunnel");
    let mut back = vec![0u8; payload.len()];
    tokio::time::timeout(STEP, stream.read_exact(&mut back))
        .await
        .expect("echo timed out")
        .expect("read echo");
    assert_eq!(back, payload, "bytes did not round-trip");
}

/// Connects to 127.0.0.1:port, retrying until `deadline` (the server may
/// still be starting).
pub async fn wait_for_port(port: u16, deadline: Duration) -> TcpStream {
    let start = Instant::now();
    for _ in 0..1000 {
        if let Ok(s) = TcpStream::connect((V4, port)).await {
            return s;
        }
        if start.elapsed() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("port {port} did not open within {deadline:?}");
}

/// A started process, killed (its whole process group) and reaped on drop,
/// also when the test fails.
pub struct ChildGuard {
    child: Child,
    pub name: &'static str,
}

impl ChildGuard {
    /// Starts `cmd` in its own process group (daemons like danted fork
    /// helpers; the group lets us end exactly those).
    pub fn spawn(name: &'static str, mut cmd: Command) -> ChildGuard {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        ChildGuard { child, name }
    }

    /// Fails the test if the process already exited (bad config etc.).
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early: {status}", self.name);
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let pgid = self.child.id() as i32;
        // SAFETY: plain kill(2) on the process group this guard created.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "tp-rs-{tag}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The address a test server accepts on.
pub fn local(port: u16) -> SocketAddr {
    SocketAddr::new(V4, port)
}

/// One step of a scripted SOCKS peer.
#[derive(Clone, Debug)]
pub enum Step {
    /// Read exactly this many bytes (recorded for the test to check).
    Expect(usize),
    /// Write these bytes.
    Send(Vec<u8>),
    /// Echo everything until EOF.
    Echo,
    /// Keep the connection open, silent, until the client goes away.
    Hold,
}

/// A one-connection server on 127.0.0.1 that plays `steps` and returns
/// what it read at each `Expect`. It stops at the first read error and
/// closes the connection when the steps run out.
pub async fn scripted_peer(steps: Vec<Step>) -> (u16, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
    let listener = TcpListener::bind((V4, 0)).await.expect("bind peer");
    let port = listener.local_addr().expect("local_addr").port();
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        let Ok(Ok((mut conn, _))) = tokio::time::timeout(STEP, listener.accept()).await else {
            return seen;
        };
        for step in steps {
            match step {
                Step::Expect(n) => {
                    let mut buf = vec![0u8; n];
                    let read = tokio::time::timeout(STEP, conn.read_exact(&mut buf)).await;
                    if !matches!(read, Ok(Ok(_))) {
                        return seen;
                    }
                    seen.push(buf);
                }
                Step::Send(bytes) => {
                    if conn.write_all(&bytes).await.is_err() {
                        return seen;
                    }
                }
                Step::Echo => {
                    let (mut r, mut w) = conn.split();
                    let _ = tokio::time::timeout(STEP, tokio::io::copy(&mut r, &mut w)).await;
                    return seen;
                }
                Step::Hold => {
                    let mut sink = Vec::new();
                    let _ = tokio::time::timeout(STEP, conn.read_to_end(&mut sink)).await;
                    return seen;
                }
            }
        }
        seen
    });
    (port, task)
}

/// Connects to a scripted peer.
pub async fn connect_peer(port: u16) -> TcpStream {
    TcpStream::connect(local(port)).await.expect("connect peer")
}
