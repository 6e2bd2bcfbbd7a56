//! The small pattern tree that both the POSIX regex parser and the fnmatch
//! translator produce, and its rendering into `regex`-crate syntax.
//!
//! Everything is byte-oriented (tinyproxy runs glibc's matchers in the C
//! locale, where one byte is one character), so literals and classes are
//! always written as `\xNN` escapes and the result must be compiled with
//! Unicode mode off. Writing every byte as an escape means no character that
//! is special to the `regex` crate can leak through unescaped.

use std::fmt::Write;

/// A set of bytes (a bracket expression, `.`, `\w`, ...).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ByteSet([u64; 4]);

impl ByteSet {
    /// The empty set.
    pub fn empty() -> ByteSet {
        ByteSet([0; 4])
    }

    /// Every byte.
    pub fn full() -> ByteSet {
        ByteSet([u64::MAX; 4])
    }

    /// Adds one byte.
    pub fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    /// Removes one byte.
    pub fn remove(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] &= !(1 << (b & 63));
    }

    /// Adds every byte in `lo..=hi` (nothing when `lo > hi`).
    pub fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.insert(b);
        }
    }

    /// Adds every byte for which `pred` holds.
    pub fn insert_where(&mut self, pred: impl Fn(u8) -> bool) {
        for b in 0..=255u8 {
            if pred(b) {
                self.insert(b);
            }
        }
    }

    /// Whether `b` is in the set.
    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    /// The complement.
    pub fn negated(&self) -> ByteSet {
        ByteSet(self.0.map(|w| !w))
    }

    /// Renders as a `regex` class of `\xNN` ranges; an empty set becomes a
    /// class that can never match.
    fn render(&self, out: &mut String) {
        let mut ranges = Vec::new();
        let mut b = 0u16;
        while b < 256 {
            if self.contains(b as u8) {
                let start = b;
                while b < 255 && self.contains((b + 1) as u8) {
                    b += 1;
                }
                ranges.push((start, b));
            }
            b += 1;
        }
        if ranges.is_empty() {
            out.push_str(r"[^\x00-\xFF]");
            return;
        }
        out.push('[');
        for (lo, hi) in ranges {
            let _ = write!(out, r"\x{lo:02X}");
            if hi > lo {
                let _ = write!(out, r"-\x{hi:02X}");
            }
        }
        out.push(']');
    }
}

/// Zero-width assertions (glibc's anchors and GNU word operators).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Assertion {
    /// `^` with REG_NEWLINE: start of the subject or after a newline.
    LineStart,
    /// `$` with REG_NEWLINE: end of the subject or before a newline.
    LineEnd,
    /// `` \` ``: start of the subject.
    TextStart,
    /// `\'`: end of the subject.
    TextEnd,
    /// `\b`.
    WordBoundary,
    /// `\B`.
    NotWordBoundary,
    /// `\<`.
    WordStart,
    /// `\>`.
    WordEnd,
}

/// A parsed pattern.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Node {
    /// Matches the empty string.
    Empty,
    /// One literal byte.
    Byte(u8),
    /// One byte out of a set.
    Set(ByteSet),
    /// A zero-width assertion.
    Assert(Assertion),
    /// A sequence.
    Concat(Vec<Node>),
    /// An alternation.
    Alt(Vec<Node>),
    /// `node{min,max}`; `max == None` is unbounded.
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

impl Node {
    /// Renders the tree as `regex`-crate syntax (to be compiled with
    /// Unicode mode off).
    pub fn to_regex(&self) -> String {
        let mut out = String::new();
        self.render(&mut out);
        out
    }

    fn render(&self, out: &mut String) {
        match self {
            Node::Empty => out.push_str("(?:)"),
            Node::Byte(b) => {
                let _ = write!(out, r"\x{b:02X}");
            }
            Node::Set(set) => set.render(out),
            Node::Assert(a) => out.push_str(match a {
                Assertion::LineStart => "(?m:^)",
                Assertion::LineEnd => "(?m:$)",
                Assertion::TextStart => r"\A",
                Assertion::TextEnd => r"\z",
                Assertion::WordBoundary => r"\b",
                Assertion::NotWordBoundary => r"\B",
                Assertion::WordStart => r"\b{start}",
                Assertion::WordEnd => r"\b{end}",
            }),
            Node::Concat(nodes) => {
                out.push_str("(?:");
                for n in nodes {
                    n.render(out);
                }
                out.push(')');
            }
            Node::Alt(nodes) => {
                out.push_str("(?:");
                for (i, n) in nodes.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    n.render(out);
                }
                out.push(')');
            }
            Node::Repeat { node, min, max } => {
                out.push_str("(?:");
                node.render(out);
                out.push(')');
                match max {
                    Some(max) => {
                        let _ = write!(out, "{{{min},{max}}}");
                    }
                    None => {
                        let _ = write!(out, "{{{min},}}");
                    }
                }
            }
        }
    }
}
