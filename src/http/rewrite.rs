//! Header rewriting and head serialisation: what goes to the origin and back
//! under tinyproxy's header rules for requests and responses, and the `Via`
//! header (`../shared/spec/tinyproxy-1.11.md` §6.4, §6.5).

use super::headers::{write_header, Headers};
use super::request::Version;
pub use super::status::{parse_status_line, StatusLine};
use super::url::Target;

/// Hop-by-hop names always removed from requests besides `Connection`,
/// `Proxy-Connection` and what they list.
const REQUEST_HOP: &[&str] = &["Keep-Alive", "TE", "Trailers", "Upgrade"];
/// The same for responses.
const RESPONSE_HOP: &[&str] = &["Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization"];

/// tinyproxy's header rules of one configuration generation: what the
/// request and response rewriting needs to know, and nothing else of the
/// configuration (built from it in `config::settings`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderRules {
    /// `BasicAuth` is configured: the client's `Proxy-Authorization` was
    /// for us and is never passed on.
    pub strip_proxy_authorization: bool,
    /// `Anonymous`: the only client headers passed on (besides framing);
    /// empty passes all.
    pub anonymous: Vec<String>,
    /// `DisableViaHeader`: pass `Via` on unchanged, add no entry.
    pub disable_via: bool,
    /// The host token of our `Via` entries: `ViaProxyName`, else the
    /// host name.
    pub via_name: String,
    /// `AddHeader` lines, in file order.
    pub add_headers: Vec<(String, String)>,
    /// `XTinyproxy`: send the client's address as `X-Tinyproxy`.
    pub xtinyproxy: bool,
}

/// Our `Via` value, extending any the message carried: `1.1 name (tinyproxy)`,
/// where the version is the client's (`../shared/spec/tinyproxy-1.11.md` §6.4).
fn via_value(previous: &[Vec<u8>], version: Version, rules: &HeaderRules) -> Vec<u8> {
    let mut v = Vec::new();
    for p in previous {
        v.extend_from_slice(p);
        v.extend_from_slice(b", ");
    }
    // Written piece by piece: `format!` here was a tenth of the work of a
    // kept request (it runs twice per request).
    push_decimal(&mut v, version.major);
    v.push(b'.');
    push_decimal(&mut v, version.minor);
    v.push(b' ');
    v.extend_from_slice(rules.via_name.as_bytes());
    v.extend_from_slice(b" (tinyproxy)");
    v
}

/// The `Via` header(s) of a forwarded head: the message's own entries
/// unchanged under `DisableViaHeader`, else one header extending them
/// with ours.
fn write_via(out: &mut Vec<u8>, incoming: &[Vec<u8>], version: Version, rules: &HeaderRules) {
    if rules.disable_via {
        for v in incoming {
            write_header(out, "Via", v);
        }
    } else {
        write_header(out, "Via", &via_value(incoming, version, rules));
    }
}

/// Append `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// The request as the next hop must see it.
pub struct OutgoingRequest<'a> {
    pub method: &'a str,
    pub version: Version,
    pub target: &'a Target,
    /// Value of the `Host:` header to send.
    pub host_header: String,
    /// Send the absolute URL (HTTP upstream) instead of the path.
    pub absolute: bool,
    /// `Proxy-Authorization` for an HTTP upstream with credentials.
    pub upstream_auth: Option<String>,
    pub client_ip: &'a str,
    /// Leave out `Connection: close` so the origin may keep the connection.
    pub keep_origin: bool,
}

/// Apply tinyproxy's request header rules to `h` and serialise the head:
/// request line, Host, Connection: close, [Proxy-Authorization], Via,
/// the client's remaining headers in order, AddHeader, X-Tinyproxy.
pub fn build_request(req: &OutgoingRequest<'_>, mut h: Headers, rules: &HeaderRules) -> Vec<u8> {
    h.remove("Host");
    h.remove_hop_by_hop(REQUEST_HOP);
    // Our own BasicAuth consumed it; with upstream credentials, ours go
    // instead (tinyproxy would send both).
    if rules.strip_proxy_authorization || req.upstream_auth.is_some() {
        h.remove("Proxy-Authorization");
    }
    let incoming_via = h.remove("Via");
    if !rules.anonymous.is_empty() {
        // Framing headers always pass: dropping them would change how the
        // origin reads the body we send (tinyproxy drops Transfer-Encoding).
        const ALWAYS: [&str; 3] = ["Content-Length", "Content-Type", "Transfer-Encoding"];
        h.retain_names(|name| {
            ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(name))
                || rules.anonymous.iter().any(|a| a.eq_ignore_ascii_case(name))
        });
    }
    let minor = if req.version.major == 1 {
        req.version.minor
    } else {
        0
    };
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(req.method.as_bytes());
    out.push(b' ');
    if req.absolute {
        out.extend_from_slice(req.target.absolute_url().as_bytes());
    } else {
        out.extend_from_slice(req.target.path.as_bytes());
    }
    out.extend_from_slice(format!(" HTTP/1.{minor}\r\n").as_bytes());
    write_header(&mut out, "Host", req.host_header.as_bytes());
    if !req.keep_origin {
        write_header(&mut out, "Connection", b"close");
    }
    if let Some(auth) = &req.upstream_auth {
        write_header(&mut out, "Proxy-Authorization", auth.as_bytes());
    }
    write_via(&mut out, &incoming_via, req.version, rules);
    h.write_to(&mut out);
    for (name, value) in &rules.add_headers {
        write_header(&mut out, name, value.as_bytes());
    }
    if rules.xtinyproxy {
        write_header(&mut out, "X-Tinyproxy", req.client_ip.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// What to say about the client connection in a forwarded response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientConnection {
    KeepAlive,
    Close,
    /// A tunnel follows: say nothing about the connection.
    Tunnel,
}

/// Apply tinyproxy's response header rules and serialise: status line
/// verbatim, Via right after it, extra headers (reverse-proxy cookie),
/// remaining headers in order; plus our `Connection` header when the
/// client connection's fate needs saying (keep-alive, beyond tinyproxy).
pub fn build_response_head(
    status: &StatusLine,
    mut h: Headers,
    client_version: Version,
    conn: ClientConnection,
    extra: &[(String, Vec<u8>)],
    rules: &HeaderRules,
) -> Vec<u8> {
    h.remove_hop_by_hop(RESPONSE_HOP);
    let incoming_via = h.remove("Via");
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&status.raw);
    out.extend_from_slice(b"\r\n");
    write_via(&mut out, &incoming_via, client_version, rules);
    for (name, value) in extra {
        write_header(&mut out, name, value);
    }
    h.write_to(&mut out);
    // Keep-alive is said whenever the client could not assume it: an
    // HTTP/1.0 client (it asked; issue 12 item 2) or an HTTP/1.0 status
    // line (which the client reads as "closes unless told").
    let says_close_by_default =
        status.http10 || crate::http::framing::rules::before_http11(client_version);
    match conn {
        ClientConnection::Close => write_header(&mut out, "Connection", b"close"),
        ClientConnection::KeepAlive if says_close_by_default => {
            write_header(&mut out, "Connection", b"keep-alive")
        }
        ClientConnection::KeepAlive | ClientConnection::Tunnel => {}
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Whether the client wants its connection kept after this request:
/// HTTP/1.1 unless it said `close`; HTTP/1.0 only if it said `keep-alive`.
pub fn client_wants_keepalive(version: Version, h: &Headers) -> bool {
    let says = |token: &str| {
        h.get_all("Connection")
            .chain(h.get_all("Proxy-Connection"))
            .any(|v| super::headers::has_token(v, token))
    };
    match (version.major, version.minor) {
        (1, m) if m >= 1 => !says("close"),
        (1, 0) => says("keep-alive") && !says("close"),
        _ => false,
    }
}

#[cfg(test)]
mod decimal_tests {
    #[test]
    fn push_decimal_writes_like_display() {
        for n in [0u32, 1, 9, 10, 11, 99, 100, 65535, u32::MAX] {
            let mut v = Vec::new();
            super::push_decimal(&mut v, n);
            assert_eq!(v, n.to_string().into_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> Headers {
        let v: Vec<Vec<u8>> = lines.iter().map(|s| s.as_bytes().to_vec()).collect();
        Headers::parse_lines(&v).unwrap()
    }

    fn rules() -> HeaderRules {
        HeaderRules {
            via_name: "tinyproxy".into(),
            ..HeaderRules::default()
        }
    }

    /// A GET/POST for `target` as the server builds it, minus the head.
    fn outgoing<'a>(method: &'a str, target: &'a Target) -> OutgoingRequest<'a> {
        OutgoingRequest {
            method,
            version: Version { major: 1, minor: 1 },
            target,
            host_header: target.host_header(),
            absolute: false,
            upstream_auth: None,
            client_ip: "127.0.0.1",
            keep_origin: false,
        }
    }

    #[test]
    fn request_matches_spec_11_10() {
        let target = Target {
            host: "127.0.0.1".into(),
            port: 47080,
            path: "/hop?q=1".into(),
        };
        let req = outgoing("GET", &target);
        let h = headers(&[
            "Host: evil.example",
            "Connection: keep-alive, X-Remove-Me",
            "X-Remove-Me: secret",
            "Proxy-Connection: keep-alive",
            "Keep-Alive: 300",
            "TE: trailers",
            "Trailers: x",
            "Upgrade: websocket",
            "X-Dup: one",
            "X-Dup: two",
            "Via: 1.0 clientproxy",
            "User-Agent: raw",
        ]);
        let out = String::from_utf8(build_request(&req, h, &rules())).unwrap();
        assert_eq!(
            out,
            "GET /hop?q=1 HTTP/1.1\r\nHost: 127.0.0.1:47080\r\nConnection: close\r\n\
             Via: 1.0 clientproxy, 1.1 tinyproxy (tinyproxy)\r\nX-Dup: one\r\nX-Dup: two\r\n\
             User-Agent: raw\r\n\r\n"
        );
    }

    #[test]
    fn response_via_and_hop_headers() {
        let st = parse_status_line(b"HTTP/1.1 200 OK").unwrap();
        let h = headers(&[
            "Connection: close, X-Hop-Secret",
            "X-Hop-Secret: 42",
            "Keep-Alive: timeout=5",
            "Proxy-Authenticate: Basic realm=x",
            "Via: 1.1 originvia",
            "Set-Cookie: a=1",
            "Set-Cookie: b=2",
        ]);
        let v = Version { major: 1, minor: 1 };
        let out = build_response_head(&st, h, v, ClientConnection::KeepAlive, &[], &rules());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 200 OK\r\nVia: 1.1 originvia, 1.1 tinyproxy (tinyproxy)\r\n\
             Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"
        );
    }

    /// Issue 12 item 2: a kept HTTP/1.0 client is told so; an HTTP/1.1
    /// client of an HTTP/1.1 server needs no word; closing is always said.
    #[test]
    fn keepalive_is_said_to_http10_clients() {
        let st = parse_status_line(b"HTTP/1.1 200 OK").unwrap();
        let head = |v: Version, conn| {
            let out = build_response_head(&st, headers(&[]), v, conn, &[], &rules());
            String::from_utf8(out).unwrap()
        };
        let v10 = Version { major: 1, minor: 0 };
        let v11 = Version { major: 1, minor: 1 };
        assert!(head(v10, ClientConnection::KeepAlive).contains("\r\nConnection: keep-alive\r\n"));
        assert!(!head(v11, ClientConnection::KeepAlive).contains("Connection"));
        assert!(head(v10, ClientConnection::Close).contains("\r\nConnection: close\r\n"));
        assert!(head(v11, ClientConnection::Close).contains("\r\nConnection: close\r\n"));
    }

    #[test]
    fn anonymous_keeps_framing_headers() {
        let target = Target {
            host: "h".into(),
            port: 80,
            path: "/".into(),
        };
        let req = outgoing("POST", &target);
        let mut c = rules();
        c.anonymous = vec!["User-Agent".into()];
        let h = headers(&[
            "User-Agent: ua",
            "Cookie: secret",
            "Transfer-Encoding: chunked",
            "Content-Type: text/plain",
        ]);
        let out = String::from_utf8(build_request(&req, h, &c)).unwrap();
        assert!(out.contains(
            "User-Agent: ua\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n"
        ));
        assert!(!out.contains("Cookie"));
    }

    #[test]
    fn client_credentials_are_not_sent_with_upstream_ones() {
        let target = Target {
            host: "h".into(),
            port: 80,
            path: "/".into(),
        };
        let req = OutgoingRequest {
            absolute: true,
            upstream_auth: Some("Basic dXBzdHJlYW06cA==".into()),
            ..outgoing("GET", &target)
        };
        let h = headers(&["Proxy-Authorization: Basic Y2xpZW50OnNlY3JldA=="]);
        let out = String::from_utf8(build_request(&req, h, &rules())).unwrap();
        assert_eq!(out.matches("Proxy-Authorization").count(), 1, "{out}");
        assert!(out.contains("Proxy-Authorization: Basic dXBzdHJlYW06cA==\r\n"));
    }

    #[test]
    fn keepalive_decision() {
        let v11 = Version { major: 1, minor: 1 };
        let v10 = Version { major: 1, minor: 0 };
        assert!(client_wants_keepalive(v11, &headers(&[])));
        assert!(!client_wants_keepalive(
            v11,
            &headers(&["Connection: close"])
        ));
        assert!(!client_wants_keepalive(v10, &headers(&[])));
        assert!(client_wants_keepalive(
            v10,
            &headers(&["Proxy-Connection: Keep-Alive"])
        ));
        assert!(!client_wants_keepalive(Version::HTTP09, &headers(&[])));
    }
}
