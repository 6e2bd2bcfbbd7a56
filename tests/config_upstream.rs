//! `Upstream` in all its forms (spec §2.1, §11.12), including tinyproxy's
//! regex quirks and our deliberate fixes.

mod config_support;
use config_support::{ok, refused_on_line_2, said};
use tinyproxy_rs::config::{Credentials, SiteSpec, UpstreamKind, UpstreamProxy, UpstreamRule};
use tinyproxy_rs::log::Level;

fn proxy(kind: UpstreamKind, host: &str, port: u16) -> Option<UpstreamProxy> {
    Some(UpstreamProxy {
        kind,
        host: host.into(),
        port,
        credentials: None,
    })
}

fn rule(proxy: Option<UpstreamProxy>, site: Option<SiteSpec>, line: usize) -> UpstreamRule {
    UpstreamRule { proxy, site, line }
}

fn net(s: &str) -> Option<SiteSpec> {
    Some(SiteSpec::Net(s.parse().expect("net")))
}

#[test]
fn all_forms() {
    let l = ok(concat!(
        "Upstream http 127.0.0.1:3128\n",
        "Upstream socks4 proxy.local:1080 \".example.com\"\n",
        "Upstream socks5 user:pa ss:x@10.0.0.1:1080 \"host.example\"\n",
        "Upstream none \"127.0.0.0/8\"\n",
        "Upstream none \"10.0.0.0/255.255.0.0\"\n",
        "Upstream http 0.0.0.0:0 \"fc00::/7\"\n",
        "upstream NONE \"10.0.0/8\"\n",
        "Upstream none \"Name.Example\"\n",
    ));
    let u = &l.config.upstreams;
    assert_eq!(
        u[0],
        rule(proxy(UpstreamKind::Http, "127.0.0.1", 3128), None, 2)
    );
    assert_eq!(
        u[1],
        rule(
            proxy(UpstreamKind::Socks4, "proxy.local", 1080),
            Some(SiteSpec::Domain("example.com".into())),
            3
        )
    );
    let mut p = proxy(UpstreamKind::Socks5, "10.0.0.1", 1080);
    if let Some(p) = p.as_mut() {
        p.credentials = Some(Credentials {
            user: "user".into(),
            pass: "pa ss:x".into(),
        });
    }
    assert_eq!(
        u[2],
        rule(p, Some(SiteSpec::Exact("host.example".into())), 4)
    );
    assert_eq!(u[3], rule(None, net("127.0.0.0/8"), 5));
    assert_eq!(u[4], rule(None, net("10.0.0.0/16"), 6));
    assert_eq!(
        u[5],
        rule(proxy(UpstreamKind::Http, "0.0.0.0", 0), net("fc00::/7"), 7)
    );
    assert_eq!(u[6], rule(None, net("10.0.0.0/8"), 8));
    assert_eq!(
        u[7],
        rule(None, Some(SiteSpec::Exact("Name.Example".into())), 9)
    );
    assert_eq!(
        said(&l, Level::Info),
        vec![
            "Added upstream http 127.0.0.1:3128 for [default]",
            "Added upstream socks4 proxy.local:1080 for .example.com",
            "Added upstream socks5 10.0.0.1:1080 for host.example",
            "Added upstream none for 127.0.0.0/8",
            "Added upstream none for 10.0.0.0/255.255.0.0",
            "Added upstream http 0.0.0.0:0 for fc00::/7",
            "Added upstream none for 10.0.0/8",
            "Added upstream none for Name.Example",
        ]
    );
}

#[test]
fn credentials_forms() {
    let l = ok("Upstream http :@h:1\nUpstream socks5 me@corp.example:se cret:x@h:2 \"a\"\n");
    let creds: Vec<Option<Credentials>> = l
        .config
        .upstreams
        .iter()
        .map(|r| r.proxy.as_ref().and_then(|p| p.credentials.clone()))
        .collect();
    assert_eq!(
        creds[0],
        Some(Credentials {
            user: String::new(),
            pass: String::new()
        })
    );
    assert_eq!(
        creds[1],
        Some(Credentials {
            user: "me@corp.example".into(),
            pass: "se cret:x".into()
        })
    );
    // Debug never shows the password.
    assert!(!format!("{:?}", l.config.upstreams).contains("se cret"));
}

#[test]
fn ipv6_upstream_in_brackets() {
    // tinyproxy 1.11.2+; 1.11.1 refuses it (deliberate superset).
    let l = ok("Upstream http [::1]:3128\nUpstream socks5 u:p@[fe80::1%eth0]:1080 \"x\"\n");
    assert_eq!(
        l.config.upstreams[0],
        rule(proxy(UpstreamKind::Http, "::1", 3128), None, 2)
    );
    assert_eq!(
        l.config.upstreams[1]
            .proxy
            .as_ref()
            .map(|p| p.host.as_str()),
        Some("fe80::1%eth0")
    );
    assert_eq!(
        said(&l, Level::Info)[0],
        "Added upstream http ::1:3128 for [default]"
    );
    refused_on_line_2("Upstream http [::1:3128");
    refused_on_line_2("Upstream http [host]:3128");
}

#[test]
fn default_rule_needs_a_port_and_only_the_first_counts() {
    let l =
        ok("Upstream http 127.0.0.1:0\nUpstream http 127.0.0.1:1\nUpstream socks5 127.0.0.1:2\n");
    assert_eq!(
        l.config.upstreams,
        vec![rule(proxy(UpstreamKind::Http, "127.0.0.1", 1), None, 3)]
    );
    let msgs: Vec<String> = l
        .diagnostics
        .iter()
        .filter(|d| d.line > 0)
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        msgs,
        vec![
            "line 2: Nonsense upstream rule: invalid host or port",
            "Added upstream http 127.0.0.1:1 for [default]",
            "Added upstream socks5 127.0.0.1:2 for [default]",
            "Duplicate default upstream",
        ]
    );
}

#[test]
fn bad_sites_are_dropped_with_tinyproxys_warning() {
    let l = ok("Upstream none \"10.0.0.0/33\"\nUpstream http h:1 \"a:b\"\nUpstream none \"x/8\"\nUpstream none \"::1/255.0.0.0\"\n");
    assert!(l.config.upstreams.is_empty());
    assert_eq!(
        said(&l, Level::Warning),
        (2..=5)
            .map(|n| format!("line {n}: Nonsense upstream rule: failed to parse netmask"))
            .collect::<Vec<_>>()
    );
    // A mask with junk after its digits reads like C's strtoul (warned).
    let l = ok("Upstream none \"10.0.0.0/8x\"\n");
    assert_eq!(l.config.upstreams, vec![rule(None, net("10.0.0.0/8"), 2)]);
    assert_eq!(said(&l, Level::Warning).len(), 1);
}

#[test]
fn non_contiguous_mask_is_dropped() {
    // tinyproxy keeps it as a bit mask; we cannot express it (deliberate).
    let l = ok("Upstream none \"10.0.0.0/255.0.255.0\"\n");
    assert!(l.config.upstreams.is_empty());
    assert_eq!(said(&l, Level::Warning).len(), 2);
}

#[test]
fn credentials_too_long_for_http() {
    let body = format!(
        "Upstream http {}:{}@127.0.0.1:3128\n",
        "u".repeat(200),
        "p".repeat(57)
    );
    let l = ok(&body);
    assert!(l.config.upstreams.is_empty());
    assert_eq!(
        said(&l, Level::Warning),
        vec!["line 2: User / pass in upstream config too long"]
    );
    let body = format!(
        "Upstream http {}:{}@127.0.0.1:3128\n",
        "u".repeat(200),
        "p".repeat(56)
    );
    assert_eq!(ok(&body).config.upstreams.len(), 1);
    // SOCKS5 keeps the rule but warns (RFC 1929 limits are 255 each).
    let body = format!("Upstream socks5 {}:p@127.0.0.1:1080\n", "u".repeat(256));
    let l = ok(&body);
    assert_eq!(l.config.upstreams.len(), 1);
    assert!(said(&l, Level::Warning)[0].contains("255"));
}

#[test]
fn type_is_read_ignoring_case() {
    // Deliberate fix: tinyproxy 1.11 makes these "none" rules.
    let l = ok("Upstream HTTP 127.0.0.1:3128 \"a.example\"\nUpstream Socks5 127.0.0.1:1080\nUpstream NONE \"b.example\"\n");
    let u = &l.config.upstreams;
    assert_eq!(
        u[0],
        rule(
            proxy(UpstreamKind::Http, "127.0.0.1", 3128),
            Some(SiteSpec::Exact("a.example".into())),
            2
        )
    );
    assert_eq!(
        u[1],
        rule(proxy(UpstreamKind::Socks5, "127.0.0.1", 1080), None, 3)
    );
    assert_eq!(
        u[2],
        rule(None, Some(SiteSpec::Exact("b.example".into())), 4)
    );
    let w = said(&l, Level::Warning);
    assert_eq!(w.len(), 3);
    assert!(
        w[0].starts_with("line 2: upstream type \"HTTP\" is read as \"http\""),
        "{w:?}"
    );
}

#[test]
fn dot_site_means_no_dot() {
    // Deliberate fix: the documented meaning of "." (1.11 broke it).
    let l = ok("Upstream none \".\"\n");
    assert_eq!(
        l.config.upstreams,
        vec![rule(None, Some(SiteSpec::NoDot), 2)]
    );
    assert_eq!(said(&l, Level::Info), vec!["Added upstream none for ."]);
    assert_eq!(said(&l, Level::Warning).len(), 1);
}

#[test]
fn regex_quirks_are_accepted_with_warnings() {
    // tinyproxy's pattern is anchored at one end per alternative.
    let l = ok("Upstream none \"a.example\" trailing words\nUpstream none \"b.example\"\r\nUpstream xhttp 127.0.0.1:81 \"c.example\"\n");
    assert_eq!(l.config.upstreams.len(), 3);
    assert_eq!(
        l.config.upstreams[2].proxy,
        proxy(UpstreamKind::Http, "127.0.0.1", 81)
    );
    let w = said(&l, Level::Warning);
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(
        w[0].contains("after the site is ignored") && w[2].contains("before the upstream type")
    );
}

#[test]
fn syntax_errors() {
    for bad in [
        "Upstream none",
        "Upstream none \"\"",
        "Upstream http://127.0.0.1:40000",
        "Upstream http 127.0.0.1",
        "Upstream http 127.0.0.1:",
        "Upstream socks6 127.0.0.1:1080",
        "Upstream 127.0.0.1:3128",
        "Upstream http h:1 \"a.example\"\r",
        "Upstream http h:1 site",
        "Upstream http u:p@ss@h:1",
        "Upstream",
    ] {
        refused_on_line_2(bad);
    }
}

#[test]
fn ports() {
    let l = ok("Upstream http h:08 \"a\"\nUpstream http h:65535\n");
    assert_eq!(
        l.config.upstreams[0].proxy,
        proxy(UpstreamKind::Http, "h", 0)
    );
    assert!(said(&l, Level::Warning)[0].contains("octal"));
    // tinyproxy would wrap these (deliberate difference).
    let e = refused_on_line_2("Upstream http 127.0.0.1:99999 \"a.example\"");
    assert!(e.contains("port number from 0 to 65535"), "{e}");
}
