//! POSIX bracket expressions (`[...]`) as glibc's `regcomp` reads them in
//! the C locale: `]` first is literal, `^` negates (and, with REG_NEWLINE,
//! never matches a newline), backslash is an ordinary character, ranges go
//! by byte value and an inverted range is an error, `[:class:]`,
//! `[=c=]` and `[.c.]` (single characters only in the C locale), and a `-`
//! that is neither first, last nor a range operator is an error.
//!
//! Under REG_ICASE glibc upper-cases the pattern (and the subject) before
//! parsing, so characters and range ends are upper-cased here; class names
//! are read as written, and `upper`/`lower` then mean `alpha`.

use super::node::ByteSet;
use super::posix_error::PosixError;

/// The longest name glibc accepts inside `[: :]`, `[= =]` or `[. .]`.
const MAX_NAME: usize = 32;

/// One element of a bracket expression before ranges are resolved.
enum Elem {
    Byte(u8),
    Class(Vec<u8>),
    Equiv(Vec<u8>),
    Coll(Vec<u8>),
}

/// What the reader sees next inside the brackets.
#[derive(PartialEq, Eq)]
enum Tok {
    End,
    Close,
    Hyphen,
    Other,
}

/// Reads a bracket expression from `pat`, starting just after its `[`.
/// Returns the set and the index just after the closing `]`.
pub fn parse(pat: &[u8], start: usize, icase: bool) -> Result<(ByteSet, usize), PosixError> {
    let mut r = Reader {
        pat,
        pos: start,
        icase,
    };
    let mut set = ByteSet::empty();
    let negate = r.peek() == Some(b'^');
    if negate {
        r.pos += 1;
    }
    let mut first = true;
    loop {
        let elem = r.element(first)?;
        first = false;
        let ranged = matches!(elem, Elem::Byte(_) | Elem::Coll(_)) && r.range_follows()?;
        if ranged {
            r.pos += 1; // the '-'
            let end = r.element(true)?;
            add_range(&mut set, &elem, &end)?;
        } else {
            add_single(&mut set, elem, icase)?;
        }
        match r.tok() {
            Tok::End => return Err(PosixError::Syntax("unmatched [")),
            Tok::Close => {
                r.pos += 1;
                break;
            }
            _ => {}
        }
    }
    if negate {
        set = set.negated();
        set.remove(b'\n');
    }
    Ok((set, r.pos))
}

struct Reader<'a> {
    pat: &'a [u8],
    pos: usize,
    icase: bool,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.pat.get(self.pos).copied()
    }

    fn tok(&self) -> Tok {
        match self.peek() {
            None => Tok::End,
            Some(b']') => Tok::Close,
            Some(b'-') => Tok::Hyphen,
            Some(_) => Tok::Other,
        }
    }

    /// Case translation glibc applies to pattern characters under REG_ICASE.
    fn fold(&self, b: u8) -> u8 {
        if self.icase {
            b.to_ascii_uppercase()
        } else {
            b
        }
    }

    /// Whether a `-` at the current position is a range operator. A `-`
    /// directly before the closing `]` is an ordinary character instead.
    fn range_follows(&self) -> Result<bool, PosixError> {
        match self.tok() {
            Tok::End => Err(PosixError::Syntax("unmatched [")),
            Tok::Hyphen => match self.pat.get(self.pos + 1) {
                None => Err(PosixError::Syntax("unmatched [")),
                Some(b']') => Ok(false),
                Some(_) => Ok(true),
            },
            _ => Ok(false),
        }
    }

    /// Reads one element. `first` allows a leading `]` and a bare `-`.
    fn element(&mut self, first: bool) -> Result<Elem, PosixError> {
        let Some(c) = self.peek() else {
            return Err(PosixError::Syntax("unmatched ["));
        };
        if c == b'[' {
            if let Some(kind @ (b'.' | b'=' | b':')) = self.pat.get(self.pos + 1).copied() {
                self.pos += 2;
                return self.symbol(kind);
            }
        }
        if c == b'-' && !first && self.pat.get(self.pos + 1) != Some(&b']') {
            return Err(PosixError::Syntax("invalid range"));
        }
        self.pos += 1;
        Ok(Elem::Byte(self.fold(c)))
    }

    /// Reads the name of `[:name:]`, `[=name=]` or `[.name.]` up to the
    /// closing delimiter followed by `]`.
    fn symbol(&mut self, delim: u8) -> Result<Elem, PosixError> {
        let mut name = Vec::new();
        loop {
            if name.len() >= MAX_NAME {
                return Err(PosixError::Syntax("unmatched ["));
            }
            let Some(raw) = self.peek() else {
                return Err(PosixError::Syntax("unmatched ["));
            };
            self.pos += 1;
            if self.peek().is_none() {
                return Err(PosixError::Syntax("unmatched ["));
            }
            if raw == delim && self.peek() == Some(b']') {
                self.pos += 1;
                break;
            }
            name.push(if delim == b':' { raw } else { self.fold(raw) });
        }
        Ok(match delim {
            b':' => Elem::Class(name),
            b'=' => Elem::Equiv(name),
            _ => Elem::Coll(name),
        })
    }
}

/// The single byte a collating element or equivalence class stands for in
/// the C locale (multi-character names are errors there).
fn single(name: &[u8]) -> Result<u8, PosixError> {
    match name {
        [b] => Ok(*b),
        _ => Err(PosixError::Syntax("invalid collation character")),
    }
}

fn add_range(set: &mut ByteSet, start: &Elem, end: &Elem) -> Result<(), PosixError> {
    let lo = match start {
        Elem::Byte(b) => *b,
        Elem::Coll(name) => single(name)?,
        _ => return Err(PosixError::Syntax("invalid range")),
    };
    let hi = match end {
        Elem::Byte(b) => *b,
        Elem::Coll(name) => single(name)?,
        _ => return Err(PosixError::Syntax("invalid range")),
    };
    if lo > hi {
        return Err(PosixError::Syntax("invalid range end"));
    }
    set.insert_range(lo, hi);
    Ok(())
}

fn add_single(set: &mut ByteSet, elem: Elem, icase: bool) -> Result<(), PosixError> {
    match elem {
        Elem::Byte(b) => set.insert(b),
        Elem::Equiv(name) | Elem::Coll(name) => set.insert(single(&name)?),
        Elem::Class(name) => {
            let mut name = name.as_slice();
            if icase && (name == b"upper" || name == b"lower") {
                name = b"alpha";
            }
            let pred = class_predicate(name).ok_or(PosixError::Syntax("invalid class name"))?;
            set.insert_where(pred);
        }
    }
    Ok(())
}

/// The C-locale meaning of a POSIX character class name.
pub fn class_predicate(name: &[u8]) -> Option<fn(u8) -> bool> {
    Some(match name {
        b"alpha" => |b: u8| b.is_ascii_alphabetic(),
        b"upper" => |b: u8| b.is_ascii_uppercase(),
        b"lower" => |b: u8| b.is_ascii_lowercase(),
        b"digit" => |b: u8| b.is_ascii_digit(),
        b"xdigit" => |b: u8| b.is_ascii_hexdigit(),
        b"alnum" => |b: u8| b.is_ascii_alphanumeric(),
        b"space" => is_c_space,
        b"blank" => |b: u8| b == b' ' || b == b'\t',
        b"punct" => |b: u8| b.is_ascii_punctuation(),
        b"print" => |b: u8| (0x20..=0x7e).contains(&b),
        b"graph" => |b: u8| b.is_ascii_graphic(),
        b"cntrl" => |b: u8| b.is_ascii_control(),
        _ => return None,
    })
}

/// C `isspace` in the C locale (unlike `u8::is_ascii_whitespace` it
/// includes vertical tab).
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}
