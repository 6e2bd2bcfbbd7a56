//! `Listen`, `Bind`, `Allow`, `Deny` (spec §2, §2.2, §11.12, §11.13).

mod config_support;
use config_support::{ok, refused_on_line_2};
use ipnet::IpNet;
use std::net::IpAddr;
use std::path::Path;
use tinyproxy_rs::config::{parse_bytes, AclRule, AclSpec, Loaded, ScopedAddr};
use tinyproxy_rs::log::Level;

fn warnings(l: &Loaded) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|d| d.level == Level::Warning && !d.message.contains("UserName"))
        .map(|d| d.message.clone())
        .collect()
}

fn addr(s: &str) -> ScopedAddr {
    ScopedAddr {
        ip: s.parse().expect("ip"),
        scope: None,
    }
}

fn net(s: &str) -> AclSpec {
    AclSpec::Net(s.parse::<IpNet>().expect("net"))
}

fn specs(l: &Loaded) -> Vec<(bool, AclSpec)> {
    l.config
        .acl
        .as_ref()
        .expect("acl list")
        .iter()
        .map(|r| (r.allow, r.spec.clone()))
        .collect()
}

#[test]
fn listen_and_bind() {
    let l = ok("Listen 127.0.0.1\nListen ::1\nBind 127.0.0.3\nBind ::ffff:10.0.0.1\n");
    assert_eq!(l.config.listen, vec![addr("127.0.0.1"), addr("::1")]);
    assert_eq!(
        l.config.bind,
        vec![addr("127.0.0.3"), addr("::ffff:10.0.0.1")]
    );
    let info: Vec<&str> = l
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Info)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        info,
        vec![
            "Added address [127.0.0.1] to listen addresses.",
            "Added address [::1] to listen addresses.",
            "Added bind address [127.0.0.3] for outgoing connections.",
            "Added bind address [::ffff:10.0.0.1] for outgoing connections.",
        ]
    );
    assert!(ok("").config.listen.is_empty(), "default: wildcard");
}

#[test]
fn duplicate_listen_warns() {
    let l = ok("Listen 127.0.0.1\nListen 127.0.0.1\n");
    assert_eq!(l.config.listen.len(), 2);
    assert_eq!(
        warnings(&l),
        vec!["line 3: Listen address 127.0.0.1 is given twice; the second bind will fail"]
    );
}

#[test]
fn listen_scope_ids() {
    // tinyproxy 1.11.2+ (1.11.1 refuses them: deliberate superset).
    let l = ok("Listen fe80::1%eth0\n");
    assert_eq!(
        l.config.listen,
        vec![ScopedAddr {
            ip: "fe80::1".parse().expect("ip"),
            scope: Some("eth0".into())
        }]
    );
    refused_on_line_2("Listen fe80::1%");
    refused_on_line_2("Listen fe80::1%a/b");
    refused_on_line_2("Listen fe80::1%abcdefghijklmnopq");
}

#[test]
fn listen_refuses_what_is_no_address() {
    for bad in [
        "Listen localhost",
        "Listen 127.0.0.1:8080",
        "Listen 1.2.3.999",
        "Listen ab",
        "Listen :::::",
        "Listen 127.0.0.1 ::1",
        "Bind __replace_me_ifinetip__",
        "Bind 1.2.3.999",
        "Listen",
    ] {
        refused_on_line_2(bad);
    }
}

#[test]
fn listen_inet_aton_forms_warn() {
    // glibc reads these the inet_aton way (tinyproxy hands them to
    // getaddrinfo): 010 is octal.
    let l = ok("Listen 127.000.000.010\n");
    assert_eq!(l.config.listen, vec![addr("127.0.0.8")]);
    assert_eq!(warnings(&l).len(), 1);
}

#[test]
fn acl_forms() {
    let l = ok(concat!(
        "Allow 127.0.0.1\nDeny 127.0.0.2\nAllow 10.1.2.3/8\nAllow ::1\nDeny fe80::/10\n",
        "Allow ::ffff:1.2.3.4/120\nAllow localhost\nAllow .example.com\nAllow ALLOW_HOST_IP\n",
        "Allow 0.0.0.0/0\nAllow 1.2.3.4/08\n",
    ));
    assert_eq!(
        specs(&l),
        vec![
            (true, net("127.0.0.1/32")),
            (false, net("127.0.0.2/32")),
            (true, net("10.0.0.0/8")),
            (true, net("::1/128")),
            (false, net("fe80::/10")),
            (true, net("::ffff:1.2.3.0/120")),
            (true, AclSpec::Host("localhost".into())),
            (true, AclSpec::Host(".example.com".into())),
            (true, AclSpec::Host("ALLOW_HOST_IP".into())),
            (true, net("0.0.0.0/0")),
            (true, net("1.0.0.0/8")),
        ]
    );
    let lines: Vec<usize> = l
        .config
        .acl
        .as_ref()
        .map(|v| v.iter().map(|r: &AclRule| r.line).collect())
        .unwrap_or_default();
    assert_eq!(lines, (2..=12).collect::<Vec<_>>());
    assert!(warnings(&l).is_empty(), "{:?}", warnings(&l));
}

#[test]
fn acl_inet_aton_shorthands_are_numeric() {
    let l = ok("Allow 127.1\nAllow 2130706433\nAllow 010.0.0.1\nAllow 999.1.1.1\n");
    assert_eq!(
        specs(&l),
        vec![
            (true, net("127.0.0.1/32")),
            (true, net("127.0.0.1/32")),
            (true, net("8.0.0.1/32")),
            (true, AclSpec::Host("999.1.1.1".into())),
        ]
    );
    assert_eq!(warnings(&l).len(), 3, "{:?}", warnings(&l));
}

#[test]
fn acl_invalid_address_is_dropped_but_the_list_exists() {
    let l = ok("Allow 10.0.0.0/33\n");
    assert_eq!(l.config.acl, Some(vec![]));
    let w = warnings(&l);
    assert_eq!(w[0], "line 2: Invalid address 10.0.0.0/33");
    // Our own extra warning: tinyproxy then denies everyone, silently.
    assert!(w[1].contains("every client will be denied"), "{w:?}");
    let l = ok("Deny ::1/129\nAllow 1:2\nAllow 127.0.0.1\n");
    assert_eq!(specs(&l), vec![(true, net("127.0.0.1/32"))]);
    assert_eq!(
        warnings(&l),
        vec![
            "line 2: Invalid address ::1/129",
            "line 3: Invalid address 1:2"
        ]
    );
}

#[test]
fn acl_syntax_errors() {
    for bad in [
        "Allow 192.168.0.0/255.255.0.0",
        "Allow 1.2.3.4/",
        "Allow 1.2.3.4/8/8",
        "Allow example.com:80",
        "Allow 127.1/8",
        "Deny a b",
        "Allow",
        "Allow \"127.0.0.1\"",
    ] {
        refused_on_line_2(bad);
    }
}

#[test]
fn acl_scope_is_ignored_with_a_warning() {
    let l = ok("Allow fe80::1%eth0/64\n");
    assert_eq!(specs(&l), vec![(true, net("fe80::/64"))]);
    assert!(warnings(&l)[0].contains("scope"), "{:?}", warnings(&l));
}

#[test]
fn acl_case_and_order() {
    let l = ok("deny 127.0.0.2\nALLOW 127.0.0.0/8\nDeny 127.0.0.3\n");
    assert_eq!(
        specs(&l),
        vec![
            (false, net("127.0.0.2/32")),
            (true, net("127.0.0.0/8")),
            (false, net("127.0.0.3/32")),
        ]
    );
    let v4: IpAddr = "127.0.0.3".parse().expect("ip");
    assert!(matches!(&specs(&l)[1].1, AclSpec::Net(n) if n.contains(&v4)));
}

#[test]
fn dotted_mask_error_says_why() {
    let e = parse_bytes(
        b"Port 1\nAllow 192.168.0.0/255.255.0.0\n",
        Path::new("/t.conf"),
    )
    .expect_err("refused");
    let s = e.syntax().expect("syntax error");
    assert_eq!((s.line, s.column), (2, 7));
    assert!(
        s.expected.contains("dotted netmasks are not accepted"),
        "{}",
        s.expected
    );
}
