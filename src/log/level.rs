//! The two level types: [`Level`], what a message is, and [`LogLevel`],
//! what the `LogLevel` directive lets through.

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
    /// Every level, most severe first.
    pub const ALL: [Level; 7] = [
        Level::Critical,
        Level::Error,
        Level::Warning,
        Level::Notice,
        Level::Info,
        Level::Debug,
        Level::Connect,
    ];

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

    /// This level's bit in the enabled-levels mask.
    pub(super) const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// `LogLevel` values, least to most verbose as tinyproxy orders them.
/// `Connect` is tinyproxy's own level between Notice and Info.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogLevel {
    Critical,
    Error,
    Warning,
    Notice,
    Connect,
    Info,
}
