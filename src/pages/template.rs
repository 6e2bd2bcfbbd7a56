//! The page template engine: `{name}` substitution
//! (`../shared/spec/tinyproxy-1.11.md` §6.14).
//!
//! A placeholder is `{` + 1–32 lower-case ASCII letters + `}`. A defined
//! variable is replaced by its value; anything else (unknown names,
//! `{Cause}`, `{x1}`, a 33-letter name) is copied verbatim. Values are not
//! re-scanned. Templates are bytes: an administrator's file need not be
//! UTF-8.

use std::io::Read;
use std::path::Path;

/// Longest variable name tinyproxy's pattern accepts.
const MAX_NAME: usize = 32;

/// Templates larger than this are cut: a template is an HTML page, and an
/// `ErrorFile "/dev/zero"` must not exhaust memory.
pub const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// The variables of one page, in insertion order; a later `set` of the
/// same name replaces the earlier value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vars {
    entries: Vec<(&'static str, String)>,
}

impl Vars {
    pub fn new() -> Vars {
        Vars::default()
    }

    /// Define `name` (a lower-case ASCII identifier) as `value`.
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// Define `name` as `value` with HTML metacharacters escaped: for text
    /// that comes from the client (request line, URL) and ends up in an
    /// HTML page.
    pub fn set_escaped(&mut self, name: &'static str, value: &str) {
        self.set(name, html_escape(value));
    }

    /// The value of `name`, if defined.
    pub fn get(&self, name: &[u8]) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Append `template` to `out` with every defined `{name}` replaced.
pub fn render_into(template: &[u8], vars: &Vars, out: &mut Vec<u8>) {
    out.reserve(template.len());
    let mut i = 0;
    while i < template.len() {
        // Copy everything up to the next '{' in one go.
        let Some(off) = template[i..].iter().position(|&b| b == b'{') else {
            out.extend_from_slice(&template[i..]);
            return;
        };
        out.extend_from_slice(&template[i..i + off]);
        i += off;
        match placeholder_at(&template[i..]) {
            Some(name) => {
                let whole = name.len() + 2;
                match vars.get(name) {
                    Some(v) => out.extend_from_slice(v.as_bytes()),
                    None => out.extend_from_slice(&template[i..i + whole]),
                }
                i += whole;
            }
            None => {
                out.push(b'{');
                i += 1;
            }
        }
    }
}

/// `render_into` to a fresh buffer.
pub fn render(template: &[u8], vars: &Vars) -> Vec<u8> {
    let mut out = Vec::new();
    render_into(template, vars, &mut out);
    out
}

/// If `s` (which starts with `{`) begins with a placeholder, its name.
fn placeholder_at(s: &[u8]) -> Option<&[u8]> {
    let rest = s.get(1..)?;
    let len = rest.iter().take_while(|b| b.is_ascii_lowercase()).count();
    if (1..=MAX_NAME).contains(&len) && rest.get(len) == Some(&b'}') {
        Some(&rest[..len])
    } else {
        None
    }
}

/// Read a template file, at most [`MAX_TEMPLATE_BYTES`] of it.
pub fn read_template(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    file.take(MAX_TEMPLATE_BYTES).read_to_end(&mut buf)?;
    Ok(buf)
}

/// `&`, `<`, `>`, `"` and `'` as HTML entities.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The current time as tinyproxy prints `{date}` and `Date:`:
/// `%a, %d %b %Y %H:%M:%S GMT`, English names, UTC.
pub fn http_date() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}
