//! The request line, by tinyproxy's rules (`../shared/spec/tinyproxy-1.11.md`
//! §6.2), and reading a whole request head from the client with the limits of
//! `../shared/spec/tinyproxy-1.11.md` §6.2/§8.

use super::headers::{is_tchar, MAX_HEADER_LINES};
use super::HttpError;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The longest line (request line or header) we read: tinyproxy's 128 KiB.
pub const MAX_LINE: usize = 128 * 1024;
/// The most bytes a whole request head may take (beyond tinyproxy, which
/// only bounds lines and their count).
pub const MAX_HEAD: usize = 512 * 1024;

/// HTTP version of the request line; `None` major means HTTP/0.9.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    pub const HTTP09: Version = Version { major: 0, minor: 9 };

    /// The minor version tinyproxy uses on lines it writes itself:
    /// the client's minor when its major is 1, else 0.
    pub fn reply_minor(self) -> u32 {
        if self.major == 1 {
            self.minor
        } else {
            0
        }
    }

    pub fn is_http09(self) -> bool {
        self == Version::HTTP09
    }
}

/// A parsed request line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLine {
    /// The whole line without CR/LF (for logs and `{request}`).
    pub raw: String,
    pub method: String,
    pub target: String,
    pub version: Version,
}

/// The methods the proxy treats differently from the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// `CONNECT`, exactly (tinyproxy's `strcmp`): `connect` is not a
    /// tunnel request.
    Connect,
    /// `HEAD`, in any ASCII case (as the response framing has always
    /// compared it): its response carries no body, whatever its framing
    /// headers say.
    Head,
    Other,
}

impl RequestLine {
    /// Which of the special methods this line asks for: the one place the
    /// method text is compared.
    pub fn method_kind(&self) -> MethodKind {
        if self.method == "CONNECT" {
            MethodKind::Connect
        } else if self.method.eq_ignore_ascii_case("HEAD") {
            MethodKind::Head
        } else {
            MethodKind::Other
        }
    }
}

/// Split a request line the way tinyproxy's `sscanf("%[^ ] %[^ ] %[^ ]")`
/// does: tokens end at a space; whitespace between tokens is skipped; a
/// leading space is invalid; tokens after the third are ignored.
///
/// The line is parsed as bytes (never sliced as a `str`). Beyond tinyproxy,
/// which passes any byte on: the method must be an RFC 9110 token, the
/// target free of control bytes and valid UTF-8 (it is kept as text for
/// routing, filtering and logs), the version plain ASCII digits.
pub fn parse_request_line(raw: &[u8]) -> Result<RequestLine, HttpError> {
    let mut tokens: Vec<&[u8]> = Vec::with_capacity(3);
    let mut rest = raw;
    while tokens.len() < 3 {
        let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        let (token, after) = rest.split_at(end);
        tokens.push(token);
        rest = after.trim_ascii_start();
        if rest.is_empty() {
            break;
        }
    }
    let version = match tokens.len() {
        2 if tokens[0].eq_ignore_ascii_case(b"GET") => Version::HTTP09,
        3 => parse_version(tokens[2]).ok_or(HttpError::BadRequestLine)?,
        _ => return Err(HttpError::BadRequestLine),
    };
    if !tokens[0].iter().copied().all(is_tchar) {
        return Err(HttpError::BadRequestLine);
    }
    if tokens[1].iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Err(HttpError::BadRequestLine);
    }
    let target = std::str::from_utf8(tokens[1]).map_err(|_| HttpError::BadRequestLine)?;
    Ok(RequestLine {
        raw: String::from_utf8_lossy(raw).into_owned(),
        // A token is ASCII, so this conversion is lossless.
        method: String::from_utf8_lossy(tokens[0]).into_owned(),
        target: target.to_string(),
        version,
    })
}

/// `HTTP/M.m`, prefix case-insensitive; the major all digits, the minor
/// its leading digits (as `%u` reads them).
fn parse_version(token: &[u8]) -> Option<Version> {
    let prefix = token.get(..5)?;
    if !prefix.eq_ignore_ascii_case(b"HTTP/") {
        return None;
    }
    let numbers = &token[5..];
    let dot = numbers.iter().position(|&b| b == b'.')?;
    let (major, minor) = (&numbers[..dot], &numbers[dot + 1..]);
    let minor_len = minor.iter().take_while(|b| b.is_ascii_digit()).count();
    Some(Version {
        major: ascii_number(major)?,
        minor: ascii_number(&minor[..minor_len])?,
    })
}

/// A non-empty run of ASCII digits as a `u32`; `None` on overflow.
fn ascii_number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| {
        n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

/// Read one line ending in LF (CR stripped), at most `max` bytes.
/// `Ok(None)` on EOF before any byte.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    max: usize,
) -> Result<Option<Vec<u8>>, HttpError> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf().await.map_err(HttpError::Io)?;
        if buf.is_empty() {
            if line.is_empty() {
                return Ok(None);
            }
            return Err(HttpError::UnexpectedEof);
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if line.len() + take > max + 2 {
            return Err(HttpError::LineTooLong);
        }
        line.extend_from_slice(&buf[..take]);
        r.consume(take);
        if done {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(line));
        }
    }
}

/// Read the request line, skipping blank lines before it (as tinyproxy).
/// `Ok(None)` when the client closed before sending one.
pub async fn read_request_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
) -> Result<Option<Vec<u8>>, HttpError> {
    loop {
        match read_line(r, MAX_LINE).await? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => return Ok(Some(l)),
        }
    }
}

/// Read header lines up to the empty line, within the line-count and
/// head-size limits.
pub async fn read_header_lines<R: AsyncBufRead + Unpin>(
    r: &mut R,
) -> Result<Vec<Vec<u8>>, HttpError> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut total = 0usize;
    loop {
        // Stop before reading past the limit, leaving the rest unread.
        if lines.len() >= MAX_HEADER_LINES {
            return Err(HttpError::TooManyHeaders);
        }
        let line = read_line(r, MAX_LINE)
            .await?
            .ok_or(HttpError::UnexpectedEof)?;
        if line.is_empty() {
            return Ok(lines);
        }
        total += line.len() + 2;
        if total > MAX_HEAD {
            return Err(HttpError::TooManyHeaders);
        }
        lines.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_kind_compares_connect_exactly_and_head_in_any_case() {
        let kind = |m: &str| {
            let line = format!("{m} x HTTP/1.1");
            parse_request_line(line.as_bytes()).unwrap().method_kind()
        };
        assert_eq!(kind("CONNECT"), MethodKind::Connect);
        assert_eq!(kind("connect"), MethodKind::Other);
        assert_eq!(kind("HEAD"), MethodKind::Head);
        assert_eq!(kind("head"), MethodKind::Head);
        assert_eq!(kind("GET"), MethodKind::Other);
    }

    #[test]
    fn request_line_forms() {
        let l = parse_request_line(b"GET http://h/ HTTP/1.1").unwrap();
        assert_eq!((l.method.as_str(), l.target.as_str()), ("GET", "http://h/"));
        assert_eq!(l.version, Version { major: 1, minor: 1 });
        assert!(parse_request_line(b"GET http://h/")
            .unwrap()
            .version
            .is_http09());
        assert!(parse_request_line(b"POST http://h/").is_err());
        assert!(parse_request_line(b" http://h/ HTTP/1.1").is_err());
        assert!(parse_request_line(b"GARBAGE").is_err());
        assert!(parse_request_line(b"GET http://h/ HTTP/x.y").is_err());
        let v = parse_request_line(b"get HTTP://h/ http/01.01")
            .unwrap()
            .version;
        assert_eq!(v, Version { major: 1, minor: 1 });
        let big = parse_request_line(b"BIG FART http://h/ HTTP/1.0");
        assert!(big.is_err());
        let extra = parse_request_line(b"GET /  HTTP/1.5 trailing").unwrap();
        assert_eq!(extra.version.reply_minor(), 5);
        assert_eq!(
            parse_request_line(b"GET / HTTP/2.0")
                .unwrap()
                .version
                .reply_minor(),
            0
        );
    }

    /// Issue 11 item 1: these panicked (a `str` sliced inside a character).
    #[test]
    fn non_ascii_and_control_bytes_are_errors_not_panics() {
        for bad in [
            &b"GET / HTTP\xc3\xa9"[..],
            b"GET / HTTP/\xc3\xa9.1",
            b"GET / HTTP/1.\xff",
            b"GET / \xef\xbf\xbdHTTP/1.1",
            b"GET /\xe9 HTTP/1.1",
            b"GET /a\x01b HTTP/1.1",
            b"G\xc3\xa9T / HTTP/1.1",
            b"GET\t/ HTTP/1.1",
            b"GET / HTTP/99999999999.1",
        ] {
            assert!(parse_request_line(bad).is_err(), "{bad:?}");
        }
        let utf8 = parse_request_line("GET http://h/\u{e9}\u{20ac} HTTP/1.1".as_bytes()).unwrap();
        assert_eq!(utf8.target, "http://h/\u{e9}\u{20ac}");
        for b in 0..=255u8 {
            for at in 0..16 {
                let mut line = b"GET / HTTP/1.1".to_vec();
                line.insert(at.min(line.len()), b);
                let _ = parse_request_line(&line);
            }
        }
    }

    #[tokio::test]
    async fn reads_head_with_bare_lf_and_blank_prefix() {
        let data: &[u8] = b"\r\n\nGET http://h/ HTTP/1.0\nHost: h\r\nX: 1\n\nBODY";
        let mut r = tokio::io::BufReader::new(data);
        let line = read_request_line(&mut r).await.unwrap();
        assert_eq!(line.as_deref(), Some(&b"GET http://h/ HTTP/1.0"[..]));
        let lines = read_header_lines(&mut r).await.unwrap();
        assert_eq!(lines, vec![b"Host: h".to_vec(), b"X: 1".to_vec()]);
    }

    #[tokio::test]
    async fn long_line_is_rejected() {
        let data = vec![b'A'; MAX_LINE + 10];
        let mut r = tokio::io::BufReader::new(data.as_slice());
        assert!(matches!(
            read_request_line(&mut r).await,
            Err(HttpError::LineTooLong)
        ));
    }
}
