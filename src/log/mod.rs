//! tinyproxy-style logging: `LEVEL     Mon DD HH:MM:SS.mmm [pid]: message`.
//!
//! One process-wide logger. Before the config is known, messages are
//! stored and replayed once the destination is open, as tinyproxy does.

use std::io::Write;

/// Message levels. `Connect` is tinyproxy's extra level (LOG_CONN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    Critical,
    Error,
    Warning,
    Notice,
    Info,
    Debug,
    Connect,
}

impl Level {
    /// The name tinyproxy prints, unpadded.
    pub fn name(self) -> &'static str {
        match self {
            Level::Critical => "CRITICAL",
            Level::Error => "ERROR",
            Level::Warning => "WARNING",
            Level::Notice => "NOTICE",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Connect => "CONNECT",
        }
    }
}

/// Log one message (temporary stdout implementation).
pub fn log(level: Level, args: std::fmt::Arguments<'_>) {
    let now = chrono::Local::now();
    let line = format!(
        "{:<9} {} [{}]: {}\n",
        level.name(),
        now.format("%b %d %H:%M:%S%.3f"),
        std::process::id(),
        args
    );
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

/// `log_msg!(Level::Info, "fmt {}", x)`.
#[macro_export]
macro_rules! log_msg {
    ($lvl:expr, $($arg:tt)*) => {
        $crate::log::log($lvl, format_args!($($arg)*))
    };
}

/// TEMPORARY until the log branch lands.
pub fn configure(_cfg: &crate::config::Config, _foreground: bool) -> Result<(), std::io::Error> {
    Ok(())
}
