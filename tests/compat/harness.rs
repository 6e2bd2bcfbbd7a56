//! One side of a scenario: a temp dir, the proxy process (a real tinyproxy
//! -- the reference build or Debian's -- or ours) on a free loopback port,
//! its peers, and the observations. Every process is ended by its pid (the
//! `Child`), also on panic.

use std::io::Write as _;
use std::net::IpAddr;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::Conn;
use crate::normalise::{log_line, mask_dates, tokens};
use crate::obs::Obs;
use crate::peers::{fixed_ok, Peer, Reply};
use tinyproxy_test_support::process::{die_with_parent, Guard};

/// Debian's tinyproxy 1.11.1: "every config valid for 1.11.1 keeps working".
pub const DEBIAN: &str = "/usr/bin/tinyproxy";
pub const OURS: &str = env!("CARGO_BIN_EXE_tinyproxy");
/// The last start-up line at LogLevel Info.
pub const MAIN_LOOP: &str = "Starting main loop. Accepting connections.";
/// How long a proxy may take to start, or a log line to appear.
pub(crate) const WAIT: Duration = Duration::from_secs(8);

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Side {
    /// The reference build: upstream master, 1.11.3 plus its security
    /// fixes (see `reference.rs`), the release we target.
    Reference,
    /// Debian's 1.11.1 (`DEBIAN`).
    Debian,
    Ours,
}

impl Side {
    /// Either real tinyproxy (the reference build or Debian's).
    pub fn is_tinyproxy(self) -> bool {
        self != Side::Ours
    }
}

pub use tinyproxy_test_support::free_port;

/// One side's state while a scenario runs.
pub struct Ctx {
    pub side: Side,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub obs: Obs,
    map: Vec<(String, String)>,
    pub(crate) proc: Option<Guard>,
    log_mark: usize,
    /// Compare log lines as a sorted list (two tasks log concurrently).
    pub unordered_log: bool,
    origins: Vec<Peer>,
    upstreams: Vec<Peer>,
}

impl Ctx {
    pub fn new(side: Side) -> Ctx {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let map = vec![
            (dir.path().display().to_string(), "{DIR}".to_string()),
            (port.to_string(), "{PROXY}".to_string()),
        ];
        Ctx {
            side,
            dir,
            port,
            obs: Obs::default(),
            map,
            proc: None,
            log_mark: 0,
            unordered_log: false,
            origins: Vec::new(),
            upstreams: Vec::new(),
        }
    }

    pub fn bin(&self) -> &'static std::path::Path {
        match self.side {
            Side::Reference => crate::reference::binary()
                .expect("scenarios run on the reference side only when it is built"),
            Side::Debian => std::path::Path::new(DEBIAN),
            Side::Ours => std::path::Path::new(OURS),
        }
    }

    fn token(&mut self, value: String, token: String) {
        self.map.push((value, token));
    }

    /// Register an extra value to mask as `token` (e.g. a second port).
    pub fn mask(&mut self, value: impl ToString, token: &str) {
        self.token(value.to_string(), token.to_string());
    }

    /// A recording origin answering `fixed_ok`; its port as `{ORIGIN}`.
    pub fn origin(&mut self) -> u16 {
        self.origin_with(fixed_ok)
    }

    pub fn origin_with(&mut self, f: impl Fn(&[u8]) -> Reply + Send + Sync + 'static) -> u16 {
        self.origin_peer(Peer::http(f))
    }

    /// Use `p` as the next origin (e.g. `Peer::silent()`, `Peer::http_v6`).
    pub fn origin_peer(&mut self, p: Peer) -> u16 {
        let n = self.origins.len();
        let tok = if n == 0 {
            "{ORIGIN}".into()
        } else {
            format!("{{ORIGIN{}}}", n + 1)
        };
        self.token(p.port.to_string(), tok);
        let port = p.port;
        self.origins.push(p);
        port
    }

    /// Source IPs of the connections the origins accepted.
    pub fn origin_peers(&self) -> Vec<String> {
        self.origins
            .iter()
            .flat_map(|o| o.peers.lock().expect("lock").clone())
            .collect()
    }

    /// A recording upstream peer; its port as `{UP}`, `{UP2}`, ...
    pub fn upstream(&mut self, p: Peer) -> u16 {
        let n = self.upstreams.len();
        let tok = if n == 0 {
            "{UP}".into()
        } else {
            format!("{{UP{}}}", n + 1)
        };
        self.token(p.port.to_string(), tok);
        let port = p.port;
        self.upstreams.push(p);
        port
    }

    /// Expand `{PROXY}`, `{DIR}`, `{ORIGIN}`, `{UP}`... in a config text.
    pub fn expand(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (value, token) in &self.map {
            out = out.replace(token.as_str(), value);
        }
        out
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write a file into the temp dir (templates, filter lists).
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, self.expand(text)).expect("write file");
        p
    }

    /// Start the proxy with the standard head (Port, Listen 127.0.0.1,
    /// LogFile) plus `body`, and wait for the main-loop log line.
    pub fn start(&mut self, body: &str) {
        self.start_marker(body, MAIN_LOOP);
    }

    /// Like `start`, waiting for `marker` (for LogLevels above Info).
    pub fn start_marker(&mut self, body: &str, marker: &str) {
        let text =
            format!("Port {{PROXY}}\nListen 127.0.0.1\nLogFile \"{{DIR}}/proxy.log\"\n{body}\n");
        self.start_full(&text, marker);
    }

    /// Start with a complete config text (placeholders expanded).
    ///
    /// A free port can still be taken by another process between
    /// `free_port` and the proxy's bind; when a `{PROXY}` config then fails
    /// to listen, it is started again on a new port (twice at most), so a
    /// port race is not reported as a difference.
    pub fn start_full(&mut self, text: &str, marker: &str) {
        for attempt in 0..3 {
            self.spawn(text);
            if attempt == 2 || !text.contains("{PROXY}") || !self.bind_failed(marker) {
                break;
            }
            let (old, port) = (self.port.to_string(), free_port());
            if let Some(entry) = self.map.iter_mut().find(|(v, _)| *v == old) {
                entry.0 = port.to_string();
            }
            self.port = port;
        }
        let line = self.wait_log(marker);
        self.log_mark = line;
    }

    /// Write the config and start the proxy on it (`-d -c`).
    fn spawn(&mut self, text: &str) {
        let conf = self.file("tinyproxy.conf", text);
        let out = std::fs::File::create(self.path("stdout")).expect("stdout file");
        let err = std::fs::File::create(self.path("stderr")).expect("stderr file");
        let mut cmd = Command::new(self.bin());
        die_with_parent(&mut cmd);
        let child = cmd
            .arg0("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn proxy");
        self.proc = Some(Guard::new(child));
    }

    /// Whether the proxy just started exited because it could not listen
    /// (false once the log says `marker`, or for any other end or delay:
    /// `wait_log` then reports it).
    fn bind_failed(&mut self, marker: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < WAIT && self.find_log(marker).is_none() {
            let exited = match self.proc.as_mut() {
                Some(p) => matches!(p.child.try_wait(), Ok(Some(_))),
                None => return false,
            };
            if exited {
                let err = std::fs::read_to_string(self.path("stderr")).unwrap_or_default();
                return err.contains("Could not create listening sockets");
            }
            std::thread::sleep(Duration::from_millis(15));
        }
        false
    }

    fn log_path(&self) -> PathBuf {
        self.path("proxy.log")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The offset just after the first complete log line past the mark
    /// that contains `needle`.
    fn find_log(&self, needle: &str) -> Option<usize> {
        let mut off = 0;
        for l in self.log_text().split_inclusive('\n') {
            off += l.len();
            if off > self.log_mark && l.contains(needle) && l.ends_with('\n') {
                return Some(off);
            }
        }
        None
    }

    /// Wait until the log has a line containing `needle` after the mark;
    /// returns the byte offset just after that line.
    pub fn wait_log(&mut self, needle: &str) -> usize {
        let start = Instant::now();
        loop {
            if let Some(off) = self.find_log(needle) {
                return off;
            }
            let t = self.log_text();
            if let Some(p) = self.proc.as_mut() {
                if let Ok(Some(st)) = p.child.try_wait() {
                    let err = std::fs::read_to_string(self.path("stderr")).unwrap_or_default();
                    panic!(
                        "{:?} exited ({st}) before logging {needle:?}: {err}\n{t}",
                        self.side
                    );
                }
            }
            assert!(
                start.elapsed() < WAIT,
                "{:?}: log never said {needle:?}:\n{t}",
                self.side
            );
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    /// Wait until the log file stops growing (bounded): the proxies log
    /// a connection's last lines around the time they close it.
    pub fn settle(&self) {
        self.settle_for(Duration::from_millis(250));
    }

    /// `settle` with a given quiet window. tinyproxy may log a
    /// connection's `Closed connection` line after the client saw EOF,
    /// so each exchange waits for quiet before the next one starts.
    pub fn settle_for(&self, quiet: Duration) {
        if self.proc.is_none() {
            return;
        }
        let start = Instant::now();
        let mut last = (usize::MAX, Instant::now());
        while start.elapsed() < Duration::from_secs(3) {
            let n = self.log_text().len();
            if n != last.0 {
                last = (n, Instant::now());
            } else if last.1.elapsed() > quiet {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The start-up log (all lines up to the mark), normalised.
    pub fn startup_log(&self) -> Vec<String> {
        let t = self.log_text();
        let head = &t[..self.log_mark.min(t.len())];
        head.lines().filter_map(log_line).collect()
    }

    /// Record the start-up log as the observed log.
    pub fn observe_startup(&mut self) {
        let lines = self.startup_log();
        self.obs.log.extend(lines);
    }

    /// Open a client connection to the proxy.
    pub fn conn(&self, from: Option<IpAddr>) -> Conn {
        Conn::open(self.port, from).expect("connect to proxy")
    }

    /// One request on a fresh connection; records the transcript.
    pub fn exchange(&mut self, req: &str) -> String {
        self.exchange_bytes(self.expand(req).as_bytes(), None)
    }

    pub fn exchange_from(&mut self, from: &str, req: &str) -> String {
        let ip: IpAddr = from.parse().expect("ip");
        self.exchange_bytes(self.expand(req).as_bytes(), Some(ip))
    }

    /// A HEAD request: the response has a head only, whatever its
    /// Content-Length says.
    pub fn exchange_head(&mut self, req: &str) -> String {
        let mut c = self.conn(None);
        c.send(self.expand(req).as_bytes());
        c.read_head();
        c.finish();
        let t = c.transcript();
        self.obs.client.push(t.clone());
        self.settle_for(Duration::from_millis(120));
        t
    }

    pub fn exchange_bytes(&mut self, req: &[u8], from: Option<IpAddr>) -> String {
        let mut c = self.conn(from);
        c.send(req);
        c.read_response();
        c.finish();
        let t = c.transcript();
        self.obs.client.push(t.clone());
        self.settle_for(Duration::from_millis(120));
        t
    }

    /// Record a finished connection's transcript.
    pub fn record(&mut self, c: &Conn) {
        self.obs.client.push(c.transcript());
        self.settle_for(Duration::from_millis(120));
    }

    pub fn fact(&mut self, f: impl Into<String>) {
        self.obs.facts.push(f.into());
    }

    /// Collect peers and the connection-level log, stop the proxy, and
    /// return the normalised observation.
    pub fn finish(mut self) -> Obs {
        if self.proc.is_some() {
            self.settle();
            let t = self.log_text();
            let tail = t.get(self.log_mark.min(t.len())..).unwrap_or("");
            self.obs.log.extend(tail.lines().filter_map(log_line));
        }
        for o in &self.origins {
            self.obs.origin.extend(o.seen());
        }
        for u in &self.upstreams {
            self.obs.upstream.extend(u.seen());
        }
        self.proc = None;
        let map = self.map.clone();
        let norm = |v: &mut Vec<String>| {
            for s in v.iter_mut() {
                *s = mask_dates(&tokens(s, &map));
            }
        };
        let mut obs = std::mem::take(&mut self.obs);
        for v in [
            &mut obs.client,
            &mut obs.origin,
            &mut obs.upstream,
            &mut obs.log,
            &mut obs.exit,
            &mut obs.facts,
        ] {
            norm(v);
        }
        if self.unordered_log {
            obs.log.sort();
        }
        obs
    }
}

/// Flush helper for scenarios writing files step by step.
pub fn append(path: &std::path::Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open for append");
    f.write_all(text.as_bytes()).expect("append");
}
