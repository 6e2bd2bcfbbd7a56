//! Helpers shared by the config test files: parse a body after a
//! `Port 8888` line and look at the result.
#![allow(dead_code)]

use std::path::Path;
use tinyproxy_rs::config::{parse_bytes, Config, ConfigError, Loaded};
use tinyproxy_rs::log::Level;

/// Parse `body` after a `Port 8888` line; panics if it is refused.
pub fn ok(body: &str) -> Loaded {
    let text = format!("Port 8888\n{body}");
    parse_bytes(text.as_bytes(), Path::new("/t.conf"))
        .unwrap_or_else(|e| panic!("{body:?} refused:\n{}", e.stderr_text()))
}

pub fn cfg(body: &str) -> Config {
    ok(body).config
}

/// The 1-based line and expected text of a syntax error.
pub fn syntax(body: &str) -> (usize, String) {
    let text = format!("Port 8888\n{body}");
    match parse_bytes(text.as_bytes(), Path::new("/t.conf")) {
        Ok(_) => panic!("{body:?} accepted"),
        Err(ConfigError::Syntax(s)) => (s.line, s.expected),
        Err(e) => panic!("{body:?}: {e:?}"),
    }
}

/// `body` must be a syntax error on its own line (line 2); the stderr text.
pub fn refused_on_line_2(body: &str) -> String {
    let text = format!("Port 8888\n{body}\n");
    match parse_bytes(text.as_bytes(), Path::new("/t.conf")) {
        Err(e) if e.syntax().is_some_and(|s| s.line == 2) => e.stderr_text(),
        other => panic!("{body:?}: {other:?}"),
    }
}

/// Messages at `level` (from parsing, not the end-of-file checks).
pub fn said(l: &Loaded, level: Level) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|d| d.level == level && d.line > 0)
        .map(|d| d.message.clone())
        .collect()
}
