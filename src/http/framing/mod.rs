//! Message body framing (RFC 9112 §6) and streaming copies that never buffer a
//! whole body. The decisions (which framing, what is refused, whether the
//! connection may stay) are all in [`rules`]; request framing is strict:
//! anything that could be read two ways is a 400, never forwarded
//! (`../shared/spec/tinyproxy-1.11.md` §8, CVE-2026-54387/54388,
//! CVE-2026-31842, #616/#617).

mod chunked;
pub mod rules;

pub use rules::{request_framing, response_framing, Asked, FramingError, ResponseFraming};

use super::HttpError;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

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

/// Where a copy failed: reading the sender, writing the receiver, or the
/// framing itself.
#[derive(Debug)]
pub enum CopyError {
    Read(HttpError),
    Write(std::io::Error),
}

/// How much of a body already buffered (`buffered`) can go out in the
/// same write as its head, and the framing of what is left: only bodies
/// relayed byte for byte (a length, or until close), never chunked ones,
/// which are checked as they are copied. One write instead of two saves a
/// system call and a wake-up of the client for a small response.
pub fn split_buffered(buffered: usize, framing: Framing) -> (usize, Framing) {
    match framing {
        Framing::Length(n) => {
            let take = buffered.min(usize::try_from(n).unwrap_or(usize::MAX));
            (take, Framing::Length(n - take as u64))
        }
        Framing::Close => (buffered, Framing::Close),
        Framing::Empty | Framing::Chunked => (0, framing),
    }
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
        Framing::Chunked => chunked::copy_chunked(r, w, idle).await,
    }
}

pub(super) async fn fill<R: AsyncBufRead + Unpin>(
    r: &mut R,
    idle: Duration,
) -> Result<&[u8], CopyError> {
    match tokio::time::timeout(idle, r.fill_buf()).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(CopyError::Read(HttpError::Io(e))),
        Err(_) => Err(CopyError::Read(HttpError::Timeout)),
    }
}

pub(super) async fn copy_exact<R, W>(
    r: &mut R,
    w: &mut W,
    n: u64,
    idle: Duration,
) -> Result<u64, CopyError>
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let ext = run_chunked(b"5 ;a=b\nhello\n0\nContent-Length: 9\nX: 1\n\n")
            .await
            .unwrap();
        assert_eq!(ext, b"5 ;a=b\r\nhello\r\n0\r\nX: 1\r\n\r\n");
        for bad in [
            &b"-2\r\nxx\r\n0\r\n\r\n"[..],
            b"FFFFFFFFFFFFFFFFF\r\n",
            b"zz\r\n",
            b"5\r\nhelloXX\r\n",
            // Issue 11 item 5: these ended the body; what followed was
            // relayed as trailers.
            b"\r\nGET /admin HTTP/1.1\r\n\r\n",
            b";ext\r\nGET /admin HTTP/1.1\r\n\r\n",
            b"0x5\r\nhello\r\n0\r\n\r\n",
            b"5\x01\r\nhello\r\n0\r\n\r\n",
            b"0\r\nGET /admin HTTP/1.1\r\n\r\n",
            b"0\r\n folded: x\r\n\r\n",
            b"0\r\nX: a\x01b\r\n\r\n",
        ] {
            assert!(run_chunked(bad).await.is_err(), "{bad:?}");
        }
    }

    #[test]
    fn split_buffered_takes_only_verbatim_bytes() {
        assert_eq!(
            split_buffered(10, Framing::Length(4)),
            (4, Framing::Length(0))
        );
        assert_eq!(
            split_buffered(3, Framing::Length(4)),
            (3, Framing::Length(1))
        );
        assert_eq!(split_buffered(7, Framing::Close), (7, Framing::Close));
        assert_eq!(split_buffered(7, Framing::Chunked), (0, Framing::Chunked));
        assert_eq!(split_buffered(7, Framing::Empty), (0, Framing::Empty));
    }
}
