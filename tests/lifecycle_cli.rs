//! Command line and start-up checks: `-v`, `-h`, unknown flags,
//! `--check`, unknown User/Group, and running unprivileged.

use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};
use tinyproxy_test_support::prelude::*;

/// Our binary, the one under test.
const BIN: &str = ours!();

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn version_help_and_unknown_flags() {
    let v = run(&["-v"]);
    assert_eq!(v.status.code(), Some(0));
    assert!(text(&v.stdout).starts_with("tinyproxy 1.11."), "{v:?}");

    let h = run(&["-h"]);
    assert_eq!(h.status.code(), Some(0));
    assert!(text(&h.stdout).starts_with("Usage: tinyproxy [options]"));
    assert!(text(&h.stdout).contains("Features compiled in"));

    // getopt's message on stderr, the usage on stdout, EX_USAGE.
    let x = run(&["-x"]);
    assert_eq!(x.status.code(), Some(64));
    assert!(
        text(&x.stderr).ends_with(": invalid option -- 'x'\n"),
        "{x:?}"
    );
    assert!(text(&x.stdout).starts_with("Usage:"));

    let long = run(&["--frobnicate"]);
    assert_eq!(long.status.code(), Some(64));
    assert!(text(&long.stderr).contains("unrecognized option '--frobnicate'"));

    let missing = run(&["-c"]);
    assert_eq!(missing.status.code(), Some(64));
    assert!(text(&missing.stderr).contains("option requires an argument -- 'c'"));
}

#[test]
fn check_good_and_bad_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A port that is taken and a pid file: --check must neither bind nor
    // write anything.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port();
    let pid = dir.path().join("x.pid");
    let good = dir.path().join("good.conf");
    std::fs::write(
        &good,
        format!(
            "Port {port}\nListen 127.0.0.1\nPidFile \"{}\"\n",
            pid.display()
        ),
    )
    .expect("write");
    let out = run(&["--check", "-c", good.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Warnings (e.g. no User when run as root) may be listed; no error.
    assert!(!text(&out.stderr).contains("ERROR"), "{out:?}");
    assert!(text(&out.stdout).contains("configuration OK"), "{out:?}");
    assert!(!pid.exists());

    let bad = dir.path().join("bad.conf");
    std::fs::write(&bad, "Port 8888\nListen 127.0.0.1\nNoSuchDirective 1\n").expect("write");
    let out = run(&["--check", "-c", bad.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(70), "{out:?}");
    let err = text(&out.stderr);
    assert!(err.contains("ERROR: Syntax error on line 3\n"), "{err}");
    assert!(err.contains("bad.conf:3:1: expected"), "{err}");
}

/// As root only: a non-root process does not look the names up at all
/// (see `not_root_keeps_its_ids`).
#[test]
fn unknown_user_or_group_exits_67() {
    if !nix_is_root() {
        eprintln!("skipped: the names are looked up only by root");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (line, msg) in [
        (
            "User no-such-user-lc",
            "Unable to find user \"no-such-user-lc\".",
        ),
        (
            "User nobody\nGroup no-such-group-lc",
            "Unable to find group \"no-such-group-lc\".",
        ),
    ] {
        let conf = dir.path().join("u.conf");
        let port = free_port();
        std::fs::write(&conf, format!("Port {port}\nListen 127.0.0.1\n{line}\n")).expect("write");
        let out = run(&["-d", "-c", conf.to_str().expect("utf8")]);
        assert_eq!(out.status.code(), Some(67), "{out:?}");
        // tinyproxy prefixes argv[0].
        assert_eq!(text(&out.stderr), format!("{BIN}: {msg}\n"));
    }
}

/// `-d` without LogFile/Syslog: the log goes to stdout; SIGTERM ends it
/// with status 0.
#[test]
fn foreground_logs_to_stdout() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = dir.path().join("tinyproxy.conf");
    std::fs::write(&conf, format!("Port {port}\nListen 127.0.0.1\n")).expect("write");
    let mut child = Command::new(BIN)
        .args(["-d", "-c", conf.to_str().expect("utf8")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut guard = Guard::new(child);
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf8");
    assert!(first.starts_with("NOTICE    ") && first.ends_with("]: Initializing tinyproxy ..."));
    let main_loop = lines
        .by_ref()
        .take(50)
        .map_while(Result::ok)
        .any(|l| l.ends_with("Starting main loop. Accepting connections."));
    assert!(main_loop);
    kill(guard.child.id(), libc::SIGTERM);
    let status = wait_for("exit", || guard.child.try_wait().expect("try_wait"));
    assert_eq!(status.code(), Some(0));
    assert!(lines
        .map_while(Result::ok)
        .any(|l| l.ends_with("Shutting down.")));
}

/// Started as an ordinary user with `User`/`Group` configured (names that
/// do not even exist, as in a container image without those accounts):
/// tinyproxy's INFO line, no lookup, no attempt to change ids, and the
/// proxy serves.
#[test]
fn not_root_keeps_its_ids() {
    if !nix_is_root() {
        eprintln!("skipped: needs root to start a process as another user");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    set_mode(dir.path(), 0o777);
    let port = free_port();
    let log = dir.path().join("proxy.log");
    let conf = dir.path().join("tinyproxy.conf");
    let ids = "User no-such-user-nr\nGroup no-such-group-nr";
    std::fs::write(&conf, conf_text(port, &log, ids)).expect("write");
    set_mode(&conf, 0o644);
    let child = Command::new(BIN)
        .args(["-d", "-c", conf.to_str().expect("utf8")])
        .uid(65534)
        .gid(65534)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn as nobody");
    let _guard = Guard::new(child);
    wait_for("the unprivileged proxy's log", || {
        let t = std::fs::read_to_string(&log).unwrap_or_default();
        t.contains("Starting main loop").then_some(t)
    });
    let t = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        t.lines().any(|l| l.starts_with("INFO ")
            && l.ends_with("]: Not running as root, so not changing UID/GID.")),
        "{t}"
    );
    assert!(!t.contains("Now running as"), "{t}");
    assert!(!refused(local(port)));
}

fn nix_is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn set_mode(p: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
