//! HTTP/1 on the wire: request heads, header rules, URLs and body framing.

pub mod framing;
pub mod headers;
pub mod request;
pub mod reverse;
pub mod rewrite;
pub mod status;
pub mod url;

/// What can go wrong with a client's request or a server's response head.
/// The server maps each variant to tinyproxy's status page.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("connection closed in the middle of a message")]
    UnexpectedEof,
    #[error("timed out")]
    Timeout,
    #[error("line longer than the limit")]
    LineTooLong,
    #[error("too many header lines")]
    TooManyHeaders,
    #[error("malformed {0}")]
    MalformedHeader(String),
    #[error("request line has an invalid format")]
    BadRequestLine,
    #[error("URL could not be parsed")]
    BadUrl,
    #[error("port number out of range")]
    BadPort,
    #[error("ambiguous or unsupported message framing")]
    Smuggling,
    #[error("malformed chunk")]
    BadChunk,
}
