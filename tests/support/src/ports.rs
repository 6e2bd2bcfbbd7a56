//! Free loopback ports for tests, shared by the end-to-end harnesses.

use std::net::{SocketAddr, TcpListener};

/// A free TCP port on 127.0.0.1 and ::1 (bound, read back, released).
///
/// Picked outside the kernel's ephemeral range, so no outgoing connection
/// of a concurrent test can take the port between this check and the
/// proxy's own bind; a per-process start spreads the picks of test
/// binaries that run one after another.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let (lo, span) = window();
    let base = (std::process::id() * 131) % span;
    for _ in 0..2_000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (lo + (base + n * 7) % span) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok()
            && (!has_ipv6() || TcpListener::bind(("::1", port)).is_ok())
        {
            return port;
        }
    }
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 0");
    l.local_addr().expect("addr").port()
}

/// Whether ::1 can be bound at all (a machine may run without IPv6; then
/// every pick would fail the ::1 check and fall back to the ephemeral range).
fn has_ipv6() -> bool {
    static V6: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *V6.get_or_init(|| TcpListener::bind("[::1]:0").is_ok())
}

/// The ports to pick from: `(first, count)`, clear of the ephemeral range
/// this machine really uses (`ip_local_port_range`; Linux's default is
/// 32768–60999, but CI machines may set another).
fn window() -> (u32, u32) {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| {
            let mut it = t.split_whitespace().map(|w| w.parse::<u32>().ok());
            Some((it.next()??, it.next()??))
        })
        .unwrap_or((32768, 60999));
    let (eph_lo, eph_hi) = range;
    // Below the range when there is room for 4,000 ports above the
    // well-known ones, else above it; 7 must not divide the count.
    let below = eph_lo.saturating_sub(10_000).min(12_000);
    let above = 65_535u32.saturating_sub(eph_hi).min(12_000);
    let (first, count) = if below == 0 && above == 0 {
        (20_000, 12_000) // the whole range is ephemeral: nothing is safe
    } else if below >= 4_000 || below >= above {
        (eph_lo - below, below)
    } else {
        (eph_hi + 1, above)
    };
    (first, if count % 7 == 0 { count - 1 } else { count })
}

/// 127.0.0.1:`port`, where every test server and proxy listens.
pub fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}
