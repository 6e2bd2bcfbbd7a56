//! The logger's state: where messages go now, what is stored until a
//! destination is open, and the switch to syslog when a file fails.

use super::file::{self, StdStream};
use super::filter;
use super::level::{Level, LogLevel};
use super::line;
use super::settings::LogSettings;
use super::syslog_sink::{self, SyslogSink};
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Errors `log::configure` reports. The logger stays usable in every case.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Syslog was chosen (or is the fallback after a `LogFile` failure)
    /// but its socket cannot be reached. Messages are dropped until it
    /// can; a new connection is tried at most once a second.
    #[error("cannot connect to the syslog socket {path}: {reason}")]
    SyslogUnavailable { path: PathBuf, reason: String },
}

/// Messages kept before a destination is open. tinyproxy keeps them all;
/// we bound them so a long suspension under load cannot eat memory.
pub const MAX_STORED: usize = 4096;

/// A test's capture buffer.
pub type SharedWriter = Arc<Mutex<Box<dyn Write + Send>>>;

/// The destination the configuration asks for.
#[derive(Clone)]
pub enum Dest {
    /// A daemon without `LogFile` or `Syslog`: nowhere (tinyproxy warns
    /// on stderr and writes to its closed stdout).
    Discard,
    Std(StdStream),
    File(PathBuf),
    Syslog,
    Writer(SharedWriter),
}

impl Dest {
    /// tinyproxy's choice: `Syslog On` wins over `LogFile`; without
    /// either, stdout in the foreground.
    pub fn from_settings(cfg: &LogSettings, foreground: bool) -> Dest {
        if cfg.syslog {
            return Dest::Syslog;
        }
        match &cfg.file {
            Some(path) => {
                file::std_stream(path).map_or_else(|| Dest::File(path.clone()), Dest::Std)
            }
            None if foreground => Dest::Std(StdStream::Stdout),
            None => Dest::Discard,
        }
    }
}

/// What messages are written to right now.
enum Sink {
    /// Not configured yet, or suspended: keep messages for replay.
    Storing,
    Discard,
    Std(StdStream),
    File {
        path: PathBuf,
        file: File,
    },
    Syslog(SyslogSink),
    Writer(SharedWriter),
}

impl Sink {
    /// Does this sink take whole lines (rather than bare messages)?
    fn takes_lines(&self) -> bool {
        matches!(self, Sink::Std(_) | Sink::File { .. } | Sink::Writer(_))
    }

    /// The name used in "Could not write to log file NAME".
    fn label(&self) -> String {
        match self {
            Sink::File { path, .. } => path.display().to_string(),
            Sink::Std(StdStream::Stdout) => "/dev/stdout".to_string(),
            Sink::Std(StdStream::Stderr) => "/dev/stderr".to_string(),
            _ => "(writer)".to_string(),
        }
    }
}

pub struct State {
    /// What `configure` asked for; `None` before the first call.
    dest: Option<Dest>,
    sink: Sink,
    level: LogLevel,
    /// Enabled levels, mirrored in `filter`'s atomic.
    mask: u8,
    stored: Vec<(Level, String)>,
    /// Messages not stored because `MAX_STORED` was reached.
    dropped: usize,
    /// `None`: /dev/log.
    syslog_path: Option<PathBuf>,
    /// In the foreground a destination that fails is replaced by stderr,
    /// where the container runtime collects it; a daemon (stderr is
    /// /dev/null once it runs) falls back to syslog as tinyproxy does.
    stderr_fallback: bool,
}

impl State {
    pub const fn new() -> State {
        State {
            dest: None,
            sink: Sink::Storing,
            level: LogLevel::Info,
            mask: filter::DEFAULT_MASK,
            stored: Vec::new(),
            dropped: 0,
            syslog_path: None,
            stderr_fallback: false,
        }
    }

    /// Choose the fallback: stderr in the foreground, syslog otherwise.
    pub fn set_foreground(&mut self, foreground: bool) {
        self.stderr_fallback = foreground;
    }

    pub fn set_level(&mut self, level: Option<LogLevel>) {
        self.level = level.unwrap_or(LogLevel::Info);
        self.publish();
    }

    pub fn set_syslog_path(&mut self, path: PathBuf) {
        self.syslog_path = Some(path);
    }

    /// Recompute the mask after a level or sink change (the logger
    /// publishes it to its lock-free gate, see [`State::gate`]).
    fn publish(&mut self) {
        self.mask = match self.sink {
            Sink::Discard => 0,
            _ => filter::mask_for(self.level),
        };
    }

    /// What the lock-free level check needs: the enabled levels, and
    /// whether the sink takes whole lines.
    pub fn gate(&self) -> (u8, bool) {
        (self.mask, self.sink.takes_lines())
    }

    /// Log one message if the level allows it; `line` is the prebuilt
    /// file line, if the caller guessed the sink wants one.
    pub fn log(&mut self, level: Level, msg: &str, line: Option<String>) {
        if filter::allows(self.mask, level) {
            self.emit(level, msg, line);
        }
    }

    fn emit(&mut self, level: Level, msg: &str, line: Option<String>) {
        let line = || line.unwrap_or_else(|| line::file_line(level, msg));
        let result = match &mut self.sink {
            Sink::Storing => return store(&mut self.stored, &mut self.dropped, level, msg),
            Sink::Discard => return,
            Sink::Syslog(s) => return s.send(level, msg),
            Sink::Std(StdStream::Stdout) => {
                let mut out = io::stdout().lock();
                out.write_all(line().as_bytes()).and_then(|()| out.flush())
            }
            Sink::Std(StdStream::Stderr) => io::stderr().write_all(line().as_bytes()),
            // One write(2) per line on an O_APPEND file: lines from
            // concurrent tasks never interleave. No fsync per line.
            Sink::File { file, .. } => (&*file).write_all(line().as_bytes()),
            Sink::Writer(w) => {
                let mut w = w.lock().unwrap_or_else(|p| p.into_inner());
                w.write_all(line().as_bytes()).and_then(|()| w.flush())
            }
        };
        if let Err(e) = result {
            self.write_failed(&e, level, msg);
        }
    }

    /// tinyproxy's reaction to a failed write: switch to syslog and say
    /// so there (in the foreground: to stderr, see `stderr_fallback`).
    /// Unlike tinyproxy we also resend the line that failed.
    fn write_failed(&mut self, e: &io::Error, level: Level, msg: &str) {
        let label = self.sink.label();
        let why = crate::sys::strerror(e);
        if self.stderr_fallback && !matches!(self.sink, Sink::Std(StdStream::Stderr)) {
            warn_on_stderr(&format!(
                "Could not write to log file {label}: {why}; logging to stderr instead."
            ));
            self.sink = Sink::Std(StdStream::Stderr);
            self.publish();
            self.emit(level, msg, None);
            return;
        }
        self.sink = Sink::Syslog(self.connect_syslog().0);
        self.publish();
        let text = format!("ERROR: Could not write to log file {label}: {why}.");
        self.emit(Level::Critical, &text, None);
        self.emit(Level::Critical, "Falling back to syslog logging", None);
        self.emit(level, msg, None);
    }

    fn connect_syslog(&self) -> (SyslogSink, Option<String>) {
        let default = PathBuf::from(syslog_sink::DEFAULT_PATH);
        SyslogSink::connect(self.syslog_path.as_ref().unwrap_or(&default))
    }

    /// Open `dest` (closing the current sink first) and replay what was
    /// stored, as tinyproxy's `setup_logging`.
    pub fn open(&mut self, dest: Dest) -> Result<(), LogError> {
        self.dest = Some(dest.clone());
        self.sink = Sink::Storing;
        let mut syslog_err = None;
        self.sink = match dest {
            Dest::Discard => Sink::Discard,
            Dest::Std(s) => Sink::Std(s),
            Dest::Writer(w) => Sink::Writer(w),
            Dest::File(path) => match file::open_log_file(&path) {
                Ok(file) => Sink::File { path, file },
                Err(e) if self.stderr_fallback => {
                    warn_on_stderr(&format!(
                        "Could not open log file {}: {}; logging to stderr instead.",
                        path.display(),
                        crate::sys::strerror(&e)
                    ));
                    Sink::Std(StdStream::Stderr)
                }
                Err(e) => {
                    // Stored, so they are replayed with the rest.
                    let text = format!(
                        "ERROR: Could not create log file {}: {}.",
                        path.display(),
                        crate::sys::strerror(&e)
                    );
                    self.store_one(Level::Critical, &text);
                    self.store_one(Level::Critical, "Falling back to syslog logging.");
                    self.syslog_sink(&mut syslog_err)
                }
            },
            Dest::Syslog => {
                let sink = self.syslog_sink(&mut syslog_err);
                match syslog_err.take() {
                    Some((path, reason)) if self.stderr_fallback => {
                        warn_on_stderr(&format!(
                            "Could not reach syslog at {}: {}; logging to stderr instead.",
                            path.display(),
                            reason
                        ));
                        Sink::Std(StdStream::Stderr)
                    }
                    other => {
                        syslog_err = other;
                        sink
                    }
                }
            }
        };
        self.publish();
        self.replay();
        match syslog_err {
            None => Ok(()),
            Some((path, reason)) => Err(LogError::SyslogUnavailable { path, reason }),
        }
    }

    fn syslog_sink(&self, err: &mut Option<(PathBuf, String)>) -> Sink {
        let (sink, e) = self.connect_syslog();
        *err = e.map(|reason| (sink.path().to_path_buf(), reason));
        Sink::Syslog(sink)
    }

    fn store_one(&mut self, level: Level, msg: &str) {
        store(&mut self.stored, &mut self.dropped, level, msg);
    }

    /// Write the stored messages, filtered by the level now in force and
    /// stamped with the current time, between two DEBUG lines.
    fn replay(&mut self) {
        if self.stored.is_empty() && self.dropped == 0 {
            return;
        }
        let stored = std::mem::take(&mut self.stored);
        let dropped = std::mem::take(&mut self.dropped);
        self.log(Level::Debug, "sending stored logs", None);
        for (level, msg) in stored {
            self.log(level, &msg, None);
        }
        if dropped > 0 {
            let text = format!("{dropped} log messages were dropped while logging was not set up.");
            self.log(Level::Warning, &text, None);
        }
        self.log(Level::Debug, "done sending stored logs", None);
    }

    pub fn reopen(&mut self) -> Result<(), LogError> {
        match self.dest.clone() {
            Some(dest) => self.open(dest),
            None => Ok(()),
        }
    }

    pub fn suspend(&mut self) {
        self.sink = Sink::Storing;
        self.publish();
    }
}

/// One WARNING line in the log format on stderr, whatever the LogLevel:
/// the note that the log goes somewhere else than configured must not be
/// filtered away.
fn warn_on_stderr(text: &str) {
    let _ = io::stderr().write_all(line::file_line(Level::Warning, text).as_bytes());
}

fn store(stored: &mut Vec<(Level, String)>, dropped: &mut usize, level: Level, msg: &str) {
    if stored.len() < MAX_STORED {
        stored.push((level, msg.to_string()));
    } else {
        *dropped += 1;
    }
}
