//! Differential tests against the real tinyproxy (/usr/bin/tinyproxy): for
//! each filter configuration one tinyproxy process is started on a free
//! loopback port, requests go through it, and its `403 Filtered` verdicts
//! are compared with `Filter::is_blocked`. Startup failures (bad regex,
//! missing file, directory) are compared on stderr and exit status.
//!
//! No DNS ever leaves the machine: tinyproxy is given an HTTP upstream on a
//! closed loopback port, so requests it does not filter are sent there (and
//! refused at once) instead of resolving the target host.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tinyproxy_rs::config::types::{FilterConfig, FilterType};
use tinyproxy_rs::filter::Filter;
use tinyproxy_test_support::process::DEBIAN as TINYPROXY;
use tinyproxy_test_support::wait::listener_up;
use tinyproxy_test_support::{free_port, local, Guard};

/// None (and a printed reason) when the real binary is missing.
fn tinyproxy_available() -> bool {
    let ok = Path::new(TINYPROXY).exists();
    if !ok {
        eprintln!("skipping: {TINYPROXY} is not installed (apt-get install tinyproxy)");
    }
    ok
}

/// A filter setup: file content plus the Filter* switches.
#[derive(Clone)]
struct Setup {
    content: Vec<u8>,
    kind: FilterType,
    case_sensitive: bool,
    urls: bool,
    default_deny: bool,
}

impl Setup {
    fn new(content: &[u8], kind: FilterType) -> Setup {
        Setup {
            content: content.to_vec(),
            kind,
            case_sensitive: false,
            urls: false,
            default_deny: false,
        }
    }

    fn config(&self, path: &Path) -> FilterConfig {
        FilterConfig {
            file: Some(path.to_path_buf()),
            urls: self.urls,
            kind: self.kind,
            case_sensitive: self.case_sensitive,
            default_deny: self.default_deny,
        }
    }

    /// tinyproxy's config text (its Filter booleans are OR-ed bits, so
    /// only `Yes` lines are written).
    fn tinyproxy_conf(&self, port: u16, dir: &Path, filter: &Path) -> String {
        let kind = match self.kind {
            FilterType::Bre => "bre",
            FilterType::Ere => "ere",
            FilterType::Fnmatch => "fnmatch",
        };
        let mut c = format!(
            "Port {port}\nListen 127.0.0.1\nLogFile \"{}\"\nLogLevel Info\nTimeout 5\n\
             Upstream http 127.0.0.1:{}\nFilter \"{}\"\nFilterType {kind}\n",
            dir.join("tp.log").display(),
            free_port(),
            filter.display()
        );
        for (on, line) in [
            (self.case_sensitive, "FilterCaseSensitive Yes\n"),
            (self.urls, "FilterURLs Yes\n"),
            (self.default_deny, "FilterDefaultDeny Yes\n"),
        ] {
            if on {
                c.push_str(line);
            }
        }
        c
    }
}

/// One request sent through the proxy.
#[derive(Clone, Debug)]
enum Req {
    /// `GET http://HOST[:PORT]PATH HTTP/1.0`
    Get(&'static str, Option<u16>, &'static str),
    /// `CONNECT HOST:PORT HTTP/1.0`
    Connect(&'static str, u16),
}

impl Req {
    fn line(&self) -> String {
        match self {
            Req::Get(..) => format!("GET {} HTTP/1.0\r\n\r\n", self.url()),
            Req::Connect(host, port) => format!("CONNECT {host}:{port} HTTP/1.0\r\n\r\n"),
        }
    }

    fn url(&self) -> String {
        match self {
            Req::Get(host, Some(port), path) => format!("http://{host}:{port}{path}"),
            Req::Get(host, None, path) => format!("http://{host}{path}"),
            Req::Connect(host, port) => format!("{host}:{port}"),
        }
    }

    /// The subject the server hands to `is_blocked` (spec §6.11).
    fn subject(&self, urls: bool) -> String {
        match (self, urls) {
            (_, true) => self.url(),
            (Req::Get(host, ..), false) | (Req::Connect(host, _), false) => host.to_string(),
        }
    }
}

/// A running tinyproxy, killed (by pid, through its Child) on drop.
struct Running {
    _guard: Guard,
    port: u16,
}

fn write_files(dir: &Path, setup: &Setup, port: u16) -> PathBuf {
    let filter = dir.join("filter.txt");
    std::fs::write(&filter, &setup.content).expect("write filter");
    let conf = dir.join("tp.conf");
    std::fs::write(&conf, setup.tinyproxy_conf(port, dir, &filter)).expect("write conf");
    conf
}

fn start(dir: &Path, setup: &Setup) -> Running {
    let port = free_port();
    let conf = write_files(dir, setup, port);
    let child = Command::new(TINYPROXY)
        .arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tinyproxy");
    let mut guard = Guard::new(child);
    if let Err(e) = listener_up(&mut guard.child, local(port), Duration::from_secs(10)) {
        panic!("tinyproxy did not listen on {port}: {e}");
    }
    Running {
        _guard: guard,
        port,
    }
}

/// Sends one request; true when tinyproxy answered `403 Filtered`.
fn filtered_by_tinyproxy(port: u16, req: &Req) -> bool {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to tinyproxy");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(req.line().as_bytes()).expect("send request");
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while !reply.windows(4).any(|w| w == b"\r\n\r\n") && reply.len() < 65536 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&reply);
    let status = text.lines().next().unwrap_or_default().to_string();
    assert!(
        status.starts_with("HTTP/1."),
        "no reply to {req:?}: {text:?}"
    );
    status.contains(" 403 Filtered")
}

/// Runs every request of `setup` through tinyproxy and through our filter;
/// returns the differences and how many requests tinyproxy filtered.
fn differential(setup: &Setup, reqs: &[Req]) -> (Vec<String>, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let tp = start(dir.path(), setup);
    let path = dir.path().join("filter.txt");
    let ours = Filter::load(&setup.config(&path))
        .expect("our filter loads")
        .expect("filter configured");
    let mut diffs = Vec::new();
    let mut filtered = 0;
    for req in reqs {
        let theirs = filtered_by_tinyproxy(tp.port, req);
        let mine = ours.is_blocked(&req.subject(setup.urls));
        println!("{:?} urls={} {req:?}: {theirs}", setup.kind, setup.urls);
        filtered += usize::from(theirs);
        if theirs != mine {
            diffs.push(format!(
                "file {:?} {:?} cs={} urls={} deny={} {req:?}: tinyproxy={theirs} ours={mine}",
                String::from_utf8_lossy(&setup.content),
                setup.kind,
                setup.case_sensitive,
                setup.urls,
                setup.default_deny
            ));
        }
    }
    (diffs, filtered)
}

#[path = "filter_tinyproxy/cases.rs"]
mod cases;

#[test]
fn verdicts_match_real_tinyproxy() {
    if !tinyproxy_available() {
        return;
    }
    let mut diffs = Vec::new();
    let (mut total, mut filtered) = (0, 0);
    for (setup, reqs) in cases::all() {
        let (d, f) = differential(&setup, &reqs);
        diffs.extend(d);
        total += reqs.len();
        filtered += f;
    }
    // The table must exercise both outcomes broadly.
    assert!(
        filtered > total / 4 && filtered < total * 3 / 4,
        "{filtered} of {total} filtered"
    );
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// Runs tinyproxy on a config whose filter fails; returns (stderr, status).
fn startup_failure(filter_path: &Path, dir: &Path) -> (String, i32) {
    let setup = Setup::new(b"", FilterType::Bre);
    let conf = dir.join("fail.conf");
    std::fs::write(&conf, setup.tinyproxy_conf(free_port(), dir, filter_path)).expect("conf");
    let out = Command::new(TINYPROXY)
        .arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .output()
        .expect("run tinyproxy");
    let code = out.status.code().unwrap_or(-1);
    (String::from_utf8_lossy(&out.stderr).into_owned(), code)
}

fn our_failure(filter_path: &Path) -> (String, i32) {
    let cfg = Setup::new(b"", FilterType::Bre).config(filter_path);
    match Filter::load(&cfg) {
        Ok(_) => panic!("our filter loaded {}", filter_path.display()),
        Err(e) => (e.stderr_text(), e.exit_code()),
    }
}

#[test]
fn startup_errors_match_real_tinyproxy() {
    if !tinyproxy_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let long_then_bad = [vec![b'x'; 600], b"\n[unclosed\n".to_vec()].concat();
    let exact_then_bad = [vec![b'x'; 511], b"\n\t\\(bad # c\n".to_vec()].concat();
    let files: [(&str, Option<Vec<u8>>); 7] = [
        ("bad.txt", Some(b"[unclosed\n".to_vec())),
        (
            "bad3.txt",
            Some(b"# c\n\n  ok\\.test  # x\n\\(a\n".to_vec()),
        ),
        ("badere.txt", Some(b"a\\{1\n".to_vec())),
        ("long.txt", Some(long_then_bad)),
        ("exact.txt", Some(exact_then_bad)),
        ("missing.txt", None),
        ("adir", Some(Vec::new())),
    ];
    for (name, content) in files {
        let path = dir.path().join(name);
        match content {
            Some(_) if name == "adir" => std::fs::create_dir(&path).expect("mkdir"),
            Some(c) => std::fs::write(&path, c).expect("write"),
            None => {}
        }
        let theirs = startup_failure(&path, dir.path());
        let ours = our_failure(&path);
        assert_eq!(ours, theirs, "{name}");
        assert_eq!(theirs.1, 65, "{name}");
    }
}

/// Deliberate difference: tinyproxy (glibc) accepts back-references and
/// filters with them; we refuse such a filter file at load time.
#[test]
fn back_references_differ_from_tinyproxy() {
    if !tinyproxy_available() {
        return;
    }
    let setup = Setup::new(b"^\\(a\\)\\1\\.\n", FilterType::Bre);
    let dir = tempfile::tempdir().expect("tempdir");
    let tp = start(dir.path(), &setup);
    assert!(filtered_by_tinyproxy(
        tp.port,
        &Req::Get("aa.test", None, "/")
    ));
    assert!(!filtered_by_tinyproxy(
        tp.port,
        &Req::Get("ab.test", None, "/")
    ));
    let err = Filter::load(&setup.config(&dir.path().join("filter.txt"))).expect_err("refused");
    assert!(err
        .stderr_text()
        .contains("back-references are not supported"));
}
