//! The status line of a server's response, parsed as bytes: the reason
//! phrase may hold any octet, and the version decides whether the server
//! speaks HTTP/1.1 (keep-alive by default, chunked allowed).

/// A response status line: the verbatim text and the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusLine {
    pub raw: Vec<u8>,
    pub code: u16,
    /// `HTTP/1.0` responses need an explicit keep-alive to stay open.
    pub http10: bool,
}

/// Parse `HTTP/x.y CODE reason` as bytes (the reason may hold any
/// octet); `None` when it is not a status line.
pub fn parse_status_line(raw: &[u8]) -> Option<StatusLine> {
    if raw.len() < 12 || !raw[..5].eq_ignore_ascii_case(b"HTTP/") {
        return None;
    }
    let mut parts = raw.splitn(3, |&b| b == b' ');
    let version = parts.next()?;
    let code = parts.next()?;
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    Some(StatusLine {
        raw: raw.to_vec(),
        code,
        http10: !speaks_http11(&version[5..]),
    })
}

/// Whether a status line's `M.m` is HTTP/1.1 or later (keep-alive by
/// default, chunked allowed); anything unreadable counts as older.
fn speaks_http11(numbers: &[u8]) -> bool {
    let Some(dot) = numbers.iter().position(|&b| b == b'.') else {
        return false;
    };
    let number = |d: &[u8]| -> Option<u32> {
        if d.is_empty() || !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        d.iter().try_fold(0u32, |n, &b| {
            n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
        })
    };
    match (number(&numbers[..dot]), number(&numbers[dot + 1..])) {
        (Some(1), Some(minor)) => minor >= 1,
        (Some(major), Some(_)) => major >= 2,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_as_bytes() {
        let st = parse_status_line(b"HTTP/1.1 200 \xff\xfe\xc3").unwrap();
        assert_eq!((st.code, st.http10), (200, false));
        assert!(parse_status_line(b"HTTP/1.0 404 Not Found").unwrap().http10);
        assert!(parse_status_line(b"HTTP/0.9 200 OK").unwrap().http10);
        assert!(!parse_status_line(b"HTTP/1.2 200 OK").unwrap().http10);
        assert!(!parse_status_line(b"http/2.0 200 OK").unwrap().http10);
        assert!(parse_status_line(b"HTTP/1.x 200 OK").unwrap().http10);
        assert!(
            parse_status_line(b"HTTP/99999999999.1 200 OK")
                .unwrap()
                .http10
        );
        for bad in [
            &b"HTTP/1.1 20 OK"[..],
            b"HTTP/1.1 2000 OK",
            b"HTTP/1.1 \xc3\xa9\xc3 OK",
            b"HTTP/1.1",
            b"ICY 200 OK and more",
        ] {
            assert!(parse_status_line(bad).is_none(), "{bad:?}");
        }
    }
}
