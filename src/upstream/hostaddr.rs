//! Deciding whether a request host is an IP literal, the way tinyproxy's
//! hostspec code does: IPv4 in every form C's `inet_aton` accepts
//! (`127.1`, `2130706433`, `0x7f.0.0.1`, `017.0.0.1`), else IPv6 text.
//!
//! This matters for routing: the system resolver connects `127.1` to
//! 127.0.0.1, so treating it as a name would let it escape a `"127.0.0.0/8"`
//! rule. Verified against tinyproxy 1.11.1: `http://127.5/` matches
//! `Upstream none "127.0.0.5"`, and `http://10.1/` matches `"10.0.0.0/8"`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The host as an address, if it is an IP literal. IPv6 may be written
/// with or without brackets; a scope id (`%eth0`) makes it a name, as in
/// tinyproxy. Trailing text after the address is never accepted.
pub fn parse_ip_literal(host: &str) -> Option<IpAddr> {
    let bare = strip_brackets(host);
    if let Some(v4) = parse_inet_aton(bare) {
        return Some(IpAddr::V4(v4));
    }
    bare.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// `[::1]` → `::1`; anything else unchanged.
pub fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// IPv4 in `inet_aton` syntax: 1 to 4 parts separated by dots, each
/// decimal, octal (leading `0`) or hex (`0x`); the last part fills all the
/// remaining bytes.
pub fn parse_inet_aton(text: &str) -> Option<Ipv4Addr> {
    let mut parts = [0u32; 4];
    let mut count = 0;
    for piece in text.split('.') {
        if count == 4 {
            return None;
        }
        parts[count] = parse_part(piece)?;
        count += 1;
    }
    // Every part but the last is one byte; the last fills the rest.
    let (leading, last) = parts[..count].split_at(count - 1);
    if leading.iter().any(|&p| p > 0xff) {
        return None;
    }
    let last_bits = 8 * (4 - leading.len() as u32);
    if last_bits < 32 && last[0] >> last_bits != 0 {
        return None;
    }
    let mut value = last[0];
    for (i, &byte) in leading.iter().enumerate() {
        value |= byte << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(value))
}

/// One `inet_aton` number (C's `strtoul` with base 0, digits only).
fn parse_part(piece: &str) -> Option<u32> {
    let (digits, radix) = if let Some(hex) = piece
        .strip_prefix("0x")
        .or_else(|| piece.strip_prefix("0X"))
    {
        (hex, 16)
    } else if piece.len() > 1 && piece.starts_with('0') {
        (&piece[1..], 8)
    } else {
        (piece, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Long runs of leading zeros are valid (`00000000000000000001`).
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    u32::from_str_radix(significant, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_forms_match_glibc() {
        // Expected values taken from glibc's inet_aton on this machine.
        let cases: &[(&str, Option<[u8; 4]>)] = &[
            ("127.1", Some([127, 0, 0, 1])),
            ("167837953", Some([10, 1, 1, 1])),
            ("0x0a.1.1.1", Some([10, 1, 1, 1])),
            ("0X1F.0.0.1", Some([31, 0, 0, 1])),
            ("017.1", Some([15, 0, 0, 1])),
            ("0", Some([0, 0, 0, 0])),
            ("1.2.65535", Some([1, 2, 255, 255])),
            ("1.16777215", Some([1, 255, 255, 255])),
            ("4294967295", Some([255, 255, 255, 255])),
            ("0xffffffff", Some([255, 255, 255, 255])),
            ("00000000000000000001.1", Some([1, 0, 0, 1])),
            ("0x", None),
            ("0x.1", None),
            ("1.2.3.4.", None),
            ("1..2", None),
            ("08.1", None),
            ("09", None),
            ("1.2.3.256", None),
            ("1.2.65536", None),
            ("1.16777216", None),
            ("4294967296", None),
            ("0x100000000", None),
            (" 1.2.3.4", None),
            ("+1.2.3.4", None),
            ("1.2.3.4x", None),
            ("1.2.3.4.5", None),
            ("-1", None),
            ("", None),
            ("localhost", None),
        ];
        for (text, want) in cases {
            let got = parse_inet_aton(text).map(|a| a.octets());
            assert_eq!(got, *want, "inet_aton({text:?})");
        }
    }

    #[test]
    fn ipv6_with_and_without_brackets() {
        let v6: IpAddr = "fd00::1".parse().unwrap();
        assert_eq!(parse_ip_literal("fd00::1"), Some(v6));
        assert_eq!(parse_ip_literal("[fd00::1]"), Some(v6));
        assert_eq!(parse_ip_literal("[fd00::1"), None);
        assert_eq!(parse_ip_literal("fe80::1%eth0"), None);
        assert_eq!(
            parse_ip_literal("[127.0.0.1]"),
            Some("127.0.0.1".parse().unwrap())
        );
    }
}
