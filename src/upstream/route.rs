//! Choosing the upstream proxy for a request host
//! (`../shared/spec/tinyproxy-1.11.md` §2.1).
//!
//! tinyproxy prepends every site rule to its list and appends the single
//! default rule, then takes the first match. In file order that means:
//! the **last** matching site rule wins, the default rule is consulted only
//! when no site rule matches, and a matching `none` rule means "direct".
//! No DNS is ever done here: numeric rules only see IP-literal hosts.

use super::hostaddr::{parse_ip_literal, strip_brackets};
use crate::config::{SiteSpec, UpstreamProxy, UpstreamRule};
use crate::netmatch::{in_domain, net_contains};
use std::fmt;
use std::net::IpAddr;

/// The upstream proxy for `host` (as taken from the request, without
/// port; IPv6 with or without brackets), or `None` for a direct
/// connection.
pub fn route<'a>(rules: &'a [UpstreamRule], host: &str) -> Option<&'a UpstreamProxy> {
    let target = RequestHost::parse(host);
    let by_site = rules.iter().rev().find(|rule| match &rule.site {
        Some(site) => site_matches(site, &target),
        None => false,
    });
    let chosen = by_site.or_else(|| rules.iter().find(|rule| rule.site.is_none()));
    chosen.and_then(|rule| rule.proxy.as_ref())
}

/// The text of a routing decision, for reading:
/// `Found upstream proxy http 127.0.0.1:29301 for www.viahttp.test` or
/// `No upstream proxy for HOST`. The target host is printed without
/// brackets (as tinyproxy, which strips them while parsing the URL); an
/// IPv6 proxy address is printed as `[addr]:port` ([`HostPort`]).
/// Credentials never appear.
pub fn describe_route(proxy: Option<&UpstreamProxy>, host: &str) -> String {
    route_text(proxy, host, |h, port| HostPort(h, port).to_string())
}

/// The line the proxy logs for a routing decision: tinyproxy's exact
/// text, the same as [`describe_route`] except that the proxy address is
/// joined to its port with a bare `:` (tinyproxy's `%s:%d`, also for
/// IPv6: `::1:1080`), which log readers of tinyproxy match.
pub fn route_log_line(proxy: Option<&UpstreamProxy>, host: &str) -> String {
    route_text(proxy, host, |h, port| {
        format!("{}:{port}", strip_brackets(h))
    })
}

/// The one place the routing text is built; `host_port` writes the
/// proxy's address.
fn route_text(
    proxy: Option<&UpstreamProxy>,
    host: &str,
    host_port: impl Fn(&str, u16) -> String,
) -> String {
    let host = strip_brackets(host);
    match proxy {
        Some(p) => format!(
            "Found upstream proxy {} {} for {}",
            p.kind.as_str(),
            host_port(&p.host, p.port),
            host
        ),
        None => format!("No upstream proxy for {host}"),
    }
}

/// `host:port`, with an IPv6 literal in brackets so the port stays
/// readable (`[::1]:3128`); tinyproxy joins host and port with a bare
/// `:` (its `%s:%d`), which is ambiguous for IPv6.
#[derive(Clone, Copy, Debug)]
pub struct HostPort<'a>(pub &'a str, pub u16);

impl fmt::Display for HostPort<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = strip_brackets(self.0);
        if host.contains(':') {
            write!(f, "[{}]:{}", host, self.1)
        } else {
            write!(f, "{}:{}", host, self.1)
        }
    }
}

/// A request host, classified once per request.
enum RequestHost<'h> {
    /// Empty host: tinyproxy's hostspec matches nothing against it.
    Empty,
    Ip(IpAddr),
    /// A host name with one trailing dot removed (`a.example.com.` is the
    /// same DNS name as `a.example.com`; tinyproxy does not strip it and
    /// so lets such names slip past their rules).
    Name(&'h str),
}

impl<'h> RequestHost<'h> {
    fn parse(host: &'h str) -> RequestHost<'h> {
        if let Some(ip) = parse_ip_literal(host) {
            return RequestHost::Ip(ip);
        }
        let name = host.strip_suffix('.').unwrap_or(host);
        if name.is_empty() {
            RequestHost::Empty
        } else {
            RequestHost::Name(name)
        }
    }
}

/// Does one site spec cover the target? `NoDot` is the documented
/// meaning of `"."` (a name without a domain); text with a `:` (a scoped
/// IPv6 address such as `fe80::1%eth0`) is not a name, so not covered.
fn site_matches(site: &SiteSpec, target: &RequestHost<'_>) -> bool {
    match (site, target) {
        (SiteSpec::Exact(want), RequestHost::Name(name)) => {
            let want = want.strip_suffix('.').unwrap_or(want);
            name.eq_ignore_ascii_case(want)
        }
        (SiteSpec::Domain(domain), RequestHost::Name(name)) => in_domain(name, domain),
        (SiteSpec::NoDot, RequestHost::Name(name)) => !name.contains(['.', ':']),
        (SiteSpec::Net(net), RequestHost::Ip(ip)) => net_contains(net, *ip),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UpstreamKind;

    fn proxy(host: &str) -> UpstreamProxy {
        UpstreamProxy {
            kind: UpstreamKind::Socks5,
            host: host.into(),
            port: 1080,
            credentials: None,
        }
    }

    /// The logged line is describe_route's text but for tinyproxy's bare
    /// `host:port` (which only differs for an IPv6 proxy).
    #[test]
    fn log_line_is_tinyproxys_form_of_the_description() {
        let v4 = proxy("127.0.0.1");
        assert_eq!(
            route_log_line(Some(&v4), "[::1]"),
            describe_route(Some(&v4), "[::1]")
        );
        assert_eq!(
            route_log_line(None, "a.test"),
            describe_route(None, "a.test")
        );
        assert_eq!(
            route_log_line(Some(&proxy("::1")), "a.test"),
            "Found upstream proxy socks5 ::1:1080 for a.test"
        );
    }
}
