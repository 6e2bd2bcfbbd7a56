//! Splitting a filter file into patterns exactly as tinyproxy does.
//!
//! tinyproxy reads the file with `fgets` into a 512-byte buffer, so a line is
//! at most 511 bytes: a longer line is cut into 511-byte pieces and every
//! piece counts as its own line (with its own line number). In each piece:
//! leading whitespace is skipped; the pattern ends at the first whitespace
//! or at a `#` that is not preceded by a backslash (the backslash stays in
//! the pattern, so `\#` reaches the regex compiler, where it means `#`);
//! an empty pattern is ignored. A NUL byte ends the piece (C string).

use super::bracket::is_c_space;

/// The `fgets` buffer size tinyproxy uses.
const BUFFER_LEN: usize = 512;

/// The longest pattern a filter file can hold.
pub const MAX_PATTERN: usize = BUFFER_LEN - 1;

/// One pattern and the (1-based) line number tinyproxy would report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: usize,
    pub pattern: Vec<u8>,
}

/// The patterns in `content`, in file order.
pub fn patterns(content: &[u8]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut number = 0;
    let mut rest = content;
    while !rest.is_empty() {
        let limit = rest.len().min(BUFFER_LEN - 1);
        let len = rest[..limit]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(limit, |i| i + 1);
        let (piece, tail) = rest.split_at(len);
        rest = tail;
        number += 1;
        if let Some(pattern) = pattern_of(piece) {
            out.push(Line { number, pattern });
        }
    }
    out
}

/// The pattern in one `fgets` piece, if any.
fn pattern_of(piece: &[u8]) -> Option<Vec<u8>> {
    let piece = match piece.iter().position(|&b| b == 0) {
        Some(nul) => &piece[..nul],
        None => piece,
    };
    let start = piece.iter().position(|&b| !is_c_space(b))?;
    let mut end = start;
    while end < piece.len() {
        let b = piece[end];
        if is_c_space(b) || (b == b'#' && (end == 0 || piece[end - 1] != b'\\')) {
            break;
        }
        end += 1;
    }
    (end > start).then(|| piece[start..end].to_vec())
}
