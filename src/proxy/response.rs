//! Reading a response head from the server: status line (blank lines
//! before it skipped, as tinyproxy), headers, and interim 1xx answers
//! passed to the client as they arrive.

use crate::http::headers::{Headers, Sender};
use crate::http::request::{read_header_lines, read_line, MAX_LINE};
use crate::http::rewrite::{parse_status_line, StatusLine};
use crate::http::HttpError;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt};

/// Why no usable response head was read.
#[derive(Debug)]
pub enum ResponseError {
    /// No status line at all (closed or timed out): the client
    /// connection is just closed, as tinyproxy does. The text says why.
    NoStatus(String),
    /// Something that is not an HTTP status line: never relayed (tinyproxy
    /// relays it, a response-splitting hole); the client gets the 503 page
    /// of a response whose headers could not be read.
    BadStatus,
    /// A status line but broken headers: tinyproxy's 503. `Some`: the
    /// header refused (logged as such), `None`: they did not all arrive,
    /// or too many interim responses came.
    Headers(Option<HttpError>),
}

/// The most interim (1xx) responses relayed before the final one.
const MAX_INTERIM: usize = 16;

/// Read the final response head; interim 1xx heads (except 101) are
/// written to `client` unless it speaks HTTP/0.9. `timeout` (the
/// configured `Timeout`) bounds the status line and the headers each.
pub async fn read_response_head<R, W>(
    srv: &mut R,
    client: &mut W,
    timeout: Duration,
    http09: bool,
) -> Result<(StatusLine, Headers), ResponseError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    for _ in 0..=MAX_INTERIM {
        let (status, headers) = read_one(srv, timeout).await?;
        if !(100..200).contains(&status.code) || status.code == 101 {
            return Ok((status, headers));
        }
        if !http09 {
            // The checked (and repaired) fields, never the raw lines.
            let mut out = status.raw.clone();
            out.extend_from_slice(b"\r\n");
            headers.write_to(&mut out);
            out.extend_from_slice(b"\r\n");
            if client.write_all(&out).await.is_err() {
                return Err(ResponseError::NoStatus("client went away".into()));
            }
        }
    }
    Err(ResponseError::Headers(None))
}

async fn read_one<R: AsyncBufRead + Unpin>(
    srv: &mut R,
    timeout: Duration,
) -> Result<(StatusLine, Headers), ResponseError> {
    let status = tokio::time::timeout(timeout, async {
        loop {
            match read_line(srv, MAX_LINE).await {
                Ok(Some(l)) if l.is_empty() => continue,
                Ok(Some(l)) => return Ok(l),
                // tinyproxy prints strerror(errno) with errno 0 here.
                Ok(None) => return Err("Success".to_string()),
                Err(crate::http::HttpError::Io(e)) => return Err(crate::sys::strerror(&e)),
                Err(e) => return Err(e.to_string()),
            }
        }
    })
    .await
    .map_err(|_| ResponseError::NoStatus("Resource temporarily unavailable".into()))?
    .map_err(ResponseError::NoStatus)?;
    let status = parse_status_line(&status).ok_or(ResponseError::BadStatus)?;
    let lines = match tokio::time::timeout(timeout, read_header_lines(srv)).await {
        Ok(Ok(l)) => l,
        _ => return Err(ResponseError::Headers(None)),
    };
    let headers =
        Headers::parse(&lines, Sender::Server).map_err(|e| ResponseError::Headers(Some(e)))?;
    Ok((status, headers))
}
