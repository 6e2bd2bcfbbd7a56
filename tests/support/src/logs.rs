//! Log checks: the file/stdout line shape, an output capture, a real
//! syslog socket, log assertions, and re-running one test in a child
//! process (the logger is process-global, and stderr/stdout are only
//! observable from outside).

use crate::process::Guard;
use regex::Regex;
use std::io::{Read, Write};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Tests in one binary share the logger: each holds this while it runs.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// A `Write` into a shared buffer, handed to `configure_to_writer`.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Everything written so far, emptying the buffer.
    pub fn take(&self) -> String {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap());
        String::from_utf8(bytes).expect("log output is UTF-8")
    }
}

/// The file/stdout line shape (spec §5.1); groups: level, timestamp,
/// pid, message.
pub fn line_regex() -> Regex {
    Regex::new(
        r"^(CRITICAL|ERROR|WARNING|NOTICE|INFO|DEBUG|CONNECT) +((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-3]\d [0-2]\d:[0-5]\d:[0-6]\d\.\d{3}) \[(\d+)\]: (.*)$",
    )
    .unwrap()
}

/// Every line of `text` is a whole log line whose message matches `body`
/// (`(\d+) (x*)`-style: the number says how long the run is), and there
/// are `count` of them: no line was cut or interleaved with another.
pub fn assert_whole_lines(text: &str, body: &str, count: usize) {
    let re = line_regex();
    let body = Regex::new(body).unwrap();
    let mut n = 0;
    for line in text.lines() {
        let caps = re.captures(line).unwrap_or_else(|| panic!("{line:?}"));
        let b = body
            .captures(&caps[4])
            .unwrap_or_else(|| panic!("{line:?}"));
        assert_eq!(b[1].parse::<usize>().unwrap(), b[2].len());
        n += 1;
    }
    assert_eq!(n, count);
}

/// A syslog daemon stand-in: a datagram socket bound in a private
/// directory, read by a thread so senders never block on a full queue.
pub struct SyslogServer {
    pub path: PathBuf,
    rx: Receiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl SyslogServer {
    pub fn start() -> SyslogServer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sock");
        let mut s = SyslogServer::bind(&path);
        s._dir = Some(dir);
        s
    }

    /// Bind at `path` (which must not exist).
    pub fn bind(path: &Path) -> SyslogServer {
        let sock = UnixDatagram::bind(path).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while !stop2.load(Ordering::Relaxed) {
                if let Ok(n) = sock.recv(&mut buf) {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        });
        SyslogServer {
            path: path.to_path_buf(),
            rx,
            stop,
            thread: Some(thread),
            _dir: None,
        }
    }

    /// The next datagram, as text, within `wait`.
    pub fn next(&self, wait: Duration) -> Option<String> {
        self.rx
            .recv_timeout(wait)
            .ok()
            .map(|b| String::from_utf8(b).expect("datagram is UTF-8"))
    }

    /// Datagrams up to and including the first containing `needle`
    /// (panics after 5 s or 10 000 datagrams).
    pub fn until(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut got = Vec::new();
        for _ in 0..10_000 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(d) => {
                    let done = d.contains(needle);
                    got.push(d);
                    if done {
                        return got;
                    }
                }
                None => break,
            }
        }
        panic!("no datagram containing {needle:?}; got {got:#?}");
    }
}

impl Drop for SyslogServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub struct ChildOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Run test `name` of this binary again in a child process with
/// `LOG_CHILD=scenario` and `envs`; `shell_prefix` (e.g. `ulimit -f 2;`)
/// runs in `sh` before the exec.
pub fn run_child(
    name: &str,
    scenario: &str,
    envs: &[(&str, &Path)],
    shell_prefix: &str,
) -> ChildOutput {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{shell_prefix} exec \"$0\" \"$@\""))
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env("LOG_CHILD", scenario)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = Guard::new(cmd.spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = child.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "child {name}/{scenario} hung");
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    ChildOutput {
        success: status.success(),
        stdout,
        stderr,
    }
}

/// The scenario this process runs as a child, if it is one.
pub fn child_scenario() -> Option<String> {
    std::env::var("LOG_CHILD").ok()
}

pub fn env_path(key: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(key).unwrap())
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
