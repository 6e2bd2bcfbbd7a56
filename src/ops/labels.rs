//! Label values for the metrics: every one is drawn from a short fixed
//! list, so a client cannot grow the number of series (an unknown method
//! is `other`, a status is only its class).

use crate::pages::ErrorKind;

/// The method's class: the common methods by name, everything else `other`.
pub fn method_class(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
    ];
    KNOWN
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .copied()
        .unwrap_or("other")
}

/// `2xx` … `5xx`; `none` when the connection closed without an answer.
pub fn status_class(status: Option<u16>) -> &'static str {
    match status {
        Some(100..=199) => "1xx",
        Some(200..=299) => "2xx",
        Some(300..=399) => "3xx",
        Some(400..=499) => "4xx",
        Some(500..=599) => "5xx",
        Some(_) => "other",
        None => "none",
    }
}

/// Why a request was refused, for the error pages that are denials.
pub fn denial_reason(kind: ErrorKind) -> Option<&'static str> {
    match kind {
        ErrorKind::AccessDenied => Some("acl"),
        ErrorKind::AuthRequired | ErrorKind::Unauthorized => Some("auth"),
        ErrorKind::Filtered => Some("filter"),
        ErrorKind::ConnectPortDenied => Some("connect-port"),
        ErrorKind::ProxyLoop => Some("loop"),
        _ => None,
    }
}

/// Every denial reason (`max-clients` is counted by the stats counter).
pub const DENIAL_REASONS: [&str; 6] = [
    "acl",
    "auth",
    "filter",
    "connect-port",
    "loop",
    "max-clients",
];

/// Every upstream failure kind.
pub const FAILURE_KINDS: [&str; 6] = [
    FAIL_DNS,
    FAIL_REFUSED,
    FAIL_TIMEOUT,
    FAIL_SOCKS,
    FAIL_UPSTREAM,
    FAIL_OTHER,
];

/// Kinds of upstream failure.
pub const FAIL_DNS: &str = "dns";
pub const FAIL_REFUSED: &str = "refused";
pub const FAIL_TIMEOUT: &str = "timeout";
pub const FAIL_SOCKS: &str = "socks";
pub const FAIL_UPSTREAM: &str = "upstream-connect";
pub const FAIL_OTHER: &str = "other";

/// The failure kind of a connect error towards an origin.
pub fn connect_failure(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => FAIL_REFUSED,
        K::TimedOut => FAIL_TIMEOUT,
        _ => FAIL_OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_bounded() {
        assert_eq!(method_class("get"), "GET");
        assert_eq!(method_class("BREW"), "other");
        assert_eq!(method_class("\u{1F600}"), "other");
        assert_eq!(status_class(Some(204)), "2xx");
        assert_eq!(status_class(Some(999)), "other");
        assert_eq!(status_class(None), "none");
        assert_eq!(denial_reason(ErrorKind::Filtered), Some("filter"));
        assert_eq!(denial_reason(ErrorKind::BadRequest), None);
    }
}
