//! Rules on kept connections (issue 11 item 9): after a reload, the next
//! request on a connection kept alive from before it is judged by the new
//! Allow/Deny, Filter, BasicAuth and ConnectPort rules, as tinyproxy (one
//! request per connection) judges every request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use tinyproxy_test_support::prelude::*;

/// Our binary, the one under test.
const BIN: &str = ours!();

/// A client connection kept alive across requests.
struct Kept {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Kept {
    fn open(p: &Proxy) -> Kept {
        let w = TcpStream::connect(p.addr()).expect("connect");
        w.set_read_timeout(Some(DEADLINE)).expect("timeout");
        Kept {
            r: BufReader::new(w.try_clone().expect("clone")),
            w,
        }
    }

    /// Send `req` and read one answer: the head, and the body by
    /// Content-Length or to the close. Empty when the proxy just closed.
    fn ask(&mut self, req: &str) -> String {
        if self.w.write_all(req.as_bytes()).is_err() {
            return String::new();
        }
        let mut head = String::new();
        let mut len = None;
        loop {
            let mut line = String::new();
            match self.r.read_line(&mut line) {
                Ok(0) | Err(_) => return head,
                Ok(_) => {}
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse::<usize>().ok();
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = Vec::new();
        match len {
            Some(n) => {
                body.resize(n, 0);
                let _ = self.r.read_exact(&mut body);
            }
            None => {
                let _ = self.r.read_to_end(&mut body);
            }
        }
        head + &String::from_utf8_lossy(&body)
    }
}

fn get(url: &str) -> String {
    format!("GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
}

/// One request on a kept connection, a reload to `after`, then `second`
/// on the same connection: its answer, and what the origin received.
fn kept_across_reload(
    before: &str,
    after: &str,
    second: &dyn Fn(&Origin) -> String,
) -> (String, Vec<String>) {
    let origin = Origin::start();
    let p = Proxy::start_args(BIN, &format!("LogLevel Info\n{before}"), &[]);
    let mut c = Kept::open(&p);
    let first = c.ask(&get(&origin.url("/before")));
    assert!(ok_from_origin(&first), "{first}");
    let head = first.split("\r\n\r\n").next().unwrap_or("");
    assert!(!head.contains("Connection: close"), "not kept: {first}");
    p.write_conf(&format!("LogLevel Info\n{after}"));
    p.reload(libc::SIGHUP);
    let answer = c.ask(&second(&origin));
    (answer, origin.requests())
}

fn refused(answer: &str, seen: &[String], status: &str) {
    assert!(
        seen.iter().all(|r| !r.contains("/after")),
        "the origin ran a request the new rules forbid: {seen:?}"
    );
    let first = answer.lines().next().unwrap_or("");
    assert!(
        answer.is_empty()
            || (first.starts_with("HTTP/1.") && first.contains(&format!(" {status} "))),
        "{answer}"
    );
}

#[test]
fn a_reload_to_deny_refuses_the_next_request_on_a_kept_connection() {
    let (answer, seen) = kept_across_reload("", "Deny 127.0.0.1", &|o| get(&o.url("/after")));
    refused(&answer, &seen, "403");
}

#[test]
fn a_reload_to_a_filter_refuses_the_next_request_on_a_kept_connection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let filter = dir.path().join("filter");
    std::fs::write(&filter, "127.0.0.1\n").expect("filter");
    let after = format!("Filter \"{}\"", filter.display());
    let (answer, seen) = kept_across_reload("", &after, &|o| get(&o.url("/after")));
    refused(&answer, &seen, "403");
}

#[test]
fn a_reload_to_basic_auth_refuses_the_next_request_on_a_kept_connection() {
    let (answer, seen) = kept_across_reload("", "BasicAuth user pass", &|o| get(&o.url("/after")));
    refused(&answer, &seen, "407");
}

#[test]
fn a_reload_to_a_connect_port_list_refuses_the_next_connect_on_a_kept_connection() {
    let (answer, seen) = kept_across_reload("", "ConnectPort 1", &|o| {
        format!(
            "CONNECT 127.0.0.1:{} HTTP/1.1\r\nHost: x\r\n\r\n/after",
            o.port
        )
    });
    refused(&answer, &seen, "403");
}

#[test]
fn a_reload_to_an_upstream_routes_the_next_request_on_a_kept_connection() {
    // The echo origin doubles as an HTTP upstream: it answers whatever
    // request line it is sent.
    let upstream = Origin::start();
    let after = format!("Upstream http 127.0.0.1:{}", upstream.port);
    let (answer, seen) = kept_across_reload("", &after, &|o| get(&o.url("/after")));
    assert!(
        seen.iter().all(|r| !r.contains("/after")),
        "the request went direct: {seen:?}"
    );
    assert!(ok_from_origin(&answer), "{answer}");
    let via_upstream = upstream.wait_requests(1);
    assert!(
        via_upstream[0].starts_with("GET http://127.0.0.1:") && via_upstream[0].contains("/after"),
        "{via_upstream:?}"
    );
}
