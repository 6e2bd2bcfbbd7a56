//! Loopback peers the proxies talk to: a recording origin (also used as a
//! fake HTTP upstream proxy) and fake SOCKS4a/SOCKS5 upstreams that record
//! the exact negotiation bytes and then act as the origin.

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tinyproxy_test_support::http::read_message_partial as read_message;
use tinyproxy_test_support::socks::{socks4_grant, socks4_read, socks5_accept, Socks5Step};

/// Per-read deadline of the peers; scenarios finish well within it.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(4);

/// An answer to one received message.
pub struct Reply {
    pub bytes: Vec<u8>,
    /// Keep reading further messages on the same connection (CONNECT).
    pub keep_open: bool,
}

impl Reply {
    pub fn close(bytes: impl Into<Vec<u8>>) -> Reply {
        Reply {
            bytes: bytes.into(),
            keep_open: false,
        }
    }
}

type Responder = Arc<dyn Fn(&[u8]) -> Reply + Send + Sync>;

/// Shared record of what a peer received, in arrival order.
pub type Record = Arc<Mutex<Vec<String>>>;

/// The default origin answer: a fixed small body, framed.
pub fn fixed_ok(_req: &[u8]) -> Reply {
    Reply::close(
        "HTTP/1.1 200 OK\r\nServer: origin\r\nContent-Type: text/plain\r\n\
         Content-Length: 10\r\nConnection: close\r\n\r\norigin-ok\n",
    )
}

/// A recording peer on a free loopback port; the accept thread ends when
/// the test process does (it only ever serves loopback).
pub struct Peer {
    pub port: u16,
    pub seen: Record,
    /// Source IP of each accepted connection.
    pub peers: Record,
}

impl Peer {
    /// An HTTP origin (or HTTP upstream proxy) answering with `respond`.
    pub fn http(respond: impl Fn(&[u8]) -> Reply + Send + Sync + 'static) -> Peer {
        let r: Responder = Arc::new(respond);
        Peer::spawn("127.0.0.1:0", move |s, seen| serve_http(s, &r, seen))
    }

    /// An HTTP origin on `[::1]`.
    pub fn http_v6(respond: impl Fn(&[u8]) -> Reply + Send + Sync + 'static) -> Peer {
        let r: Responder = Arc::new(respond);
        Peer::spawn("[::1]:0", move |s, seen| serve_http(s, &r, seen))
    }

    /// An origin that records the request and then sends nothing until
    /// the proxy gives up (or its own read deadline passes).
    pub fn silent() -> Peer {
        Peer::spawn("127.0.0.1:0", |s, seen| {
            let Ok(read_half) = s.try_clone() else { return };
            let mut r = BufReader::new(read_half);
            if let Some(msg) = read_message(&mut r) {
                seen.lock()
                    .expect("lock")
                    .push(String::from_utf8_lossy(&msg).into_owned());
            }
            let mut sink = [0u8; 1024];
            while matches!(r.read(&mut sink), Ok(n) if n > 0) {}
        })
    }

    /// A SOCKS5 proxy (with or without user/pass) whose tunnel leads to an
    /// origin answering with `fixed_ok`.
    pub fn socks5() -> Peer {
        Peer::spawn("127.0.0.1:0", |s, seen| {
            if let Some(s) = socks5_handshake(s, seen) {
                serve_http(s, &(Arc::new(fixed_ok) as Responder), seen);
            }
        })
    }

    /// A SOCKS4a proxy, same idea.
    pub fn socks4() -> Peer {
        Peer::spawn("127.0.0.1:0", |s, seen| {
            if let Some(s) = socks4_handshake(s, seen) {
                serve_http(s, &(Arc::new(fixed_ok) as Responder), seen);
            }
        })
    }

    fn spawn(at: &str, handle: impl Fn(TcpStream, &Record) + Send + Sync + 'static) -> Peer {
        let l = TcpListener::bind(at).expect("bind peer");
        let port = l.local_addr().expect("addr").port();
        let seen: Record = Arc::default();
        let peers: Record = Arc::default();
        let (seen2, peers2) = (Arc::clone(&seen), Arc::clone(&peers));
        let handle = Arc::new(handle);
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                if let Ok(a) = s.peer_addr() {
                    peers2.lock().expect("lock").push(a.ip().to_string());
                }
                let _ = s.set_read_timeout(Some(PEER_TIMEOUT));
                let (seen, handle) = (Arc::clone(&seen2), Arc::clone(&handle));
                std::thread::spawn(move || handle(s, &seen));
            }
        });
        Peer { port, seen, peers }
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

fn serve_http(s: TcpStream, respond: &Responder, seen: &Record) {
    let Ok(read_half) = s.try_clone() else { return };
    let mut r = BufReader::new(read_half);
    let mut w = s;
    for _ in 0..8 {
        let Some(msg) = read_message(&mut r) else {
            return;
        };
        seen.lock()
            .expect("lock")
            .push(String::from_utf8_lossy(&msg).into_owned());
        let reply = respond(&msg);
        if w.write_all(&reply.bytes).is_err() || !reply.keep_open {
            break;
        }
    }
    let _ = w.shutdown(Shutdown::Write);
    // Drain until the proxy closes, so it never sees a reset.
    let mut sink = [0u8; 1024];
    while matches!(r.read(&mut sink), Ok(n) if n > 0) {}
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The SOCKS5 server side from `tinyproxy_test_support::socks`, each step
/// recorded as it is read; the tunnel then leads to the origin.
fn socks5_handshake(mut s: TcpStream, seen: &Record) -> Option<TcpStream> {
    let mut record = |step: Socks5Step| {
        let line = match step {
            Socks5Step::Greeting(b) => format!("socks5 greeting {}", hex(b)),
            Socks5Step::Auth(user, pass) => format!(
                "socks5 auth {} {}",
                String::from_utf8_lossy(user),
                String::from_utf8_lossy(pass)
            ),
            Socks5Step::Connect(b) => format!("socks5 connect {}", hex(b)),
        };
        seen.lock().expect("lock").push(line);
    };
    socks5_accept(&mut s, true, 80, &mut record)?;
    Some(s)
}

fn socks4_handshake(mut s: TcpStream, seen: &Record) -> Option<TcpStream> {
    let req = socks4_read(&mut s)?;
    seen.lock()
        .expect("lock")
        .push(format!("socks4 request {}", hex(&req)));
    socks4_grant(&mut s)?;
    Some(s)
}
