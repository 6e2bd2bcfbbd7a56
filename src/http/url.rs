//! Request targets: absolute `http://` URLs and `host[:port]` authorities,
//! split as tinyproxy's `extract_url` does (`../shared/spec/tinyproxy-1.11.md`
//! §6.2), with the port overflow of tinyproxy ≤1.11.2 (#586) rejected instead
//! of wrapped.

use super::HttpError;

/// Where a request goes and what path it asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Host name or IP literal; IPv6 without brackets.
    pub host: String,
    pub port: u16,
    /// Path with query, starting with `/` (or whatever followed the host).
    pub path: String,
}

impl Target {
    /// `host` as it goes into a `Host:` header or a URL (brackets for IPv6).
    pub fn host_for_url(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// The `Host:` header value tinyproxy sends: port omitted for 80 and 443.
    pub fn host_header(&self) -> String {
        match self.port {
            80 | 443 => self.host_for_url(),
            p => format!("{}:{}", self.host_for_url(), p),
        }
    }

    /// `http://host:port/path`, port always explicit (HTTP upstream form).
    pub fn absolute_url(&self) -> String {
        format!("http://{}:{}{}", self.host_for_url(), self.port, self.path)
    }
}

/// If `target` is an absolute `http://` URL (scheme case-insensitive),
/// split it; `Ok(None)` when it is some other form.
pub fn parse_absolute_http(target: &str) -> Result<Option<Target>, HttpError> {
    const SCHEME: &[u8] = b"http://";
    // Compared as bytes: the target may hold multi-byte characters.
    match target.as_bytes().get(..SCHEME.len()) {
        Some(p) if p.eq_ignore_ascii_case(SCHEME) => {}
        _ => return Ok(None),
    }
    // The scheme is ASCII, so its end is a character boundary.
    let rest = &target[SCHEME.len()..];
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = parse_authority(authority, 80)?;
    Ok(Some(Target { host, port, path }))
}

/// Split `[user:pass@]host[:port]`; a missing, zero or non-numeric port
/// means `default_port` (tinyproxy); a port above 65535 is an error.
pub fn parse_authority(authority: &str, default_port: u16) -> Result<(String, u16), HttpError> {
    let hostport = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let (host, port_text) = if let Some(inner) = hostport.strip_prefix('[') {
        let close = inner.find(']').ok_or(HttpError::BadUrl)?;
        let after = &inner[close + 1..];
        (&inner[..close], after.strip_prefix(':'))
    } else {
        match hostport.rfind(':') {
            Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
            None => (hostport, None),
        }
    };
    // No host, or one no resolver should see (spaces, control bytes).
    if host.is_empty() || host.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(HttpError::BadUrl);
    }
    let port = match port_text {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            match p.parse::<u32>() {
                Ok(0) => default_port,
                Ok(n) if n <= 65535 => n as u16,
                _ => return Err(HttpError::BadPort),
            }
        }
        _ => default_port,
    };
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        parse_absolute_http(s).unwrap().unwrap()
    }

    #[test]
    fn absolute_forms() {
        assert_eq!(
            t("http://127.0.0.1:47080/plain"),
            Target {
                host: "127.0.0.1".into(),
                port: 47080,
                path: "/plain".into()
            }
        );
        assert_eq!(t("HTTP://h").path, "/");
        assert_eq!(t("http://h?q=1").path, "/?q=1");
        assert_eq!(t("http://u:p@h:81/x").host, "h");
        let v6 = t("http://[::1]:8080/a");
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 8080));
        assert_eq!(v6.host_header(), "[::1]:8080");
        assert_eq!(t("http://h:0/").port, 80);
        assert!(parse_absolute_http("https://h/").unwrap().is_none());
        assert!(parse_absolute_http("/path").unwrap().is_none());
    }

    #[test]
    fn port_overflow_is_rejected() {
        assert!(matches!(
            parse_absolute_http("http://127.0.0.1:94616/"),
            Err(HttpError::BadPort)
        ));
        assert!(parse_authority("h:65979", 443).is_err());
        assert_eq!(parse_authority("h", 443).unwrap().1, 443);
        assert_eq!(parse_authority("h:0", 443).unwrap().1, 443);
    }

    /// Issue 11 item 1: a multi-byte character inside the scheme panicked.
    #[test]
    fn multibyte_targets_do_not_panic() {
        assert!(parse_absolute_http("http:/\u{e9} ").unwrap().is_none());
        assert!(parse_absolute_http("\u{e9}\u{e9}\u{e9}\u{e9}")
            .unwrap()
            .is_none());
        assert_eq!(t("http://h/\u{e9}").path, "/\u{e9}");
        assert!(parse_absolute_http("http://a\tb/").is_err());
        assert!(parse_authority("\u{e9}:\u{e9}", 443).is_ok());
        assert!(parse_authority("[\u{e9}", 443).is_err());
    }

    #[test]
    fn host_header_and_absolute_url() {
        let x = t("http://www.viahttp.test/path?q");
        assert_eq!(x.host_header(), "www.viahttp.test");
        assert_eq!(x.absolute_url(), "http://www.viahttp.test:80/path?q");
    }
}
