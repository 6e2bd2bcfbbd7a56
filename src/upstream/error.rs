//! The one error type of the upstream layer.
//!
//! Every SOCKS failure ends the client connection without a response in
//! tinyproxy (`../shared/spec/tinyproxy-1.11.md` §6.6); the variants exist so
//! that our log can say *why*.

use std::fmt;
use std::io;
use std::time::Duration;

/// Why talking to an upstream proxy failed.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Reading from or writing to the upstream socket failed.
    #[error("I/O error talking to the upstream proxy: {0}")]
    Io(#[from] io::Error),
    /// The proxy closed the connection before its reply was complete.
    #[error("the {0} proxy closed the connection during the handshake")]
    Closed(&'static str),
    /// The handshake did not finish in time (see `socks_handshake`).
    #[error("the upstream proxy handshake timed out after {0:?}")]
    Timeout(Duration),
    /// SOCKS5 method selection answered 0xFF (or nothing we offered).
    #[error("the socks5 proxy accepts none of the offered authentication methods")]
    NoAcceptableAuth,
    /// SOCKS5 method selection picked a method we did not offer.
    #[error("the socks5 proxy chose authentication method {0:#04x}, which was not offered")]
    UnexpectedAuthMethod(u8),
    /// RFC 1929 sub-negotiation answered a non-zero status.
    #[error("the socks5 proxy rejected the user name / password (status {0:#04x})")]
    AuthRejected(u8),
    /// SOCKS5 CONNECT answered a non-zero REP.
    #[error("the socks5 proxy refused the connection: {0}")]
    Socks5Refused(Socks5Reply),
    /// SOCKS4 CONNECT answered something other than 0x5A.
    #[error("the socks4 proxy refused the connection: {0}")]
    Socks4Refused(Socks4Reply),
    /// The reply does not follow the protocol.
    #[error("malformed reply from the {proto} proxy: {what}")]
    BadReply {
        proto: &'static str,
        what: &'static str,
    },
    /// The target host cannot be put into a SOCKS request.
    #[error("the target host cannot be sent to a SOCKS proxy: {0}")]
    BadTarget(&'static str),
    /// A user name or password does not fit RFC 1929's one-byte length.
    #[error("the socks5 user name or password is longer than 255 bytes")]
    CredentialsTooLong,
    /// `socks_handshake` was given an HTTP upstream.
    #[error("an http upstream needs no SOCKS handshake")]
    NotSocks,
}

/// The REP field of a SOCKS5 reply (RFC 1928 §6), for readable messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Socks5Reply {
    GeneralFailure,
    NotAllowed,
    NetworkUnreachable,
    HostUnreachable,
    ConnectionRefused,
    TtlExpired,
    CommandNotSupported,
    AddressTypeNotSupported,
    /// An unassigned code.
    Other(u8),
}

impl Socks5Reply {
    /// Maps a non-zero REP byte.
    pub fn from_code(code: u8) -> Socks5Reply {
        match code {
            1 => Socks5Reply::GeneralFailure,
            2 => Socks5Reply::NotAllowed,
            3 => Socks5Reply::NetworkUnreachable,
            4 => Socks5Reply::HostUnreachable,
            5 => Socks5Reply::ConnectionRefused,
            6 => Socks5Reply::TtlExpired,
            7 => Socks5Reply::CommandNotSupported,
            8 => Socks5Reply::AddressTypeNotSupported,
            other => Socks5Reply::Other(other),
        }
    }
}

impl fmt::Display for Socks5Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Socks5Reply::GeneralFailure => "general SOCKS server failure",
            Socks5Reply::NotAllowed => "connection not allowed by ruleset",
            Socks5Reply::NetworkUnreachable => "network unreachable",
            Socks5Reply::HostUnreachable => "host unreachable",
            Socks5Reply::ConnectionRefused => "connection refused",
            Socks5Reply::TtlExpired => "TTL expired",
            Socks5Reply::CommandNotSupported => "command not supported",
            Socks5Reply::AddressTypeNotSupported => "address type not supported",
            Socks5Reply::Other(code) => return write!(f, "unknown reply code {code:#04x}"),
        };
        f.write_str(text)
    }
}

/// The CD field of a SOCKS4 reply, for readable messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Socks4Reply {
    /// 0x5B.
    Rejected,
    /// 0x5C.
    IdentdUnreachable,
    /// 0x5D.
    IdentdMismatch,
    /// Any other non-0x5A code.
    Other(u8),
}

impl Socks4Reply {
    /// Maps a CD byte other than 0x5A.
    pub fn from_code(code: u8) -> Socks4Reply {
        match code {
            0x5B => Socks4Reply::Rejected,
            0x5C => Socks4Reply::IdentdUnreachable,
            0x5D => Socks4Reply::IdentdMismatch,
            other => Socks4Reply::Other(other),
        }
    }
}

impl fmt::Display for Socks4Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Socks4Reply::Rejected => f.write_str("request rejected or failed"),
            Socks4Reply::IdentdUnreachable => f.write_str("identd on the client is unreachable"),
            Socks4Reply::IdentdMismatch => f.write_str("identd reported a different user id"),
            Socks4Reply::Other(code) => write!(f, "unknown reply code {code:#04x}"),
        }
    }
}

/// Turns a short read into `Closed(proto)`; other I/O errors stay `Io`.
pub(crate) fn read_error(proto: &'static str) -> impl Fn(io::Error) -> UpstreamError {
    move |e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            UpstreamError::Closed(proto)
        } else {
            UpstreamError::Io(e)
        }
    }
}
