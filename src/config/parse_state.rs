//! The parser's working state: the config being built, the diagnostics
//! said so far, and what a directive handler returns on failure.

use super::diagnostic::Diagnostic;
use super::lexer::Line;
use super::types::Config;
use super::values::{IntLit, PErr};
use crate::log::Level;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// tinyproxy's filter option bits for the type (OR-ed like the others).
pub const FILTER_ERE: u8 = 1;
pub const FILTER_FNMATCH: u8 = 2;

/// A directive line that does not parse: where and why.
#[derive(Debug)]
pub struct LineError {
    /// Byte offset in the line text.
    pub offset: usize,
    pub expected: String,
    /// A line tinyproxy prints before "Syntax error" (bad port number).
    pub prefix: Option<String>,
}

pub type HResult = Result<(), LineError>;

/// Everything the handlers share.
pub struct State {
    pub config: Config,
    pub diags: Vec<Diagnostic>,
    /// `FilterType` / `FilterExtended` bits; resolved after the last line.
    pub filter_type_bits: u8,
}

/// The line being handled, for messages and error positions.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub line: Line<'a>,
}

impl<'a> Ctx<'a> {
    pub fn n(&self) -> usize {
        self.line.number
    }

    /// A syntax error at `at`, a suffix of this line.
    pub fn err_at(&self, at: &[u8], expected: impl Into<String>) -> LineError {
        LineError {
            offset: self.line.text.len().saturating_sub(at.len()),
            expected: expected.into(),
            prefix: None,
        }
    }

    /// Turn a nom failure into a syntax error on this line.
    pub fn nom_error(&self, e: nom::Err<PErr<'_>>) -> LineError {
        match e {
            nom::Err::Error(pe) | nom::Err::Failure(pe) => {
                let what = if pe.expected.is_empty() {
                    "a valid argument"
                } else {
                    pe.expected
                };
                let msg = format!("{what}, found {}", super::error::found(pe.at));
                self.err_at(pe.at, msg)
            }
            nom::Err::Incomplete(_) => self.err_at(b"", "more input"),
        }
    }
}

impl State {
    pub fn new(config: Config) -> State {
        State {
            config,
            diags: Vec::new(),
            filter_type_bits: 0,
        }
    }

    pub fn say(&mut self, line: usize, level: Level, to_stderr: bool, message: String) {
        self.diags.push(Diagnostic {
            line,
            level,
            to_stderr,
            message,
            under: self.config.log_level,
        });
    }

    /// An INFO log line, as tinyproxy logs it while parsing.
    pub fn info(&mut self, line: usize, message: String) {
        self.say(line, Level::Info, false, message);
    }

    /// A WARNING log line without tinyproxy's `line N: ` prefix.
    pub fn warn(&mut self, line: usize, message: String) {
        self.say(line, Level::Warning, false, message);
    }

    /// A WARNING log line with the `line N: ` prefix.
    pub fn warn_line(&mut self, line: usize, message: impl std::fmt::Display) {
        self.warn(line, format!("line {line}: {message}"));
    }

    /// Warn when a value had to be made valid UTF-8.
    pub fn text_of(&mut self, line: usize, b: &[u8]) -> String {
        let (s, lossy) = super::values::text(b);
        if lossy {
            self.warn_line(
                line,
                "value is not valid UTF-8; invalid bytes were replaced by U+FFFD",
            );
        }
        s
    }

    /// Our warning when tinyproxy reads a number as octal.
    pub fn note_octal(&mut self, line: usize, lit: &IntLit<'_>) {
        if lit.octal_surprise() {
            self.warn_line(
                line,
                format!(
                    "number {} starts with 0 and is read as octal ({}), as tinyproxy does",
                    lit.text(),
                    lit.value
                ),
            );
        }
    }

    /// An INT that must fit tinyproxy's `unsigned int`. tinyproxy wraps
    /// larger values silently; we refuse them.
    pub fn u32_of(&mut self, ctx: &Ctx<'_>, lit: &IntLit<'_>) -> Result<u32, LineError> {
        self.note_octal(ctx.n(), lit);
        u32::try_from(lit.value).map_err(|_| {
            ctx.err_at(
                lit.text,
                format!(
                    "a number up to 4294967295, found {} (tinyproxy would silently wrap it)",
                    lit.text()
                ),
            )
        })
    }
}

/// A path exactly as written (paths may hold any bytes but NUL).
pub fn path_of(b: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(b))
}
