//! Address semantics: what tinyproxy makes of an address-like string once
//! the grammar has let it through.
//!
//! tinyproxy turns strings into addresses with the C library: `inet_aton`
//! (which also takes `127.1`, `2130706433`, octal `010.0.0.1` and hex
//! `0x7f.1`) and then `inet_pton(AF_INET6)`. ACL and upstream-site strings
//! go through its "hostspec" parser: an address with an optional `/bits`
//! (or, for upstream sites, a dotted mask), or else a name.

use crate::config::types::ScopedAddr;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 address read the way glibc's `inet_aton` reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aton {
    pub addr: Ipv4Addr,
    /// False for anything but plain `a.b.c.d` in decimal without leading
    /// zeros: those forms surprise readers, so we warn about them.
    pub canonical: bool,
}

/// glibc `inet_aton`: 1 to 4 dot-separated parts, each decimal, octal
/// (leading 0) or hex (0x); the last part fills the remaining bytes.
pub fn inet_aton(s: &str) -> Option<Aton> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(4);
    let mut canonical = parts.len() == 4;
    for p in &parts {
        let (v, plain) = c_number(p)?;
        canonical &= plain;
        values.push(v);
    }
    let (last, init) = values.split_last()?;
    if init.iter().any(|&v| v > 0xff) {
        return None;
    }
    let max_last: u64 = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff][init.len()];
    if *last > max_last {
        return None;
    }
    let mut n: u64 = 0;
    for (k, v) in init.iter().enumerate() {
        n |= v << (24 - 8 * k);
    }
    n |= last;
    let addr = Ipv4Addr::from(u32::try_from(n).ok()?);
    Some(Aton { addr, canonical })
}

/// One `inet_aton` part as C's `strtoul(p, &end, 0)` reads it; the whole
/// part must be consumed. Returns the value and whether it was plain
/// decimal without a leading zero.
fn c_number(p: &str) -> Option<(u64, bool)> {
    let b = p.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    let (digits, radix, plain) = if b.len() > 1 && b[0] == b'0' && (b[1] | 0x20) == b'x' {
        (&p[2..], 16, false)
    } else if b.len() > 1 && b[0] == b'0' {
        (&p[1..], 8, false)
    } else {
        (p, 10, true)
    };
    if digits.is_empty() {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    (v <= 0xffff_ffff).then_some((v, plain))
}

/// `full_inet_pton`: `inet_aton`, else an IPv6 literal.
fn numeric(s: &str) -> Option<(IpAddr, bool)> {
    if let Some(a) = inet_aton(s) {
        return Some((IpAddr::V4(a.addr), a.canonical));
    }
    s.parse::<Ipv6Addr>().ok().map(|a| (IpAddr::V6(a), true))
}

/// A `Listen`/`Bind` value that passed the grammar, as an address.
/// Returns the address and whether it was written canonically; `None`
/// when no address can be made of it (tinyproxy would fail later, when
/// it listens or connects).
pub fn scoped_addr(w: &str) -> Option<(ScopedAddr, bool)> {
    let (addr, scope) = match w.split_once('%') {
        Some((a, s)) => (a, Some(s.to_string())),
        None => (w, None),
    };
    let (ip, canonical) = if addr.contains(':') {
        (IpAddr::V6(addr.parse::<Ipv6Addr>().ok()?), true)
    } else {
        let a = inet_aton(addr)?;
        (IpAddr::V4(a.addr), a.canonical)
    };
    if scope.is_some() && !ip.is_ipv6() {
        return None;
    }
    Some((ScopedAddr { ip, scope }, canonical))
}

/// What a hostspec string denotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostSpec {
    /// `canonical` is false when the text is not how one would write the
    /// network (inet_aton shorthand, octal, junk after the mask digits).
    Net {
        net: IpNet,
        canonical: bool,
    },
    Name(String),
}

/// Why a hostspec string was refused (tinyproxy: "Invalid address" for
/// ACLs, "failed to parse netmask" for upstream sites).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecError {
    /// What tinyproxy refuses too.
    Invalid,
    /// A dotted mask whose bits are not contiguous: tinyproxy accepts it,
    /// we cannot express it as a prefix.
    NonContiguousMask,
}

/// tinyproxy's `hostspec_parse`: `ADDR[/MASK]` or a name. `dotted_masks`
/// allows `/255.255.0.0` (upstream sites; the ACL grammar never lets one
/// through).
pub fn hostspec(s: &str, dotted_masks: bool) -> Result<HostSpec, SpecError> {
    let (loc, mask) = match s.rfind('/') {
        Some(k) => (&s[..k], Some(&s[k + 1..])),
        None => (s, None),
    };
    let Some((ip, canonical)) = numeric(loc) else {
        if mask.is_some() || loc.contains(':') {
            return Err(SpecError::Invalid);
        }
        return Ok(HostSpec::Name(s.to_string()));
    };
    let prefix = match mask {
        None => max_prefix(ip),
        Some(m) => prefix_of(ip, loc, m, dotted_masks)?,
    };
    let exact_mask = mask.map_or(true, |m| {
        m.contains('.') || m.bytes().all(|b| b.is_ascii_digit())
    });
    let net = make_net(ip, prefix).ok_or(SpecError::Invalid)?;
    Ok(HostSpec::Net {
        net,
        canonical: canonical && exact_mask,
    })
}

fn max_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}

/// The prefix length a mask string gives. As in tinyproxy, an IPv4
/// address takes `/0`..`/32` (`/33` is refused) and only an IPv4 address
/// takes a dotted mask.
fn prefix_of(ip: IpAddr, loc: &str, m: &str, dotted_masks: bool) -> Result<u8, SpecError> {
    if m.contains('.') {
        let v6 = loc.parse::<Ipv6Addr>().is_ok();
        if !dotted_masks || v6 {
            return Err(SpecError::Invalid);
        }
        let bits = u32::from(m.parse::<Ipv4Addr>().map_err(|_| SpecError::Invalid)?);
        let ones = bits.leading_ones();
        if bits.checked_shl(ones).unwrap_or(0) != 0 {
            return Err(SpecError::NonContiguousMask);
        }
        return u8::try_from(ones).map_err(|_| SpecError::Invalid);
    }
    let digits = strtoul_digits(m).ok_or(SpecError::Invalid)?;
    let n: u32 = digits.parse().unwrap_or(u32::MAX);
    let max = u32::from(max_prefix(ip));
    if n > max {
        return Err(SpecError::Invalid);
    }
    u8::try_from(n).map_err(|_| SpecError::Invalid)
}

/// The digits C's `strtoul(m, &end, 10)` reads: leading white space and a
/// `+` are skipped, anything after the digits is ignored (so `/8x` is
/// `/8`); `None` when there are no digits (a `-` sign is refused too).
fn strtoul_digits(m: &str) -> Option<&str> {
    let t = m.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let t = t.strip_prefix('+').unwrap_or(t);
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    (end > 0).then_some(&t[..end])
}

/// The network of `ip/prefix`, host bits cleared (tinyproxy masks too).
pub fn make_net(ip: IpAddr, prefix: u8) -> Option<IpNet> {
    let net = match ip {
        IpAddr::V4(a) => IpNet::V4(Ipv4Net::new(a, prefix).ok()?),
        IpAddr::V6(a) => IpNet::V6(Ipv6Net::new(a, prefix).ok()?),
    };
    Some(net.trunc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Option<Ipv4Addr> {
        inet_aton(s).map(|a| a.addr)
    }

    #[test]
    fn aton_forms() {
        assert_eq!(v4("127.0.0.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(v4("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(v4("2130706433"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(v4("010.0.0.1"), Some(Ipv4Addr::new(8, 0, 0, 1)));
        assert_eq!(v4("0x7f.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(v4("10.0.0"), Some(Ipv4Addr::new(10, 0, 0, 0)));
        assert_eq!(v4("999.1.1.1"), None);
        assert_eq!(v4("1.2.3.4.5"), None);
        assert_eq!(v4("08"), None);
        assert_eq!(v4("0x"), None);
        assert_eq!(v4("1."), None);
        assert_eq!(v4(""), None);
        assert!(inet_aton("1.2.3.4").is_some_and(|a| a.canonical));
        assert!(inet_aton("127.1").is_some_and(|a| !a.canonical));
    }

    #[test]
    fn hostspec_forms() {
        let net = |s: &str| match hostspec(s, true) {
            Ok(HostSpec::Net { net, .. }) => Some(net.to_string()),
            _ => None,
        };
        assert_eq!(net("10.1.2.3/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(net("10.0.0.0/255.255.0.0").as_deref(), Some("10.0.0.0/16"));
        assert_eq!(net("fc::/8").as_deref(), Some("::/8"));
        assert_eq!(hostspec("10.0.0.0/33", false), Err(SpecError::Invalid));
        assert_eq!(hostspec("::1/129", false), Err(SpecError::Invalid));
        assert_eq!(
            hostspec("10.0.0.0/255.0.255.0", true),
            Err(SpecError::NonContiguousMask)
        );
        assert_eq!(hostspec("a:b", false), Err(SpecError::Invalid));
        assert_eq!(net("10.0.0.0/8x").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(hostspec("10.0.0.0/x", true), Err(SpecError::Invalid));
        assert_eq!(hostspec("10.0.0.0/-8", true), Err(SpecError::Invalid));
        assert_eq!(
            hostspec(".x.org", false),
            Ok(HostSpec::Name(".x.org".into()))
        );
        assert_eq!(
            hostspec("999.1.1.1", false),
            Ok(HostSpec::Name("999.1.1.1".into()))
        );
    }
}
