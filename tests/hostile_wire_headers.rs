//! Issue 12 item 3: response header lines RFC 9112 tells a proxy to
//! repair are repaired and relayed (as tinyproxy and squid relay them);
//! control bytes and names that are not tokens stay refused (503) with a
//! log line naming the header.

use tinyproxy_test_support::{
    ours, process::references, process::under_test, Conn, Proxy, RawOrigin, Reply, Response,
};

fn origin_with(head_lines: &'static str) -> RawOrigin {
    RawOrigin::start(move |_, _| Reply {
        bytes: format!("HTTP/1.1 200 OK\r\n{head_lines}Content-Length: 2\r\n\r\nok").into_bytes(),
        close: true,
    })
}

fn get(p: &Proxy, o: &RawOrigin) -> Response {
    let mut c = Conn::open(p.addr());
    c.send(format!("GET {} HTTP/1.1\r\nConnection: close\r\n\r\n", o.url("/h")).as_bytes());
    c.response().expect("a response")
}

/// (what the origin sends, the header the client must get, or `None`
/// when the line must be gone).
const REPAIRS: &[(&str, &str, Option<&str>)] = &[
    // §5.1: a proxy must remove whitespace before the colon.
    ("X-Foo : bar\r\n", "X-Foo", Some("bar")),
    ("X-Tab\t: t\r\n", "X-Tab", Some("t")),
    // §2.2: a whitespace-led line right after the status line is
    // consumed (ignored), with any that follow it.
    (" X-Junk: 1\r\n\tX-More: 2\r\n", "X-Junk", None),
    // §5.2: obs-fold replaced by SP.
    ("X-A: 1\r\n 2\r\n", "X-A", Some("1 2")),
];

#[test]
fn repairable_response_headers_are_repaired() {
    let p = Proxy::start(under_test(ours!()), "");
    for (lines, name, want) in REPAIRS {
        let o = origin_with(lines);
        let r = get(&p, &o);
        assert_eq!(r.status(), 200, "{lines:?}: {r:?}");
        assert_eq!(r.body, b"ok");
        assert_eq!(r.header(name).as_deref(), *want, "{lines:?}: {r:?}");
        assert!(!r.head.contains(" :") && !r.head.contains("\t:"), "{r:?}");
        let more = r.header("X-More");
        assert!(more.is_none(), "{lines:?}: {r:?}");
    }
}

/// The reference builds relay these responses too: we are not stricter
/// where tinyproxy serves.
#[test]
fn reference_tinyproxy_relays_the_same_responses() {
    for bin in references() {
        let p = Proxy::start(bin, "");
        for (lines, _, _) in REPAIRS {
            let o = origin_with(lines);
            assert_eq!(get(&p, &o).status(), 200, "{bin}: {lines:?}");
        }
    }
}

#[test]
fn control_bytes_and_bad_names_are_refused_and_named() {
    let p = Proxy::start(under_test(ours!()), "");
    for (lines, named) in [
        ("X-Bad: a\x01b\r\n", "X-Bad"),
        ("X-Del: a\x7fb\r\n", "X-Del"),
        ("X@Foo: v\r\n", "X@Foo"),
        ("X-Nul: \0\r\n", "X-Nul"),
    ] {
        let o = origin_with(lines);
        let r = get(&p, &o);
        assert_eq!(r.status(), 503, "{lines:?}: {r:?}");
        p.wait_log(&format!(
            "Refusing response with a malformed header \"{named}\""
        ));
    }
}
