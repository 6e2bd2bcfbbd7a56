//! Every way a request can fail once its connection was accepted, as one
//! type. The handlers only say *what* went wrong and return it; what the
//! client, the log, the counters and the metrics see of it is decided in
//! one place, [`crate::proxy::report`].
//!
//! The request line of a request whose head was read is not in the error:
//! the connection loop still has it and hands it to the report.

use crate::http::framing::FramingError;
use crate::http::request::RequestLine;
use crate::http::HttpError;
use crate::outbound::OutboundError;
use crate::pages::ErrorKind;
use crate::proxy::response::ResponseError;

/// The server end of a failed exchange, for tinyproxy's log lines.
#[derive(Debug)]
pub struct ServerEnd {
    pub host: String,
    pub fd: i32,
}

/// Why a request got no (or no complete) answer from its destination.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// No request line: the client closed, timed out, or sent a line over
    /// the limit (`too_long`: closed with a reset, as tinyproxy).
    #[error("no request line")]
    NoRequest { too_long: bool },
    /// A request line that does not parse.
    #[error("bad request line: {raw}")]
    BadRequestLine { raw: String },
    /// The request headers did not all arrive, or one of them is refused
    /// (`refused`: why).
    #[error("request headers incomplete")]
    HeadersIncomplete {
        raw: String,
        line: Option<Box<RequestLine>>,
        refused: Option<HttpError>,
    },
    /// The client's address is not allowed (Allow/Deny).
    #[error("access denied by Allow/Deny")]
    AclDenied,
    /// A connection from this proxy itself.
    #[error("connection from ourselves")]
    Loop,
    /// BasicAuth credentials missing or wrong; the page to send (407, or
    /// 401 for the stats host).
    #[error("authentication required")]
    AuthRequired(ErrorKind),
    /// The target could not be worked out (`kind`: 400 for a bad port,
    /// else the bad-URL page); `url`: the request's target.
    #[error("bad target {url}")]
    BadTarget { kind: ErrorKind, url: String },
    /// The transparent path's destination is one of our own addresses.
    #[error("transparent destination {host} is this proxy")]
    LocalTarget { host: String, url: String },
    /// ReverseOnly and no ReversePath rule maps this URL.
    #[error("no reverse mapping for {0}")]
    NoMapping(String),
    /// Filter blocks the domain or (`urls`) URL `subject`.
    #[error("filtered: {subject}")]
    Filtered { subject: String, urls: bool },
    /// CONNECT to a port ConnectPort does not list.
    #[error("CONNECT to port {port} refused")]
    ConnectPort { port: u16, url: String },
    /// The request body's framing is ambiguous (RFC 9112 §6.3).
    #[error("ambiguous request framing: {0}")]
    RequestFraming(FramingError),
    /// No connection towards the origin or the upstream proxy.
    #[error("destination unreachable")]
    Unreachable(OutboundError),
    /// The client's request body was malformed or cut short.
    #[error("request body: {error}")]
    ClientBody { error: HttpError, server_fd: i32 },
    /// The request could not be sent (a kept connection gone stale).
    #[error("request could not be sent")]
    SendFailed { server_fd: i32 },
    /// No response status line (closed, timed out): `reason`.
    #[error("no response status line: {reason}")]
    NoStatus { reason: String, server: ServerEnd },
    /// The response does not start with an HTTP status line.
    #[error("not an HTTP status line")]
    BadStatus { server: ServerEnd },
    /// A status line but broken headers (`refused`: the header refused).
    /// `server`: the origin of a forwarded request; `None` for an
    /// upstream's answer to CONNECT.
    #[error("response headers could not be read")]
    ResponseHead {
        server: Option<ServerEnd>,
        refused: Option<HttpError>,
    },
    /// The response's length cannot be known (RFC 9112 §6.3).
    #[error("ambiguous response framing: {error}")]
    ResponseFraming {
        error: FramingError,
        server: ServerEnd,
    },
    /// Our `200 Connection established` could not be written.
    #[error("CONNECT greeting could not be sent")]
    GreetingFailed,
    /// Our CONNECT request could not be sent to the HTTP upstream.
    #[error("request to the upstream could not be sent: {error}")]
    UpstreamSend {
        error: std::io::Error,
        server: ServerEnd,
    },
    /// Writing to the client failed: nothing more can reach it.
    #[error("client went away")]
    ClientGone { server_fd: Option<i32> },
}

impl ProxyError {
    /// A response head that could not be read from `server`; `tunnel`:
    /// the upstream's answer to our CONNECT.
    pub fn response(e: ResponseError, server: ServerEnd, tunnel: bool) -> ProxyError {
        match e {
            ResponseError::NoStatus(reason) => ProxyError::NoStatus { reason, server },
            ResponseError::BadStatus => ProxyError::BadStatus { server },
            ResponseError::Headers(refused) => ProxyError::ResponseHead {
                server: (!tunnel).then_some(server),
                refused,
            },
        }
    }
}

impl From<OutboundError> for ProxyError {
    fn from(e: OutboundError) -> ProxyError {
        ProxyError::Unreachable(e)
    }
}
