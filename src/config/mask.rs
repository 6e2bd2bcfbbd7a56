//! Hiding passwords in config lines before they are echoed anywhere
//! (syntax errors on stderr, reload failures in the log, `--check`
//! warnings). A config file is often readable only by root while the log
//! is not, so an error message must not copy a secret out of it.
//!
//! What counts as a password (user names stay visible, so the line can
//! still be recognised):
//! - in any whitespace-separated word of the form `user:pass@host`, the
//!   text between the first `:` and the last `@`;
//! - on an `Upstream` line, the same from the `:` after the type keyword
//!   to the last `@` of the line (tinyproxy's `USER:PASS@` may contain
//!   blanks);
//! - on a `BasicAuth` line, everything after the user name.
//!
//! Each password becomes [`MASK`], whatever its length.

use super::lexer::is_c_space;
use super::values::is_blank;
use std::ops::Range;

/// What a password is replaced with.
pub const MASK: &str = "***";

/// Byte ranges of `line` (a whole config line) that may hold a password,
/// sorted and not overlapping.
pub fn secret_spans(line: &[u8]) -> Vec<Range<usize>> {
    let mut spans = word_spans(line);
    let start = line.iter().position(|&b| !is_c_space(b)).unwrap_or(0);
    let len = line[start..]
        .iter()
        .position(|&b| is_c_space(b))
        .unwrap_or(line.len() - start);
    let name = &line[start..start + len];
    let after = start + len;
    if name.eq_ignore_ascii_case(b"basicauth") {
        spans.extend(basic_auth_span(line, after));
    } else if name.eq_ignore_ascii_case(b"upstream") {
        spans.extend(upstream_span(line, after));
    }
    merge(spans)
}

/// `line` with every secret replaced by [`MASK`], as text.
pub fn mask_line(line: &[u8]) -> String {
    mask_with(line, &secret_spans(line))
}

/// A fragment of an `Upstream` line (no directive name in front).
pub fn mask_upstream_fragment(fragment: &[u8]) -> Vec<u8> {
    let mut spans = word_spans(fragment);
    spans.extend(upstream_span(fragment, 0));
    mask_with(fragment, &merge(spans)).into_bytes()
}

/// `line` with the given spans replaced by [`MASK`] (invalid UTF-8 shown
/// as U+FFFD).
pub fn mask_with(line: &[u8], spans: &[Range<usize>]) -> String {
    String::from_utf8_lossy(&mask_bytes(line, spans)).into_owned()
}

/// `line` with the given spans (sorted, disjoint, inside `line`) replaced
/// by [`MASK`].
pub fn mask_bytes(line: &[u8], spans: &[Range<usize>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut pos = 0;
    for s in spans {
        out.extend_from_slice(&line[pos..s.start]);
        out.extend_from_slice(MASK.as_bytes());
        pos = s.end;
    }
    out.extend_from_slice(&line[pos..]);
    out
}

/// Where byte offset `at` of the original line lands in the masked line
/// (an offset inside a secret lands on its mask).
pub fn masked_offset(at: usize, spans: &[Range<usize>]) -> usize {
    let mut shift: isize = 0;
    for s in spans {
        if at >= s.end {
            shift += MASK.len() as isize - s.len() as isize;
        } else if at > s.start {
            return s.start.saturating_add_signed(shift);
        }
    }
    at.saturating_add_signed(shift)
}

/// `user:pass@host` words: the part between the first `:` and the last `@`.
fn word_spans(line: &[u8]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut pos = 0;
    while pos < line.len() {
        let len = line[pos..]
            .iter()
            .position(|&b| is_blank(b))
            .unwrap_or(line.len() - pos);
        spans.extend(colon_to_at(line, pos, pos + len));
        pos += len + 1;
    }
    spans
}

/// In `line[from..to]`: after the first `:` up to the last `@` after it,
/// when that is not empty.
fn colon_to_at(line: &[u8], from: usize, to: usize) -> Option<Range<usize>> {
    let piece = &line[from..to];
    let colon = piece.iter().position(|&b| b == b':')?;
    let at = piece.iter().rposition(|&b| b == b'@')?;
    (at > colon + 1).then(|| from + colon + 1..from + at)
}

/// `BasicAuth user password`: everything after the user (trailing blanks
/// excluded).
fn basic_auth_span(line: &[u8], after_name: usize) -> Option<Range<usize>> {
    let user_at = after_name + line[after_name..].iter().position(|&b| !is_blank(b))?;
    let user_len = line[user_at..]
        .iter()
        .position(|&b| is_blank(b))
        .unwrap_or(line.len() - user_at);
    let pass_from = user_at + user_len;
    let first = pass_from + line[pass_from..].iter().position(|&b| !is_blank(b))?;
    let last = line.iter().rposition(|&b| !is_blank(b))?;
    (last >= first).then(|| first..last + 1)
}

/// `... TYPE USER:PASS@HOST:PORT ...`: from the `:` after the first type
/// keyword to the last `@` of the line.
fn upstream_span(line: &[u8], from: usize) -> Option<Range<usize>> {
    let kw_end = (from..line.len()).find_map(|s| {
        ["http", "socks4", "socks5"].iter().find_map(|k| {
            let end = s + k.len();
            let hit = line.get(s..end)?.eq_ignore_ascii_case(k.as_bytes())
                && line.get(end).is_some_and(|&b| is_blank(b));
            hit.then_some(end)
        })
    })?;
    colon_to_at(line, kw_end, line.len())
}

/// Sort and join overlapping or touching spans.
fn merge(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|s| s.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_passwords_are_masked() {
        assert_eq!(
            mask_line(b"Upstream http user:secret@proxy:8080"),
            "Upstream http user:***@proxy:8080"
        );
        assert_eq!(
            mask_line(b"upstream SOCKS5 u:p w@d@h:1 \"x\""),
            "upstream SOCKS5 u:***@h:1 \"x\""
        );
        assert_eq!(mask_line(b"Upstream http h:1"), "Upstream http h:1");
    }

    #[test]
    fn basic_auth_passwords_are_masked() {
        assert_eq!(
            mask_line(b"BasicAuth admin s3cret pass \t"),
            "BasicAuth admin *** \t"
        );
        assert_eq!(mask_line(b"basicauth admin"), "basicauth admin");
        assert_eq!(mask_line(b"BasicAuth"), "BasicAuth");
    }

    #[test]
    fn any_userinfo_word_is_masked() {
        assert_eq!(
            mask_line(b"Upstrem http://u:pw@h:3128/"),
            "Upstrem http:***@h:3128/"
        );
        assert_eq!(mask_line(b"Anonymous \"a@b\""), "Anonymous \"a@b\"");
    }

    #[test]
    fn offsets_follow_the_mask() {
        let line = b"BasicAuth admin longpassword x";
        let spans = secret_spans(line);
        assert_eq!(spans, vec![16..30]);
        assert_eq!(masked_offset(3, &spans), 3);
        assert_eq!(masked_offset(20, &spans), 16);
        assert_eq!(masked_offset(30, &spans), 19);
    }

    #[test]
    fn non_ascii_is_safe() {
        let line = "BasicAuth ü ö€ \u{feff}".as_bytes();
        assert_eq!(mask_line(line), "BasicAuth ü ***");
        let _ = mask_line(b"Upstream http \xc3:\xa9@\xff");
    }
}
