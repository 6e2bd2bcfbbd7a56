//! Waits with deadlines: poll a condition until it holds, fail (or say
//! false) when the deadline passes. Nothing here sleeps to synchronise.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// How long any wait in a test may take before it fails.
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

/// Whether `addr` accepts a connection now.
fn answers(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// Wait until `addr` accepts connections; panics after `DEADLINE`.
pub fn wait_port(addr: SocketAddr) {
    if !port_opens(addr, DEADLINE) {
        panic!("nothing listens on {addr} after {DEADLINE:?}");
    }
}

/// True once `addr` accepts a connection, false after `limit`.
pub fn port_opens(addr: SocketAddr, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if answers(addr) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// How a wait for a child's own listener ended.
enum Listener {
    /// `child` holds the listening socket, and it answered one probe.
    Up,
    Exited(std::process::ExitStatus),
    Late,
}

/// Wait until `child` itself listens on `addr` and it answers, or `child`
/// exits, or `limit` passes. Makes exactly one successful probe
/// connection (tests count connections). The listening socket must be one
/// of `child`'s own descriptors: a free port can be taken by another
/// process before the child binds it, and that process's answer must not
/// pass for the child's.
fn own_listener(child: &mut Child, addr: SocketAddr, limit: Duration) -> Listener {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Listener::Exited(status);
        }
        if listens(child.id(), addr.port()) && answers(addr) {
            return Listener::Up;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Listener::Late
}

/// Wait until `child` itself listens on `addr` (true, see `own_listener`)
/// or exits (false: it could not listen, or failed otherwise); panics at
/// the deadline.
pub fn listening(child: &mut Child, addr: SocketAddr) -> bool {
    match own_listener(child, addr, DEADLINE) {
        Listener::Up => true,
        Listener::Exited(_) => false,
        Listener::Late => panic!("nothing listens on {addr} after {DEADLINE:?}"),
    }
}

/// Whether process `pid` holds a TCP socket listening on `port` (IPv4 or
/// IPv6), from /proc/net/tcp{,6} and the process's descriptors.
fn listens(pid: u32, port: u16) -> bool {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for row in text.lines().skip(1) {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (cols.get(1), cols.get(3), cols.get(9))
            else {
                continue;
            };
            let local_port = local
                .rsplit(':')
                .next()
                .and_then(|h| u16::from_str_radix(h, 16).ok());
            if *state == "0A" && local_port == Some(port) {
                inodes.push(format!("socket:[{inode}]"));
            }
        }
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .map(|target| inodes.iter().any(|i| target.as_os_str() == i.as_str()))
            .unwrap_or(false)
    })
}

/// Wait until `child` listens on `addr` (see `own_listener`); fails
/// fast, with what the child wrote to stderr, if it exits first or
/// `limit` passes.
pub fn listener_up(child: &mut Child, addr: SocketAddr, limit: Duration) -> Result<(), String> {
    match own_listener(child, addr, limit) {
        Listener::Up => Ok(()),
        Listener::Exited(status) => Err(format!("exited with {status}: {}", stderr_of(child))),
        Listener::Late => {
            let _ = child.kill();
            Err(format!(
                "not listening after {limit:?}: {}",
                stderr_of(child)
            ))
        }
    }
}

/// Wait for `child` to exit within `DEADLINE`; kill it and fail
/// otherwise.
pub fn wait_exit(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        if let Some(st) = child.try_wait().expect("wait") {
            return st;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{what}: still running after {DEADLINE:?}");
}

/// Kills `child` if it still runs and returns what it wrote to stderr.
pub fn stderr_of(child: &mut Child) -> String {
    let _ = child.kill();
    let _ = child.wait();
    child
        .stderr
        .take()
        .map(std::io::read_to_string)
        .and_then(Result::ok)
        .unwrap_or_default()
}

/// Does a connection to `addr` get refused (nothing listens)?
pub fn refused(addr: SocketAddr) -> bool {
    match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionRefused,
        Ok(_) => false,
    }
}

/// The text of `path`, empty while it does not exist.
pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Lines of the file at `path` containing `needle`.
pub fn count_lines(path: &Path, needle: &str) -> usize {
    read_text(path)
        .lines()
        .filter(|l| l.contains(needle))
        .count()
}

/// Wait until the file at `path` has a line containing `needle`; return it.
pub fn wait_log(path: &Path, needle: &str) -> String {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        let t = read_text(path);
        if let Some(l) = t.lines().find(|l| l.contains(needle)) {
            return l.to_string();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("log never said {needle:?}:\n{}", read_text(path));
}

/// Wait until the file at `path` has at least `n` lines containing `needle`.
pub fn wait_log_n(path: &Path, needle: &str, n: usize) {
    let start = Instant::now();
    while count_lines(path, needle) < n {
        if start.elapsed() > DEADLINE {
            panic!("log never said {needle:?} {n} times:\n{}", read_text(path));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Wait until a file exists at `path`.
pub fn wait_file(path: &Path) {
    wait_for(&format!("{} to exist", path.display()), || {
        path.exists().then_some(())
    });
}

/// Connects to 127.0.0.1:port, retrying until `deadline` (the server may
/// still be starting).
pub async fn connect_when_open(port: u16, deadline: Duration) -> tokio::net::TcpStream {
    let start = Instant::now();
    for _ in 0..1000 {
        if let Ok(s) = tokio::net::TcpStream::connect(crate::local(port)).await {
            return s;
        }
        if start.elapsed() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("port {port} did not open within {deadline:?}");
}
