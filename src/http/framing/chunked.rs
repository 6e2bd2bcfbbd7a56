//! Relaying a chunked body with every line checked (RFC 9112 §7.1): a
//! chunk-size line is hex digits then nothing or `;extensions`; a trailer
//! line is a well-formed field. Anything else ends the relay with an
//! error, so nothing that follows a bad line is ever passed on as part of
//! the body (a request smuggled after an empty size line, issue 11).

use super::{copy_exact, CopyError};
use crate::http::headers::{check_field_line, MAX_HEADER_LINES};
use crate::http::request::read_line;
use crate::http::HttpError;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt};

/// The longest chunk-size or trailer line we accept.
const MAX_CHUNK_LINE: usize = 4096;

/// Trailer fields that must not change how a message is read or routed
/// (RFC 9110 §6.5.1): dropped, never relayed.
const FORBIDDEN_TRAILERS: &[&[u8]] = &[
    b"content-length",
    b"transfer-encoding",
    b"host",
    b"connection",
    b"proxy-connection",
    b"keep-alive",
    b"te",
    b"trailer",
    b"upgrade",
];

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

/// The size on a chunk-size line: one or more hex digits (no overflow,
/// CVE-2026-3945), then the end of the line or optional whitespace and a
/// `;` extension list without control bytes. `None` for anything else,
/// an empty line and a bare `;ext` included.
pub fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return None;
    }
    let (hex, rest) = line.split_at(digits);
    let size = hex.iter().try_fold(0u64, |n, &d| {
        let v = (d as char).to_digit(16)?;
        n.checked_mul(16)?.checked_add(u64::from(v))
    })?;
    let ext = rest.trim_ascii_start();
    let ext_ok = ext.is_empty()
        || (ext[0] == b';' && !ext.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f));
    ext_ok.then_some(size)
}

/// Relay a chunked body, re-writing each framing line with CRLF, and its
/// trailers. Returns the number of data bytes.
pub async fn copy_chunked<R, W>(r: &mut R, w: &mut W, idle: Duration) -> Result<u64, CopyError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut total = 0u64;
    loop {
        let mut line = read_chunk_line(r, idle).await?;
        let size = parse_chunk_size(&line).ok_or(CopyError::Read(HttpError::BadChunk))?;
        line.extend_from_slice(b"\r\n");
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

/// Relay the trailer section: each line must be a valid field (no folding,
/// no control bytes); framing and routing fields are dropped.
async fn copy_trailers<R, W>(r: &mut R, w: &mut W, idle: Duration) -> Result<(), CopyError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    for _ in 0..MAX_HEADER_LINES {
        let mut line = read_chunk_line(r, idle).await?;
        if line.is_empty() {
            w.write_all(b"\r\n").await.map_err(CopyError::Write)?;
            return Ok(());
        }
        let name = check_field_line(&line)
            .map_err(|_| CopyError::Read(HttpError::BadChunk))?
            .to_ascii_lowercase();
        if FORBIDDEN_TRAILERS.contains(&name.as_slice()) {
            continue;
        }
        line.extend_from_slice(b"\r\n");
        w.write_all(&line).await.map_err(CopyError::Write)?;
    }
    Err(CopyError::Read(HttpError::TooManyHeaders))
}
