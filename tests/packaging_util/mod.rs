//! Helpers shared by the `packaging_*` integration tests: paths in the
//! repository, free loopback ports, waiting for a port with a deadline,
//! processes that are killed when the test ends, and a raw HTTP exchange.

#![allow(dead_code)] // each test file uses a different subset

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Every directive tinyproxy 1.11.1 knows, in tinyproxy's own spelling
/// (BasicAuthRealm came with 1.11.3; the last four are obsolete).
pub const DIRECTIVES_1_11_1: &str = "User Group Port Listen Bind BindSame Timeout \
    ErrorFile DefaultErrorFile StatHost StatFile LogFile Syslog LogLevel PidFile XTinyproxy \
    Upstream MaxClients Allow Deny BasicAuth AddHeader ViaProxyName DisableViaHeader Filter \
    FilterURLs FilterType FilterExtended FilterCaseSensitive FilterDefaultDeny Anonymous \
    ConnectPort ReversePath ReverseOnly ReverseMagic ReverseBaseURL StartServers \
    MinSpareServers MaxSpareServers MaxRequestsPerChild";

/// True when `name` (any case) is a tinyproxy 1.11.1 directive.
pub fn is_directive_1_11_1(name: &str) -> bool {
    DIRECTIVES_1_11_1
        .split_whitespace()
        .any(|d| d.eq_ignore_ascii_case(name))
}

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads a file of the repository, relative to its root.
pub fn read_repo_file(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[path = "../common/ports.rs"]
mod ports;
#[allow(unused_imports)] // not every test file that shares this module needs it
pub use ports::free_port;

/// True once 127.0.0.1:`port` accepts a connection, false after `limit`.
pub fn wait_for_port(port: u16, limit: Duration) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Waits until `child` listens on 127.0.0.1:`port`.  Fails fast, with
/// what the child wrote to stderr, if it exits first or `limit` passes.
pub fn wait_for_listener(child: &mut Child, port: u16, limit: Duration) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status}: {}", stderr_of(child)));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    Err(format!(
        "not listening after {limit:?}: {}",
        stderr_of(child)
    ))
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

/// A child process that is killed (by its pid, through `Child::kill`) and
/// reaped when the guard is dropped, also when the test panics.
pub struct ProcGuard(pub Child);

impl Drop for ProcGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program args...` with stdin closed and stdout/stderr piped.
pub fn spawn(program: &Path, args: &[&str]) -> ProcGuard {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
    ProcGuard(child)
}

/// Runs a command to completion; panics with a hint if it is missing.
pub fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("running {program}: {e} (install it with scripts/install-test-deps.sh)")
        })
}

/// Sends `request` to 127.0.0.1:`port` and returns everything the peer
/// sent back until it closed the connection (or 10 s passed).
pub fn http_exchange(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to proxy");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set_read_timeout");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).into_owned()
}

/// Replaces the value of every active `Port` line and appends `extra`
/// lines: a copy of a tinyproxy.conf that is safe to start in a test.
pub fn conf_for_test(conf: &str, port: u16, extra: &[String]) -> String {
    let mut out = String::new();
    for line in conf.lines() {
        if line.to_ascii_lowercase().starts_with("port ") {
            out.push_str(&format!("Port {port}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    for line in extra {
        out.push_str(line);
        out.push('\n');
    }
    out
}
