//! The configuration: tinyproxy.conf grammar (nom) → typed [`Config`].
//!
//! `load` reads and parses one file; the result is immutable and is shared
//! as `Arc<Config>` by the server (see `app::reload`).
//!
//! The grammar is tinyproxy 1.11's, rule for rule
//! (`../shared/spec/tinyproxy-1.11.md` §1–2): comments only with `#` in the
//! first byte, case-insensitive names, `[ \t]+` before arguments, no trailing
//! comments, no `\r`, 2047-byte line pieces. Parse-time log lines come back as
//! [`Diagnostic`]s, in file order, for the caller to print (stderr ones) or
//! replay into the log.
//!
//! Layout: `lexer` (lines), `values` (argument tokens), `addr` (address
//! semantics), `directives` (table + simple directives), `net` (Listen,
//! Bind, Allow, Deny), `process` (User, Group), `pairs` (the two-argument
//! directives), `upstream`, `parse_state` (the parser's working state),
//! `diagnostic`, `error`, and `settings` (what the lower layers take
//! instead of the whole Config).

mod addr;
mod changes;
mod diagnostic;
mod directives;
mod error;
mod lexer;
pub mod mask;
mod net;
mod pairs;
mod parse_state;
mod process;
pub mod render;
mod settings;
pub mod types;
mod upstream;
mod values;

pub use diagnostic::Diagnostic;
pub use error::{ConfigError, SyntaxError, EXIT_CONFIG};
pub use settings::{Limits, OutboundSettings};
pub use types::*;

use lexer::Kind;
use parse_state::{Ctx, State};
use std::io::Read;
use std::path::Path;

/// A successfully parsed file and what was said about it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// The log diagnostics tinyproxy would actually write once its log is
    /// open: each must pass the level in force when it was said *and* the
    /// final level. `start` is the level the process had before parsing
    /// (Info at startup; tinyproxy keeps the previous level on reload when
    /// the file sets none).
    pub fn logged(&self, start: LogLevel) -> Vec<&Diagnostic> {
        let last = self.config.log_level.unwrap_or(start);
        self.diagnostics
            .iter()
            .filter(|d| !d.to_stderr)
            .filter(|d| d.under.unwrap_or(start).passes(d.level) && last.passes(d.level))
            .collect()
    }
}

/// The largest config file we read (beyond tinyproxy, which reads
/// without limit): real files are a few KiB; `-c /dev/zero` must fail at
/// once instead of filling memory.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Read and parse `path`. A file that cannot be opened is
/// [`ConfigError::Open`], one longer than [`MAX_CONFIG_BYTES`] is
/// [`ConfigError::TooLarge`] (nothing past the limit is read); like
/// tinyproxy, a read error part-way simply ends the file.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let file = std::fs::File::open(path).map_err(|source| ConfigError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut text = Vec::new();
    // tinyproxy's fgets loop stops at the first read error (a directory
    // reads as empty): keep what was read.
    let _ = file.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut text);
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_CONFIG_BYTES,
        });
    }
    parse_bytes(&text, path)
}

/// Parse the bytes of a config file; `path` is recorded in the config and
/// used in messages.
pub fn parse_bytes(text: &[u8], path: &Path) -> Result<Loaded, ConfigError> {
    let mut st = State::new(Config::with_defaults(path.to_path_buf()));
    for line in lexer::lines(text) {
        let said = st.diags.len();
        let result = parse_line(&mut st, line);
        let secrets = mask::secret_spans(line.text);
        if !secrets.is_empty() {
            mask_diagnostics(&mut st.diags[said..], line.text, &secrets);
        }
        result.map_err(|e| syntax_error(&st, path, &line, e, &secrets))?;
    }
    finish(st, path)
}

/// One line: skip it, or run its directive's handler.
fn parse_line(st: &mut State, line: lexer::Line<'_>) -> parse_state::HResult {
    let ctx = Ctx { line };
    match lexer::classify(&line) {
        Kind::Skip => Ok(()),
        Kind::Nul { offset } => Err(parse_state::LineError {
            offset,
            expected: "no NUL byte in a directive line".into(),
            prefix: None,
        }),
        Kind::Directive {
            name,
            name_at,
            rest,
        } => match directives::lookup(name) {
            Some(handler) => handler(st, &ctx, rest),
            None => Err(unknown_directive(name, name_at)),
        },
    }
}

fn unknown_directive(name: &[u8], name_at: usize) -> parse_state::LineError {
    let shown = String::from_utf8_lossy(name);
    let expected = if name.starts_with(b"#") {
        format!("a directive name, found \"{shown}\" (a comment's '#' must be the first character of the line)")
    } else if name.starts_with("\u{feff}".as_bytes()) {
        "a directive name, found a UTF-8 byte order mark (save the file without BOM)".to_string()
    } else {
        format!("a directive name, found unknown directive \"{shown}\"")
    };
    parse_state::LineError {
        offset: name_at,
        expected,
        prefix: None,
    }
}

fn stderr_lines(st: &State) -> Vec<String> {
    st.diags
        .iter()
        .filter(|d| d.to_stderr)
        .map(|d| d.message.clone())
        .collect()
}

/// The error for `line`, with its passwords (`secrets`) masked in the
/// echoed text and in the `found "..."` excerpt.
fn syntax_error(
    st: &State,
    path: &Path,
    line: &lexer::Line<'_>,
    e: parse_state::LineError,
    secrets: &[std::ops::Range<usize>],
) -> ConfigError {
    let offset = e.offset.min(line.text.len());
    let masked = mask::mask_bytes(line.text, secrets);
    let masked_at = mask::masked_offset(offset, secrets).min(masked.len());
    let mut expected = e.expected;
    if !secrets.is_empty() {
        let shown = error::found(&masked[masked_at..]);
        expected = expected.replace(&error::found(&line.text[offset..]), &shown);
        expected = scrub(&expected, line.text, secrets);
    }
    ConfigError::Syntax(Box::new(SyntaxError {
        path: path.to_path_buf(),
        line: line.number,
        column: offset + 1,
        directive: directive_name(line),
        expected,
        text: String::from_utf8_lossy(&masked).into_owned(),
        text_column: masked_at + 1,
        prefix: e.prefix,
        earlier_stderr: stderr_lines(st),
    }))
}

/// The directive a line names, for messages: known names in their
/// documented spelling, unknown ones not at all.
fn directive_name(line: &lexer::Line<'_>) -> Option<&'static str> {
    match lexer::classify(line) {
        Kind::Directive { name, .. } => directives::canonical_name(name),
        _ => None,
    }
}

/// Diagnostics said about a line that holds a password must not repeat it.
fn mask_diagnostics(diags: &mut [Diagnostic], text: &[u8], secrets: &[std::ops::Range<usize>]) {
    for d in diags {
        d.message = scrub(&d.message, text, secrets);
    }
}

/// `message` with every copy of the line's passwords, and any
/// `user:pass@` word, masked.
fn scrub(message: &str, text: &[u8], secrets: &[std::ops::Range<usize>]) -> String {
    let mut m = message.to_string();
    for s in secrets {
        let secret = String::from_utf8_lossy(&text[s.clone()]);
        if !secret.is_empty() {
            m = m.replace(secret.as_ref(), mask::MASK);
        }
    }
    mask::mask_line(m.as_bytes())
}

/// The checks tinyproxy makes after the last line, in its order.
fn finish(mut st: State, path: &Path) -> Result<Loaded, ConfigError> {
    if st.config.port == 0 {
        return Err(ConfigError::NoPort {
            path: path.to_path_buf(),
            earlier_stderr: stderr_lines(&st),
        });
    }
    if st.config.process.user.is_none() && running_as_root() {
        st.warn(
            0,
            "You SHOULD set a UserName in the config file. Using current user instead.".into(),
        );
    }
    if st.config.timeout.is_zero() {
        st.warn(0, "Invalid idle time setting. Only values greater than zero are allowed. Therefore setting idle timeout to 600 seconds.".into());
        st.config.timeout = std::time::Duration::from_secs(DEFAULT_TIMEOUT_SECS);
    }
    if st.config.acl.as_ref().is_some_and(Vec::is_empty) {
        st.warn(
            0,
            "No valid Allow/Deny rule: every client will be denied access (as tinyproxy does)"
                .into(),
        );
    }
    st.config.filter.kind = directives::resolve_filter_type(st.filter_type_bits);
    Ok(Loaded {
        config: st.config,
        diagnostics: st.diags,
    })
}

/// tinyproxy warns about a missing `User` only when started as root.
fn running_as_root() -> bool {
    crate::sys::is_root()
}
