//! Splitting a file into tinyproxy's lines.
//!
//! tinyproxy reads with `fgets` into a 2048-byte buffer, so a physical line
//! longer than 2047 bytes (newline included) arrives as several pieces and
//! each piece is parsed — and numbered — as a line of its own. We reproduce
//! that, because line numbers in messages and the accept/reject decision
//! (a long comment's tail is *not* a comment) depend on it.

/// Bytes one `fgets` call returns at most (`LINE_MAX` - 1 on glibc).
pub const CHUNK_MAX: usize = 2047;

/// C `isspace` in the "C" locale: what tinyproxy skips before a directive
/// name and what ends the name.
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// One line as tinyproxy sees it.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// tinyproxy's line number (1-based, counting the pieces of long lines).
    pub number: usize,
    /// The line without its final `\n`.
    pub text: &'a [u8],
}

/// What a line is, before its directive is looked at.
#[derive(Debug)]
pub enum Kind<'a> {
    /// First byte `#`, or nothing but white space: ignored.
    Skip,
    /// A NUL byte in a directive line (we refuse these; tinyproxy would
    /// silently cut the line there).
    Nul { offset: usize },
    /// A directive: its name and the rest of the line after the name.
    Directive {
        name: &'a [u8],
        /// Byte offset of the name in `Line::text`.
        name_at: usize,
        /// Everything after the name (starts with the white space that
        /// ended the name, or is empty at end of file).
        rest: &'a [u8],
    },
}

/// Split `text` the way repeated `fgets(buf, 2048, f)` calls do.
pub fn lines(text: &[u8]) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let limit = text.len().min(pos + CHUNK_MAX);
        let (end, next) = match text[pos..limit].iter().position(|&b| b == b'\n') {
            Some(k) => (pos + k, pos + k + 1),
            None => (limit, limit),
        };
        out.push(Line {
            number: out.len() + 1,
            text: &text[pos..end],
        });
        pos = next;
    }
    out
}

/// Classify one line: comment/blank, or directive name + rest.
pub fn classify<'a>(line: &Line<'a>) -> Kind<'a> {
    let t = line.text;
    if t.first() == Some(&b'#') {
        return Kind::Skip;
    }
    let start = t.iter().position(|&b| !is_c_space(b));
    let Some(start) = start else {
        return Kind::Skip;
    };
    if let Some(offset) = t.iter().position(|&b| b == 0) {
        return Kind::Nul { offset };
    }
    let len = t[start..]
        .iter()
        .position(|&b| is_c_space(b))
        .unwrap_or(t.len() - start);
    Kind::Directive {
        name: &t[start..start + len],
        name_at: start,
        rest: &t[start + len..],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_split_and_counted() {
        let mut text = vec![b'#'];
        text.extend(std::iter::repeat(b'x').take(3000));
        text.extend_from_slice(b"\nPort 1\n");
        let ls = lines(&text);
        assert_eq!(ls.len(), 3);
        assert_eq!(ls[0].text.len(), CHUNK_MAX);
        assert_eq!(ls[1].text.len(), 3001 - CHUNK_MAX);
        assert_eq!(ls[2].number, 3);
    }

    #[test]
    fn exact_fit_leaves_an_empty_piece() {
        let mut text = vec![b'x'; CHUNK_MAX];
        text.push(b'\n');
        let ls = lines(&text);
        assert_eq!(ls.len(), 2);
        assert!(ls[1].text.is_empty());
    }

    #[test]
    fn classify_forms() {
        let l = |t: &'static [u8]| Line { number: 1, text: t };
        assert!(matches!(classify(&l(b"# c")), Kind::Skip));
        assert!(matches!(classify(&l(b" \t\r\x0b")), Kind::Skip));
        assert!(matches!(classify(&l(b" # c")), Kind::Directive { .. }));
        match classify(&l(b"\tPort 8")) {
            Kind::Directive {
                name,
                name_at,
                rest,
            } => {
                assert_eq!(name, b"Port");
                assert_eq!(name_at, 1);
                assert_eq!(rest, b" 8");
            }
            k => panic!("{k:?}"),
        }
    }
}
