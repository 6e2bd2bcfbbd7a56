//! An ordered header list that keeps repeated names (tinyproxy 1.11.3
//! behaviour, #403) and the hop-by-hop rules of
//! `../shared/spec/tinyproxy-1.11.md` §6.4/§6.5.
//!
//! Header lines are framed by us (a line ends at LF) and tokenised by
//! `httparse::parse_headers`, so names and values follow RFC 9110's syntax.

use super::HttpError;
use std::borrow::Cow;

/// The most header lines tinyproxy reads before answering 400 (CVE-2012-3505).
pub const MAX_HEADER_LINES: usize = 10_000;

/// RFC 9110 `tchar`: the bytes a method or a header name may use.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Who sent a header section: the rules differ where RFC 9112 tells a
/// proxy to repair a response but a server to reject a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    Client,
    Server,
}

/// Names a `Connection` header cannot make hop-by-hop: they frame or
/// route the message itself.
const NEVER_HOP: [&str; 3] = ["Content-Length", "Transfer-Encoding", "Host"];

/// One header as received: name case preserved, value without the
/// surrounding whitespace httparse strips.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: Vec<u8>,
}

/// Headers in arrival order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    list: Vec<Header>,
}

impl Headers {
    pub fn new() -> Headers {
        Headers { list: Vec::new() }
    }

    /// Parse a request's raw header lines (each without its line ending).
    pub fn parse_lines(lines: &[Vec<u8>]) -> Result<Headers, HttpError> {
        Headers::parse(lines, Sender::Client)
    }

    /// Parse raw header lines from `sender`.
    ///
    /// tinyproxy's quirks kept: a line without `:` is dropped silently; a
    /// line starting with `HTTP/` ends header processing ("double CGI").
    /// Deliberate fixes (RFC 9112 §5): an obsolete folded line is joined to
    /// the previous value with one space (§5.2) instead of forwarded folded.
    /// Whitespace before the colon is a 400 in a request (§5.1, tinyproxy
    /// #623) and removed from a response (§5.1: a proxy must remove it);
    /// whitespace-led lines before the first field are an error in a
    /// request and dropped from a response (§2.2). A name that is not a
    /// token or a value with control bytes is an error that names the line.
    pub fn parse(lines: &[Vec<u8>], sender: Sender) -> Result<Headers, HttpError> {
        if lines.len() > MAX_HEADER_LINES {
            return Err(HttpError::TooManyHeaders);
        }
        // Borrowed unless a line is repaired (folded, or space before the
        // colon): most requests need no copy of their lines.
        let mut joined: Vec<Cow<[u8]>> = Vec::with_capacity(lines.len());
        for line in lines {
            if line.starts_with(b" ") || line.starts_with(b"\t") {
                match (joined.last_mut(), sender) {
                    (Some(prev), _) => {
                        let prev = prev.to_mut();
                        prev.push(b' ');
                        prev.extend_from_slice(line.trim_ascii());
                    }
                    (None, Sender::Server) => {}
                    (None, Sender::Client) => {
                        return Err(HttpError::MalformedHeader(describe(line)))
                    }
                }
                continue;
            }
            if line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"HTTP/") {
                break;
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let name = &line[..colon];
            let trimmed = name.trim_ascii_end();
            if trimmed.len() != name.len() && sender == Sender::Server && !trimmed.is_empty() {
                let mut fixed = trimmed.to_vec();
                fixed.extend_from_slice(&line[colon..]);
                joined.push(Cow::Owned(fixed));
            } else {
                joined.push(Cow::Borrowed(line));
            }
        }
        let mut list = Vec::with_capacity(joined.len());
        for line in &joined {
            check_field_line(line).map_err(HttpError::MalformedHeader)?;
            list.push(parse_one(line).ok_or_else(|| HttpError::MalformedHeader(describe(line)))?);
        }
        Ok(Headers { list })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn push(&mut self, name: &str, value: &[u8]) {
        self.list.push(Header {
            name: name.to_string(),
            value: value.to_vec(),
        });
    }

    /// Every value of `name` (case-insensitive), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.list
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_slice())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.list
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_slice())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Remove every header called `name`; returns the removed values.
    pub fn remove(&mut self, name: &str) -> Vec<Vec<u8>> {
        let mut removed = Vec::new();
        self.list.retain(|h| {
            if h.name.eq_ignore_ascii_case(name) {
                removed.push(h.value.clone());
                false
            } else {
                true
            }
        });
        removed
    }

    /// Remove `Connection`, `Proxy-Connection` and every header either of
    /// them names, plus the fixed hop-by-hop names given.
    ///
    /// Unlike tinyproxy 1.11.1, the names listed in `Proxy-Connection` are
    /// honoured even without a `Connection` header, and a header that names
    /// itself (`Connection: Connection`, CVE-2023-49606) is simply removed.
    /// The framing and routing headers (`Content-Length`,
    /// `Transfer-Encoding`, `Host`) are never removed because a connection
    /// header names them: that would send the body as a second request
    /// (issue 11 item 2).
    pub fn remove_hop_by_hop(&mut self, fixed: &[&str]) {
        let mut names: Vec<String> = Vec::new();
        for conn in ["Connection", "Proxy-Connection"] {
            for value in self.remove(conn) {
                names.extend(connection_tokens(&value));
            }
        }
        names.retain(|n| !NEVER_HOP.iter().any(|k| k.eq_ignore_ascii_case(n)));
        for n in names
            .iter()
            .map(String::as_str)
            .chain(fixed.iter().copied())
        {
            self.remove(n);
        }
    }

    /// Replace the value of the first `name` header, if there is one.
    pub fn set_first(&mut self, name: &str, value: &[u8]) {
        if let Some(h) = self
            .list
            .iter_mut()
            .find(|h| h.name.eq_ignore_ascii_case(name))
        {
            h.value = value.to_vec();
        }
    }

    /// Serialise as `Name: value\r\n` lines.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for h in &self.list {
            write_header(out, &h.name, &h.value);
        }
    }

    /// Keep only headers whose names `allowed` accepts (Anonymous mode).
    pub fn retain_names(&mut self, allowed: impl Fn(&str) -> bool) {
        self.list.retain(|h| allowed(&h.name));
    }
}

/// Tokenise one checked field line with httparse (name, value without
/// surrounding whitespace). httparse needs the block's terminator after
/// the line: a stack buffer holds a usual line, the heap a longer one.
fn parse_one(line: &[u8]) -> Option<Header> {
    const INLINE: usize = 256;
    let mut stack = [0u8; INLINE + 4];
    let mut heap = Vec::new();
    let block: &[u8] = if line.len() <= INLINE {
        stack[..line.len()].copy_from_slice(line);
        stack[line.len()..line.len() + 4].copy_from_slice(b"\r\n\r\n");
        &stack[..line.len() + 4]
    } else {
        heap.reserve_exact(line.len() + 4);
        heap.extend_from_slice(line);
        heap.extend_from_slice(b"\r\n\r\n");
        &heap
    };
    let mut slot = [httparse::EMPTY_HEADER; 1];
    match httparse::parse_headers(block, &mut slot) {
        Ok(httparse::Status::Complete((_, [h]))) => Some(Header {
            name: h.name.to_string(),
            value: h.value.to_vec(),
        }),
        _ => None,
    }
}

/// Check one field line (`name: value`, RFC 9110 §5): the name a token,
/// the value free of control bytes other than HTAB. Returns the name, or
/// a printable description of the line for the log.
pub fn check_field_line(line: &[u8]) -> Result<&[u8], String> {
    let colon = line.iter().position(|&b| b == b':');
    let name = &line[..colon.unwrap_or(line.len())];
    let value = colon.map_or(&[][..], |c| &line[c + 1..]);
    let bad_value = value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f);
    if colon.is_none() || name.is_empty() || !name.iter().copied().all(is_tchar) || bad_value {
        return Err(describe(line));
    }
    Ok(name)
}

/// A header line as a log may show it: the name (or the line's start),
/// escaped, at most 64 bytes.
fn describe(line: &[u8]) -> String {
    let end = line.iter().position(|&b| b == b':').unwrap_or(line.len());
    let shown: String = line[..end.min(64)]
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    let what = if end < line.len() { "header" } else { "line" };
    format!("{what} \"{shown}\"")
}

/// Append one `Name: value\r\n` line.
pub fn write_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// The header names a `Connection` value lists. Separators are tinyproxy's
/// set (any of `()<>@,;:\"/[]?={}`, space, tab), a superset of RFC 9110's.
pub fn connection_tokens(value: &[u8]) -> Vec<String> {
    value
        .split(|b| b"()<>@,;:\\\"/[]?={} \t".contains(b))
        .filter(|t| !t.is_empty())
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect()
}

/// Whether a `Connection`-style value contains `token` (case-insensitive).
pub fn has_token(value: &[u8], token: &str) -> bool {
    connection_tokens(value)
        .iter()
        .any(|t| t.eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn keeps_duplicates_in_order() {
        let h = Headers::parse_lines(&lines(&["Cookie: a=1", "X: y", "Cookie: b=2"])).unwrap();
        let v: Vec<_> = h.get_all("cookie").collect();
        assert_eq!(v, vec![b"a=1".as_slice(), b"b=2".as_slice()]);
    }

    #[test]
    fn drops_lines_without_colon_and_unfolds() {
        let h =
            Headers::parse_lines(&lines(&["X-F: part1", " continued", "NoColon", "Y: 2"])).unwrap();
        assert_eq!(h.get("x-f"), Some(b"part1 continued".as_slice()));
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn space_before_colon_is_an_error() {
        assert!(Headers::parse_lines(&lines(&["Content-Length : 5"])).is_err());
    }

    #[test]
    fn hop_by_hop_removal_handles_self_reference() {
        let mut h = Headers::parse_lines(&lines(&[
            "Connection: Connection, X-Secret",
            "Proxy-Connection: Connection",
            "X-Secret: 1",
            "Keep-Alive: 300",
            "Other: ok",
        ]))
        .unwrap();
        h.remove_hop_by_hop(&["Keep-Alive"]);
        assert_eq!(h.len(), 1);
        assert_eq!(h.get("Other"), Some(b"ok".as_slice()));
    }

    /// Issue 12 item 3: RFC 9112 §5.1/§2.2 repairs in responses only.
    #[test]
    fn responses_are_repaired_requests_rejected() {
        let resp = |v: &[&str]| Headers::parse(&lines(v), Sender::Server);
        let h = resp(&["X-Foo : bar", "X-Tab\t: t", "Y: 1"]).unwrap();
        assert_eq!(h.get("X-Foo"), Some(b"bar".as_slice()));
        assert_eq!(h.get("X-Tab"), Some(b"t".as_slice()));
        let h = resp(&[" leading: ws", "\tmore", "Z: 2"]).unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h.get("Z"), Some(b"2".as_slice()));
        assert!(Headers::parse_lines(&lines(&["X-Foo\t: bar"])).is_err());
        assert!(Headers::parse_lines(&lines(&[" leading: ws", "Z: 2"])).is_err());
        for bad in ["X@Foo: v", "X: a\x01b", "X: a\x7fb", ": v", "\u{e9}: v"] {
            for sender in [Sender::Client, Sender::Server] {
                match Headers::parse(&lines(&[bad]), sender) {
                    Err(HttpError::MalformedHeader(what)) => assert!(what.starts_with("header")),
                    other => panic!("{bad:?} {sender:?}: {other:?}"),
                }
            }
        }
        let named = Headers::parse_lines(&lines(&["X@Foo: v"])).unwrap_err();
        assert_eq!(named.to_string(), "malformed header \"X@Foo\"");
    }

    /// Issue 11 item 2: a connection header naming the framing or routing
    /// headers does not remove them.
    #[test]
    fn connection_cannot_remove_framing_headers() {
        let mut h = Headers::parse_lines(&lines(&[
            "Connection: Content-Length, Transfer-Encoding",
            "Proxy-Connection: host, x-gone",
            "Content-Length: 5",
            "Transfer-Encoding: chunked",
            "Host: h",
            "X-Gone: 1",
        ]))
        .unwrap();
        h.remove_hop_by_hop(&[]);
        let names: Vec<&str> = h.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["Content-Length", "Transfer-Encoding", "Host"]);
    }

    #[test]
    fn too_many_lines() {
        let many = vec![b"X: 1".to_vec(); MAX_HEADER_LINES + 1];
        assert!(matches!(
            Headers::parse_lines(&many),
            Err(HttpError::TooManyHeaders)
        ));
    }
}
