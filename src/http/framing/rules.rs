//! The RFC 9112 §6 framing decisions, in one place, for what we read from
//! clients and from servers.
//!
//! Requests (a client's body must be read exactly as the origin will):
//!
//! | request                                   | decision                       |
//! |-------------------------------------------|--------------------------------|
//! | Transfer-Encoding on HTTP/1.0 or 0.9      | 400, close (§6.1)              |
//! | Transfer-Encoding and Content-Length      | 400, close (§6.1, §6.3)        |
//! | Transfer-Encoding other than `chunked`    | 400, close (several lines too) |
//! | Content-Length repeated or not digits     | 400, close (§6.3)              |
//! | `Transfer-Encoding: chunked`              | chunked, may keep              |
//! | one Content-Length                        | that many bytes, may keep      |
//! | neither                                   | no body, may keep              |
//!
//! Responses (read as RFC 9112 §6.3 says, in this order):
//!
//! | response                                  | framing        | client connection |
//! |-------------------------------------------|----------------|-------------------|
//! | to HEAD; 1xx, 204, 304                    | no body        | may keep          |
//! | 2xx to CONNECT                            | no body (tunnel follows) | tunnel  |
//! | Transfer-Encoding ending in `chunked`     | chunked        | may keep          |
//! |   … on an HTTP/1.0 response (§6.1)        | chunked, CL dropped | close        |
//! |   … with Content-Length too               | chunked, CL dropped | close        |
//! | other Transfer-Encoding                   | until close, CL dropped | close    |
//! | Content-Length, one valid value           | that length    | may keep          |
//! | Content-Length repeated, all equal        | that length, one CL sent | close   |
//! | Content-Length invalid or differing       | refused: error page (503) | close  |
//! | neither                                   | until close    | close             |
//!
//! "May keep" still needs the client to want it; an HTTP/1.0 client is
//! kept only with a length it can read (no chunked body).

use super::Framing;
use crate::http::headers::Headers;
use crate::http::request::Version;

/// Why a message's framing is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    #[error("Transfer-Encoding in an HTTP/1.0 request")]
    TransferEncodingOnHttp10,
    #[error("both Transfer-Encoding and Content-Length")]
    TransferEncodingAndLength,
    #[error("a transfer coding other than chunked")]
    UnknownCoding,
    #[error("more than one Content-Length")]
    SeveralLengths,
    #[error("an invalid Content-Length")]
    BadLength,
}

/// The framing of a client's request body, or why it is refused (always
/// a 400 and a closed connection).
pub fn request_framing(version: Version, h: &Headers) -> Result<Framing, FramingError> {
    let te: Vec<&[u8]> = h.get_all("Transfer-Encoding").collect();
    let cl: Vec<&[u8]> = h.get_all("Content-Length").collect();
    if !te.is_empty() {
        if before_http11(version) {
            return Err(FramingError::TransferEncodingOnHttp10);
        }
        if !cl.is_empty() {
            return Err(FramingError::TransferEncodingAndLength);
        }
        if te.len() > 1 || !te[0].eq_ignore_ascii_case(b"chunked") {
            return Err(FramingError::UnknownCoding);
        }
        return Ok(Framing::Chunked);
    }
    match cl.as_slice() {
        [] => Ok(Framing::Empty),
        [one] => match parse_length(one) {
            Some(0) => Ok(Framing::Empty),
            Some(n) => Ok(Framing::Length(n)),
            None if one.contains(&b',') => Err(FramingError::SeveralLengths),
            None => Err(FramingError::BadLength),
        },
        _ => Err(FramingError::SeveralLengths),
    }
}

/// What the request was, as far as its response's framing cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    pub head: bool,
    pub connect: bool,
}

/// How a response is read and relayed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseFraming {
    pub framing: Framing,
    /// Content-Length is not forwarded (Transfer-Encoding wins, §6.3).
    pub drop_length: bool,
    /// Several equal Content-Length values: forward this one only.
    pub single_length: Option<u64>,
    /// The framing was repaired or is ambiguous: the client connection
    /// closes after this response, whatever else says it may stay.
    pub must_close: bool,
}

impl ResponseFraming {
    fn plain(framing: Framing) -> ResponseFraming {
        ResponseFraming {
            framing,
            drop_length: false,
            single_length: None,
            must_close: framing == Framing::Close,
        }
    }

    fn repaired(framing: Framing) -> ResponseFraming {
        ResponseFraming {
            drop_length: true,
            must_close: true,
            ..ResponseFraming::plain(framing)
        }
    }

    /// Make the headers say what we relay: no Content-Length beside
    /// Transfer-Encoding, one Content-Length instead of several.
    pub fn apply(&self, h: &mut Headers) {
        if self.drop_length {
            h.remove("Content-Length");
        }
        if let Some(n) = self.single_length {
            h.remove("Content-Length");
            h.push("Content-Length", n.to_string().as_bytes());
        }
    }

    /// Whether the client connection may stay open after this response,
    /// for a client speaking `client` that wants it kept.
    pub fn may_keep(&self, client: Version) -> bool {
        if self.must_close || self.framing == Framing::Close {
            return false;
        }
        !(before_http11(client) && self.framing == Framing::Chunked)
    }
}

/// The framing of a response with `status` (from an HTTP/1.0 server when
/// `http10`) to a request `asked`, or why it is refused.
pub fn response_framing(
    asked: Asked,
    status: u16,
    http10: bool,
    h: &Headers,
) -> Result<ResponseFraming, FramingError> {
    let no_body = asked.head || (100..200).contains(&status) || status == 204 || status == 304;
    if no_body || (asked.connect && (200..300).contains(&status)) {
        return Ok(ResponseFraming::plain(Framing::Empty));
    }
    let te: Vec<&[u8]> = h.get_all("Transfer-Encoding").collect();
    if let Some(last) = te.last() {
        let final_coding = last.rsplit(|&b| b == b',').next().unwrap_or(b"");
        let chunked = final_coding.trim_ascii().eq_ignore_ascii_case(b"chunked");
        if !chunked {
            return Ok(ResponseFraming::repaired(Framing::Close));
        }
        if http10 || h.contains("Content-Length") {
            return Ok(ResponseFraming::repaired(Framing::Chunked));
        }
        return Ok(ResponseFraming::plain(Framing::Chunked));
    }
    let mut values = h
        .get_all("Content-Length")
        .flat_map(|v| v.split(|&b| b == b','));
    let Some(first) = values.next() else {
        return Ok(ResponseFraming::plain(Framing::Close));
    };
    let n = parse_length(first).ok_or(FramingError::BadLength)?;
    let mut repeated = false;
    for v in values {
        if parse_length(v).ok_or(FramingError::BadLength)? != n {
            return Err(FramingError::SeveralLengths);
        }
        repeated = true;
    }
    let framing = if n == 0 {
        Framing::Empty
    } else {
        Framing::Length(n)
    };
    if repeated {
        return Ok(ResponseFraming {
            single_length: Some(n),
            must_close: true,
            ..ResponseFraming::plain(framing)
        });
    }
    Ok(ResponseFraming::plain(framing))
}

/// HTTP/1.0 or 0.9: no chunked coding, no keep-alive by default.
pub fn before_http11(v: Version) -> bool {
    v.major == 0 || (v.major == 1 && v.minor == 0)
}

/// A Content-Length value: ASCII digits (surrounding whitespace allowed).
pub fn parse_length(v: &[u8]) -> Option<u64> {
    let v = v.trim_ascii();
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
