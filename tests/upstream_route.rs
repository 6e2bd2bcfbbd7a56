//! Routing table tests: every site-spec form, overlapping rules,
//! last-match-wins, `none`, the default rule, and the log texts.

use ipnet::IpNet;
use std::net::IpAddr;
use tinyproxy_rs::config::{Credentials, SiteSpec, UpstreamKind, UpstreamProxy, UpstreamRule};
use tinyproxy_rs::upstream::{describe_route, proxy_authorization, route};

fn proxy(kind: UpstreamKind, host: &str, port: u16) -> UpstreamProxy {
    UpstreamProxy {
        kind,
        host: host.into(),
        port,
        credentials: None,
    }
}

fn via(port: u16, site: Option<SiteSpec>) -> UpstreamRule {
    UpstreamRule {
        proxy: Some(proxy(UpstreamKind::Http, "127.0.0.1", port)),
        site,
        line: 0,
    }
}

fn none(site: SiteSpec) -> UpstreamRule {
    UpstreamRule {
        proxy: None,
        site: Some(site),
        line: 0,
    }
}

/// `"IP/bits"` or a bare `"IP"` as the parser builds it.
fn net(text: &str) -> SiteSpec {
    let parsed = match text.parse::<IpNet>() {
        Ok(n) => n,
        Err(_) => IpNet::from(text.parse::<IpAddr>().expect("address")),
    };
    SiteSpec::Net(parsed)
}

/// `"IP/a.b.c.d"` as the parser builds it.
fn dotted(ip: &str, mask: &str) -> SiteSpec {
    let ip: IpAddr = ip.parse().expect("ip");
    let mask: IpAddr = mask.parse().expect("mask");
    SiteSpec::Net(IpNet::with_netmask(ip, mask).expect("contiguous mask"))
}

fn domain(d: &str) -> SiteSpec {
    SiteSpec::Domain(d.into())
}

fn exact(h: &str) -> SiteSpec {
    SiteSpec::Exact(h.into())
}

/// The upstream port chosen for `host`, `None` for direct.
fn chosen(rules: &[UpstreamRule], host: &str) -> Option<u16> {
    route(rules, host).map(|p| p.port)
}

#[test]
fn every_site_form() {
    let rules = vec![
        via(1000, None),
        via(1001, Some(domain("example.com"))),
        via(1002, Some(exact("Exact.Test"))),
        via(1003, Some(SiteSpec::NoDot)),
        via(1004, Some(net("10.0.0.0/8"))),
        via(1005, Some(dotted("192.168.0.0", "255.255.0.0"))),
        via(1006, Some(net("fd00::/8"))),
        via(1007, Some(net("::ffff:172.16.0.0/108"))),
        via(1008, Some(net("127.0.0.0/8"))),
        none(net("127.0.0.5")),
        none(domain("direct.example.com")),
        via(1009, Some(net("203.0.113.7"))),
        via(1010, Some(net("2001:db8::1"))),
        via(1011, Some(dotted("198.51.100.77", "255.255.255.0"))),
    ];
    let table: &[(&str, Option<u16>)] = &[
        // Domain: hosts inside it, any case; not the bare domain, not a
        // name that merely ends in the same letters.
        ("a.example.com", Some(1001)),
        ("A.EXAMPLE.COM", Some(1001)),
        ("deep.a.example.com", Some(1001)),
        ("example.com", Some(1000)),
        ("badexample.com", Some(1000)),
        ("example.com.evil.test", Some(1000)),
        // A later, narrower none rule wins inside its domain only.
        ("x.direct.example.com", None),
        ("direct.example.com", Some(1001)),
        // Exact, any case, not subdomains.
        ("exact.test", Some(1002)),
        ("EXACT.TEST", Some(1002)),
        ("x.exact.test", Some(1000)),
        // NoDot: names without a dot; IP literals never.
        ("nodot", Some(1003)),
        ("NoDot", Some(1003)),
        ("2130706433", Some(1008)),
        ("fe80::1%eth0", Some(1000)),
        // IPv4 nets: bits, dotted mask, inet_aton shorthand, v4-mapped v6.
        ("10.1.2.3", Some(1004)),
        ("10.1", Some(1004)),
        ("167837953", Some(1004)),
        ("0x0a.1.1.1", Some(1004)),
        ("::ffff:10.0.0.1", Some(1004)),
        ("[::ffff:10.0.0.1]", Some(1004)),
        ("11.0.0.1", Some(1000)),
        ("192.168.9.9", Some(1005)),
        ("192.169.0.1", Some(1000)),
        ("198.51.100.1", Some(1011)),
        ("198.51.101.77", Some(1000)),
        // IPv6 nets, with or without brackets; a v6 rule over the mapped
        // range matches plain IPv4 hosts (tinyproxy compares 128 bits).
        ("fd00::1", Some(1006)),
        ("[fd00::1]", Some(1006)),
        ("FD00::ABCD", Some(1006)),
        ("fe80::1", Some(1000)),
        ("172.16.3.3", Some(1007)),
        ("172.32.0.1", Some(1000)),
        // Single addresses; last match wins over the /8.
        ("127.0.0.1", Some(1008)),
        ("127.0.0.5", None),
        ("127.5", None),
        ("[::ffff:127.0.0.5]", None),
        ("203.0.113.7", Some(1009)),
        ("203.0.113.8", Some(1000)),
        ("2001:db8::1", Some(1010)),
        ("[2001:DB8::1]", Some(1010)),
        ("2001:db8::2", Some(1000)),
        // Names never match numeric rules (no DNS for routing).
        ("localhost", Some(1003)),
        ("ten.example.org", Some(1000)),
        // Empty host: only the default rule applies.
        ("", Some(1000)),
    ];
    for (host, want) in table {
        assert_eq!(chosen(&rules, host), *want, "host {host:?}");
    }
}

#[test]
fn trailing_dot_is_the_same_name() {
    // Deliberate difference: tinyproxy matches `a.example.com.` against
    // nothing but a "." rule, letting it bypass the domain's rule.
    let rules = vec![
        via(1000, None),
        via(1001, Some(domain("example.com"))),
        via(1002, Some(exact("exact.test"))),
        none(domain("direct.test")),
        via(1003, Some(SiteSpec::NoDot)),
    ];
    assert_eq!(chosen(&rules, "a.example.com."), Some(1001));
    assert_eq!(chosen(&rules, "exact.test."), Some(1002));
    assert_eq!(chosen(&rules, "x.direct.test."), None);
    assert_eq!(chosen(&rules, "nodot."), Some(1003));
    assert_eq!(chosen(&rules, "."), Some(1000));
    assert_eq!(chosen(&rules, "a.example.com.."), Some(1000));
}

#[test]
fn last_matching_site_rule_wins_as_in_spec() {
    let wide = via(29301, Some(net("127.0.0.0/8")));
    let narrow = none(net("127.0.0.1"));
    let rules = vec![wide.clone(), narrow.clone()];
    assert_eq!(chosen(&rules, "127.0.0.1"), None);
    assert_eq!(chosen(&rules, "127.0.0.2"), Some(29301));
    let swapped = vec![narrow, wide];
    assert_eq!(chosen(&swapped, "127.0.0.1"), Some(29301));
    // Same for names: a later wider rule overrides an earlier narrower one.
    let rules = vec![
        none(domain("a.example.com")),
        via(7, Some(domain("example.com"))),
    ];
    assert_eq!(chosen(&rules, "x.a.example.com"), Some(7));
}

#[test]
fn default_rule_is_consulted_last_and_only_the_first_counts() {
    // Default written first still loses to a later site rule.
    let rules = vec![
        via(1, None),
        via(2, Some(domain("example.com"))),
        via(3, None),
    ];
    assert_eq!(chosen(&rules, "a.example.com"), Some(2));
    assert_eq!(chosen(&rules, "other.test"), Some(1));
    // No default: unmatched hosts go direct.
    let rules = vec![via(2, Some(domain("example.com")))];
    assert_eq!(chosen(&rules, "other.test"), None);
    assert_eq!(chosen(&[], "a.example.com"), None);
    // A site-less none rule (the parser never builds one) means direct.
    let rules = vec![UpstreamRule {
        proxy: None,
        site: None,
        line: 0,
    }];
    assert_eq!(chosen(&rules, "a.test"), None);
}

#[test]
fn log_texts() {
    let p = proxy(UpstreamKind::Http, "127.0.0.1", 29301);
    assert_eq!(
        describe_route(Some(&p), "www.viahttp.test"),
        "Found upstream proxy http 127.0.0.1:29301 for www.viahttp.test"
    );
    let s5 = proxy(UpstreamKind::Socks5, "127.0.0.1", 29302);
    assert_eq!(
        describe_route(Some(&s5), "a.viasocks5.test"),
        "Found upstream proxy socks5 127.0.0.1:29302 for a.viasocks5.test"
    );
    let s4 = proxy(UpstreamKind::Socks4, "proxy.test", 1080);
    assert_eq!(
        describe_route(Some(&s4), "[fd00::1]"),
        "Found upstream proxy socks4 proxy.test:1080 for fd00::1"
    );
    assert_eq!(
        describe_route(None, "127.0.0.1"),
        "No upstream proxy for 127.0.0.1"
    );
    assert_eq!(describe_route(None, "[::1]"), "No upstream proxy for ::1");
    let v6 = proxy(UpstreamKind::Http, "::1", 3128);
    assert_eq!(
        describe_route(Some(&v6), "a.test"),
        "Found upstream proxy http [::1]:3128 for a.test"
    );
}

#[test]
fn credentials_are_never_printed() {
    let mut p = proxy(UpstreamKind::Socks5, "127.0.0.1", 1080);
    p.credentials = Some(Credentials {
        user: "sekrit-user".into(),
        pass: "sekrit-pass".into(),
    });
    let line = describe_route(Some(&p), "a.test");
    assert!(!line.contains("sekrit"), "{line}");
    let debug = format!("{p:?}");
    assert!(!debug.contains("sekrit-pass"), "{debug}");
}

#[test]
fn proxy_authorization_values() {
    let c = |u: &str, p: &str| Credentials {
        user: u.into(),
        pass: p.into(),
    };
    // The value tinyproxy sent for `user:p:ss@` (spec §11.9).
    assert_eq!(
        proxy_authorization(&c("user", "p:ss")),
        "Basic dXNlcjpwOnNz"
    );
    assert_eq!(
        proxy_authorization(&c("user", "pass")),
        "Basic dXNlcjpwYXNz"
    );
    assert_eq!(proxy_authorization(&c("", "")), "Basic Og==");
    assert_eq!(proxy_authorization(&c("a b", "c d")), "Basic YSBiOmMgZA==");
}
