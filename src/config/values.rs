//! Argument tokens (nom), mirroring the regular-expression atoms tinyproxy
//! builds its directive patterns from.
//!
//! Every directive's pattern is `^[ \t]*()[ \t]+ARGS[ \t]*$`, matched
//! case-insensitively against the rest of the line after the name. So: at
//! least one blank before the arguments, blanks between them, optional
//! trailing blanks, and nothing else — not even a `\r`.
//!
//! Single-word arguments are read as a whole word (up to the next blank)
//! and then checked, which accepts exactly what the regex accepts (no
//! argument atom contains a blank) while giving better error positions.

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::combinator::eof;
use nom::error::{ErrorKind, ParseError};
use nom::sequence::{delimited, terminated};
use nom::IResult;

/// Parser input: the bytes of one line.
pub type In<'a> = &'a [u8];

/// A parse failure: where, and what would have been accepted there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PErr<'a> {
    /// The input from the failure point to the end of the line.
    pub at: In<'a>,
    /// What was expected, in words ("" until a label is attached).
    pub expected: &'static str,
}

impl<'a> ParseError<In<'a>> for PErr<'a> {
    fn from_error_kind(input: In<'a>, _kind: ErrorKind) -> Self {
        PErr {
            at: input,
            expected: "",
        }
    }

    fn append(_input: In<'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    /// Of two failed alternatives, report the one that got further.
    fn or(self, other: Self) -> Self {
        if other.at.len() <= self.at.len() {
            other
        } else {
            self
        }
    }
}

pub type PRes<'a, O> = IResult<In<'a>, O, PErr<'a>>;

/// A failure at `at` expecting `what` (for hand-written checks).
pub fn fail<'a, O>(at: In<'a>, what: &'static str) -> PRes<'a, O> {
    Err(nom::Err::Error(PErr { at, expected: what }))
}

/// Label `f`'s failures with `what`, unless a deeper parser already said
/// something more precise further along.
pub fn expect<'a, O, F>(what: &'static str, mut f: F) -> impl FnMut(In<'a>) -> PRes<'a, O>
where
    F: FnMut(In<'a>) -> PRes<'a, O>,
{
    move |i: In<'a>| {
        f(i).map_err(|e| {
            e.map(|mut pe| {
                if pe.expected.is_empty() || pe.at.len() == i.len() {
                    pe.expected = what;
                }
                pe
            })
        })
    }
}

pub fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `[ \t]+`
pub fn blanks1(i: In<'_>) -> PRes<'_, In<'_>> {
    expect("a space or tab", take_while1(is_blank))(i)
}

/// `[ \t]*`
pub fn blanks0(i: In<'_>) -> PRes<'_, In<'_>> {
    take_while(is_blank)(i)
}

/// `[ \t]*$`: optional trailing blanks, then the end of the line.
pub fn line_end(i: In<'_>) -> PRes<'_, ()> {
    let (i, _) = blanks0(i)?;
    let (i, _) = expect(
        "end of line (tinyproxy has no trailing comments; a trailing \\r means CRLF line endings)",
        eof,
    )(i)?;
    Ok((i, ()))
}

/// A run of bytes that are neither blanks nor control characters (no
/// single-word argument may contain either; stopping at a `\r` lets the
/// error point at it).
pub fn word(i: In<'_>) -> PRes<'_, In<'_>> {
    take_while1(|b: u8| !is_blank(b) && !b.is_ascii_control())(i)
}

/// One whole-line argument: `[ \t]+ARG[ \t]*$`.
pub fn sole<'a, O, F>(f: F) -> impl FnMut(In<'a>) -> PRes<'a, O>
where
    F: FnMut(In<'a>) -> PRes<'a, O>,
{
    delimited(blanks1, f, line_end)
}

/// STR: `"` one or more non-`"` bytes `"`; no escapes, no empty string.
pub fn quoted(i: In<'_>) -> PRes<'_, In<'_>> {
    let (i, _) = expect("a double-quoted string", tag("\""))(i)?;
    let (i, body) = expect(
        "a non-empty string before the closing '\"' (\"\" is not allowed)",
        take_while1(|b| b != b'"'),
    )(i)?;
    let (i, _) = expect("a closing '\"'", tag("\""))(i)?;
    Ok((i, body))
}

/// A word that must satisfy `ok`, reported as `what` otherwise.
pub fn checked_word<'a>(
    what: &'static str,
    ok: fn(&[u8]) -> bool,
) -> impl FnMut(In<'a>) -> PRes<'a, In<'a>> {
    move |i: In<'a>| {
        let (rest, w) = expect(what, word)(i)?;
        if ok(w) {
            Ok((rest, w))
        } else {
            fail(i, what)
        }
    }
}

/// A word equal (ignoring ASCII case) to one of `words`; returns its index.
pub fn keyword<'a>(
    what: &'static str,
    words: &'static [&'static str],
) -> impl FnMut(In<'a>) -> PRes<'a, usize> {
    move |i: In<'a>| {
        let (rest, w) = expect(what, word)(i)?;
        match words
            .iter()
            .position(|k| w.eq_ignore_ascii_case(k.as_bytes()))
        {
            Some(n) => Ok((rest, n)),
            None => fail(i, what),
        }
    }
}

/// BOOL: yes/on/no/off in any case. tinyproxy's truth test is "first
/// letter y or second letter n", which for these four words means yes/on.
pub fn boolean(i: In<'_>) -> PRes<'_, bool> {
    let (rest, n) = keyword("yes, on, no or off", &["yes", "on", "no", "off"])(i)?;
    Ok((rest, n < 2))
}

/// An INT literal and its value as tinyproxy computes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntLit<'a> {
    pub text: &'a [u8],
    /// `strtoul(text, NULL, 0)`: leading 0 means octal, parsing stops at
    /// the first 8 or 9 after it, overflow saturates.
    pub value: u64,
}

impl IntLit<'_> {
    /// True when tinyproxy's octal reading differs from the decimal one a
    /// reader would expect (`010` is 8, `08` is 0).
    pub fn octal_surprise(&self) -> bool {
        self.text.len() > 1 && self.text[0] == b'0' && decimal(self.text) != self.value
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.text).into_owned()
    }
}

/// INT: `[0-9]+`.
pub fn integer(i: In<'_>) -> PRes<'_, IntLit<'_>> {
    let (rest, text) = checked_word("a number (digits only)", |w| {
        w.iter().all(u8::is_ascii_digit)
    })(i)?;
    Ok((
        rest,
        IntLit {
            text,
            value: strtoul0(text),
        },
    ))
}

/// `strtoul(s, NULL, 0)` for a string of ASCII digits.
pub fn strtoul0(s: &[u8]) -> u64 {
    if s.len() > 1 && s[0] == b'0' {
        let octal: Vec<u8> = s[1..]
            .iter()
            .copied()
            .take_while(|b| (b'0'..=b'7').contains(b))
            .collect();
        fold_digits(&octal, 8)
    } else {
        decimal(s)
    }
}

fn decimal(s: &[u8]) -> u64 {
    fold_digits(s, 10)
}

fn fold_digits(s: &[u8], base: u64) -> u64 {
    let mut v: u64 = 0;
    for &b in s {
        match v
            .checked_mul(base)
            .and_then(|x| x.checked_add(u64::from(b - b'0')))
        {
            Some(x) => v = x,
            None => return u64::MAX,
        }
    }
    v
}

/// ALNUM: `[-a-z0-9._]+`, any case (User, Group, host names).
pub fn is_alnum(w: &[u8]) -> bool {
    !w.is_empty()
        && w.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// IP: `([0-9]{1,3}\.){3}[0-9]{1,3}` (octets not range-checked).
pub fn is_ip4_form(w: &[u8]) -> bool {
    let parts: Vec<&[u8]> = w.split(|&b| b == b'.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.iter().all(u8::is_ascii_digit))
}

fn is_hex_colon(b: &u8) -> bool {
    b.is_ascii_hexdigit() || *b == b':'
}

/// IPV6 without scope: `[0-9a-f:]{2,39}` or `[0-9a-f:]{0,29}:` + IP.
pub fn is_ip6_form(w: &[u8]) -> bool {
    if (2..=39).contains(&w.len()) && w.iter().all(is_hex_colon) {
        return true;
    }
    match w.iter().rposition(|&b| b == b':') {
        Some(k) => k <= 29 && w[..k].iter().all(is_hex_colon) && is_ip4_form(&w[k + 1..]),
        None => false,
    }
}

/// Split an IPv6 scope (`%eth0`, tinyproxy 1.11.2+: 1 to 16 bytes, no
/// blank, `\` or `/`) off `w`. We also refuse control bytes in it.
pub fn split_scope(w: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    match w.iter().position(|&b| b == b'%') {
        None => Some((w, None)),
        Some(k) => {
            let scope = &w[k + 1..];
            let ok = (1..=16).contains(&scope.len())
                && scope
                    .iter()
                    .all(|&b| b.is_ascii_graphic() && b != b'\\' && b != b'/');
            ok.then_some((&w[..k], Some(scope)))
        }
    }
}

/// IPV6 with optional scope (tinyproxy 1.11.2+).
pub fn is_ip6_scoped_form(w: &[u8]) -> bool {
    matches!(split_scope(w), Some((a, _)) if is_ip6_form(a))
}

/// Listen/Bind: `IP | IPV6[%scope]`.
pub fn is_addr_form(w: &[u8]) -> bool {
    is_ip4_form(w) || is_ip6_scoped_form(w)
}

/// Allow/Deny: `IP[/n] | IPV6[%scope][/n] | ALNUM`.
pub fn is_acl_form(w: &[u8]) -> bool {
    if is_alnum(w) {
        return true;
    }
    let (addr, mask) = match w.iter().position(|&b| b == b'/') {
        Some(k) => (&w[..k], Some(&w[k + 1..])),
        None => (w, None),
    };
    let mask_ok = mask.map_or(true, |m| !m.is_empty() && m.iter().all(u8::is_ascii_digit));
    mask_ok && (is_ip4_form(addr) || is_ip6_scoped_form(addr))
}

/// Text of a value for messages and typed fields (invalid UTF-8 replaced;
/// the caller warns when that happened).
pub fn text(b: &[u8]) -> (String, bool) {
    match std::str::from_utf8(b) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (String::from_utf8_lossy(b).into_owned(), true),
    }
}

/// `A WS B` where both are parsed by the given parsers, then end of line.
pub fn pair<'a, A, B, FA, FB>(fa: FA, fb: FB) -> impl FnMut(In<'a>) -> PRes<'a, (A, B)>
where
    FA: FnMut(In<'a>) -> PRes<'a, A>,
    FB: FnMut(In<'a>) -> PRes<'a, B>,
{
    let mut fa = fa;
    let mut fb = fb;
    move |i: In<'a>| {
        let (i, _) = blanks1(i)?;
        let (i, a) = fa(i)?;
        let (i, _) = blanks1(i)?;
        let (i, b) = terminated(&mut fb, line_end)(i)?;
        Ok((i, (a, b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoul_like_c() {
        assert_eq!(strtoul0(b"8888"), 8888);
        assert_eq!(strtoul0(b"010"), 8);
        assert_eq!(strtoul0(b"08"), 0);
        assert_eq!(strtoul0(b"0110000"), 36864);
        assert_eq!(strtoul0(b"0"), 0);
        assert_eq!(strtoul0(b"99999999999999999999"), u64::MAX);
    }

    #[test]
    fn forms() {
        assert!(is_ip4_form(b"1.2.3.999"));
        assert!(!is_ip4_form(b"1.2.3"));
        assert!(is_ip6_form(b"::1"));
        assert!(is_ip6_form(b"::ffff:1.2.3.4"));
        assert!(is_ip6_form(b"ab"));
        assert!(!is_ip6_form(b"fe80::1%eth0"));
        assert!(is_ip6_scoped_form(b"fe80::1%eth0"));
        assert!(is_acl_form(b"10.0.0.0/8"));
        assert!(!is_acl_form(b"10.0.0.0/255.0.0.0"));
        assert!(!is_acl_form(b"1.2.3.4/"));
        assert!(is_acl_form(b"a_b.example"));
    }
}
