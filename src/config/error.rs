//! Why a configuration file was rejected, and how we say it.
//!
//! tinyproxy prints a fixed set of lines on stderr and exits 70
//! (`EX_SOFTWARE`). Scripts and service managers match on those lines, so
//! [`ConfigError::stderr_text`] reproduces them first, byte for byte, and
//! only then adds our own, more precise line (file, line, column, what was
//! expected) and the offending line with a caret.

use std::path::PathBuf;

/// tinyproxy's exit status for every configuration failure (`EX_SOFTWARE`).
pub const EXIT_CONFIG: i32 = 70;

/// Where a file stops matching the grammar, and why (boxed in
/// [`ConfigError::Syntax`] to keep the error small).
#[derive(Debug)]
pub struct SyntaxError {
    pub path: PathBuf,
    /// tinyproxy's line number (see `lexer`: over-long lines count as
    /// several lines).
    pub line: usize,
    /// 1-based byte column in that line.
    pub column: usize,
    /// What the grammar wanted at `column`, in words.
    pub expected: String,
    /// The offending line, as text (invalid UTF-8 replaced).
    pub text: String,
    /// A line tinyproxy prints before the syntax error (bad port).
    pub prefix: Option<String>,
    /// Lines already printed on stderr before the error (obsolete
    /// directives), in file order.
    pub earlier_stderr: Vec<String>,
}

/// Why a file was rejected. Every variant maps to tinyproxy's stderr text
/// and exit status.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be opened.
    #[error("Could not open config file \"{}\".", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line does not match its directive's grammar (or names no directive).
    #[error("ERROR: Syntax error on line {}", .0.line)]
    Syntax(Box<SyntaxError>),
    /// The file sets no `Port`, or `Port 0`.
    #[error("You MUST set a Port in the config file.")]
    NoPort {
        path: PathBuf,
        /// Lines already printed on stderr while parsing.
        earlier_stderr: Vec<String>,
    },
}

impl ConfigError {
    /// The syntax error's details, if this is one.
    pub fn syntax(&self) -> Option<&SyntaxError> {
        match self {
            ConfigError::Syntax(e) => Some(e),
            _ => None,
        }
    }

    /// tinyproxy's exit status for this failure (EX_SOFTWARE, 70, for all).
    pub fn exit_code(&self) -> i32 {
        EXIT_CONFIG
    }

    /// Everything our binary prints on stderr for this failure, each line
    /// ending in `\n`: tinyproxy's own lines first (unchanged), then ours.
    pub fn stderr_text(&self) -> String {
        let mut out = String::new();
        match self {
            ConfigError::Open { path, .. } => {
                out.push_str(&format!(
                    "tinyproxy: Could not open config file \"{}\".\n",
                    path.display()
                ));
            }
            ConfigError::NoPort { earlier_stderr, .. } => {
                push_lines(&mut out, earlier_stderr);
                out.push_str("tinyproxy: You MUST set a Port in the config file.\n");
            }
            ConfigError::Syntax(e) => {
                let SyntaxError {
                    path,
                    line,
                    column,
                    expected,
                    text,
                    prefix,
                    earlier_stderr,
                } = e.as_ref();
                push_lines(&mut out, earlier_stderr);
                if let Some(p) = prefix {
                    out.push_str(p);
                    out.push('\n');
                }
                out.push_str(&format!("ERROR: Syntax error on line {line}\n"));
                out.push_str("Unable to parse config file. Not starting.\n");
                out.push_str(&format!(
                    "{}:{}:{}: expected {}\n",
                    path.display(),
                    line,
                    column,
                    expected
                ));
                out.push_str(&caret_lines(text, *column));
            }
        }
        out
    }
}

fn push_lines(out: &mut String, lines: &[String]) {
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
}

/// The offending line (control characters made visible) and a caret under
/// `column`.
fn caret_lines(text: &str, column: usize) -> String {
    let shown: String = text
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect();
    // Columns are byte based; count the characters before it for the caret.
    let before = text
        .char_indices()
        .take_while(|(i, _)| *i + 1 < column)
        .count();
    format!("    {}\n    {}^\n", shown, " ".repeat(before))
}

/// Describe the text found at a failure point, for `expected ...` lines.
pub(crate) fn found(rest: &[u8]) -> String {
    if rest.is_empty() {
        return "end of line".to_string();
    }
    let cut = &rest[..rest.len().min(40)];
    let s = String::from_utf8_lossy(cut);
    let s = s.replace('\r', "\\r");
    if cut.len() < rest.len() {
        format!("\"{s}...\"")
    } else {
        format!("\"{s}\"")
    }
}
