//! Allow / Deny semantics (spec §2.2, §11.13, CVE-2011-1499).
//!
//! Host-rule tests use only `localhost` and 127.0.0.1, which /etc/hosts
//! answers; no query leaves the machine.

use std::net::IpAddr;

use tinyproxy_rs::config::{AclRule, AclSpec};
use tinyproxy_rs::policy::acl::{allowed, allowed_without_dns, name_has_suffix};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip literal")
}

fn net(allow: bool, s: &str) -> AclRule {
    AclRule {
        allow,
        spec: AclSpec::Net(s.parse().expect("net literal")),
        line: 1,
    }
}

fn host(allow: bool, s: &str) -> AclRule {
    AclRule {
        allow,
        spec: AclSpec::Host(s.to_string()),
        line: 1,
    }
}

fn acl(rules: Vec<AclRule>) -> Option<Vec<AclRule>> {
    Some(rules)
}

#[tokio::test]
async fn no_acl_allows_everyone() {
    assert!(allowed(&None, ip("127.0.0.1")).await);
    assert!(allowed(&None, ip("::1")).await);
    assert_eq!(allowed_without_dns(&None, ip("::1")), Some(true));
}

#[tokio::test]
async fn invalid_only_acl_denies_everyone() {
    // `Allow 10.0.0.0/33` is dropped by the parser but the list exists.
    let a = acl(vec![]);
    assert!(!allowed(&a, ip("127.0.0.1")).await);
    assert!(!allowed(&a, ip("::1")).await);
    assert_eq!(allowed_without_dns(&a, ip("127.0.0.1")), Some(false));
}

/// Spec §11.13: `Deny 127.0.0.2 / Allow 127.0.0.0/8 / Deny 127.0.0.3`.
#[tokio::test]
async fn first_match_wins() {
    let a = acl(vec![
        net(false, "127.0.0.2/32"),
        net(true, "127.0.0.0/8"),
        net(false, "127.0.0.3/32"),
    ]);
    assert!(allowed(&a, ip("127.0.0.1")).await);
    assert!(!allowed(&a, ip("127.0.0.2")).await);
    assert!(allowed(&a, ip("127.0.0.3")).await);
    assert!(!allowed(&a, ip("10.0.0.1")).await, "no match denies");
}

/// CVE-2011-1499: an IPv4 /8 must be a /104 in the mapped space.
#[tokio::test]
async fn ipv4_prefix_is_offset_in_mapped_space() {
    let a = acl(vec![net(true, "10.0.0.0/8")]);
    assert!(!allowed(&a, ip("127.0.0.1")).await);
    assert!(!allowed(&a, ip("::ffff:127.0.0.1")).await);
    assert!(!allowed(&a, ip("::1")).await);
    assert!(allowed(&a, ip("10.0.0.0")).await);
    assert!(allowed(&a, ip("10.255.255.255")).await);
    assert!(!allowed(&a, ip("11.0.0.0")).await);
    assert!(!allowed(&a, ip("9.255.255.255")).await);
}

#[tokio::test]
async fn cidr_edges() {
    let all4 = acl(vec![net(true, "0.0.0.0/0")]);
    assert!(allowed(&all4, ip("127.0.0.1")).await);
    assert!(allowed(&all4, ip("255.255.255.255")).await);
    assert!(allowed(&all4, ip("::ffff:1.2.3.4")).await);
    assert!(
        !allowed(&all4, ip("::1")).await,
        "IPv4 /0 is ::ffff:0:0/96 only"
    );

    let all6 = acl(vec![net(true, "::/0")]);
    assert!(allowed(&all6, ip("::1")).await);
    assert!(allowed(&all6, ip("127.0.0.1")).await);

    let one4 = acl(vec![net(true, "127.0.0.1/32")]);
    assert!(allowed(&one4, ip("127.0.0.1")).await);
    assert!(!allowed(&one4, ip("127.0.0.0")).await);
    assert!(!allowed(&one4, ip("127.0.0.2")).await);

    let one6 = acl(vec![net(true, "::1/128")]);
    assert!(allowed(&one6, ip("::1")).await);
    assert!(!allowed(&one6, ip("::2")).await);
    assert!(!allowed(&one6, ip("::")).await);
    assert!(!allowed(&one6, ip("127.0.0.1")).await);

    // Host bits in the rule are ignored, as tinyproxy masks the network.
    let sloppy = acl(vec![net(true, "192.168.1.77/24")]);
    assert!(allowed(&sloppy, ip("192.168.1.1")).await);
    assert!(!allowed(&sloppy, ip("192.168.2.1")).await);

    let v6net = acl(vec![net(true, "fd00::/8")]);
    assert!(allowed(&v6net, ip("fdff:ffff::1")).await);
    assert!(!allowed(&v6net, ip("fe00::1")).await);
}

#[tokio::test]
async fn ipv4_mapped_matches_both_ways() {
    let v4rule = acl(vec![net(true, "127.0.0.0/8")]);
    assert!(allowed(&v4rule, ip("::ffff:127.0.0.1")).await);
    let mapped_rule = acl(vec![net(true, "::ffff:127.0.0.0/104")]);
    assert!(allowed(&mapped_rule, ip("127.0.0.1")).await);
    assert!(!allowed(&mapped_rule, ip("128.0.0.1")).await);
    let deny_mapped = acl(vec![
        net(false, "::ffff:127.0.0.1/128"),
        net(true, "0.0.0.0/0"),
    ]);
    assert!(!allowed(&deny_mapped, ip("127.0.0.1")).await);
}

#[tokio::test]
async fn ipv6_loopback_rule() {
    let a = acl(vec![net(true, "::1/128")]);
    assert!(allowed(&a, ip("::1")).await);
    assert_eq!(allowed_without_dns(&a, ip("::1")), Some(true));
}

#[tokio::test]
async fn fast_path_stops_at_first_host_rule() {
    let a = acl(vec![
        net(true, "127.0.0.1/32"),
        host(true, "localhost"),
        net(false, "0.0.0.0/0"),
    ]);
    assert_eq!(allowed_without_dns(&a, ip("127.0.0.1")), Some(true));
    assert_eq!(allowed_without_dns(&a, ip("127.0.0.2")), None);
    let numeric_only = acl(vec![net(false, "127.0.0.2/32")]);
    assert_eq!(
        allowed_without_dns(&numeric_only, ip("127.0.0.1")),
        Some(false)
    );
}

/// `Allow localhost` works through the forward lookup (/etc/hosts).
#[tokio::test]
async fn localhost_host_rule() {
    let a = acl(vec![host(true, "localhost")]);
    assert!(allowed(&a, ip("127.0.0.1")).await);
    assert!(
        allowed(&a, ip("::ffff:127.0.0.1")).await,
        "mapped client matches the IPv4 answer"
    );
    let upper = acl(vec![host(true, "LOCALHOST")]);
    assert!(allowed(&upper, ip("127.0.0.1")).await);
    let deny = acl(vec![host(false, "localhost"), net(true, "0.0.0.0/0")]);
    assert!(!allowed(&deny, ip("127.0.0.1")).await);
}

/// A `.domain` rule skips the forward lookup and tests the (forward-
/// confirmed) reverse name: 127.0.0.1 is `localhost`, which is not inside
/// `.example`, so the next rule decides.
#[tokio::test]
async fn domain_rule_uses_reverse_name() {
    let a = acl(vec![host(false, ".example"), net(true, "127.0.0.0/8")]);
    assert!(allowed(&a, ip("127.0.0.1")).await);
    let b = acl(vec![host(true, ".example")]);
    assert!(!allowed(&b, ip("127.0.0.1")).await);
}

#[test]
fn suffix_matching_respects_label_boundaries() {
    assert!(name_has_suffix("example.com", "example.com"));
    assert!(name_has_suffix("www.example.com", "example.com"));
    assert!(name_has_suffix("WWW.Example.COM", "example.com"));
    assert!(name_has_suffix("www.example.com", ".example.com"));
    assert!(name_has_suffix("www.example.com.", "example.com"));
    // tinyproxy matches these; we do not.
    assert!(!name_has_suffix("badexample.com", "example.com"));
    assert!(!name_has_suffix("wwwexample.com", "example.com"));
    // A `.domain` rule never matches the bare domain (as tinyproxy).
    assert!(!name_has_suffix("example.com", ".example.com"));
    assert!(!name_has_suffix("com", "example.com"));
    assert!(!name_has_suffix("anything", ""));
    assert!(!name_has_suffix("anything.", "."));
}
