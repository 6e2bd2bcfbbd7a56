//! Header processing in both directions (spec §6.4, §6.5, §6.8;
//! transcripts §11.10, §11.15, §11.16).

use super::{close_added, differs, same, sub};
use crate::harness::Ctx;
use crate::obs::Obs;
use crate::peers::Reply;
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        differs(
            "hdr_request_hop_by_hop",
            "header-ows",
            trailing_blanks_lift,
            request_hop_by_hop,
        ),
        differs(
            "hdr_request_repeated_names",
            "repeated-headers",
            repeated_request_lift,
            request_repeated,
        ),
        differs(
            "hdr_request_obs_fold",
            "obs-fold-unfolded",
            fold_lift,
            request_obs_fold,
        ),
        same("hdr_response_hop_by_hop", response_hop_by_hop),
        differs(
            "hdr_response_set_cookie_twice",
            "repeated-headers",
            set_cookie_lift,
            response_set_cookie,
        ),
        same(
            "hdr_proxy_authorization_forwarded",
            proxy_authorization_forwarded,
        ),
        differs(
            "hdr_connection_self_reference_cve_2023_49606",
            "keep-alive",
            close_added,
            connection_self_reference,
        ),
        same("hdr_anonymous", anonymous),
        same("hdr_xtinyproxy_addheader", xtinyproxy_addheader),
        differs(
            "hdr_addheader_client_has_same_name",
            "repeated-headers",
            addheader_dup_lift,
            addheader_client_same_name,
        ),
    ]
}

/// §11.10 without repeated names or folding: hop-by-hop headers, the
/// headers named in Connection, Host rebuilt, Via extended.
fn request_hop_by_hop(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange(
        "GET http://user:pw@127.0.0.1:{ORIGIN}/hop?q=1 HTTP/1.1\r\nHost: evil.example\r\n\
         Connection: keep-alive, X-Remove-Me\r\nX-Remove-Me: secret\r\nProxy-Connection: keep-alive\r\n\
         Keep-Alive: 300\r\nTE: trailers\r\nTrailers: x\r\nUpgrade: websocket\r\nVia: 1.0 clientproxy\r\n\
         NoColonLine\r\nX-Spaces:    lots   \r\nx-lower: v\r\nUser-Agent: raw\r\n\r\n",
    );
}

fn request_repeated(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/dup HTTP/1.1\r\nX-Dup: one\r\nX-Dup: two\r\n\
         Cookie: a=1\r\nCookie: b=2\r\n\r\n",
    );
}

/// 1.11.3 keeps every header of a repeated name, in order.
fn repeated_request_lift(o: &mut Obs) {
    sub(
        &mut o.origin,
        "X-Dup: one\r\n",
        "X-Dup: one\r\nX-Dup: two\r\n",
    );
    sub(
        &mut o.origin,
        "Cookie: a=1\r\n",
        "Cookie: a=1\r\nCookie: b=2\r\n",
    );
}

fn request_obs_fold(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/fold HTTP/1.1\r\nX-Folded: part1\r\n continued\r\nX-After: 1\r\n\r\n",
    );
}

/// tinyproxy forwards the fold as received; we unfold (RFC 9112 §5.2:
/// a proxy replaces obs-fold with a space).
fn fold_lift(o: &mut Obs) {
    sub(
        &mut o.origin,
        "X-Folded: part1\r\n continued\r\n",
        "X-Folded: part1 continued\r\n",
    );
}

fn hop_response(_req: &[u8]) -> Reply {
    Reply::close(
        "HTTP/1.1 200 OK\r\nConnection: close, X-Hop-Secret\r\nX-Hop-Secret: 42\r\n\
         Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic realm=x\r\nProxy-Connection: keep-alive\r\n\
         Via: 1.1 originvia\r\nServer: origin\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    )
}

/// §11.10 response side: hop-by-hop removed, Via extended.
fn response_hop_by_hop(c: &mut Ctx) {
    c.origin_with(hop_response);
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/r HTTP/1.1\r\n\r\n");
}

fn two_cookies(_req: &[u8]) -> Reply {
    Reply::close(
        "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n\
         Content-Length: 2\r\n\r\nok",
    )
}

/// #403: two Set-Cookie headers.
fn response_set_cookie(c: &mut Ctx) {
    c.origin_with(two_cookies);
    c.start("ViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/c HTTP/1.1\r\n\r\n");
}

fn set_cookie_lift(o: &mut Obs) {
    sub(
        &mut o.client,
        "Set-Cookie: a=1; Path=/\r\n",
        "Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n",
    );
}

/// Without BasicAuth, Proxy-Authorization reaches the origin (§6.4).
fn proxy_authorization_forwarded(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/pa HTTP/1.1\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n\r\n",
    );
}

/// CVE-2023-49606 triggers: no crash, normal proxying.
fn connection_self_reference(c: &mut Ctx) {
    c.origin();
    c.start("ViaProxyName \"vp\"");
    for h in [
        "Connection: Connection",
        "Connection: Proxy-Connection",
        "Proxy-Connection: Connection",
        "Connection: close, connection",
    ] {
        c.exchange(&format!(
            "GET http://127.0.0.1:{{ORIGIN}}/uaf HTTP/1.0\r\n{h}\r\nX-Keep: 1\r\n\r\n"
        ));
    }
}

/// §11.16: Anonymous allow-list (+ implicit Content-Length/-Type).
fn anonymous(c: &mut Ctx) {
    c.origin();
    c.start("Anonymous \"Host\"\nAnonymous \"User-Agent\"\nDisableViaHeader Yes");
    c.exchange(
        "POST http://127.0.0.1:{ORIGIN}/anon HTTP/1.1\r\nUser-Agent: ua\r\nCookie: c=1\r\n\
         Accept: */*\r\nContent-Type: text/plain\r\nX-Secret: s\r\nContent-Length: 3\r\n\r\nabc",
    );
}

/// §11.15: AddHeader after the client's headers, X-Tinyproxy last.
fn xtinyproxy_addheader(c: &mut Ctx) {
    c.origin();
    c.start(
        "XTinyproxy Yes\nAddHeader \"X-Added\" \"added value\"\nAddHeader \"X-Two\" \"2\"\nViaProxyName \"vp\"",
    );
    c.exchange("GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nUser-Agent: client-ua\r\n\r\n");
}

fn addheader_client_same_name(c: &mut Ctx) {
    c.origin();
    c.start("AddHeader \"User-Agent\" \"from-addheader\"\nViaProxyName \"vp\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nUser-Agent: client-ua\r\n\r\n");
}

/// 1.11.0–1.11.2 drop the AddHeader copy when the client sent the name;
/// 1.11.3 (repeated names kept) sends both, the client's first.
fn addheader_dup_lift(o: &mut Obs) {
    sub(
        &mut o.origin,
        "User-Agent: client-ua\r\n",
        "User-Agent: client-ua\r\nUser-Agent: from-addheader\r\n",
    );
}

/// Ours: a header value loses its trailing blanks (RFC 9110 §5.5: they are
/// not part of the value), as httparse reads it.
fn trailing_blanks_lift(o: &mut Obs) {
    for l in o.origin.iter_mut() {
        *l = l.replace("X-Spaces: lots   \r\n", "X-Spaces: lots\r\n");
    }
}
