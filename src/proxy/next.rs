//! What one request hands back to the connection loop: the parsed head
//! (`Request`) and what to do after it (`Next`). The request handlers
//! (`request`, `forward`, `connect`) all speak these types, so they live
//! below all of them.

use crate::http::headers::Headers;
use crate::http::request::RequestLine;
use crate::proxy::relay::ServerSide;

/// What the connection does after a request.
pub enum Next {
    /// Read the next request.
    KeepAlive,
    Close,
    /// Relay bytes between the client and this server.
    Tunnel(ServerSide),
}

/// A request whose head has been read and parsed.
pub struct Request {
    pub line: RequestLine,
    pub headers: Headers,
}
