//! End-to-end filtering through our binary: default allow and default
//! deny, plain HTTP and CONNECT, FilterURLs, and a reload that changes the
//! filter file.

use tinyproxy_test_support::ours;
use tinyproxy_test_support::{raw, Origin, Proxy};

fn filtered(out: &str) -> bool {
    out.contains(" 403 Filtered\r\n")
}

#[test]
fn blacklist_blocks_matching_hosts_for_http_and_connect() {
    let origin = Origin::start();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("filter");
    std::fs::write(
        &list,
        "# comment\n^blocked\\.test$\n  evil   # trailing\nBADCASE\n",
    )
    .unwrap();
    let p = Proxy::start(ours!(), &format!("Filter \"{}\"", list.display()));
    let out = raw(p.addr(), b"GET http://blocked.test/x HTTP/1.1\r\n\r\n");
    assert!(filtered(&out), "{out}");
    p.wait_log("Proxying refused on filtered domain \"blocked.test\"");
    let out = raw(p.addr(), b"GET http://www.badcase.test/x HTTP/1.1\r\n\r\n");
    assert!(filtered(&out), "case-insensitive by default: {out}");
    let out = raw(p.addr(), b"CONNECT sub.evil.test:443 HTTP/1.1\r\n\r\n");
    assert!(filtered(&out), "{out}");
    // Not in the list: proxied.
    let out = raw(
        p.addr(),
        format!("GET {} HTTP/1.0\r\n\r\n", origin.url("/ok")).as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
}

#[test]
fn default_deny_lets_only_listed_hosts_through() {
    let origin = Origin::start();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("allow");
    std::fs::write(&list, "^127\\.0\\.0\\.1$\n").unwrap();
    let p = Proxy::start(
        ours!(),
        &format!("Filter \"{}\"\nFilterDefaultDeny Yes", list.display()),
    );
    let out = raw(
        p.addr(),
        format!("GET {} HTTP/1.0\r\n\r\n", origin.url("/in")).as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    let out = raw(p.addr(), b"GET http://other.invalid/ HTTP/1.0\r\n\r\n");
    assert!(filtered(&out), "{out}");
    let out = raw(p.addr(), b"CONNECT other.invalid:443 HTTP/1.0\r\n\r\n");
    assert!(filtered(&out), "{out}");
}

#[test]
fn filter_urls_matches_the_whole_url_and_fnmatch_globs() {
    let origin = Origin::start();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls");
    std::fs::write(&list, "*/secret*\n").unwrap();
    let p = Proxy::start(
        ours!(),
        &format!(
            "Filter \"{}\"\nFilterURLs On\nFilterType fnmatch",
            list.display()
        ),
    );
    let out = raw(
        p.addr(),
        format!("GET {} HTTP/1.0\r\n\r\n", origin.url("/secret/x")).as_bytes(),
    );
    assert!(filtered(&out), "{out}");
    p.wait_log("Proxying refused on filtered url \"http://127.0.0.1:");
    let out = raw(
        p.addr(),
        format!("GET {} HTTP/1.0\r\n\r\n", origin.url("/public")).as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
}

#[test]
fn reload_applies_a_changed_filter_to_new_requests() {
    let origin = Origin::start();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("filter");
    std::fs::write(&list, "nothing-matches-this\n").unwrap();
    let p = Proxy::start(ours!(), &format!("Filter \"{}\"", list.display()));
    let req = format!("GET {} HTTP/1.0\r\n\r\n", origin.url("/r"));
    assert!(raw(p.addr(), req.as_bytes()).starts_with("HTTP/1.1 200 OK"));
    std::fs::write(&list, "^127\\.0\\.0\\.1$\n").unwrap();
    p.signal(libc::SIGHUP);
    p.wait_log_n("Reloading config file finished", 2);
    assert!(filtered(&raw(p.addr(), req.as_bytes())));
    // A broken filter on reload keeps the old one serving.
    std::fs::write(&list, "[unclosed\n").unwrap();
    p.signal(libc::SIGHUP);
    p.wait_log("Reloading config file failed!");
    assert!(filtered(&raw(p.addr(), req.as_bytes())));
}
