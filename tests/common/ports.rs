//! Free loopback ports for tests, shared by the end-to-end harnesses.

use std::net::TcpListener;

/// A free TCP port on 127.0.0.1 (bound, read back, released).
pub fn free_port() -> u16 {
    // Below the kernel's ephemeral range (32768+), where no outgoing
    // connection of a concurrent test can take the port between our
    // check and the proxy's bind; a per-process start spreads the picks.
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = 20_000 + (std::process::id() * 131) % 10_000;
    for _ in 0..2_000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + (base - 20_000 + n * 7) % 12_000;
        if TcpListener::bind(("127.0.0.1", port as u16)).is_ok()
            && TcpListener::bind(("::1", port as u16)).is_ok()
        {
            return port as u16;
        }
    }
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 0");
    l.local_addr().expect("addr").port()
}
