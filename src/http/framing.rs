//! Message body framing (RFC 9112 §6) and streaming copies that never
//! buffer a whole body. Request framing is strict: anything that could be
//! read two ways (CL+TE, repeated Content-Length, a Transfer-Encoding other
//! than `chunked`) is a 400, never forwarded (spec §8, CVE-2026-54387/54388,
//! CVE-2026-31842, #616/#617).

use super::headers::Headers;
use super::request::read_line;
use super::HttpError;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

/// The longest chunk-size or trailer line we accept.
const MAX_CHUNK_LINE: usize = 4096;

/// How the end of a body is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body at all.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Until the sender closes (responses only).
    Close,
}

/// Framing of a request body, or the reason it is refused.
pub fn request_framing(h: &Headers) -> Result<Framing, HttpError> {
    let te: Vec<&[u8]> = h.get_all("Transfer-Encoding").collect();
    let cl: Vec<&[u8]> = h.get_all("Content-Length").collect();
    if !te.is_empty() {
        if !cl.is_empty() || te.len() > 1 || !te[0].eq_ignore_ascii_case(b"chunked") {
            return Err(HttpError::Smuggling);
        }
        return Ok(Framing::Chunked);
    }
    match cl.as_slice() {
        [] => Ok(Framing::Empty),
        [one] => match parse_length(one) {
            Some(0) => Ok(Framing::Empty),
            Some(n) => Ok(Framing::Length(n)),
            None => Err(HttpError::Smuggling),
        },
        _ => Err(HttpError::Smuggling),
    }
}

/// Framing of a response body (RFC 9112 §6.3), given the request method
/// and the status code.
pub fn response_framing(h: &Headers, head_request: bool, status: u16) -> Framing {
    if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        return Framing::Empty;
    }
    let te: Vec<&[u8]> = h.get_all("Transfer-Encoding").collect();
    if let Some(last) = te.last() {
        let last_coding = last.rsplit(|&b| b == b',').next().unwrap_or(b"");
        return if last_coding.trim_ascii().eq_ignore_ascii_case(b"chunked") {
            Framing::Chunked
        } else {
            Framing::Close
        };
    }
    let mut lengths = h.get_all("Content-Length").map(parse_length);
    match lengths.next() {
        None => Framing::Close,
        Some(Some(n)) if lengths.all(|l| l == Some(n)) => {
            if n == 0 {
                Framing::Empty
            } else {
                Framing::Length(n)
            }
        }
        Some(_) => Framing::Close,
    }
}

fn parse_length(v: &[u8]) -> Option<u64> {
    let v = v.trim_ascii();
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Where a copy failed: reading the sender, writing the receiver, or the
/// framing itself.
#[derive(Debug)]
pub enum CopyError {
    Read(HttpError),
    Write(std::io::Error),
}

/// Copy one body framed as `framing` from `r` to `w`; each read waits at
/// most `idle`. Returns the number of body bytes read.
pub async fn copy_body<R, W>(
    r: &mut R,
    w: &mut W,
    framing: Framing,
    idle: Duration,
) -> Result<u64, CopyError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    match framing {
        Framing::Empty => Ok(0),
        Framing::Length(n) => copy_exact(r, w, n, idle).await,
        Framing::Close => copy_to_eof(r, w, idle).await,
        Framing::Chunked => copy_chunked(r, w, idle).await,
    }
}

async fn fill<R: AsyncBufRead + Unpin>(r: &mut R, idle: Duration) -> Result<&[u8], CopyError> {
    match tokio::time::timeout(idle, r.fill_buf()).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(CopyError::Read(HttpError::Io(e))),
        Err(_) => Err(CopyError::Read(HttpError::Timeout)),
    }
}

async fn copy_exact<R, W>(r: &mut R, w: &mut W, n: u64, idle: Duration) -> Result<u64, CopyError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut left = n;
    while left > 0 {
        let buf = fill(r, idle).await?;
        if buf.is_empty() {
            return Err(CopyError::Read(HttpError::UnexpectedEof));
        }
        let take = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        w.write_all(&buf[..take]).await.map_err(CopyError::Write)?;
        r.consume(take);
        left -= take as u64;
    }
    Ok(n)
}

async fn copy_to_eof<R, W>(r: &mut R, w: &mut W, idle: Duration) -> Result<u64, CopyError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut total = 0u64;
    loop {
        let buf = fill(r, idle).await?;
        if buf.is_empty() {
            return Ok(total);
        }
        let len = buf.len();
        w.write_all(buf).await.map_err(CopyError::Write)?;
        r.consume(len);
        total += len as u64;
    }
}

async fn read_chunk_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    idle: Duration,
) -> Result<Vec<u8>, CopyError> {
    match tokio::time::timeout(idle, read_line(r, MAX_CHUNK_LINE)).await {
        Ok(Ok(Some(l))) => Ok(l),
        Ok(Ok(None)) => Err(CopyError::Read(HttpError::UnexpectedEof)),
        Ok(Err(e)) => Err(CopyError::Read(e)),
        Err(_) => Err(CopyError::Read(HttpError::Timeout)),
    }
}

/// Relay a chunked body, validating every chunk-size line with httparse
/// (bounded: no negative or overflowing sizes, CVE-2026-3945) and passing
/// the framing through unchanged, trailers included.
async fn copy_chunked<R, W>(r: &mut R, w: &mut W, idle: Duration) -> Result<u64, CopyError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut total = 0u64;
    loop {
        let mut line = read_chunk_line(r, idle).await?;
        line.extend_from_slice(b"\r\n");
        let size = match httparse::parse_chunk_size(&line) {
            Ok(httparse::Status::Complete((_, size))) => size,
            _ => return Err(CopyError::Read(HttpError::BadChunk)),
        };
        w.write_all(&line).await.map_err(CopyError::Write)?;
        if size == 0 {
            return copy_trailers(r, w, idle).await.map(|_| total);
        }
        copy_exact(r, w, size, idle).await?;
        total = total.saturating_add(size);
        let end = read_chunk_line(r, idle).await?;
        if !end.is_empty() {
            return Err(CopyError::Read(HttpError::BadChunk));
        }
        w.write_all(b"\r\n").await.map_err(CopyError::Write)?;
    }
}

async fn copy_trailers<R, W>(r: &mut R, w: &mut W, idle: Duration) -> Result<(), CopyError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    for _ in 0..super::headers::MAX_HEADER_LINES {
        let mut line = read_chunk_line(r, idle).await?;
        let last = line.is_empty();
        line.extend_from_slice(b"\r\n");
        w.write_all(&line).await.map_err(CopyError::Write)?;
        if last {
            return Ok(());
        }
    }
    Err(CopyError::Read(HttpError::TooManyHeaders))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(lines: &[&str]) -> Headers {
        let v: Vec<Vec<u8>> = lines.iter().map(|s| s.as_bytes().to_vec()).collect();
        Headers::parse_lines(&v).unwrap()
    }

    #[test]
    fn request_framing_rules() {
        assert_eq!(request_framing(&h(&[])).unwrap(), Framing::Empty);
        assert_eq!(
            request_framing(&h(&["Content-Length: 5"])).unwrap(),
            Framing::Length(5)
        );
        assert_eq!(
            request_framing(&h(&["Transfer-Encoding: Chunked"])).unwrap(),
            Framing::Chunked
        );
        for bad in [
            &["Content-Length: 5", "Transfer-Encoding: chunked"][..],
            &["Content-Length: 3", "Content-Length: 10"][..],
            &["Content-Length: 3", "Content-Length: 3"][..],
            &["Content-Length: -1"][..],
            &["Content-Length: 1e3"][..],
            &["Transfer-Encoding: chunked, gzip"][..],
            &["Transfer-Encoding: chunked,"][..],
            &["Transfer-Encoding: gzip"][..],
            &["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"][..],
        ] {
            assert!(request_framing(&h(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn response_framing_rules() {
        assert_eq!(response_framing(&h(&[]), false, 200), Framing::Close);
        assert_eq!(
            response_framing(&h(&["Content-Length: 7"]), false, 200),
            Framing::Length(7)
        );
        assert_eq!(
            response_framing(&h(&["Content-Length: 7"]), true, 200),
            Framing::Empty
        );
        assert_eq!(response_framing(&h(&[]), false, 304), Framing::Empty);
        assert_eq!(
            response_framing(&h(&["Transfer-Encoding: gzip, chunked"]), false, 200),
            Framing::Chunked
        );
    }

    async fn run_chunked(input: &[u8]) -> Result<Vec<u8>, CopyError> {
        let mut r = tokio::io::BufReader::new(input);
        let mut out = Vec::new();
        copy_body(&mut r, &mut out, Framing::Chunked, Duration::from_secs(1)).await?;
        Ok(out)
    }

    #[tokio::test]
    async fn chunked_passthrough_and_validation() {
        let ok = run_chunked(b"5\r\nhello\r\n0\r\nX-T: 1\r\n\r\nNEXT")
            .await
            .unwrap();
        assert_eq!(ok, b"5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n");
        for bad in [
            &b"-2\r\nxx\r\n0\r\n\r\n"[..],
            b"FFFFFFFFFFFFFFFFF\r\n",
            b"zz\r\n",
            b"5\r\nhelloXX\r\n",
        ] {
            assert!(run_chunked(bad).await.is_err());
        }
    }
}
