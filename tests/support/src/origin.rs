//! Loopback origins: a recording echo origin, a scripted raw origin, one
//! whose answer waits for the test, and a plain TCP echo server. Accept
//! threads end with the test process (they only ever serve loopback).

use crate::http::read_message;
use crate::wait::DEADLINE;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// The requests an origin received, in arrival order.
pub type Recorded = Arc<Mutex<Vec<Vec<u8>>>>;

fn texts(seen: &Recorded) -> Vec<String> {
    seen.lock()
        .expect("lock")
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect()
}

/// A loopback origin that records each request head (+ body by
/// Content-Length or chunked end) and answers with an echo of it.
pub struct Origin {
    pub port: u16,
    pub seen: Recorded,
}

impl Origin {
    pub fn start() -> Origin {
        Origin::start_with(|req: &[u8]| echo_response(req))
    }

    /// Start an origin that answers each request with `respond(request)`
    /// and closes.
    pub fn start_with(respond: impl Fn(&[u8]) -> Vec<u8> + Send + Sync + 'static) -> Origin {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind origin");
        let port = l.local_addr().expect("addr").port();
        let seen: Recorded = Arc::new(Mutex::new(Vec::new()));
        let seen2 = Arc::clone(&seen);
        let respond = Arc::new(respond);
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let seen = Arc::clone(&seen2);
                let respond = Arc::clone(&respond);
                std::thread::spawn(move || {
                    let _ = s.set_read_timeout(Some(DEADLINE));
                    let mut r = BufReader::new(s.try_clone().expect("clone"));
                    if let Some(req) = read_message(&mut r) {
                        seen.lock().expect("lock").push(req.clone());
                        let mut w = s;
                        let _ = w.write_all(&respond(&req));
                        let _ = w.shutdown(Shutdown::Write);
                    }
                });
            }
        });
        Origin { port, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// The requests received so far, as text.
    pub fn requests(&self) -> Vec<String> {
        texts(&self.seen)
    }

    /// Wait until `n` requests have arrived.
    pub fn wait_requests(&self, n: usize) -> Vec<String> {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            let r = self.requests();
            if r.len() >= n {
                return r;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("origin got {:?}, wanted {n}", self.requests());
    }
}

/// `HTTP/1.1 200 OK` with the request echoed as the body.
pub fn echo_response(req: &[u8]) -> Vec<u8> {
    let mut body = b"ECHO-OF-REQUEST:\n".to_vec();
    body.extend_from_slice(req);
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nServer: echo-origin\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// What a scripted origin does after a request.
pub struct Reply {
    pub bytes: Vec<u8>,
    pub close: bool,
}

/// A raw origin on loopback: for each request read off a connection it
/// writes `script(n, request)` (n counts requests on that connection) and
/// closes when the script says so. Every request is recorded.
pub struct RawOrigin {
    pub port: u16,
    pub seen: Recorded,
}

impl RawOrigin {
    pub fn start(script: impl Fn(usize, &[u8]) -> Reply + Send + Sync + 'static) -> RawOrigin {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind origin");
        let port = l.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (seen2, script) = (Arc::clone(&seen), Arc::new(script));
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let (seen, script) = (Arc::clone(&seen2), Arc::clone(&script));
                std::thread::spawn(move || serve_script(s, &seen, &*script));
            }
        });
        RawOrigin { port, seen }
    }

    /// An origin that answers every request with `bytes` and closes.
    pub fn fixed(bytes: &'static [u8]) -> RawOrigin {
        RawOrigin::start(move |_, _| Reply {
            bytes: bytes.to_vec(),
            close: true,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn requests(&self) -> Vec<String> {
        texts(&self.seen)
    }
}

fn serve_script(s: TcpStream, seen: &Mutex<Vec<Vec<u8>>>, script: &dyn Fn(usize, &[u8]) -> Reply) {
    let _ = s.set_read_timeout(Some(DEADLINE));
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let mut w = s;
    for n in 0.. {
        let Some(req) = read_message(&mut r) else {
            return;
        };
        seen.lock().expect("lock").push(req.clone());
        let reply = script(n, &req);
        if w.write_all(&reply.bytes).is_err() || reply.close {
            let _ = w.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// A TCP echo server on 127.0.0.1, one thread per connection.
pub fn echo_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind echo");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut r = s.try_clone().expect("clone");
                let _ = std::io::copy(&mut r, &mut s);
            });
        }
    });
    port
}

/// The body a `SlowOrigin` answers with.
pub const SLOW_BODY: &str = "slow body, complete\n";

/// An origin that reads one request head, reports it, and answers only
/// when the test releases it.
pub struct SlowOrigin {
    pub port: u16,
    arrived: mpsc::Receiver<()>,
    release: Mutex<Option<mpsc::Sender<()>>>,
}

impl SlowOrigin {
    pub fn start() -> SlowOrigin {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind slow origin");
        let port = l.local_addr().expect("addr").port();
        let (arrived_tx, arrived) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            let Ok((s, _)) = l.accept() else { return };
            let mut r = BufReader::new(s.try_clone().expect("clone"));
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = arrived_tx.send(());
            if release_rx.recv_timeout(DEADLINE).is_ok() {
                let mut w = s;
                let _ = write!(
                    w,
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{SLOW_BODY}",
                    SLOW_BODY.len()
                );
            }
        });
        SlowOrigin {
            port,
            arrived,
            release: Mutex::new(Some(release_tx)),
        }
    }

    /// Wait until the request has reached the origin.
    pub fn wait_arrived(&self) {
        self.arrived
            .recv_timeout(DEADLINE)
            .expect("request never reached the slow origin");
    }

    /// Let the origin answer.
    pub fn release(&self) {
        if let Some(tx) = self.release.lock().expect("lock").take() {
            let _ = tx.send(());
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/slow", self.port)
    }
}
