//! What the parser says about an accepted file (a leaf module: the
//! parser's state records these, the caller prints or replays them).

use crate::log::{Level, LogLevel};

/// Something the parser has to say about an accepted file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line in the file (0 when not tied to a line).
    pub line: usize,
    pub level: Level,
    /// Where tinyproxy says it: stderr at once (obsolete directives), or
    /// the log once it is open (invalid Allow, deprecated FilterExtended...).
    pub to_stderr: bool,
    pub message: String,
    /// The `LogLevel` set by the lines before this one (`None`: no
    /// `LogLevel` line yet, so the process's level before parsing). tinyproxy
    /// drops a message at once when that level filters it out, even if a
    /// later `LogLevel` would let it through; see [`super::Loaded::logged`].
    pub under: Option<LogLevel>,
}
