//! Upstream routing and wire formats (spec §2.1, §6.6; transcript §11.9).
//! Fake upstreams record the exact bytes; target names are `.test`
//! names that are never resolved (the upstream gets them).

use super::{close_added, differs, same};
use crate::harness::Ctx;
use crate::obs::Obs;
use crate::peers::{Peer, Reply};
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        same("up_http_credentials_get", http_credentials_get),
        same("up_http_connect", http_connect),
        differs(
            "up_http_default_http10",
            "keep-alive",
            close_added,
            http_default_http10,
        ),
        same("up_socks5_credentials", socks5_credentials),
        same("up_socks5_no_auth_connect", socks5_connect),
        same("up_socks4a", socks4a),
        same("up_none_ip_direct", none_ip_direct),
        same("up_last_site_rule_wins", last_rule_wins),
        same("up_unreachable_502", unreachable),
        differs(
            "up_type_upper_case",
            "upstream-type-case",
            type_case_lift,
            type_upper_case,
        ),
    ]
}

fn upstream_echo(req: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(req);
    if text.starts_with("CONNECT ") {
        return Reply {
            bytes: b"HTTP/1.1 200 Connection established\r\nX-Upstream: yes\r\n\r\n".to_vec(),
            keep_open: true,
        };
    }
    Reply::close("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nupstream\n")
}

fn http_credentials_get(c: &mut Ctx) {
    c.upstream(Peer::http(upstream_echo));
    c.start("ViaProxyName \"tp-d\"\nUpstream http user:p:ss@127.0.0.1:{UP} \".viahttp.test\"");
    c.exchange("GET http://www.viahttp.test/path?q HTTP/1.1\r\nHost: www.viahttp.test\r\nUser-Agent: ua\r\n\r\n");
}

/// CONNECT through an HTTP upstream: its reply (with our Via) is relayed.
fn http_connect(c: &mut Ctx) {
    c.upstream(Peer::http(upstream_echo));
    c.start("ViaProxyName \"tp-d\"\nUpstream http user:p:ss@127.0.0.1:{UP} \".viahttp.test\"");
    let mut conn = c.conn(None);
    conn.send(b"CONNECT www.viahttp.test:443 HTTP/1.1\r\nHost: www.viahttp.test\r\nUser-Agent: ua\r\n\r\n");
    conn.read_head();
    conn.send(b"GET /in-tunnel HTTP/1.1\r\nHost: www.viahttp.test\r\n\r\n");
    conn.read_response();
    conn.finish();
    c.record(&conn);
}

fn http_default_http10(c: &mut Ctx) {
    c.upstream(Peer::http(upstream_echo));
    c.start("ViaProxyName \"tp-d\"\nUpstream http 127.0.0.1:{UP}");
    c.exchange("GET http://other.test/ HTTP/1.0\r\n\r\n");
}

fn socks5_credentials(c: &mut Ctx) {
    c.upstream(Peer::socks5());
    c.start(
        "ViaProxyName \"tp-d\"\nUpstream socks5 user5:pass5@127.0.0.1:{UP} \".viasocks5.test\"",
    );
    c.exchange("GET http://a.viasocks5.test:8080/s5 HTTP/1.1\r\n\r\n");
}

fn socks5_connect(c: &mut Ctx) {
    c.upstream(Peer::socks5());
    c.start("Upstream socks5 127.0.0.1:{UP} \"c.viasocks5.test\"");
    let mut conn = c.conn(None);
    conn.send(b"CONNECT c.viasocks5.test:443 HTTP/1.0\r\n\r\n");
    conn.read_head();
    conn.send(b"GET /t HTTP/1.1\r\nHost: c\r\n\r\n");
    conn.read_response();
    conn.finish();
    c.record(&conn);
}

fn socks4a(c: &mut Ctx) {
    c.upstream(Peer::socks4());
    c.start("ViaProxyName \"tp-d\"\nUpstream socks4 127.0.0.1:{UP} \".viasocks4.test\"");
    c.exchange("GET http://b.viasocks4.test/s4 HTTP/1.1\r\n\r\n");
}

/// `Upstream none "127.0.0.0/8"` sends IP-literal targets direct.
fn none_ip_direct(c: &mut Ctx) {
    c.origin();
    c.upstream(Peer::http(upstream_echo));
    c.start("ViaProxyName \"tp-d\"\nUpstream http 127.0.0.1:{UP}\nUpstream none \"127.0.0.0/8\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/direct HTTP/1.1\r\n\r\n");
    c.exchange("GET http://elsewhere.test/up HTTP/1.1\r\n\r\n");
}

/// §2.1: the last matching site rule in file order wins.
fn last_rule_wins(c: &mut Ctx) {
    c.origin();
    c.upstream(Peer::http(upstream_echo));
    c.start("Upstream http 127.0.0.1:{UP} \"127.0.0.0/8\"\nUpstream none \"127.0.0.1\"");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\n\r\n");
    c.exchange("GET http://127.0.0.2:{ORIGIN}/b HTTP/1.1\r\n\r\n");
}

/// §11.9: the upstream refuses the connection → 502.
fn unreachable(c: &mut Ctx) {
    c.start("Upstream http 127.0.0.1:1 \".dead.test\"");
    c.exchange("GET http://x.dead.test/ HTTP/1.1\r\n\r\n");
}

/// `Upstream HTTP ...`: tinyproxy 1.11 matches the type case-insensitively
/// but looks it up case-sensitively, so the rule silently becomes `none`
/// (go direct). The target is `localhost`, so going direct stays local.
fn type_upper_case(c: &mut Ctx) {
    c.origin();
    c.upstream(Peer::http(upstream_echo));
    c.start("Upstream HTTP 127.0.0.1:{UP} \"localhost\"");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    c.mask(host.trim(), "{HOSTNAME}");
    c.observe_startup();
    c.exchange("GET http://localhost:{ORIGIN}/u HTTP/1.1\r\n\r\n");
}

/// We read the type case-insensitively (with a warning) and use the
/// HTTP upstream; tinyproxy went direct.
fn type_case_lift(o: &mut Obs) {
    super::reload_line_path(&mut o.log);
    for l in o.log.iter_mut() {
        let new = match l.as_str() {
            "INFO Added upstream none for localhost" => "INFO Added upstream http 127.0.0.1:{UP} for localhost",
            "INFO No upstream proxy for localhost" => "INFO Found upstream proxy http 127.0.0.1:{UP} for localhost",
            "INFO opensock: opening connection to localhost:{ORIGIN}" => "INFO opensock: opening connection to 127.0.0.1:{UP}",
            "INFO opensock: getaddrinfo returned for localhost:{ORIGIN}" => "INFO opensock: getaddrinfo returned for 127.0.0.1:{UP}",
            "CONNECT Established connection to host \"localhost\" using file descriptor N." => "CONNECT Established connection to upstream proxy \"127.0.0.1\" using file descriptor N.",
            _ => continue,
        };
        *l = new.to_string();
    }
    super::insert_after(
        &mut o.log,
        "INFO Added address [127.0.0.1] to listen addresses.",
        "WARNING line 4: upstream type \"HTTP\" is read as \"http\" (tinyproxy 1.11 turns it into a \"none\" rule)",
    );
    o.client = vec![
        "HTTP/1.1 200 OK\r\nVia: 1.1 {HOSTNAME} (tinyproxy)\r\nContent-Length: 9\r\n\r\nupstream\n"
            .into(),
    ];
    o.upstream = o
        .origin
        .iter()
        .map(|r| r.replace("GET /u ", "GET http://localhost:{ORIGIN}/u "))
        .collect();
    o.origin.clear();
}
