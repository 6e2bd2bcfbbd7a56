//! Tests of conf/tinyproxy.conf, the default configuration we ship: it
//! holds the settings we promise, follows tinyproxy's grammar traps, and
//! the real tinyproxy 1.11.1 (/usr/bin/tinyproxy) starts with it and with
//! every commented example switched on, rendering our page templates.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tinyproxy_test_support::repo::{
    conf_for_test, is_directive_1_11_1, read_repo_file, repo, spawn,
};
use tinyproxy_test_support::{free_port, local, raw, wait::listener_up, wait::stderr_of};

fn real_tinyproxy() -> PathBuf {
    std::env::var_os("TINYPROXY_REAL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/tinyproxy"))
}

/// Active (non-comment, non-empty) lines as (lower-case name, value).
fn active_lines(conf: &str) -> Vec<(String, String)> {
    conf.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let l = l.trim();
            let (name, value) = l.split_once([' ', '\t']).unwrap_or((l, ""));
            (name.to_ascii_lowercase(), value.trim().to_string())
        })
        .collect()
}

fn values_of(conf: &str, name: &str) -> Vec<String> {
    active_lines(conf)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn default_conf_has_the_promised_settings() {
    let conf = read_repo_file("conf/tinyproxy.conf");
    let single = [
        ("port", "8888"),
        ("timeout", "600"),
        ("maxclients", "100"),
        ("loglevel", "Info"),
        ("defaulterrorfile", "\"/usr/share/tinyproxy/default.html\""),
        ("statfile", "\"/usr/share/tinyproxy/stats.html\""),
        ("viaproxyname", "\"tinyproxy\""),
    ];
    for (name, want) in single {
        assert_eq!(values_of(&conf, name), vec![want.to_string()], "{name}");
    }
    let allow = values_of(&conf, "allow");
    let want_allow = [
        "127.0.0.1",
        "::1",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
    ];
    assert_eq!(allow, want_allow.map(String::from).to_vec());
    assert_eq!(values_of(&conf, "connectport"), vec!["443", "563"]);
    for absent in [
        "user", "group", "logfile", "syslog", "pidfile", "listen", "deny",
    ] {
        assert!(
            values_of(&conf, absent).is_empty(),
            "{absent} must not be active"
        );
    }
}

#[test]
fn default_conf_follows_tinyproxy_grammar() {
    let conf = read_repo_file("conf/tinyproxy.conf");
    assert!(!conf.contains('\r'), "CR line ends are a syntax error");
    assert!(conf.is_ascii(), "keep the file ASCII");
    for (n, line) in conf.lines().enumerate() {
        let trimmed = line.trim_start();
        assert!(
            line.starts_with('#') || !trimmed.starts_with('#'),
            "line {}: a comment must start in column 1",
            n + 1
        );
        if !line.starts_with('#') && !trimmed.is_empty() {
            assert!(!line.contains('#'), "line {}: no trailing comments", n + 1);
        }
    }
    for (name, _) in active_lines(&conf) {
        assert!(
            is_directive_1_11_1(&name),
            "{name} is not a tinyproxy 1.11.1 directive"
        );
    }
}

/// Starts the real tinyproxy with `conf` on `port` and waits until it
/// listens; panics with its stderr if it does not.
fn start_real(dir: &Path, conf: &str, port: u16) -> tinyproxy_test_support::Guard {
    let path = dir.join("tinyproxy.conf");
    std::fs::write(&path, conf).expect("write test config");
    let path = path.to_string_lossy().into_owned();
    let mut guard = spawn(&real_tinyproxy(), &["-d", "-c", &path]);
    if let Err(e) = listener_up(&mut guard.child, local(port), Duration::from_secs(10)) {
        panic!("real tinyproxy on port {port}: {e}");
    }
    guard
}

/// Our default config, on a free loopback port, with the page templates
/// taken from conf/ in the repository.
fn default_conf_for_test(port: u16) -> String {
    let templates = repo().join("conf");
    let conf = read_repo_file("conf/tinyproxy.conf").replace(
        "\"/usr/share/tinyproxy/",
        &format!("\"{}/", templates.display()),
    );
    conf_for_test(&conf, port, &["Listen 127.0.0.1".to_string()])
}

#[test]
fn real_tinyproxy_serves_our_templates_with_default_conf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let _proxy = start_real(dir.path(), &default_conf_for_test(port), port);

    let stats = raw(
        local(port),
        "GET http://tinyproxy.stats/ HTTP/1.0\r\n\r\n".as_bytes(),
    );
    assert!(stats.starts_with("HTTP/1.0 200"), "stats reply: {stats}");
    assert!(stats.contains("Client connections open now"), "{stats}");
    for var in [
        "{opens}",
        "{reqs}",
        "{badconns}",
        "{deniedconns}",
        "{refusedconns}",
    ] {
        assert!(!stats.contains(var), "{var} not substituted: {stats}");
    }

    // Port 9 is not a ConnectPort: 403 from DefaultErrorFile.
    let denied = raw(
        local(port),
        "CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: x\r\n\r\n".as_bytes(),
    );
    assert!(
        denied.starts_with("HTTP/1.1 403 Access violation"),
        "{denied}"
    );
    assert!(denied.contains("<h1>403 Access violation</h1>"), "{denied}");
    assert!(denied.contains("answered this request itself"), "{denied}");
    for var in [
        "{errno}",
        "{cause}",
        "{detail}",
        "{clientip}",
        "{date}",
        "{request}",
    ] {
        assert!(!denied.contains(var), "{var} not substituted: {denied}");
    }
}

/// Lines of the form `#Name value` (one '#', then a directive) are the
/// examples; these are switched on except the ones that need the machine
/// set up (users, files, other addresses, syslog).
fn enable_examples(conf: &str, dir: &Path) -> (String, usize) {
    const SKIP: &[&str] = &["user", "group", "listen", "bind", "syslog", "pidfile"];
    let mut out = String::new();
    let mut enabled = 0;
    for line in conf.lines() {
        let candidate = line.strip_prefix('#').filter(|rest| {
            rest.starts_with(|c: char| c.is_ascii_alphabetic())
                && active_lines(rest).first().is_some_and(|(name, _)| {
                    is_directive_1_11_1(name) && !SKIP.contains(&name.as_str())
                })
        });
        match candidate {
            Some(rest) => {
                enabled += 1;
                out.push_str(&example_with_test_paths(rest, dir));
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    (out, enabled)
}

/// Points the file paths of an example at files the test provides.
fn example_with_test_paths(line: &str, dir: &Path) -> String {
    let lower = line.to_ascii_lowercase();
    if lower.starts_with("filter ") {
        let filter = dir.join("filter");
        std::fs::write(&filter, "ads\\.example\\.\n").expect("write filter");
        format!("Filter \"{}\"", filter.display())
    } else if lower.starts_with("logfile ") {
        format!("LogFile \"{}\"", dir.join("tinyproxy.log").display())
    } else {
        line.to_string()
    }
}

#[test]
fn real_tinyproxy_accepts_every_commented_example() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let (conf, enabled) = enable_examples(&default_conf_for_test(port), dir.path());
    assert!(enabled >= 20, "only {enabled} examples found");
    let mut proxy = start_real(dir.path(), &conf, port);
    let stderr = stderr_of(&mut proxy.child);
    assert!(!stderr.contains("WARNING"), "{stderr}");
}

#[test]
fn our_binary_accepts_default_conf_with_check() {
    let conf = repo().join("conf/tinyproxy.conf");
    let out = Command::new(env!("CARGO_BIN_EXE_tinyproxy"))
        .args(["--check", "-c"])
        .arg(&conf)
        .output()
        .expect("run our tinyproxy");
    assert!(out.status.success(), "{out:?}");
    // The checkout's path may itself contain "error" (a worktree name).
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&*conf.to_string_lossy(), "CONF");
    assert!(!stderr.contains("rror"), "{stderr}");
}

#[test]
fn our_binary_rejects_a_broken_conf_with_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.conf");
    std::fs::write(&path, "Port 8888 # trailing comments are a syntax error\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_tinyproxy"))
        .args(["--check", "-c"])
        .arg(&path)
        .output()
        .expect("run our tinyproxy");
    assert_eq!(out.status.code(), Some(70), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Syntax error on line 1"));
}
