//! A panic loses one connection, never the daemon (issue 11). A build
//! with the test-only `test-panic` feature panics on a request whose URL
//! contains `panic.test/`; the panic must be logged at ERROR (client
//! address, request line with credentials masked), that connection
//! closed, and the daemon and every other connection go on. In a normal
//! build the same request is an ordinary request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use tinyproxy_test_support as support;
use tinyproxy_test_support::ours;
use tinyproxy_test_support::{curl, Origin, Proxy};

/// Build the binary with `test-panic` into its own target directory (so
/// the normal test binary is never replaced); built once per run.
fn panicking_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let dir = target.join("test-panic");
        let cargo = option_env!("CARGO").unwrap_or("cargo");
        let status = Command::new(cargo)
            .current_dir(&root)
            .args(["build", "--offline", "--features", "test-panic"])
            .args(["--bin", "tinyproxy", "--target-dir"])
            .arg(&dir)
            .status()
            .expect("run cargo build");
        assert!(
            status.success(),
            "building with --features test-panic failed"
        );
        dir.join("debug").join("tinyproxy")
    })
    .clone()
}

/// The magic request, with credentials that must never reach the log.
const MAGIC: &str = "GET http://user:secret@127.0.0.1:1/panic.test/ HTTP/1.1\r\nHost: x\r\n\r\n";

/// A kept-alive client connection.
struct Kept {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Kept {
    fn open(addr: SocketAddr) -> Kept {
        let w = TcpStream::connect(addr).expect("connect");
        w.set_read_timeout(Some(support::DEADLINE))
            .expect("timeout");
        Kept {
            r: BufReader::new(w.try_clone().expect("clone")),
            w,
        }
    }

    /// GET `url` and read the answer by its Content-Length.
    fn get(&mut self, url: &str) -> String {
        let req = format!("GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        self.w.write_all(req.as_bytes()).expect("send");
        let mut head = String::new();
        let mut len = 0;
        loop {
            let mut line = String::new();
            if self.r.read_line(&mut line).unwrap_or(0) == 0 {
                return head;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0u8; len];
        self.r.read_exact(&mut body).expect("body");
        head + &String::from_utf8_lossy(&body)
    }
}

#[test]
fn a_panic_loses_one_connection_and_nothing_else() {
    let bin = panicking_binary();
    let origin = Origin::start();
    let mut p = Proxy::start(bin.to_str().expect("path"), "MaxClients 3\nTimeout 30");
    let mut other = Kept::open(p.addr());
    assert!(other
        .get(&origin.url("/before"))
        .contains("ECHO-OF-REQUEST"));

    let out = support::raw(p.addr(), MAGIC.as_bytes());
    assert!(out.is_empty(), "the panicking connection answered: {out}");
    let line = p.wait_log("Internal error serving 127.0.0.1");
    assert!(line.starts_with("ERROR"), "{line}");
    assert!(line.contains("panic.test/"), "no request line: {line}");
    assert!(!line.contains("secret"), "credentials in the log: {line}");
    assert!(line.contains("****@127.0.0.1:1"), "{line}");

    // The daemon, the other connection and new clients all go on, and the
    // slot came back (MaxClients 3: three more at once are served).
    assert!(
        p.child.try_wait().expect("try_wait").is_none(),
        "daemon died"
    );
    assert!(other.get(&origin.url("/after")).contains("ECHO-OF-REQUEST"));
    for i in 0..3 {
        let (code, body, err) =
            curl(&["-x", &p.addr().to_string(), &origin.url(&format!("/n{i}"))]);
        assert_eq!(code, 0, "{err}");
        assert!(body.starts_with("ECHO-OF-REQUEST"));
    }
    let _ = support::raw(p.addr(), MAGIC.as_bytes());
    p.wait_log_n("Internal error serving", 2);
    assert!(
        p.child.try_wait().expect("try_wait").is_none(),
        "daemon died"
    );
}

#[test]
fn a_normal_build_treats_the_magic_request_as_any_other() {
    let p = Proxy::start(ours!(), "Timeout 30");
    let out = support::raw(p.addr(), MAGIC.as_bytes());
    assert!(out.starts_with("HTTP/1.1 500"), "{out}");
    assert!(!p.log_text().contains("Internal error"));
}

/// Release builds must unwind: with `panic = "abort"` any panic ends the
/// whole daemon (issue 11 item 1), whatever the connection guard does.
#[test]
fn release_builds_unwind() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let release = manifest
        .split("[profile.release]")
        .nth(1)
        .expect("a [profile.release] section");
    let section = release.split("\n[").next().unwrap_or("");
    let panic = section
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("panic"))
        .unwrap_or("panic = \"unwind\"");
    assert!(
        !panic.contains("abort"),
        "release builds abort on panic: {panic}"
    );
}
