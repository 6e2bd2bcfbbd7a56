//! What the logger needs from the configuration, and nothing more: the
//! log module does not know `Config` (config depends on log, for its
//! diagnostics' levels, never the other way round).

use super::level::LogLevel;
use std::path::PathBuf;

/// The destination and level one configuration generation asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogSettings {
    /// `Syslog On`: wins over `file`.
    pub syslog: bool,
    /// `LogFile`.
    pub file: Option<PathBuf>,
    /// `LogLevel`; `None` is the default, Info.
    pub level: Option<LogLevel>,
}
