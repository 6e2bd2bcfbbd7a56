//! Hostile slow peers (issue 11 item 4): a client that never reads a large
//! response, an origin that never reads a request body, and a tunnel peer
//! that stops reading must each lose their connection at `Timeout`, so
//! their `MaxClients` slots serve the next client, as in tinyproxy.

use socket2::{Domain, Socket, Type};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinyproxy_test_support::ours;
use tinyproxy_test_support::{Origin, Proxy};

/// Long enough for `Timeout 2` to fire on every stuck peer, with room.
const SERVED_WITHIN: Duration = Duration::from_secs(20);
/// The most a flooding peer writes before it gives up (bounds every loop).
const FLOOD_LIMIT: u64 = 1 << 30;

/// A client socket with a tiny receive buffer, connected to `addr`.
fn tiny_rcvbuf_client(addr: SocketAddr) -> TcpStream {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    s.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    s.connect(&addr.into()).expect("connect");
    s.into()
}

/// Write `chunk` to `w` until it fails, `stop` is set, or the flood limit.
fn flood(mut w: impl Write, stop: &AtomicBool) {
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0u64;
    while sent < FLOOD_LIMIT && !stop.load(Ordering::Relaxed) {
        match w.write(&chunk) {
            Ok(n) => sent += n as u64,
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
            Err(_) => return,
        }
    }
}

/// Send a few bytes every 200 ms (traffic, not synchronisation) until a
/// write fails, `stop` is set, or `SERVED_WITHIN` has passed.
fn trickle(mut w: impl Write, stop: &AtomicBool) {
    let start = Instant::now();
    while start.elapsed() < SERVED_WITHIN && !stop.load(Ordering::Relaxed) {
        if w.write_all(b"ping\n").is_err() {
            return;
        }
        std::thread::park_timeout(Duration::from_millis(200));
    }
}

/// An origin that answers every request with a huge body it streams
/// until the proxy stops taking it. Dropping it stops the writers.
struct FloodOrigin {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl FloodOrigin {
    /// `read_body`: false = read only the request head and never the body.
    fn start(read_body: bool) -> FloodOrigin {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = Arc::clone(&stop);
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let stop = Arc::clone(&stop2);
                std::thread::spawn(move || serve_flood(s, read_body, &stop));
            }
        });
        FloodOrigin { port, stop }
    }
}

impl Drop for FloodOrigin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve_flood(s: TcpStream, read_body: bool, stop: &AtomicBool) {
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = s.set_write_timeout(Some(Duration::from_millis(500)));
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let mut w = s;
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {FLOOD_LIMIT}\r\n\r\n");
    if w.write_all(head.as_bytes()).is_err() {
        return;
    }
    if read_body {
        flood(w, stop);
    } else {
        // Answer at once, then neither read the body nor send more: the
        // proxy's writes of the request body block. Hold the socket open
        // until the test ends.
        while !stop.load(Ordering::Relaxed) {
            std::thread::park_timeout(Duration::from_millis(100));
        }
        drop(w);
    }
}

/// Send a plain GET for `url` and wait (up to `SERVED_WITHIN`) for the
/// whole answer; `Some(elapsed)` when it came from the origin.
fn served(proxy: SocketAddr, url: &str) -> Option<Duration> {
    let start = Instant::now();
    let mut s = TcpStream::connect(proxy).ok()?;
    s.set_read_timeout(Some(SERVED_WITHIN)).ok()?;
    s.write_all(format!("GET {url} HTTP/1.0\r\n\r\n").as_bytes())
        .ok()?;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    (text.starts_with("HTTP/1.") && text.contains(" 200 ") && text.contains("ECHO-OF-REQUEST"))
        .then(|| start.elapsed())
}

/// Read from `s` until the proxy closes it (EOF or reset) or the deadline.
fn closed_by_proxy(s: &mut TcpStream) -> bool {
    let start = Instant::now();
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = vec![0u8; 256 * 1024];
    while start.elapsed() < SERVED_WITHIN {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn a_client_that_never_reads_frees_its_slot_at_timeout() {
    let big = FloodOrigin::start(true);
    let small = Origin::start();
    let p = Proxy::start(ours!(), "Timeout 2\nMaxClients 2");
    let mut stuck: Vec<TcpStream> = (0..2)
        .map(|i| {
            let mut s = tiny_rcvbuf_client(p.addr());
            let req = format!("GET http://127.0.0.1:{}/big{i} HTTP/1.1\r\n\r\n", big.port);
            s.write_all(req.as_bytes()).expect("send");
            s
        })
        .collect();
    p.wait_log_n("Established connection to host", 2);
    let took = served(p.addr(), &small.url("/next"));
    assert!(
        took.is_some(),
        "a new client was not served while two clients never read:\n{}",
        p.log_text()
    );
    for s in &mut stuck {
        assert!(closed_by_proxy(s), "the stuck client was never dropped");
    }
}

#[test]
fn an_origin_that_never_reads_the_body_frees_the_slot_at_timeout() {
    let sink = FloodOrigin::start(false);
    let small = Origin::start();
    let p = Proxy::start(ours!(), "Timeout 2\nMaxClients 1");
    let mut client = TcpStream::connect(p.addr()).expect("connect");
    let head = format!(
        "POST http://127.0.0.1:{}/upload HTTP/1.1\r\nContent-Length: {FLOOD_LIMIT}\r\n\r\n",
        sink.port
    );
    client.write_all(head.as_bytes()).expect("send head");
    client
        .set_write_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (w, stop) = (client.try_clone().expect("clone"), Arc::clone(&stop));
        std::thread::spawn(move || flood(w, &stop))
    };
    p.wait_log("Established connection to host");
    let took = served(p.addr(), &small.url("/next"));
    stop.store(true, Ordering::Relaxed);
    assert!(
        took.is_some(),
        "a new client was not served while an origin never read a body:\n{}",
        p.log_text()
    );
    assert!(
        closed_by_proxy(&mut client),
        "the uploader was never dropped"
    );
    writer.join().expect("writer");
}

#[test]
fn a_tunnel_peer_that_stops_reading_frees_the_slot_at_timeout() {
    // The tunnel's server floods and drains; the client never reads but
    // keeps sending a little: bytes keep moving up (so the tunnel is never
    // idle) while the way down is stuck.
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let Ok((s, _)) = l.accept() else { return };
            let _ = s.set_write_timeout(Some(Duration::from_millis(500)));
            let mut r = s.try_clone().expect("clone");
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                while matches!(r.read(&mut buf), Ok(n) if n > 0) {}
            });
            flood(s, &stop);
        });
    }
    let small = Origin::start();
    let p = Proxy::start(
        ours!(),
        &format!("Timeout 2\nMaxClients 1\nConnectPort {port}"),
    );
    let mut c = tiny_rcvbuf_client(p.addr());
    c.write_all(format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\n\r\n").as_bytes())
        .expect("send");
    p.wait_log("Not sending client headers to remote machine");
    c.set_write_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let writer = {
        let (w, stop) = (c.try_clone().expect("clone"), Arc::clone(&stop));
        std::thread::spawn(move || trickle(w, &stop))
    };
    let took = served(p.addr(), &small.url("/next"));
    stop.store(true, Ordering::Relaxed);
    assert!(
        took.is_some(),
        "a new client was not served while a tunnel peer never read:\n{}",
        p.log_text()
    );
    assert!(closed_by_proxy(&mut c), "the tunnel was never dropped");
    writer.join().expect("writer");
}

/// An origin that sends a response head and part of its body, then
/// nothing while holding the connection open until `stop`.
fn stalling_origin(stop: Arc<AtomicBool>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut head = [0u8; 4096];
                let _ = s.read(&mut head);
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial...");
                while !stop.load(Ordering::Relaxed) {
                    std::thread::park_timeout(Duration::from_millis(100));
                }
            });
        }
    });
    port
}

#[test]
fn an_origin_that_stops_sending_mid_body_frees_the_slot_at_timeout() {
    let stop = Arc::new(AtomicBool::new(false));
    let port = stalling_origin(Arc::clone(&stop));
    let small = Origin::start();
    let p = Proxy::start(ours!(), "Timeout 2\nMaxClients 1");
    let mut c = TcpStream::connect(p.addr()).expect("connect");
    c.write_all(format!("GET http://127.0.0.1:{port}/stall HTTP/1.1\r\n\r\n").as_bytes())
        .expect("send");
    p.wait_log("Established connection to host");
    let took = served(p.addr(), &small.url("/next"));
    stop.store(true, Ordering::Relaxed);
    assert!(
        took.is_some(),
        "not served behind a stalled origin:\n{}",
        p.log_text()
    );
    assert!(
        closed_by_proxy(&mut c),
        "the stalled exchange was never dropped"
    );
}

#[test]
fn a_client_that_stops_sending_mid_body_frees_the_slot_at_timeout() {
    let small = Origin::start();
    let p = Proxy::start(ours!(), "Timeout 2\nMaxClients 1");
    let mut c = TcpStream::connect(p.addr()).expect("connect");
    let head = format!(
        "POST {} HTTP/1.1\r\nContent-Length: 1000\r\n\r\nonly-a-little",
        small.url("/upload")
    );
    c.write_all(head.as_bytes()).expect("send");
    p.wait_log("Established connection to host");
    let took = served(p.addr(), &small.url("/next"));
    assert!(
        took.is_some(),
        "not served behind a stalled uploader:\n{}",
        p.log_text()
    );
    assert!(
        closed_by_proxy(&mut c),
        "the stalled uploader was never dropped"
    );
}
