//! Every error status tinyproxy itself generates
//! (`../shared/spec/tinyproxy-1.11.md` §6.14), with its reason phrase and the
//! `{detail}` text.
//!
//! The strings are wire-visible (status line, built-in page, templates), so
//! they keep tinyproxy's exact wording, typos included ("entity the client").

/// One error answer. The 301 of the reverse proxy is not here: it has no
/// body and its own helper ([`super::redirect_response`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 400: the request line could not be parsed.
    BadRequest,
    /// 400: the URL could not be parsed.
    BadUrl,
    /// 400: ReverseOnly and no ReversePath matches.
    NoMapping,
    /// 400: reading the client's headers failed (timeout, too many, EOF).
    HeadersIncomplete,
    /// 400: draining the request before an error page failed.
    EntityFailed,
    /// 400: the request would loop back into this proxy.
    ProxyLoop,
    /// 400: transparent request whose destination is unknown.
    UnknownDestination,
    /// 401: bad or missing credentials on the stathost `Authorization` path.
    Unauthorized,
    /// 403: the client's address is refused by Allow/Deny.
    AccessDenied,
    /// 403: CONNECT to a port not listed in ConnectPort.
    ConnectPortDenied,
    /// 403: the Filter matched.
    Filtered,
    /// 407: BasicAuth is on and the Proxy-Authorization is missing or bad.
    AuthRequired,
    /// 500: DNS or connect failure towards the origin (tinyproxy has no 502/504 for this).
    UnableToConnect,
    /// 501: unknown method or unsupported protocol.
    NotImplemented,
    /// 502: the upstream proxy could not be reached.
    UpstreamUnreachable,
    /// 503: writing the request to the server failed.
    SendFailed,
    /// 503: the server's response headers could not be read.
    ResponseHeadersFailed,
    /// 503: internal error (tinyproxy: allocation failure).
    Internal,
}

impl ErrorKind {
    /// Every kind, for tests and tables.
    pub const ALL: [ErrorKind; 18] = [
        ErrorKind::BadRequest,
        ErrorKind::BadUrl,
        ErrorKind::NoMapping,
        ErrorKind::HeadersIncomplete,
        ErrorKind::EntityFailed,
        ErrorKind::ProxyLoop,
        ErrorKind::UnknownDestination,
        ErrorKind::Unauthorized,
        ErrorKind::AccessDenied,
        ErrorKind::ConnectPortDenied,
        ErrorKind::Filtered,
        ErrorKind::AuthRequired,
        ErrorKind::UnableToConnect,
        ErrorKind::NotImplemented,
        ErrorKind::UpstreamUnreachable,
        ErrorKind::SendFailed,
        ErrorKind::ResponseHeadersFailed,
        ErrorKind::Internal,
    ];

    /// The HTTP status code (also the `{errno}` variable).
    pub fn code(self) -> u16 {
        use ErrorKind::*;
        match self {
            BadRequest | BadUrl | NoMapping | HeadersIncomplete | EntityFailed | ProxyLoop
            | UnknownDestination => 400,
            Unauthorized => 401,
            AccessDenied | ConnectPortDenied | Filtered => 403,
            AuthRequired => 407,
            UnableToConnect => 500,
            NotImplemented => 501,
            UpstreamUnreachable => 502,
            SendFailed | ResponseHeadersFailed | Internal => 503,
        }
    }

    /// The reason phrase of the status line (also `{cause}` and the `<h1>`).
    pub fn reason(self) -> &'static str {
        use ErrorKind::*;
        match self {
            BadRequest | BadUrl | NoMapping | HeadersIncomplete | EntityFailed | ProxyLoop
            | UnknownDestination => "Bad Request",
            Unauthorized => "Unauthorized",
            AccessDenied => "Access denied",
            ConnectPortDenied => "Access violation",
            Filtered => "Filtered",
            AuthRequired => "Proxy Authentication Required",
            UnableToConnect => "Unable to connect",
            NotImplemented => "Not Implemented",
            UpstreamUnreachable => "Unable to connect to upstream proxy",
            SendFailed => "Could not send data to remote server",
            ResponseHeadersFailed => "Could not retrieve all the headers",
            Internal => "Internal error",
        }
    }

    /// The explanation shown in the page (the `{detail}` variable).
    pub fn detail(self) -> &'static str {
        use ErrorKind::*;
        match self {
            BadRequest => "Request has an invalid format",
            BadUrl => "Could not parse URL",
            NoMapping => "No mapping found for requested url",
            HeadersIncomplete => "Could not retrieve all the headers from the client.",
            EntityFailed => "Could not retrieve the request entity the client.",
            ProxyLoop => "You tried to connect to the machine the proxy is running on",
            UnknownDestination => "Unknown destination",
            Unauthorized => {
                "The administrator of this proxy has not configured it to service requests from you."
            }
            AccessDenied => {
                "The administrator of this proxy has not configured it to service requests from your host."
            }
            ConnectPortDenied => "The CONNECT method not allowed with the port you tried to use.",
            Filtered => "The request you made has been filtered",
            AuthRequired => "This proxy requires authentication.",
            UnableToConnect => "Tinyproxy was unable to connect to the remote web server.",
            NotImplemented => "Unknown method or unsupported protocol.",
            UpstreamUnreachable => {
                "A network error occurred while trying to connect to the upstream web proxy."
            }
            SendFailed => {
                "A network error occurred while trying to write data to the remote web server."
            }
            ResponseHeadersFailed => {
                "Tinyproxy was unable to retrieve and process headers from the remote web server."
            }
            Internal => {
                "An internal server error occurred while processing your request. Please contact the administrator."
            }
        }
    }

    /// Whether tinyproxy defines `{url}` for this error. For these kinds
    /// the variable is always defined (empty when the URL is unknown), which
    /// is what the CVE-2022-40468 fix renders (`url=[]`); elsewhere
    /// `{url}` stays verbatim.
    pub fn sets_url(self) -> bool {
        use ErrorKind::*;
        matches!(
            self,
            BadRequest | BadUrl | NoMapping | ConnectPortDenied | Filtered
        )
    }

    /// Whether tinyproxy defines `{error}` (the strerror text): 500 only.
    pub fn sets_error(self) -> bool {
        self == ErrorKind::UnableToConnect
    }
}
