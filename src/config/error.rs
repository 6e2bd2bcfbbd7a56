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
    /// 1-based byte column in that line of the file.
    pub column: usize,
    /// The directive the line names, when it is a known one.
    pub directive: Option<&'static str>,
    /// What the grammar wanted at `column`, in words (passwords masked).
    pub expected: String,
    /// The offending line, as text: invalid UTF-8 replaced, passwords
    /// masked (see `config::mask`).
    pub text: String,
    /// 1-based byte column of the error in `text` (differs from `column`
    /// when a password before it was masked).
    pub text_column: usize,
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
    /// The file is longer than `limit` bytes (`-c /dev/zero`, a log file
    /// given by mistake).
    #[error("Config file \"{}\" is larger than {limit} bytes.", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
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
            ConfigError::TooLarge { path, limit } => {
                out.push_str(&format!(
                    "tinyproxy: Config file \"{}\" is larger than {} bytes ({} MiB); not starting.\n",
                    path.display(),
                    limit,
                    limit / (1024 * 1024)
                ));
            }
            ConfigError::NoPort { earlier_stderr, .. } => {
                push_lines(&mut out, earlier_stderr);
                out.push_str("tinyproxy: You MUST set a Port in the config file.\n");
            }
            ConfigError::Syntax(e) => {
                out.push_str(&e.summary());
                out.push_str(&caret_lines(&e.text, e.text_column));
            }
        }
        out
    }

    /// What a failed reload logs: [`ConfigError::stderr_text`] without the
    /// echo of the offending line. The log is often readable by more
    /// people than the config file; file, line, column and directive say
    /// where to look.
    pub fn log_text(&self) -> String {
        match self {
            ConfigError::Syntax(e) => e.summary(),
            _ => self.stderr_text(),
        }
    }
}

impl SyntaxError {
    /// tinyproxy's lines, then `path:line:column: expected ... (in Name)`.
    fn summary(&self) -> String {
        let mut out = String::new();
        push_lines(&mut out, &self.earlier_stderr);
        if let Some(p) = &self.prefix {
            out.push_str(p);
            out.push('\n');
        }
        out.push_str(&format!("ERROR: Syntax error on line {}\n", self.line));
        out.push_str("Unable to parse config file. Not starting.\n");
        out.push_str(&format!(
            "{}:{}:{}: expected {}",
            self.path.display(),
            self.line,
            self.column,
            self.expected
        ));
        if let Some(d) = self.directive {
            out.push_str(&format!(" (in {d})"));
        }
        out.push('\n');
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
