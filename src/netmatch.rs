//! How a host or address is matched against a rule, as tinyproxy does it,
//! written once for the ACL (`Allow`/`Deny`) and upstream routing
//! (`Upstream ... "site"`).

use ipnet::IpNet;
use std::net::IpAddr;

/// An address as the 128-bit value tinyproxy compares: IPv4 becomes the
/// IPv4-mapped `::ffff:a.b.c.d`, IPv6 stays as it is.
pub fn as_mapped_u128(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Whether `net` contains `ip`, compared as 128-bit IPv6: an IPv4 rule
/// `a.b.c.d/n` is `::ffff:a.b.c.d/(n+96)` and an IPv4 address is
/// `::ffff:a.b.c.d`, so an IPv4 rule also matches IPv4-mapped IPv6
/// addresses and vice versa (an IPv4 `/n` is never read as an IPv6 `/n`:
/// the CVE-2011-1499 lesson).
pub fn net_contains(net: &IpNet, ip: IpAddr) -> bool {
    let (network, prefix) = match net {
        IpNet::V4(v4) => (IpAddr::V4(v4.network()), u32::from(v4.prefix_len()) + 96),
        IpNet::V6(v6) => (IpAddr::V6(v6.network()), u32::from(v6.prefix_len())),
    };
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    as_mapped_u128(ip) & mask == as_mapped_u128(network) & mask
}

/// `name` lies strictly inside `domain` (ASCII case-insensitive, at a
/// label boundary): `a.example.com` is inside `example.com`;
/// `example.com` and `badexample.com` are not. One leading and one
/// trailing dot of `domain` are ignored; `name` is taken as given.
pub fn in_domain(name: &str, domain: &str) -> bool {
    let domain = domain.strip_prefix('.').unwrap_or(domain);
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let (name, domain) = (name.as_bytes(), domain.as_bytes());
    if name.len() <= domain.len() {
        return false;
    }
    let split = name.len() - domain.len();
    name[split - 1] == b'.' && name[split..].eq_ignore_ascii_case(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_rules_match_mapped_addresses_and_back() {
        let v4: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(net_contains(&v4, "10.1.2.3".parse().unwrap()));
        assert!(net_contains(&v4, "::ffff:10.1.2.3".parse().unwrap()));
        assert!(!net_contains(&v4, "11.0.0.1".parse().unwrap()));
        let mapped: IpNet = "::ffff:10.0.0.0/104".parse().unwrap();
        assert!(net_contains(&mapped, "10.9.9.9".parse().unwrap()));
        let all: IpNet = "::/0".parse().unwrap();
        assert!(net_contains(&all, "192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn domains_match_at_label_boundaries_only() {
        assert!(in_domain("a.example.com", "example.com"));
        assert!(in_domain("A.Example.COM", ".example.com."));
        assert!(!in_domain("example.com", "example.com"));
        assert!(!in_domain("badexample.com", "example.com"));
    }
}
