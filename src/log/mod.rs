//! tinyproxy-style logging: `LEVEL     Mon DD HH:MM:SS.mmm [pid]: message`.
//!
//! One process-wide logger. Before the config is known, messages are
//! stored and replayed once the destination is open (with the replay time
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

/// The one logger of the process.
static STATE: Mutex<sink::State> = Mutex::new(sink::State::new());

fn state() -> MutexGuard<'static, sink::State> {
    // A panic while logging must not turn every later log call into one.
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Is a message at `level` written under the current configuration?
///
/// Use it to skip building expensive arguments; `log` checks it anyway.
/// False for every level when logging goes nowhere (a daemon without
/// `LogFile` or `Syslog`).
#[inline]
pub fn enabled(level: Level) -> bool {
    filter::enabled(level)
}

/// Log one message. Cheap when `level` is filtered out: the check is
/// inlined at the call site and nothing is formatted.
#[inline]
pub fn log(level: Level, args: std::fmt::Arguments<'_>) {
    if enabled(level) {
        log_enabled(level, args);
    }
}

#[inline(never)]
fn log_enabled(level: Level, args: std::fmt::Arguments<'_>) {
    let msg = line::render_message(args);
    // The timestamp and line are built outside the lock, so threads
    // contend only for the write itself.
    let prebuilt = filter::wants_line().then(|| line::file_line(level, &msg));
    state().log(level, &msg, prebuilt);
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
    let settings = settings.into();
    let dest = sink::Dest::from_settings(&settings, foreground);
    let mut st = state();
    st.set_foreground(foreground);
    st.set_level(settings.level);
    st.open(dest)
}

/// Close and reopen the configured destination (a renamed `LogFile` is
/// created anew), then replay whatever was stored meanwhile.
/// Before the first `configure` this does nothing.
pub fn reopen() {
    let mut st = state();
    // The only possible error is an unreachable syslog, which is retried
    // later anyway; `configure` is where it is reported.
    let _ = st.reopen();
}

/// Stop writing and store messages until the next `configure`/`reopen`.
///
/// tinyproxy closes its log while it re-reads the config on reload, so
/// the messages of the re-parse are replayed between `sending stored
/// logs` / `done sending stored logs`. Call this before re-parsing.
pub fn suspend() {
    state().suspend();
}

/// Set the level; `None` is the default, Info.
pub fn set_level(l: Option<LogLevel>) {
    state().set_level(l);
}

/// Send everything to `w` (tests capture the output this way) and replay
/// the stored messages into it.
#[doc(hidden)]
pub fn configure_to_writer(w: Box<dyn Write + Send>) {
    let mut st = state();
    let _ = st.open(sink::Dest::Writer(Arc::new(Mutex::new(w))));
}

/// Use `path` instead of `/dev/log` for syslog (tests bind their own
/// socket). Takes effect at the next `configure`/`reopen`/fallback.
#[doc(hidden)]
pub fn set_syslog_path(path: &Path) {
    state().set_syslog_path(path.to_path_buf());
}

/// `log_msg!(Level::Info, "fmt {}", x)`.
#[macro_export]
macro_rules! log_msg {
    ($lvl:expr, $($arg:tt)*) => {
        $crate::log::log($lvl, format_args!($($arg)*))
    };
}
