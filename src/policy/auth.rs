//! BasicAuth (`../shared/spec/tinyproxy-1.11.md` §6.9, 1.11.3 semantics).
//!
//! A request carries `Proxy-Authorization: Basic <base64(user:pass)>`.
//! Missing or bad credentials are answered 407 with Proxy-Authenticate.
//! The one exception is a request for the stats page without
//! Proxy-Authorization: then the `Authorization` header is checked instead
//! and failures are 401 with WWW-Authenticate, so a browser can open the
//! page directly.
//!
//! Differences from tinyproxy (deliberate): the scheme name is matched
//! case-insensitively (RFC 7617; tinyproxy rejects `BASIC`), blanks around
//! the token are ignored, and the credentials are compared in constant
//! time over every configured user.

use base64::Engine;
use subtle::{Choice, ConstantTimeEq};

use crate::config::Config;
use crate::pages::ErrorKind;

/// The result of checking one request's credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    /// No BasicAuth configured.
    NotRequired,
    /// Credentials match a configured user.
    Ok,
    /// No credentials header.
    Missing,
    /// Credentials present but wrong, malformed, or another scheme.
    Bad,
}

impl AuthOutcome {
    /// Whether the request may proceed.
    pub fn passed(self) -> bool {
        matches!(self, AuthOutcome::NotRequired | AuthOutcome::Ok)
    }
}

/// The outcome plus the error page to send when it did not pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthCheck {
    pub outcome: AuthOutcome,
    /// `AuthRequired` (407) or, on the stathost `Authorization` path,
    /// `Unauthorized` (401).
    pub on_failure: ErrorKind,
}

/// Check `Proxy-Authorization` (the header's value, if present).
pub fn check_proxy_auth(cfg: &Config, header: Option<&[u8]>) -> AuthOutcome {
    check_credentials(cfg, header)
}

/// Check a request the server has identified as a stats-page request
/// (its target is StatHost; see [`crate::pages::is_stat_host`]).
/// Proxy-Authorization wins when present (failures 407); without it the
/// `Authorization` header is checked and failures are 401.
pub fn check_stathost_auth(
    cfg: &Config,
    proxy_authorization: Option<&[u8]>,
    authorization: Option<&[u8]>,
) -> AuthCheck {
    match proxy_authorization {
        Some(_) => AuthCheck {
            outcome: check_credentials(cfg, proxy_authorization),
            on_failure: ErrorKind::AuthRequired,
        },
        None => AuthCheck {
            outcome: check_credentials(cfg, authorization),
            on_failure: ErrorKind::Unauthorized,
        },
    }
}

fn check_credentials(cfg: &Config, header: Option<&[u8]>) -> AuthOutcome {
    if cfg.basic_auth.is_empty() {
        return AuthOutcome::NotRequired;
    }
    let Some(value) = header else {
        return AuthOutcome::Missing;
    };
    match basic_credentials(value) {
        Some(given) if matches_any_user(cfg, &given) => AuthOutcome::Ok,
        _ => AuthOutcome::Bad,
    }
}

/// The decoded `user:pass` bytes of a `Basic` credential, if the value is
/// one: scheme (any case), at least one blank, canonical padded base64.
fn basic_credentials(value: &[u8]) -> Option<Vec<u8>> {
    let value = value.trim_ascii();
    let split = value.iter().position(|b| matches!(b, b' ' | b'\t'))?;
    let (scheme, rest) = value.split_at(split);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let token = rest.trim_ascii_start();
    base64::engine::general_purpose::STANDARD.decode(token).ok()
}

/// Compare against every user without stopping at the first match or the
/// first differing byte, so timing reveals neither which user matched nor
/// how much of a password was right (only the candidate lengths).
fn matches_any_user(cfg: &Config, given: &[u8]) -> bool {
    let mut any = Choice::from(0);
    let mut expected = Vec::new();
    for (user, pass) in &cfg.basic_auth {
        expected.clear();
        expected.extend_from_slice(user.as_bytes());
        expected.push(b':');
        expected.extend_from_slice(pass.as_bytes());
        any |= given.ct_eq(&expected);
    }
    bool::from(any)
}
