//! The URL/domain filter (`Filter`, `FilterType`, `FilterURLs`,
//! `FilterCaseSensitive`, `FilterDefaultDeny`).
//!
//! The filter file is read as tinyproxy reads it (see [`file`]); each line's
//! pattern is a POSIX basic regex (`FilterType bre`, the default), a POSIX
//! extended regex (`ere`) or a shell wildcard (`fnmatch`), with glibc's
//! exact syntax (see the `posix` and `fnmatch` modules). Regexes are unanchored
//! searches, case-insensitive unless `FilterCaseSensitive`; fnmatch
//! patterns must match the whole subject and are always case-sensitive.
//!
//! tinyproxy lets the first matching pattern decide; since every pattern
//! decides the same way (block, or allow under `FilterDefaultDeny`), that
//! is the same as "does any pattern match", so patterns are compiled into
//! [`RegexSet`]s (groups of `CHUNK`) and matched in linear time.
//!
//! Reloading (SIGUSR1) is just calling [`Filter::load`] again and swapping
//! the `Arc<Filter>`; a failure then is fatal in tinyproxy too.

mod bracket;
mod file;
mod fnmatch;
mod node;
mod posix;
mod posix_error;

use std::borrow::Cow;
use std::io;
use std::path::Path;

use regex::bytes::{RegexBuilder, RegexSet, RegexSetBuilder};

use crate::config::types::{FilterConfig, FilterType};

pub use file::{patterns as split_patterns, Line};
pub use posix::PosixError;

/// The exit status tinyproxy uses for every filter-file failure
/// (`EX_DATAERR`).
pub const EXIT_DATAERR: i32 = 65;

/// Patterns per [`RegexSet`]. One set for everything is fastest for small
/// files, but with thousands of patterns the lazy DFA's states grow with the
/// pattern count, its cache thrashes and matching falls back to a slow
/// engine; bounded groups keep every group's DFA small (measured: with
/// 10,000 domain patterns, groups of 64–256 match ~10× faster than one set).
/// The regex crate's default size limits then apply per group.
const CHUNK: usize = 128;

/// The translation nests up to about three `regex` groups per POSIX group,
/// and a 511-byte ERE can nest 255 groups deep, beyond the crate's default
/// limit of 250.
const NEST_LIMIT: u32 = 1024;

/// A loaded filter. Immutable, `Send + Sync`; share it in an `Arc`.
#[derive(Debug)]
pub struct Filter {
    sets: Vec<RegexSet>,
    /// Regex types without FilterCaseSensitive: glibc upper-cases the
    /// subject (the patterns were upper-cased when compiled).
    upcase_subject: bool,
    default_deny: bool,
    urls: bool,
}

/// Why the filter could not be loaded. tinyproxy prints these to stderr and
/// exits with status 65 (see [`FilterError::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// The file could not be opened.
    #[error("filter file: {}", crate::sys::strerror(.0))]
    Open(#[source] io::Error),
    /// The file could not be read (e.g. it is a directory).
    #[error("fgets: {}", crate::sys::strerror(.0))]
    Read(#[source] io::Error),
    /// The file is longer than [`MAX_FILTER_BYTES`].
    #[error("filter file: larger than {limit} bytes ({} MiB); not loaded", limit / (1024 * 1024))]
    TooLarge { limit: u64 },
    /// A pattern was refused.
    #[error("Bad regex in {path}: line {line} - {pattern}")]
    BadPattern {
        /// The `Filter` path as configured.
        path: String,
        /// tinyproxy's line number (see [`file`] for long lines).
        line: usize,
        /// The pattern as tinyproxy would print it.
        pattern: String,
        /// Why it was refused.
        reason: PatternError,
    },
}

/// Why one pattern was refused.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    /// Not a valid POSIX regex (glibc refuses it too).
    #[error("{0}")]
    Posix(PosixError),
    /// glibc would accept it, but it is too large or too complex for the
    /// linear-time engine.
    #[error("pattern too large or too complex: {0}")]
    TooComplex(String),
}

impl FilterError {
    /// The process exit status (always 65, like tinyproxy).
    pub fn exit_code(&self) -> i32 {
        EXIT_DATAERR
    }

    /// The exact text to write to stderr, newline-terminated. The first line
    /// is tinyproxy's; a second line explains refusals that tinyproxy would
    /// not make (back-references, oversized patterns).
    pub fn stderr_text(&self) -> String {
        match self {
            FilterError::BadPattern {
                reason: PatternError::Posix(PosixError::Syntax(_)),
                ..
            }
            | FilterError::Open(_)
            | FilterError::Read(_)
            | FilterError::TooLarge { .. } => format!("{self}\n"),
            FilterError::BadPattern { reason, .. } => format!("{self}\n({reason})\n"),
        }
    }
}

impl Filter {
    /// Loads the filter named by `cfg.file`; `Ok(None)` when no `Filter`
    /// directive is configured.
    pub fn load(cfg: &FilterConfig) -> Result<Option<Filter>, FilterError> {
        let Some(path) = &cfg.file else {
            return Ok(None);
        };
        let content = read(path)?;
        Filter::from_bytes(cfg, &path.display().to_string(), &content).map(Some)
    }

    /// Builds a filter from the file's content; `path` is only used in
    /// error messages.
    pub fn from_bytes(
        cfg: &FilterConfig,
        path: &str,
        content: &[u8],
    ) -> Result<Filter, FilterError> {
        Filter::from_lines(cfg, path, &file::patterns(content))
    }

    /// Builds a filter from already split patterns (see [`split_patterns`]).
    pub fn from_lines(
        cfg: &FilterConfig,
        path: &str,
        lines: &[Line],
    ) -> Result<Filter, FilterError> {
        let upcase_subject = cfg.kind != FilterType::Fnmatch && !cfg.case_sensitive;
        let mut regexes = Vec::with_capacity(lines.len());
        for line in lines {
            let translated = translate(&line.pattern, cfg.kind, upcase_subject)
                .map_err(|reason| bad_pattern(path, line, reason))?;
            regexes.push(translated);
        }
        let mut sets = Vec::new();
        for group in regexes.chunks(CHUNK) {
            let set = RegexSetBuilder::new(group)
                .unicode(false)
                .nest_limit(NEST_LIMIT)
                .build()
                .map_err(|e| blame_line(path, lines, &regexes, e))?;
            sets.push(set);
        }
        Ok(Filter {
            sets,
            upcase_subject,
            default_deny: cfg.default_deny,
            urls: cfg.urls,
        })
    }

    /// Whether a request with this subject is refused (`403 Filtered`).
    ///
    /// The caller picks the subject as tinyproxy does (checked against the
    /// real binary in tests/filter_tinyproxy.rs): the request's host as sent,
    /// case preserved and without any port (also for CONNECT), or, when
    /// [`Filter::urls`] is true, the whole URL as received
    /// (`http://host/path` for absolute-form requests, `host:port` for
    /// CONNECT, `http://host:port/path` rebuilt for transparent requests).
    ///
    /// Without FilterDefaultDeny a matching pattern blocks; with it only
    /// matching subjects are allowed (an empty filter file then blocks
    /// everything).
    pub fn is_blocked(&self, subject: &str) -> bool {
        let subject: Cow<'_, [u8]> = if self.upcase_subject {
            Cow::Owned(subject.as_bytes().to_ascii_uppercase())
        } else {
            Cow::Borrowed(subject.as_bytes())
        };
        self.sets.iter().any(|s| s.is_match(&subject)) != self.default_deny
    }

    /// Whether `FilterURLs` is on (the subject is the whole URL).
    pub fn urls(&self) -> bool {
        self.urls
    }

    /// How many patterns were loaded.
    pub fn len(&self) -> usize {
        self.sets.iter().map(RegexSet::len).sum()
    }

    /// Whether the file held no pattern at all.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}

/// The largest filter file we read (beyond tinyproxy, which reads without
/// limit): room for ~500,000 domain patterns, while `Filter "/dev/zero"`
/// fails at once instead of filling memory.
pub const MAX_FILTER_BYTES: u64 = 16 * 1024 * 1024;

/// Reads the whole file (never more than [`MAX_FILTER_BYTES`] + 1 bytes),
/// with tinyproxy's error texts.
fn read(path: &Path) -> Result<Vec<u8>, FilterError> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(FilterError::Open)?;
    let mut content = Vec::new();
    f.take(MAX_FILTER_BYTES + 1)
        .read_to_end(&mut content)
        .map_err(FilterError::Read)?;
    if content.len() as u64 > MAX_FILTER_BYTES {
        return Err(FilterError::TooLarge {
            limit: MAX_FILTER_BYTES,
        });
    }
    Ok(content)
}

/// One pattern in `regex` syntax.
fn translate(pattern: &[u8], kind: FilterType, upcase: bool) -> Result<String, PatternError> {
    if pattern.len() > file::MAX_PATTERN {
        // Cannot come from a file (see `file`); bounds parser recursion.
        return Err(PatternError::TooComplex(format!(
            "longer than {} bytes",
            file::MAX_PATTERN
        )));
    }
    let node = match kind {
        FilterType::Bre => posix::parse(pattern, posix::Flavor::Basic, upcase),
        FilterType::Ere => posix::parse(pattern, posix::Flavor::Extended, upcase),
        FilterType::Fnmatch => {
            return fnmatch::parse(pattern)
                .map(|n| n.to_regex())
                .map_err(|e| PatternError::TooComplex(e.to_string()));
        }
    };
    node.map(|n| n.to_regex()).map_err(PatternError::Posix)
}

fn bad_pattern(path: &str, line: &Line, reason: PatternError) -> FilterError {
    FilterError::BadPattern {
        path: path.to_string(),
        line: line.number,
        pattern: String::from_utf8_lossy(&line.pattern).into_owned(),
        reason,
    }
}

/// A group failed to compile (size limits): find the first pattern that
/// fails on its own, else blame the first line.
fn blame_line(path: &str, lines: &[Line], regexes: &[String], err: regex::Error) -> FilterError {
    for (line, re) in lines.iter().zip(regexes) {
        let single = RegexBuilder::new(re)
            .unicode(false)
            .nest_limit(NEST_LIMIT)
            .build();
        if let Err(e) = single {
            return bad_pattern(path, line, PatternError::TooComplex(e.to_string()));
        }
    }
    let first = lines.first().cloned().unwrap_or(Line {
        number: 0,
        pattern: Vec::new(),
    });
    bad_pattern(path, &first, PatternError::TooComplex(err.to_string()))
}
