//! MaxClients slots: taken for accepted connections only (issue 11 item
//! 6), and never held against a new client by idle kept connections
//! (issue 12 item 1), with real pooled clients (urllib3, a Chromium-like
//! page of 24 keep-alive connections).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tinyproxy_test_support as support;
use tinyproxy_test_support::ours;
use tinyproxy_test_support::{curl, Origin, Proxy, DEADLINE};

/// One HTTP/1.1 keep-alive connection through the proxy.
struct Kept {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Kept {
    fn open(proxy: SocketAddr) -> std::io::Result<Kept> {
        let w = TcpStream::connect(proxy)?;
        w.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Kept {
            r: BufReader::new(w.try_clone()?),
            w,
        })
    }

    /// GET `url`; the status line and body, or an error when the proxy
    /// closed the connection (or answered nothing usable).
    fn get(&mut self, url: &str) -> std::io::Result<(String, Vec<u8>)> {
        let req = format!("GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        self.w.write_all(req.as_bytes())?;
        let mut status = String::new();
        if self.r.read_line(&mut status)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            if self.r.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0u8; len];
        self.r.read_exact(&mut body)?;
        Ok((status, body))
    }

    /// Whether the proxy has closed this connection (EOF or reset),
    /// waiting at most `DEADLINE`.
    fn closed_by_proxy(&mut self) -> bool {
        let _ = self.w.set_read_timeout(Some(DEADLINE));
        let mut b = [0u8; 1];
        match self.r.read(&mut b) {
            Ok(n) => n == 0,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    }
}

fn served_ok(resp: &std::io::Result<(String, Vec<u8>)>) -> bool {
    matches!(resp, Ok((s, b)) if s.contains(" 200 ") && b.starts_with(b"ECHO-OF-REQUEST"))
}

#[test]
fn max_clients_one_serves_both_families_without_listen() {
    let origin = Origin::start();
    let p = Proxy::start_wildcard(ours!(), "MaxClients 1\nTimeout 30");
    let v4 = SocketAddr::from(([127, 0, 0, 1], p.port));
    let v6: SocketAddr = format!("[::1]:{}", p.port).parse().expect("v6 addr");
    for (i, addr) in [v4, v4, v6, v6, v4].into_iter().enumerate() {
        let out = std::thread::spawn({
            let url = origin.url(&format!("/family{i}"));
            move || support::raw(addr, format!("GET {url} HTTP/1.0\r\n\r\n").as_bytes())
        });
        let start = Instant::now();
        while !out.is_finished() && start.elapsed() < Duration::from_secs(15) {
            std::thread::park_timeout(Duration::from_millis(20));
        }
        assert!(
            out.is_finished(),
            "client {i} on {addr} hung with MaxClients 1 and two accept loops:\n{}",
            p.log_text()
        );
        let text = out.join().expect("client");
        assert!(
            text.contains("ECHO-OF-REQUEST"),
            "client {i} on {addr}: {text}"
        );
    }
}

#[test]
fn idle_kept_connections_give_their_slot_to_a_new_client() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "MaxClients 2\nTimeout 600");
    let mut kept: Vec<Kept> = (0..2)
        .map(|i| {
            let mut k = Kept::open(p.addr()).expect("connect");
            assert!(served_ok(&k.get(&origin.url(&format!("/kept{i}")))));
            k
        })
        .collect();
    // Both slots are held by connections idle between requests.
    let start = Instant::now();
    let (code, out, err) = curl(&["-x", &p.addr().to_string(), &origin.url("/new")]);
    let took = start.elapsed();
    assert_eq!(code, 0, "new client not served: {err}\n{}", p.log_text());
    assert!(out.starts_with("ECHO-OF-REQUEST"), "{out}");
    eprintln!("raw kept pair: next client served in {took:?}");
    // One of them was closed for it (the longest idle, as the proxy saw
    // it: `proxy::slots::tests` pins the order), the other still works.
    let line = p.wait_log("Closing idle kept connection (file descriptor ");
    let fd_of = |needle: &str| -> String {
        let text = p.log_text();
        let l = text.lines().find(|l| l.contains(needle)).unwrap_or("");
        l.split("file descriptor ")
            .nth(1)
            .unwrap_or("")
            .split(')')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let closed_fd = fd_of("Closing idle kept connection");
    let which = (0..2)
        .find(|i| fd_of(&format!("/kept{i} HTTP/1.1")) == closed_fd)
        .unwrap_or_else(|| panic!("{line} is neither kept connection:\n{}", p.log_text()));
    assert!(kept[which].closed_by_proxy(), "{line}, but it stayed open");
    assert!(served_ok(&kept[1 - which].get(&origin.url("/again"))));
}

/// The Python that has urllib3 (the pyenv one or Debian's).
fn python_with_urllib3() -> &'static str {
    for py in ["python3", "/usr/bin/python3"] {
        let ok = Command::new(py)
            .args(["-c", "import urllib3"])
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return py;
        }
    }
    panic!("no python3 with urllib3: run scripts/install-test-deps.sh");
}

/// A urllib3 pool of `n` connections, all in use at once, then idle.
const POOL_SCRIPT: &str = r#"
import sys, threading, urllib3
proxy, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pm = urllib3.ProxyManager(proxy, num_pools=1, maxsize=n, block=True,
                          retries=urllib3.Retry(total=3, backoff_factor=0))
def round_(tag):
    got = threading.Barrier(n)
    errors = []
    def one(i):
        try:
            r = pm.request("GET", f"{base}/{tag}{i}", preload_content=False)
            got.wait(timeout=20)   # every connection checked out at once
            body = r.read()
            r.release_conn()
            if r.status != 200 or not body.startswith(b"ECHO-OF-REQUEST"):
                errors.append((i, r.status))
        except Exception as e:
            errors.append((i, repr(e)))
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return errors
e = round_("pool")
print("READY" if not e else f"ERRORS {e}", flush=True)
sys.stdin.readline()
e = round_("again")
print("AGAIN-OK" if not e else f"ERRORS {e}", flush=True)
"#;

#[test]
fn urllib3_pool_that_goes_idle_does_not_lock_out_curl() {
    const N: usize = 10;
    let origin = Origin::start();
    let p = Proxy::start(ours!(), &format!("MaxClients {N}\nTimeout 600"));
    let proxy = format!("http://{}", p.addr());
    let base = format!("http://127.0.0.1:{}", origin.port);
    let mut py = Command::new(python_with_urllib3())
        .args(["-c", POOL_SCRIPT, &proxy, &base, &N.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut lines = BufReader::new(py.stdout.take().expect("stdout")).lines();
    let ready = lines.next().and_then(Result::ok).unwrap_or_default();
    assert_eq!(ready, "READY", "{}", p.log_text());
    // The pool of N now idles on every slot.
    let start = Instant::now();
    let (code, out, err) = curl(&["-x", &proxy, &origin.url("/curl")]);
    let took = start.elapsed();
    assert_eq!(code, 0, "curl not served behind an idle pool: {err}");
    assert!(out.starts_with("ECHO-OF-REQUEST"), "{out}");
    eprintln!("urllib3 pool of {N}, MaxClients {N}: curl served in {took:?}");
    // The pool still works: urllib3 reopens the connection we closed.
    let mut stdin = py.stdin.take().expect("stdin");
    stdin.write_all(b"again\n").expect("to python");
    let again = lines.next().and_then(Result::ok).unwrap_or_default();
    assert_eq!(again, "AGAIN-OK", "{}", p.log_text());
    drop(stdin);
    let _ = py.wait();
}

/// One browser connection: `n` requests, reconnecting (as a browser
/// retries an idempotent request) when a kept connection was closed; then
/// it stays open and idle, as a browser's pooled socket does.
fn browser_connection(proxy: SocketAddr, base: &str, id: usize, n: usize) -> (Duration, Kept) {
    let start = Instant::now();
    let mut first = None;
    let mut conn = Kept::open(proxy).expect("connect");
    for r in 0..n {
        let url = format!("{base}/c{id}/r{r}");
        let mut tries = 0;
        loop {
            let resp = conn.get(&url);
            if served_ok(&resp) {
                break;
            }
            tries += 1;
            assert!(tries < 5, "request {url} failed: {resp:?}");
            conn = Kept::open(proxy).expect("reconnect");
        }
        first.get_or_insert(start.elapsed());
    }
    (first.unwrap_or_default(), conn)
}

#[test]
fn chromium_like_page_of_24_keepalive_connections_with_max_clients_10() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "MaxClients 10\nTimeout 600");
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    for id in 0..24 {
        let (tx, base, proxy) = (
            tx.clone(),
            format!("http://127.0.0.1:{}", origin.port),
            p.addr(),
        );
        std::thread::spawn(move || {
            let (first, conn) = browser_connection(proxy, &base, id, 4);
            let _ = tx.send(first);
            // Idle in the "browser" pool until the test process ends.
            std::thread::park_timeout(Duration::from_secs(60));
            drop(conn);
        });
    }
    drop(tx);
    let mut worst = Duration::ZERO;
    for done in 0..24 {
        let left = Duration::from_secs(60).saturating_sub(start.elapsed());
        let first = rx.recv_timeout(left).unwrap_or_else(|_| {
            panic!("only {done} of 24 connections completed:\n{}", p.log_text())
        });
        worst = worst.max(first);
    }
    eprintln!(
        "Chromium-like page: 24 connections, MaxClients 10, all done in {:?}; \
         slowest first response {worst:?}",
        start.elapsed()
    );
}
