//! POSIX basic and extended regular expressions, read the way glibc's
//! `regcomp` reads them with the flags tinyproxy passes
//! (`REG_NEWLINE | REG_NOSUB`, plus `REG_EXTENDED` for ERE and `REG_ICASE`
//! unless FilterCaseSensitive), and turned into a [`Node`] tree that the
//! `regex` crate can run in linear time.
//!
//! The glibc rules reproduced here (each is pinned by a test against glibc
//! itself in `tests/filter_glibc.rs`):
//! * BRE: `\( \)` groups, `\{m,n\}` intervals, GNU `\| \+ \?` operators;
//!   `+ ? | { } ( )` are literal. `*` is literal at the start of the
//!   pattern, after `\(`, `\|` or an anchor. `^` is an anchor only at the
//!   start, after `\(` or `\|`; `$` only at the end, before `\)` or `\|`.
//!   Two interval/star operators in a row (`a**`, `a\{2\}*`) are an error.
//! * ERE: the usual operators; `^ $` are anchors everywhere; a repetition
//!   operator with nothing to repeat is an error; an unmatched `)` is literal;
//!   a `{` that does not start a valid interval is an error.
//! * Both: `.` matches anything but newline and NUL; GNU escapes `\w \W \s
//!   \S \b \B \< \> \` \'`; any other `\c` is the literal `c`; a trailing
//!   `\` is an error; intervals go up to 32767; `{,n}` means `{0,n}`.
//! * REG_ICASE: glibc upper-cases the pattern and the subject. Characters
//!   written after a backslash are taken as written, so an escaped lower-case
//!   letter (`\a`) can never match when case is ignored — a glibc quirk kept
//!   for fidelity. The caller upper-cases the subject.
//!
//! Back-references (`\1`–`\9`) are valid in glibc but have no linear-time
//! implementation; they are refused with [`PosixError::BackReference`].

use super::bracket::{self, class_predicate, is_c_space};
use super::node::{Assertion, ByteSet, Node};

/// The largest repetition count glibc accepts (RE_DUP_MAX).
const DUP_MAX: u32 = 0x7fff;

/// BRE or ERE.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavor {
    Basic,
    Extended,
}

pub use super::posix_error::PosixError;

/// Parses `pat` into a tree. With `icase` the pattern's own characters are
/// upper-cased (the subject must be upper-cased by the caller).
pub fn parse(pat: &[u8], flavor: Flavor, icase: bool) -> Result<Node, PosixError> {
    let mut p = Parser {
        pat,
        pos: 0,
        flavor,
        icase,
        tok: Tok::End,
        groups_done: 0,
        groups_open: 0,
    };
    p.advance(true);
    let node = p.regexp(0)?;
    match p.tok {
        Tok::End => Ok(node),
        _ => Err(PosixError::Syntax("unmatched )")),
    }
}

/// One token of the pattern.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    End,
    /// A literal byte (already case-translated).
    Char(u8),
    Alt,
    Star,
    Plus,
    Question,
    OpenDup,
    CloseDup,
    OpenGroup,
    CloseGroup,
    OpenBracket,
    Period,
    Anchor(Assertion),
    BackRef(u8),
    /// `\w \W \s \S`: (is word class, negated).
    ClassEscape(bool, bool),
    TrailingBackslash,
}

struct Parser<'a> {
    pat: &'a [u8],
    pos: usize,
    flavor: Flavor,
    icase: bool,
    tok: Tok,
    /// Bit n set once group n+1 is closed (back-references may only name
    /// closed groups).
    groups_done: u32,
    groups_open: u32,
}

impl Parser<'_> {
    fn basic(&self) -> bool {
        self.flavor == Flavor::Basic
    }

    fn fold(&self, b: u8) -> u8 {
        if self.icase {
            b.to_ascii_uppercase()
        } else {
            b
        }
    }

    /// Reads the next token. `caret_here` says `^` is an anchor at this
    /// point even in a BRE (just after `\(` or `\|`).
    fn advance(&mut self, caret_here: bool) {
        let (tok, len) = self.lex(self.pos, caret_here);
        self.tok = tok;
        self.pos += len;
    }

    /// The token at `at` and its length, without consuming it.
    fn lex(&self, at: usize, caret_here: bool) -> (Tok, usize) {
        let Some(&c) = self.pat.get(at) else {
            return (Tok::End, 0);
        };
        if c == b'\\' {
            return match self.pat.get(at + 1) {
                None => (Tok::TrailingBackslash, 1),
                Some(&c2) => (self.escape(c2), 2),
            };
        }
        let basic = self.basic();
        let tok = match c {
            b'*' => Tok::Star,
            b'[' => Tok::OpenBracket,
            b'.' => Tok::Period,
            b'|' if !basic => Tok::Alt,
            b'+' if !basic => Tok::Plus,
            b'?' if !basic => Tok::Question,
            b'{' if !basic => Tok::OpenDup,
            b'}' if !basic => Tok::CloseDup,
            b'(' if !basic => Tok::OpenGroup,
            b')' if !basic => Tok::CloseGroup,
            b'^' if !basic || at == 0 || caret_here => Tok::Anchor(Assertion::LineStart),
            b'$' if !basic || self.dollar_is_anchor(at) => Tok::Anchor(Assertion::LineEnd),
            _ => Tok::Char(self.fold(c)),
        };
        (tok, 1)
    }

    /// In a BRE `$` anchors only at the end or before `\)` / `\|`.
    fn dollar_is_anchor(&self, at: usize) -> bool {
        if at + 1 == self.pat.len() {
            return true;
        }
        matches!(self.lex(at + 1, false).0, Tok::Alt | Tok::CloseGroup)
    }

    /// The meaning of `\c`.
    fn escape(&self, c: u8) -> Tok {
        let basic = self.basic();
        match c {
            b'1'..=b'9' => Tok::BackRef(c - b'0'),
            b'<' => Tok::Anchor(Assertion::WordStart),
            b'>' => Tok::Anchor(Assertion::WordEnd),
            b'b' => Tok::Anchor(Assertion::WordBoundary),
            b'B' => Tok::Anchor(Assertion::NotWordBoundary),
            b'`' => Tok::Anchor(Assertion::TextStart),
            b'\'' => Tok::Anchor(Assertion::TextEnd),
            b'w' => Tok::ClassEscape(true, false),
            b'W' => Tok::ClassEscape(true, true),
            b's' => Tok::ClassEscape(false, false),
            b'S' => Tok::ClassEscape(false, true),
            b'|' if basic => Tok::Alt,
            b'(' if basic => Tok::OpenGroup,
            b')' if basic => Tok::CloseGroup,
            b'{' if basic => Tok::OpenDup,
            b'}' if basic => Tok::CloseDup,
            b'+' if basic => Tok::Plus,
            b'?' if basic => Tok::Question,
            // glibc keeps the escaped character as written, even under
            // REG_ICASE.
            _ => Tok::Char(c),
        }
    }

    /// Alternation: branches separated by `|` (`\|`).
    fn regexp(&mut self, nest: u32) -> Result<Node, PosixError> {
        let mut branches = vec![self.branch(nest)?];
        while self.tok == Tok::Alt {
            self.advance(true);
            if self.branch_ends(nest) {
                branches.push(Node::Empty);
            } else {
                branches.push(self.branch(nest)?);
            }
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    fn branch_ends(&self, nest: u32) -> bool {
        matches!(self.tok, Tok::Alt | Tok::End) || (nest > 0 && self.tok == Tok::CloseGroup)
    }

    /// A sequence of expressions.
    fn branch(&mut self, nest: u32) -> Result<Node, PosixError> {
        let mut items = vec![self.expression(nest)?];
        while !self.branch_ends(nest) {
            items.push(self.expression(nest)?);
        }
        items.retain(|n| *n != Node::Empty);
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    /// One atom with its repetition operators.
    fn expression(&mut self, nest: u32) -> Result<Node, PosixError> {
        let basic = self.basic();
        let atom = match self.tok {
            Tok::Alt | Tok::End => return Ok(Node::Empty),
            Tok::Char(c) => Node::Byte(c),
            Tok::Period => {
                let mut set = ByteSet::full();
                set.remove(b'\n');
                set.remove(0);
                Node::Set(set)
            }
            Tok::OpenBracket => {
                let (set, end) = bracket::parse(self.pat, self.pos, self.icase)?;
                self.pos = end;
                Node::Set(set)
            }
            Tok::OpenGroup => self.group(nest)?,
            Tok::BackRef(n) => {
                return Err(if self.groups_done & (1 << (n - 1)) != 0 {
                    PosixError::BackReference
                } else {
                    PosixError::Syntax("invalid back reference")
                });
            }
            Tok::Anchor(a) => {
                // An anchor is never the operand of a repetition: what
                // follows starts a new expression.
                self.advance(false);
                return Ok(Node::Assert(a));
            }
            Tok::ClassEscape(word, negated) => Node::Set(class_escape(word, negated)),
            // Nothing to repeat: an interval is always an error there, the
            // other operators only in an ERE (a BRE takes them literally).
            Tok::OpenDup => return Err(PosixError::Syntax("invalid preceding regex")),
            Tok::Star | Tok::Plus | Tok::Question if !basic => {
                return Err(PosixError::Syntax("invalid preceding regex"));
            }
            Tok::Star => Node::Byte(b'*'),
            Tok::Plus => Node::Byte(b'+'),
            Tok::Question => Node::Byte(b'?'),
            Tok::CloseGroup if basic => return Err(PosixError::Syntax("unmatched )")),
            Tok::CloseGroup => Node::Byte(b')'),
            Tok::CloseDup => Node::Byte(b'}'),
            Tok::TrailingBackslash => return Err(PosixError::Syntax("trailing backslash")),
        };
        self.advance(false);
        self.repetitions(atom)
    }

    /// Applies any `* + ? {m,n}` that follow `atom`.
    fn repetitions(&mut self, mut atom: Node) -> Result<Node, PosixError> {
        loop {
            let (min, max) = match self.tok {
                Tok::Star => (0, None),
                Tok::Plus => (1, None),
                Tok::Question => (0, Some(1)),
                Tok::OpenDup => self.interval()?,
                _ => return Ok(atom),
            };
            self.advance(false);
            atom = Node::Repeat {
                node: Box::new(atom),
                min,
                max,
            };
            if self.basic() && matches!(self.tok, Tok::Star | Tok::OpenDup) {
                return Err(PosixError::Syntax("invalid preceding regex"));
            }
        }
    }

    /// Reads `{m}`, `{m,}`, `{m,n}` or `{,n}` after the opening brace; the
    /// current token is left on the closing brace.
    fn interval(&mut self) -> Result<(u32, Option<u32>), PosixError> {
        let bad = PosixError::Syntax("invalid interval");
        let (start, stop) = self.number();
        let min = match (start, stop) {
            (Num::Invalid, _) => return Err(bad),
            (Num::Missing, Tok::Char(b',')) => 0,
            (Num::Missing, _) => return Err(bad),
            (Num::Value(n), _) => n,
        };
        let max = match stop {
            Tok::CloseDup => Some(min),
            _ => match self.number() {
                (Num::Value(n), Tok::CloseDup) => Some(n),
                (Num::Missing, Tok::CloseDup) => None,
                _ => return Err(bad),
            },
        };
        if max.is_some_and(|max| min > max) {
            return Err(bad);
        }
        if max.unwrap_or(min) > DUP_MAX {
            return Err(PosixError::Syntax("interval too large"));
        }
        Ok((min, max))
    }

    /// Reads digits up to `,` or the closing brace; returns the number and
    /// the token it stopped at (which is consumed).
    fn number(&mut self) -> (Num, Tok) {
        let mut num = Num::Missing;
        loop {
            self.advance(false);
            match self.tok {
                Tok::End => return (Num::Invalid, Tok::End),
                Tok::CloseDup | Tok::Char(b',') => return (num, self.tok),
                Tok::Char(d @ b'0'..=b'9') if num != Num::Invalid => {
                    let d = u32::from(d - b'0');
                    num = Num::Value(match num {
                        Num::Value(n) => (n * 10 + d).min(DUP_MAX + 1),
                        _ => d,
                    });
                }
                _ => num = Num::Invalid,
            }
        }
    }

    /// A parenthesised group, current token on its opening parenthesis.
    fn group(&mut self, nest: u32) -> Result<Node, PosixError> {
        let index = self.groups_open;
        self.groups_open += 1;
        self.advance(true);
        let inner = if self.tok == Tok::CloseGroup {
            Node::Empty
        } else {
            let inner = self.regexp(nest + 1)?;
            if self.tok != Tok::CloseGroup {
                return Err(PosixError::Syntax("unmatched ("));
            }
            inner
        };
        if index < 9 {
            self.groups_done |= 1 << index;
        }
        Ok(inner)
    }
}

/// A number inside an interval.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Num {
    Missing,
    Invalid,
    Value(u32),
}

/// `\w` (alnum and `_`) and `\s` (C isspace), possibly negated. Unlike
/// bracket negation these do match a newline when negated (as in glibc).
fn class_escape(word: bool, negated: bool) -> ByteSet {
    let mut set = ByteSet::empty();
    if word {
        if let Some(alnum) = class_predicate(b"alnum") {
            set.insert_where(alnum);
        }
        set.insert(b'_');
    } else {
        set.insert_where(is_c_space);
    }
    if negated {
        set.negated()
    } else {
        set
    }
}
