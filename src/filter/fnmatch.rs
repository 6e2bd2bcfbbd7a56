//! Shell wildcard patterns as glibc's `fnmatch(pattern, subject, 0)` reads
//! them in the C locale (tinyproxy passes no flags: `*` and `?` also match
//! `/` and a leading `.`, backslash escapes, matching is case-sensitive and
//! covers the whole subject), turned into a [`Node`] tree for the `regex`
//! crate so matching stays linear in the subject length.
//!
//! glibc decides what a bracket expression means while it matches, one
//! subject character at a time, and malformed brackets (unterminated, bad
//! class names, stray `[:`) have quirky, character-dependent outcomes. To
//! reproduce them exactly, [`bracket_step`] replays glibc's bracket rules for
//! a given subject byte; running it for all 256 bytes gives, for each byte,
//! whether it matches and where the pattern continues. Bytes are grouped by
//! continuation, so a well-formed bracket becomes one byte class, and a
//! malformed one becomes an alternation of its possible readings.

use super::bracket::class_predicate;
use super::node::{Assertion, ByteSet, Node};

/// glibc's longest character class name in fnmatch.
const CLASS_MAX: usize = 256;

/// How many partial translations one pattern may need (guards against
/// patterns whose malformed brackets branch at every step).
const BUDGET: usize = 2_000;

/// Why a pattern could not be translated (only absurdly malformed ones).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("fnmatch pattern too complex")]
pub struct TooComplex;

/// Translates a whole fnmatch pattern into an anchored tree.
pub fn parse(pat: &[u8]) -> Result<Node, TooComplex> {
    let mut budget = BUDGET;
    let rest = sequence(pat, 0, &mut budget)?;
    Ok(Node::Concat(vec![Node::Assert(Assertion::TextStart), rest]))
}

/// The pattern from `p` on; every reading ends at the end of the subject.
fn sequence(pat: &[u8], mut p: usize, budget: &mut usize) -> Result<Node, TooComplex> {
    *budget = budget.checked_sub(1).ok_or(TooComplex)?;
    let mut items = Vec::new();
    while let Some(&c) = pat.get(p) {
        p += 1;
        match c {
            b'?' => items.push(Node::Set(ByteSet::full())),
            b'*' => items.push(Node::Repeat {
                node: Box::new(Node::Set(ByteSet::full())),
                min: 0,
                max: None,
            }),
            b'\\' => match pat.get(p) {
                // A trailing backslash never matches.
                None => return Ok(never(items)),
                Some(&e) => {
                    items.push(Node::Byte(e));
                    p += 1;
                }
            },
            b'[' => {
                let groups = bracket_groups(pat, p - 1);
                match groups.as_slice() {
                    [] => return Ok(never(items)),
                    [(set, next)] => {
                        items.push(Node::Set(*set));
                        p = *next;
                    }
                    _ => {
                        let mut alts = Vec::new();
                        for (set, next) in groups {
                            let rest = sequence(pat, next, budget)?;
                            alts.push(Node::Concat(vec![Node::Set(set), rest]));
                        }
                        items.push(Node::Alt(alts));
                        return Ok(Node::Concat(items));
                    }
                }
            }
            _ => items.push(Node::Byte(c)),
        }
    }
    items.push(Node::Assert(Assertion::TextEnd));
    Ok(Node::Concat(items))
}

/// A sequence that cannot match.
fn never(mut items: Vec<Node>) -> Node {
    items.push(Node::Set(ByteSet::empty()));
    Node::Concat(items)
}

/// For the bracket opening at `open`: the bytes it matches, grouped by the
/// pattern index where matching continues.
fn bracket_groups(pat: &[u8], open: usize) -> Vec<(ByteSet, usize)> {
    let mut groups: Vec<(ByteSet, usize)> = Vec::new();
    for b in 0..=255u8 {
        let Some(next) = bracket_step(pat, open, b) else {
            continue;
        };
        match groups.iter_mut().find(|(_, n)| *n == next) {
            Some((set, _)) => set.insert(b),
            None => {
                let mut set = ByteSet::empty();
                set.insert(b);
                groups.push((set, next));
            }
        }
    }
    groups
}

/// Outcome of one element of a bracket for the subject byte.
enum Step {
    /// The byte matched this element.
    Matched(usize),
    /// glibc gives up on the whole match here.
    Fatal,
    /// Not matched; the next pattern byte and the index after it.
    Next(u8, usize),
}

/// Characters glibc's fnmatch accepts in a class name: `a` to `y` (it
/// excludes `z`, harmless since no class name contains one).
fn class_name_char(c: u8) -> bool {
    (b'a'..=b'y').contains(&c)
}

/// The pattern byte at `i`, or 0 past the end (C string semantics).
fn at(pat: &[u8], i: usize) -> u8 {
    pat.get(i).copied().unwrap_or(0)
}

/// Whether the bracket at `open` matches subject byte `f`, and if so the
/// pattern index after it. Replays glibc's reading, including that an
/// unterminated bracket stands for a literal `[`.
fn bracket_step(pat: &[u8], open: usize, f: u8) -> Option<usize> {
    let mut p = open + 1;
    let negate = matches!(at(pat, p), b'!' | b'^');
    if negate {
        p += 1;
    }
    let mut c = at(pat, p);
    p += 1;
    loop {
        let step = if c == b'\\' {
            if at(pat, p) == 0 {
                return None;
            }
            let e = at(pat, p);
            normal(pat, e, p + 1, f)
        } else if c == b'[' && at(pat, p) == b':' {
            class(pat, p, f)
        } else if c == b'[' && at(pat, p) == b'=' {
            equiv(pat, p, f)
        } else if c == 0 {
            // Unterminated: `[` is an ordinary character.
            return (f == b'[').then_some(open + 1);
        } else if c == b'[' && at(pat, p) == b'.' {
            collating(pat, p, f)
        } else {
            normal(pat, c, p, f)
        };
        match step {
            Step::Fatal => return None,
            Step::Matched(q) => {
                return match skip_rest(pat, q) {
                    Skip::Unterminated => (f == b'[').then_some(open + 1),
                    Skip::Fail => None,
                    Skip::Closed(end) => (!negate).then_some(end),
                };
            }
            Step::Next(n, q) => {
                c = n;
                p = q;
                if c == b']' {
                    return negate.then_some(p);
                }
            }
        }
    }
}

/// An ordinary element `c` (its pattern index is just before `p`), possibly
/// the start of a range.
fn normal(pat: &[u8], c: u8, p: usize, f: u8) -> Step {
    let is_range = at(pat, p) == b'-' && !matches!(at(pat, p + 1), 0 | b']');
    if !is_range && c == f {
        return Step::Matched(p);
    }
    range_tail(pat, c, at(pat, p), p + 1, f)
}

/// After an element `lo`: if `c` is a `-` that starts a range, reads the
/// range end and tests it.
fn range_tail(pat: &[u8], lo: u8, c: u8, mut p: usize, f: u8) -> Step {
    if c != b'-' || at(pat, p) == b']' {
        return Step::Next(c, p);
    }
    let mut hi = at(pat, p);
    p += 1;
    if hi == b'[' && at(pat, p) == b'.' {
        match collating_name(pat, p) {
            Some((name, q)) => {
                hi = name;
                p = q;
            }
            None => return Step::Fatal,
        }
    } else {
        if hi == b'\\' {
            hi = at(pat, p);
            p += 1;
        }
        if hi == 0 {
            return Step::Fatal;
        }
    }
    if lo <= f && f <= hi {
        return Step::Matched(p);
    }
    Step::Next(at(pat, p), p + 1)
}

/// Reads `[.c.]` whose `.` is at `p`: the single character and the index
/// after `]`, or None when glibc gives up (unterminated or not one byte).
fn collating_name(pat: &[u8], start: usize) -> Option<(u8, usize)> {
    let mut p = start;
    let mut len = 0;
    loop {
        p += 1;
        let c = at(pat, p);
        if c == b'.' && at(pat, p + 1) == b']' {
            p += 2;
            break;
        }
        if c == 0 {
            return None;
        }
        len += 1;
    }
    (len == 1).then(|| (at(pat, start + 1), p))
}

/// A `[.c.]` element (its `.` at `p`).
fn collating(pat: &[u8], p: usize, f: u8) -> Step {
    let Some((ch, p)) = collating_name(pat, p) else {
        return Step::Fatal;
    };
    let is_range = at(pat, p) == b'-' && at(pat, p + 1) != 0;
    if !is_range && ch == f {
        return Step::Matched(p);
    }
    range_tail(pat, ch, at(pat, p), p + 1, f)
}

/// A `[:name:]` element (its `:` at `start`). A name with a character
/// outside `a`..`y` makes the `[` an ordinary element instead.
fn class(pat: &[u8], start: usize, f: u8) -> Step {
    let mut p = start;
    let mut name = Vec::new();
    loop {
        if name.len() == CLASS_MAX {
            return Step::Fatal;
        }
        p += 1;
        let c = at(pat, p);
        if c == b':' && at(pat, p + 1) == b']' {
            p += 2;
            break;
        }
        if !class_name_char(c) {
            return normal(pat, b'[', start, f);
        }
        name.push(c);
    }
    let Some(pred) = class_predicate(&name) else {
        return Step::Fatal;
    };
    if pred(f) {
        return Step::Matched(p);
    }
    Step::Next(at(pat, p), p + 1)
}

/// A `[=c=]` element (its `=` at `start`); anything else makes the `[` an
/// ordinary element.
fn equiv(pat: &[u8], start: usize, f: u8) -> Step {
    let ch = at(pat, start + 1);
    if ch == 0 || at(pat, start + 2) != b'=' || at(pat, start + 3) != b']' {
        return normal(pat, b'[', start, f);
    }
    if ch == f {
        return Step::Matched(start + 4);
    }
    Step::Next(at(pat, start + 4), start + 5)
}

/// Where skipping the rest of a matched bracket ends.
enum Skip {
    /// At the closing `]`; matching continues at this index.
    Closed(usize),
    /// The bracket turned out unterminated: `[` is an ordinary character.
    Unterminated,
    /// glibc gives up on the whole match.
    Fail,
}

/// After a match: skips the rest of the bracket the way glibc does (its
/// reading differs from the element loop's for malformed `[:` and `[=`).
fn skip_rest(pat: &[u8], mut p: usize) -> Skip {
    loop {
        let c = at(pat, p);
        p += 1;
        match c {
            b']' => return Skip::Closed(p),
            0 => return Skip::Unterminated,
            b'\\' => {
                if at(pat, p) == 0 {
                    return Skip::Fail;
                }
                p += 1;
            }
            b'[' if at(pat, p) == b':' => {
                let name_start = p;
                let mut len = 0;
                loop {
                    p += 1;
                    len += 1;
                    if len == CLASS_MAX {
                        return Skip::Fail;
                    }
                    if at(pat, p) == b':' && at(pat, p + 1) == b']' {
                        p += 2;
                        break;
                    }
                    if !class_name_char(at(pat, p)) {
                        // Not a class name after all: rescan from the ':'.
                        p = name_start;
                        break;
                    }
                }
            }
            b'[' if at(pat, p) == b'=' => {
                if at(pat, p + 1) == 0 || at(pat, p + 2) != b'=' || at(pat, p + 3) != b']' {
                    return Skip::Fail;
                }
                p += 4;
            }
            b'[' if at(pat, p) == b'.' => loop {
                p += 1;
                let c = at(pat, p);
                if c == 0 {
                    return Skip::Fail;
                }
                if c == b'.' && at(pat, p + 1) == b']' {
                    p += 2;
                    break;
                }
            },
            _ => {}
        }
    }
}
