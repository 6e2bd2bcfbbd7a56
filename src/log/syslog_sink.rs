//! Syslog over the local socket, as glibc's `openlog("tinyproxy", LOG_PID,
//! LOG_USER)` + `syslog()` send it: `<PRI>Mmm dd hh:mm:ss tinyproxy[PID]: msg`.
//!
//! The `syslog` crate supplies the transport (datagram socket, or stream
//! with a NUL terminator when the daemon listens on a stream socket); the
//! header is ours because the crate stamps UTC and zero-pads the day, while
//! glibc writes local time and a space-padded day.

use super::level::Level;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use syslog::{Facility, LogFormat, Logger, LoggerBackend, Severity};

/// glibc's socket (`_PATH_LOG`).
pub const DEFAULT_PATH: &str = "/dev/log";

/// How long a send may block on a saturated syslog daemon before the
/// message is dropped: a slow daemon must not stall every connection
/// (glibc blocks without limit).
const SEND_TIMEOUT: Duration = Duration::from_millis(250);

/// After a failed connection, wait this long before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The header glibc's `syslog()` writes, with our ident and pid.
#[derive(Clone)]
struct GlibcHeader {
    pid: u32,
}

impl LogFormat<&str> for GlibcHeader {
    fn format<W: Write>(&self, w: &mut W, severity: Severity, msg: &str) -> syslog::Result<()> {
        let pri = Facility::LOG_USER as u8 | severity as u8;
        let now = chrono::Local::now();
        write!(
            w,
            "<{pri}>{} tinyproxy[{}]: {msg}",
            super::line::syslog_stamp(&now),
            self.pid
        )
        .map_err(syslog::Error::Write)
    }
}

type Conn = Logger<LoggerBackend, GlibcHeader>;

pub struct SyslogSink {
    path: PathBuf,
    conn: Option<Conn>,
    last_attempt: Option<Instant>,
}

impl SyslogSink {
    /// Connect to `path`; on failure the sink keeps retrying (throttled)
    /// and the reason is returned for the caller to report.
    pub fn connect(path: &Path) -> (SyslogSink, Option<String>) {
        let mut sink = SyslogSink {
            path: path.to_path_buf(),
            conn: None,
            last_attempt: None,
        };
        let err = sink.try_connect().err();
        (sink, err)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn try_connect(&mut self) -> Result<(), String> {
        self.last_attempt = Some(Instant::now());
        let header = GlibcHeader {
            pid: std::process::id(),
        };
        let conn = syslog::unix_custom(header, &self.path).map_err(|e| match e {
            syslog::Error::Initialization(inner) => inner.to_string(),
            other => other.to_string(),
        })?;
        // Best effort: without a timeout we merely block like glibc.
        let _ = match &conn.backend {
            LoggerBackend::Unix(s) => s.set_write_timeout(Some(SEND_TIMEOUT)),
            LoggerBackend::UnixStream(s) => s.get_ref().set_write_timeout(Some(SEND_TIMEOUT)),
            _ => Ok(()),
        };
        self.conn = Some(conn);
        Ok(())
    }

    /// Send one message; drops it when the daemon cannot be reached.
    pub fn send(&mut self, level: Level, msg: &str) {
        if self.conn.is_none() {
            let due = match self.last_attempt {
                Some(t) => t.elapsed() >= RETRY_AFTER,
                None => true,
            };
            if !due || self.try_connect().is_err() {
                return;
            }
        }
        match self.send_once(level, msg) {
            Ok(()) => {}
            // A busy daemon: drop this message, keep the connection.
            Err(e) if is_timeout(&e) => {}
            // The daemon went away or restarted: reconnect once and retry.
            Err(_) => {
                self.conn = None;
                if self.try_connect().is_ok() && self.send_once(level, msg).is_err() {
                    self.conn = None;
                }
            }
        }
    }

    fn send_once(&mut self, level: Level, msg: &str) -> syslog::Result<()> {
        match self.conn.as_mut() {
            Some(c) => c.formatter.format(&mut c.backend, severity(level), msg),
            None => Err(syslog::Error::Io(io::ErrorKind::NotConnected.into())),
        }
    }
}

fn is_timeout(e: &syslog::Error) -> bool {
    match e {
        syslog::Error::Write(e) | syslog::Error::Io(e) => {
            matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            )
        }
        syslog::Error::Initialization(_) => false,
    }
}

/// tinyproxy sends CONNECT messages at LOG_INFO.
fn severity(level: Level) -> Severity {
    match level {
        Level::Critical => Severity::LOG_CRIT,
        Level::Error => Severity::LOG_ERR,
        Level::Warning => Severity::LOG_WARNING,
        Level::Notice => Severity::LOG_NOTICE,
        Level::Info | Level::Connect => Severity::LOG_INFO,
        Level::Debug => Severity::LOG_DEBUG,
    }
}
