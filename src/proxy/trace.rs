//! What a panic report says about a connection: the first line of the
//! request being served, with credentials in the URL masked. The
//! connection loop notes it before each request; the panic guard
//! (`runtime::guard`) reads it if the connection's task panics.

use std::sync::Mutex;

/// The longest request line kept for the panic report.
const MAX_TRACE: usize = 1024;

/// What a panic report says about the connection.
#[derive(Default)]
pub struct Trace {
    line: Mutex<Vec<u8>>,
}

impl Trace {
    /// Remember the first line of `buffered` (the start of the request
    /// about to be served).
    pub fn note(&self, buffered: &[u8]) {
        let end = buffered
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(buffered.len())
            .min(MAX_TRACE);
        let mut line = self.line.lock().unwrap_or_else(|p| p.into_inner());
        line.clear();
        line.extend_from_slice(&buffered[..end]);
    }

    /// The remembered line, credentials masked, for the panic report.
    pub fn line(&self) -> String {
        let line = self.line.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&mask_userinfo(&line)).into_owned()
    }
}

/// `user:password@` in a URL's authority becomes `****@`.
pub fn mask_userinfo(line: &[u8]) -> Vec<u8> {
    let Some(scheme) = line.windows(3).position(|w| w == b"://") else {
        return line.to_vec();
    };
    let start = scheme + 3;
    let rest = &line[start..];
    let auth_len = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b' ' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let Some(at) = rest[..auth_len].iter().rposition(|&b| b == b'@') else {
        return line.to_vec();
    };
    let mut out = line[..start].to_vec();
    out.extend_from_slice(b"****");
    out.extend_from_slice(&rest[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::mask_userinfo;

    fn masked(s: &str) -> String {
        String::from_utf8(mask_userinfo(s.as_bytes())).unwrap()
    }

    #[test]
    fn credentials_in_the_url_are_masked() {
        assert_eq!(
            masked("GET http://user:secret@h:8/p@q HTTP/1.1"),
            "GET http://****@h:8/p@q HTTP/1.1"
        );
        assert_eq!(masked("GET http://h/x HTTP/1.1"), "GET http://h/x HTTP/1.1");
        assert_eq!(masked("CONNECT h:443 HTTP/1.1"), "CONNECT h:443 HTTP/1.1");
        assert_eq!(
            masked("GET http://a@b@c HTTP/1.0"),
            "GET http://****@c HTTP/1.0"
        );
    }
}
