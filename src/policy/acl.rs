//! Allow / Deny (`../shared/spec/tinyproxy-1.11.md` §2.2).
//!
//! `None` (no ACL line at all) allows everyone. Otherwise the rules are
//! walked in file order, the first matching rule decides, and no match
//! denies. Addresses are compared as IPv6 with IPv4 mapped to
//! `::ffff:a.b.c.d`, so an IPv4-mapped client matches IPv4 rules and an
//! IPv4 client matches `::ffff:…` rules.
//!
//! Host rules (`AclSpec::Host`) need DNS: a name not starting with `.` is
//! forward-resolved and matches when one of its addresses is the client;
//! then the client's reverse name (looked up at most once per check, and
//! only trusted when it resolves back to the client) must end with the
//! rule at a label boundary. Every lookup is bounded by [`DNS_TIMEOUT`];
//! a failed or slow lookup simply does not match.

use std::net::IpAddr;
use std::time::Duration;

use crate::config::{AclRule, AclSpec};
use crate::netmatch::{as_mapped_u128, in_domain, net_contains};

/// Upper bound for one DNS lookup made for the ACL.
pub const DNS_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `client` may use the proxy.
pub async fn allowed(acl: &Option<Vec<AclRule>>, client: IpAddr) -> bool {
    let Some(rules) = acl else {
        return true;
    };
    match decide_numeric(rules, client) {
        Ok(decision) => decision,
        Err(first_host_rule) => decide_with_dns(&rules[first_host_rule..], client).await,
    }
}

/// The decision when it needs no DNS: no ACL, or a numeric rule matches
/// before the first Host rule, or there is no Host rule at all. `None`
/// means "call [`allowed`]". Never allocates.
pub fn allowed_without_dns(acl: &Option<Vec<AclRule>>, client: IpAddr) -> Option<bool> {
    match acl {
        None => Some(true),
        Some(rules) => decide_numeric(rules, client).ok(),
    }
}

/// Walk the rules up to the first Host rule. `Ok(decision)` when decided,
/// `Err(index)` of the Host rule that needs DNS otherwise.
fn decide_numeric(rules: &[AclRule], client: IpAddr) -> Result<bool, usize> {
    for (i, rule) in rules.iter().enumerate() {
        match &rule.spec {
            AclSpec::Net(net) => {
                if net_contains(net, client) {
                    return Ok(rule.allow);
                }
            }
            AclSpec::Host(_) => return Err(i),
        }
    }
    Ok(false)
}

/// The slow path, from the first Host rule on.
async fn decide_with_dns(rules: &[AclRule], client: IpAddr) -> bool {
    let mut reverse = ReverseName::NotLooked;
    for rule in rules {
        let matched = match &rule.spec {
            AclSpec::Net(net) => net_contains(net, client),
            AclSpec::Host(name) => host_rule_matches(name, client, &mut reverse).await,
        };
        if matched {
            return rule.allow;
        }
    }
    false
}

/// The client's reverse name, cached for one check.
enum ReverseName {
    NotLooked,
    Known(Option<String>),
}

async fn host_rule_matches(rule: &str, client: IpAddr, reverse: &mut ReverseName) -> bool {
    if !rule.starts_with('.') && resolves_to(rule, client).await {
        return true;
    }
    if let ReverseName::NotLooked = reverse {
        *reverse = ReverseName::Known(confirmed_reverse_name(client).await);
    }
    match reverse {
        ReverseName::Known(Some(name)) => name_has_suffix(name, rule),
        _ => false,
    }
}

/// Whether forward resolution of `name` yields `client`.
async fn resolves_to(name: &str, client: IpAddr) -> bool {
    let key = as_mapped_u128(client);
    let lookup = tokio::net::lookup_host((name, 0));
    match tokio::time::timeout(DNS_TIMEOUT, lookup).await {
        Ok(Ok(mut addrs)) => addrs.any(|sa| as_mapped_u128(sa.ip()) == key),
        _ => false,
    }
}

/// The client's reverse name, only if it resolves back to the client
/// (forward-confirmed reverse DNS): whoever controls the PTR record of an
/// address can claim any name, but not make that name resolve to it.
async fn confirmed_reverse_name(client: IpAddr) -> Option<String> {
    let ip = client.to_canonical();
    let lookup = tokio::task::spawn_blocking(move || dns_lookup::lookup_addr(&ip));
    let name = match tokio::time::timeout(DNS_TIMEOUT, lookup).await {
        Ok(Ok(Ok(name))) => name,
        _ => return None,
    };
    if resolves_to(&name, client).await {
        Some(name)
    } else {
        None
    }
}

/// Case-insensitive suffix match that must start at a label boundary:
/// `example.com` matches `example.com` and `www.example.com` but not
/// `badexample.com` (tinyproxy matches the latter too); `.example.com`
/// matches names inside the domain only. A trailing dot is ignored.
pub fn name_has_suffix(name: &str, rule: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let bare = rule.strip_suffix('.').unwrap_or(rule);
    if bare.is_empty() || bare == "." {
        return false;
    }
    in_domain(name, rule) || (!rule.starts_with('.') && name.eq_ignore_ascii_case(bare))
}
