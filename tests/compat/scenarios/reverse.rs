//! Reverse proxy (spec §6.13; transcript §11.17).

use super::same;
use crate::harness::Ctx;
use crate::peers::{fixed_ok, Reply};
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        same("rev_mapped_path", mapped),
        same("rev_path_without_slash_301", noslash),
        same("rev_only_unmapped_400", only_unmapped),
        same("rev_only_forward_request_400", only_forward),
        same("rev_redirect_rewritten", redirect),
        same("rev_magic_cookie", magic_cookie),
        same("rev_forward_still_works", forward_still_works),
    ]
}

const CONF: &str =
    "ViaProxyName \"tp-g\"\nReversePath \"/ex/\" \"http://127.0.0.1:{ORIGIN}/real/\"\n\
ReversePath \"/noslash\" \"http://127.0.0.1:{ORIGIN}/ns/\"\nReverseOnly Yes\nReverseMagic Yes\n\
ReverseBaseURL \"http://127.0.0.1:{PROXY}/\"";

fn mapped(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange("GET /ex/page?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{PROXY}\r\n\r\n");
}

fn noslash(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange("GET /noslash HTTP/1.1\r\n\r\n");
}

fn only_unmapped(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange("GET /other HTTP/1.1\r\n\r\n");
}

fn only_forward(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange("GET http://127.0.0.1:{ORIGIN}/x HTTP/1.1\r\n\r\n");
}

fn redirect(c: &mut Ctx) {
    let port = std::sync::Arc::new(std::sync::Mutex::new(0u16));
    let p2 = std::sync::Arc::clone(&port);
    let o = c.origin_with(move |req: &[u8]| {
        if String::from_utf8_lossy(req).starts_with("GET /real/redir ") {
            let p = *p2.lock().expect("lock");
            Reply::close(format!(
                "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{p}/real/target\r\nContent-Length: 0\r\n\r\n"
            ))
        } else {
            fixed_ok(req)
        }
    });
    *port.lock().expect("lock") = o;
    c.start(CONF);
    c.exchange("GET /ex/redir HTTP/1.1\r\n\r\n");
}

fn magic_cookie(c: &mut Ctx) {
    c.origin();
    c.start(CONF);
    c.exchange("GET /img/logo.png HTTP/1.1\r\nCookie: yummy_magical_cookie=/ex/\r\n\r\n");
}

/// Without ReverseOnly, unmapped absolute-form requests are forwarded.
fn forward_still_works(c: &mut Ctx) {
    c.origin();
    c.start("ReversePath \"/ex/\" \"http://127.0.0.1:{ORIGIN}/real/\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/fwd HTTP/1.1\r\n\r\n");
    c.exchange("GET /ex/a HTTP/1.1\r\n\r\n");
}
