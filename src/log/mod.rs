//! tinyproxy-style logging: `LEVEL     Mon DD HH:MM:SS.mmm [pid]: message`.
//!
//! One logger per process (see below why). Before the config is known,
//! messages are stored and replayed once the destination is open (with the replay time
//! as timestamp, bracketed by two DEBUG lines), as tinyproxy does.
//!
//! Destinations: stdout (foreground without `LogFile`/`Syslog`), a
//! `LogFile` (append, created 0600, symlinks and hard links refused), or
//! syslog (`Syslog On`, or a daemon's fallback when the file cannot be
//! opened or written). In the foreground (`-d`, containers) the fallback
//! for a `LogFile` that cannot be opened or written, or a syslog socket
//! that cannot be reached, is stderr, announced by one WARNING line there:
//! no log line is lost where nobody runs a syslog daemon. The next
//! `configure` (reload) tries the configured destination again.
//! `LogFile "/dev/stdout"` and `"/dev/stderr"` write to our own
//! stdout/stderr, which tinyproxy refuses (its issue #43).
//!
//! The level check is one relaxed atomic load, done before any
//! formatting: a filtered-out message costs almost nothing.
//!
//! # One logger per process: a facade, not a handle
//!
//! Unlike the counters, loop table and ops state (one per proxy instance,
//! in its runtime context), the logger stays process-wide, behind the
//! free functions here and `log_msg!`, as the `log` crate's global logger:
//! - tinyproxy stores the messages logged before its config is read and
//!   replays them once the log is open, so a logger must exist from the
//!   first instruction, before anything could hold a handle to hand down;
//! - the log lines are written from every layer (config parsing, http,
//!   upstream), which would all take a logger parameter;
//! - its destinations are the process's own: stdout/stderr, one syslog
//!   identity with our pid, a `LogFile` reopened on the process's SIGHUP.
//!
//! So [`Logger`] is a value (tests may build their own), and the process's
//! one, `PROCESS`, is a `const`-built static that stores until `app`
//! configures it at start (and on reload); nothing else configures it. It
//! is not installed later (`log::set_logger`-style) because a message
//! logged before such an install would be lost. It is the only
//! module-level mutable state of the crate besides per-thread buffer caches
//! and write-once caches (`OnceLock`s of immutable values).

pub mod events;
mod file;
mod filter;
mod level;
mod line;
mod settings;
mod sink;
mod syslog_sink;

pub use level::{Level, LogLevel};
pub use settings::LogSettings;
pub use sink::LogError;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// A logger: where messages go, what is stored until then, and the level
/// check read without its lock.
pub struct Logger {
    state: Mutex<sink::State>,
    gate: filter::Gate,
}

/// The process's logger, which `log_msg!` and this module's functions use.
static PROCESS: Logger = Logger::new();

/// The state, locked; publishes its level mask to the gate when released
/// (still under the lock), whatever the operation changed.
struct Locked<'a> {
    st: MutexGuard<'a, sink::State>,
    gate: &'a filter::Gate,
}

impl std::ops::Deref for Locked<'_> {
    type Target = sink::State;
    fn deref(&self) -> &sink::State {
        &self.st
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut sink::State {
        &mut self.st
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        self.gate.publish(self.st.gate());
    }
}

impl Logger {
    /// A logger that stores messages until it is configured (level Info).
    pub const fn new() -> Logger {
        Logger {
            state: Mutex::new(sink::State::new()),
            gate: filter::Gate::new(),
        }
    }

    fn state(&self) -> Locked<'_> {
        // A panic while logging must not turn every later log call into one.
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        Locked {
            st,
            gate: &self.gate,
        }
    }

    /// See [`enabled`].
    #[inline]
    pub fn enabled(&self, level: Level) -> bool {
        self.gate.enabled(level)
    }

    /// See [`log`].
    #[inline]
    pub fn log(&self, level: Level, args: std::fmt::Arguments<'_>) {
        if self.enabled(level) {
            self.log_enabled(level, args);
        }
    }

    #[inline(never)]
    fn log_enabled(&self, level: Level, args: std::fmt::Arguments<'_>) {
        let msg = line::render_message(args);
        // The timestamp and line are built outside the lock, so threads
        // contend only for the write itself.
        let prebuilt = self.gate.wants_line().then(|| line::file_line(level, &msg));
        self.state().log(level, &msg, prebuilt);
    }

    /// See [`configure`].
    pub fn configure(
        &self,
        settings: impl Into<LogSettings>,
        foreground: bool,
    ) -> Result<(), LogError> {
        let settings = settings.into();
        let dest = sink::Dest::from_settings(&settings, foreground);
        let mut st = self.state();
        st.set_foreground(foreground);
        st.set_level(settings.level);
        st.open(dest)
    }

    /// See [`reopen`].
    pub fn reopen(&self) {
        // The only possible error is an unreachable syslog, which is
        // retried later anyway; `configure` is where it is reported.
        let _ = self.state().reopen();
    }

    /// See [`suspend`].
    pub fn suspend(&self) {
        self.state().suspend();
    }

    /// See [`set_level`].
    pub fn set_level(&self, l: Option<LogLevel>) {
        self.state().set_level(l);
    }

    /// See [`configure_to_writer`].
    pub fn configure_to_writer(&self, w: Box<dyn Write + Send>) {
        let _ = self
            .state()
            .open(sink::Dest::Writer(Arc::new(Mutex::new(w))));
    }

    /// See [`set_syslog_path`].
    pub fn set_syslog_path(&self, path: &Path) {
        self.state().set_syslog_path(path.to_path_buf());
    }
}

impl Default for Logger {
    fn default() -> Logger {
        Logger::new()
    }
}

/// Is a message at `level` written under the current configuration?
///
/// Use it to skip building expensive arguments; `log` checks it anyway.
/// False for every level when logging goes nowhere (a daemon without
/// `LogFile` or `Syslog`).
#[inline]
pub fn enabled(level: Level) -> bool {
    PROCESS.enabled(level)
}

/// Log one message. Cheap when `level` is filtered out: the check is
/// inlined at the call site and nothing is formatted.
#[inline]
pub fn log(level: Level, args: std::fmt::Arguments<'_>) {
    PROCESS.log(level, args);
}

/// Open the destination `settings` asks for and replay the stored
/// messages. Takes anything that converts into [`LogSettings`] (a
/// `&Config` does).
///
/// Also the reload entry point: switches destination, reopens a
/// `LogFile` (log rotation) and applies the `LogLevel` — without a
/// `LogLevel` line the level goes back to Info (tinyproxy keeps the old
/// one; see COMPATIBILITY.md). `foreground` is `-d`: without `LogFile`
/// and `Syslog` a foreground process logs to stdout, a daemon nowhere.
pub fn configure(settings: impl Into<LogSettings>, foreground: bool) -> Result<(), LogError> {
    PROCESS.configure(settings, foreground)
}

/// Close and reopen the configured destination (a renamed `LogFile` is
/// created anew), then replay whatever was stored meanwhile.
/// Before the first `configure` this does nothing.
pub fn reopen() {
    PROCESS.reopen();
}

/// Stop writing and store messages until the next `configure`/`reopen`.
///
/// tinyproxy closes its log while it re-reads the config on reload, so
/// the messages of the re-parse are replayed between `sending stored
/// logs` / `done sending stored logs`. Call this before re-parsing.
pub fn suspend() {
    PROCESS.suspend();
}

/// Set the level; `None` is the default, Info.
pub fn set_level(l: Option<LogLevel>) {
    PROCESS.set_level(l);
}

/// Send everything to `w` (tests capture the output this way) and replay
/// the stored messages into it.
#[doc(hidden)]
pub fn configure_to_writer(w: Box<dyn Write + Send>) {
    PROCESS.configure_to_writer(w);
}

/// Use `path` instead of `/dev/log` for syslog (tests bind their own
/// socket). Takes effect at the next `configure`/`reopen`/fallback.
#[doc(hidden)]
pub fn set_syslog_path(path: &Path) {
    PROCESS.set_syslog_path(path);
}

/// `log_msg!(Level::Info, "fmt {}", x)`.
#[macro_export]
macro_rules! log_msg {
    ($lvl:expr, $($arg:tt)*) => {
        $crate::log::log($lvl, format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::{Level, LogLevel, Logger};
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A logger of its own: stores, then writes what its level lets
    /// through, without touching the process's logger.
    #[test]
    fn a_logger_value_is_independent_of_the_process_one() {
        let logger = Logger::new();
        logger.log(Level::Notice, format_args!("stored {}", 1));
        logger.set_level(Some(LogLevel::Warning));
        let buf = Buf::default();
        logger.configure_to_writer(Box::new(buf.clone()));
        logger.log(Level::Info, format_args!("filtered"));
        logger.log(Level::Error, format_args!("written"));
        assert!(!logger.enabled(Level::Info) && logger.enabled(Level::Error));
        let text = String::from_utf8(buf.0.lock().map(|v| v.clone()).unwrap_or_default());
        let text = text.unwrap_or_default();
        assert!(
            text.contains("written") && !text.contains("filtered"),
            "{text}"
        );
        // The stored NOTICE is below the Warning level when replayed.
        assert!(!text.contains("stored 1"), "{text}");
    }
}
