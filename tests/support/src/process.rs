//! The proxy under test: one builder for our binary or a real tinyproxy
//! (the reference build or Debian's) on a free loopback port, its config
//! and log file, waits for readiness, signals, reloads and exit.

pub use crate::child::{die_with_parent, kill, Guard};
use crate::ports::{free_port, local};
use crate::wait::{self, wait_for};
use std::ffi::OsString;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// Debian's tinyproxy 1.11.1, used as a real upstream and as a reference.
pub const DEBIAN: &str = "/usr/bin/tinyproxy";

/// The log line a proxy writes once its sockets are bound (NOTICE, so it
/// shows at any `LogLevel` up to Notice).
pub const INIT_LINE: &str = "Initializing tinyproxy ...";

/// The reference tinyproxy builds that exist on this machine (the
/// upstream build from `/work/shared/reference/build.sh`, then Debian's).
pub fn references() -> Vec<&'static str> {
    ["/work/refbuild/tinyproxy", DEBIAN]
        .into_iter()
        .filter(|p| Path::new(p).exists())
        .collect()
}

/// When a started proxy counts as up.
#[derive(Clone, Debug)]
pub enum Ready {
    /// Its port accepts a connection (exactly one probe connection).
    Port,
    /// Its log has a line containing this text.
    Log(String),
}

/// How to start a proxy: `Port`, `Listen`, `LogFile` (and `LogLevel`)
/// lines are written by the builder before the caller's config body.
pub struct ProxyBuilder {
    bin: PathBuf,
    body: String,
    listen: String,
    log_level: Option<String>,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    shell_prefix: Option<String>,
    ready: Ready,
}

impl ProxyBuilder {
    /// `bin` with an empty body, `Listen 127.0.0.1`, `LogLevel Info`,
    /// ready when its port answers.
    pub fn new(bin: impl AsRef<Path>) -> ProxyBuilder {
        ProxyBuilder {
            bin: bin.as_ref().to_path_buf(),
            body: String::new(),
            listen: "Listen 127.0.0.1\n".into(),
            log_level: Some("Info".into()),
            args: Vec::new(),
            envs: Vec::new(),
            stdin: None,
            shell_prefix: None,
            ready: Ready::Port,
        }
    }

    /// The config after the lines the builder writes.
    pub fn config(mut self, body: &str) -> Self {
        self.body = body.to_string();
        self
    }

    /// No `Listen` line: the IPv4 and IPv6 wildcards.
    pub fn wildcard(mut self) -> Self {
        self.listen.clear();
        self
    }

    /// No `LogLevel` line (the body or the default decides).
    pub fn no_log_level(mut self) -> Self {
        self.log_level = None;
        self
    }

    /// Arguments before `-d -c FILE`.
    pub fn args<S: AsRef<std::ffi::OsStr>>(mut self, args: &[S]) -> Self {
        self.args
            .extend(args.iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Bytes on the proxy's stdin (closed after them); stdin is null
    /// otherwise.
    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Run the binary through `sh -c "PREFIX exec ..."`, e.g.
    /// `ulimit -n 24 &&` to start it with a resource limit.
    pub fn shell_prefix(mut self, prefix: &str) -> Self {
        self.shell_prefix = Some(prefix.to_string());
        self
    }

    /// Count the proxy as up once its log has a line containing `needle`.
    pub fn ready_on_log(mut self, needle: &str) -> Self {
        self.ready = Ready::Log(needle.to_string());
        self
    }

    /// Start it on a free port. A port from `free_port` can be taken by
    /// another process before the proxy binds it: a proxy that exits
    /// before it is ready is started again on a new port (twice at most).
    pub fn start(self) -> Proxy {
        for _ in 0..3 {
            let mut p = self.spawn();
            if self.is_ready(&mut p) {
                return p;
            }
        }
        panic!(
            "{} exited before it was ready, three times",
            self.bin.display()
        );
    }

    fn head(&self, log: &Path) -> String {
        let level = self
            .log_level
            .as_ref()
            .map(|l| format!("LogLevel {l}\n"))
            .unwrap_or_default();
        format!("{}LogFile \"{}\"\n{level}", self.listen, log.display())
    }

    /// One attempt, in a fresh directory (no lines of an earlier one).
    fn spawn(&self) -> Proxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("proxy.log");
        let conf = dir.path().join("tinyproxy.conf");
        let port = free_port();
        let head = self.head(&log);
        std::fs::write(&conf, assemble(port, &head, &self.body)).expect("write conf");
        let mut cmd = match &self.shell_prefix {
            None => Command::new(&self.bin),
            Some(prefix) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("{prefix} exec \"$0\" \"$@\""))
                    .arg(&self.bin);
                sh
            }
        };
        cmd.args(&self.args)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn proxy");
        if let (Some(bytes), Some(mut input)) = (&self.stdin, child.stdin.take()) {
            let _ = input.write_all(bytes);
        }
        Proxy {
            child,
            port,
            dir,
            conf,
            log,
            head,
        }
    }

    fn is_ready(&self, p: &mut Proxy) -> bool {
        match &self.ready {
            Ready::Port => {
                let addr = p.addr();
                wait::listening(&mut p.child, addr)
            }
            Ready::Log(needle) => wait_for("the proxy to start or fail", || {
                if p.count(needle) > 0 {
                    Some(true)
                } else {
                    p.child.try_wait().expect("try_wait").map(|_| false)
                }
            }),
        }
    }
}

/// The config the builder writes: `Port`, its head lines, the body.
fn assemble(port: u16, head: &str, body: &str) -> String {
    format!("Port {port}\n{head}{body}\n")
}

/// The config `Proxy::start_args` writes: `Port`, `Listen 127.0.0.1`,
/// `LogFile`, then `body`; for tests that start the binary themselves.
pub fn conf_text(port: u16, log: &Path, body: &str) -> String {
    let head = ProxyBuilder::new("").no_log_level().head(log);
    assemble(port, &head, body)
}

/// A running proxy (ours or tinyproxy) in the foreground, logging to a
/// file in its own directory; killed on drop if still running.
pub struct Proxy {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub log: PathBuf,
    head: String,
}

impl Proxy {
    /// `bin` with `body` on a free port of 127.0.0.1 at `LogLevel Info`,
    /// up once the port answers (one probe connection in all).
    pub fn start(bin: impl AsRef<Path>, body: &str) -> Proxy {
        ProxyBuilder::new(bin).config(body).start()
    }

    /// `bin` with no `Listen` line: the IPv4 and IPv6 wildcards.
    pub fn start_wildcard(bin: impl AsRef<Path>, body: &str) -> Proxy {
        ProxyBuilder::new(bin).config(body).wildcard().start()
    }

    /// `bin` with `args` before `-d -c FILE` and no `LogLevel` line; up
    /// once the log is open (`INIT_LINE`): the sockets are bound by then,
    /// and the lifecycle signals are held until their handlers are
    /// installed, so the test may connect and signal at once.
    pub fn start_args(bin: impl AsRef<Path>, body: &str, args: &[&str]) -> Proxy {
        ProxyBuilder::new(bin)
            .config(body)
            .args(args)
            .no_log_level()
            .ready_on_log(INIT_LINE)
            .start()
    }

    pub fn builder(bin: impl AsRef<Path>) -> ProxyBuilder {
        ProxyBuilder::new(bin)
    }

    pub fn addr(&self) -> SocketAddr {
        local(self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn log_text(&self) -> String {
        wait::read_text(&self.log)
    }

    /// Lines of the log containing `needle`.
    pub fn count(&self, needle: &str) -> usize {
        wait::count_lines(&self.log, needle)
    }

    /// Wait until the log has a line containing `needle`; return it.
    pub fn wait_log(&self, needle: &str) -> String {
        wait::wait_log(&self.log, needle)
    }

    /// Wait until the log has at least `n` lines containing `needle`.
    pub fn wait_log_n(&self, needle: &str, n: usize) {
        wait::wait_log_n(&self.log, needle, n)
    }

    /// Send `sig` to the proxy (a process this test started).
    pub fn signal(&self, sig: i32) {
        kill(self.child.id(), sig);
    }

    /// Replace the config (same port and head lines) atomically.
    pub fn write_conf(&self, body: &str) {
        self.write_conf_port(self.port, body);
    }

    pub fn write_conf_port(&self, port: u16, body: &str) {
        write_atomic(&self.conf, &assemble(port, &self.head, body));
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
        self.count("Reloading config file finished") + self.count("Reloading config file failed!")
    }

    /// Wait for the process to exit (bounded) and return its status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        wait_for("the proxy to exit", || {
            self.child.try_wait().expect("try_wait")
        })
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Write `text` to `path` atomically (temp file + rename), so a reload
/// never reads half a file.
pub fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).expect("write tmp");
    std::fs::rename(&tmp, path).expect("rename");
}

/// `bin` as `Proxy::start_args` does, with `--admin` on a free port
/// before `args`; returns once the admin port answers.
pub fn start_with_admin(bin: impl AsRef<Path>, body: &str, args: &[&str]) -> (Proxy, SocketAddr) {
    let admin = local(free_port());
    let admin_arg = admin.to_string();
    let mut all = vec!["--admin", admin_arg.as_str()];
    all.extend_from_slice(args);
    let p = Proxy::start_args(bin, body, &all);
    wait::wait_port(admin);
    (p, admin)
}

/// The binary the hostile suites attack: `ours`, or another one named by
/// `HOSTILE_PROXY_BIN` (the reference tinyproxy, or an older build to see
/// a test fail).
pub fn under_test(ours: &str) -> String {
    match std::env::var("HOSTILE_PROXY_BIN") {
        Ok(b) if !b.is_empty() => b,
        _ => ours.into(),
    }
}
