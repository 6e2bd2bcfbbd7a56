//! `LogFile`: append, 0600 on creation, reopen after rotation, refusal of
//! symlinks and hard links with tinyproxy's stderr line and the fallback to
//! syslog (spec §2, §3, §5.1, §11.20), `/dev/stdout` and `/dev/stderr`.
//!
//! Scenarios that need our stderr/stdout, or a fresh logger, re-run one
//! test of this binary as a child process (`tinyproxy_test_support::logs::run_child`).

mod log_support;

use log_support::config;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tinyproxy_rs::config::LogLevel;
use tinyproxy_rs::log::{self, Level};
use tinyproxy_rs::log_msg;
use tinyproxy_test_support::logs::{
    assert_whole_lines, child_scenario, line_regex, run_child, serial, SyslogServer,
};

/// What every child does: log before configuring, configure from the
/// environment (`LOG_FILE`, `SYSLOG`, `SYSLOG_ON`, `FOREGROUND`), log
/// `LINES` lines.
fn child_main() {
    log_msg!(Level::Notice, "Initializing tinyproxy ...");
    if let Some(p) = std::env::var_os("SYSLOG") {
        log::set_syslog_path(Path::new(&p));
    }
    let file = std::env::var_os("LOG_FILE").map(PathBuf::from);
    let foreground = std::env::var("FOREGROUND").map_or(true, |v| v == "1");
    let lines: usize = std::env::var("LINES").map_or(1, |v| v.parse().unwrap());
    let syslog_on = std::env::var_os("SYSLOG_ON").is_some();
    let cfg = config(file.as_deref(), syslog_on, Some(LogLevel::Connect));
    let _ = log::configure(&cfg, foreground);
    for i in 0..lines {
        log_msg!(Level::Notice, "hello from child {i} {}", "p".repeat(100));
    }
    log_msg!(Level::Notice, "child done");
}

/// Syslog datagrams as "<PRI> message".
fn tails(got: &[String]) -> Vec<String> {
    got.iter()
        .map(|d| format!("{} {}", &d[..4], d.split("]: ").nth(1).unwrap()))
        .collect()
}

/// The refusal/creation failure path of a daemon: stderr line, then
/// everything (the CRITICAL lines included) on syslog, as tinyproxy.
fn assert_falls_back(test: &str, log_file: &Path, stderr_line: &str, reason: &str) {
    let server = SyslogServer::start();
    let out = run_child(
        test,
        "fallback",
        &[
            ("LOG_FILE", log_file),
            ("SYSLOG", &server.path),
            ("FOREGROUND", Path::new("0")),
        ],
        "",
    );
    assert!(out.success, "child failed: {}", out.stderr);
    assert!(
        out.stderr.contains(&format!("tinyproxy: {stderr_line}\n")),
        "stderr: {:?}",
        out.stderr
    );
    let shown = log_file.display();
    assert_eq!(
        tails(&server.until("child done")),
        [
            "<15> sending stored logs".to_string(),
            "<13> Initializing tinyproxy ...".to_string(),
            format!("<10> ERROR: Could not create log file {shown}: {reason}."),
            "<10> Falling back to syslog logging.".to_string(),
            "<15> done sending stored logs".to_string(),
            format!("<13> hello from child 0 {}", "p".repeat(100)),
            "<13> child done".to_string(),
        ]
    );
}

/// The WARNING lines (log format) in `stderr`.
fn warnings(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| line_regex().captures(l))
        .filter(|c| &c[1] == "WARNING")
        .map(|c| c[4].to_string())
        .collect()
}

#[test]
fn foreground_unopenable_file_logs_to_stderr() {
    if child_scenario().is_some() {
        return child_main();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("x.log");
    let server = SyslogServer::start();
    let env = [
        ("LOG_FILE", path.as_path()),
        ("SYSLOG", server.path.as_path()),
        ("FOREGROUND", Path::new("1")),
    ];
    let out = run_child("foreground_unopenable_file_logs_to_stderr", "fg", &env, "");
    assert!(out.success, "{}", out.stderr);
    let shown = path.display();
    assert_eq!(
        warnings(&out.stderr),
        [format!(
            "Could not open log file {shown}: No such file or directory; logging to stderr instead."
        )],
        "{}",
        out.stderr
    );
    // Nothing is lost: the stored lines and the later ones, on stderr.
    assert!(has_line(
        &out.stderr,
        "NOTICE",
        "Initializing tinyproxy ..."
    ));
    assert!(
        has_line(&out.stderr, "NOTICE", "child done"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("child done"));
    assert!(server.next(std::time::Duration::from_millis(200)).is_none());
}

#[test]
fn foreground_unreachable_syslog_logs_to_stderr() {
    if child_scenario().is_some() {
        return child_main();
    }
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("no-syslog.sock");
    let env = [
        ("SYSLOG", sock.as_path()),
        ("SYSLOG_ON", Path::new("1")),
        ("FOREGROUND", Path::new("1")),
    ];
    let out = run_child(
        "foreground_unreachable_syslog_logs_to_stderr",
        "fg",
        &env,
        "",
    );
    assert!(out.success, "{}", out.stderr);
    let w = warnings(&out.stderr);
    assert_eq!(w.len(), 1, "{}", out.stderr);
    let want = format!("Could not reach syslog at {}: ", sock.display());
    assert!(w[0].starts_with(&want), "{w:?}");
    assert!(w[0].ends_with("; logging to stderr instead."), "{w:?}");
    assert!(has_line(
        &out.stderr,
        "NOTICE",
        "Initializing tinyproxy ..."
    ));
    assert!(
        has_line(&out.stderr, "NOTICE", "child done"),
        "{}",
        out.stderr
    );
}

#[test]
fn foreground_write_failure_switches_to_stderr() {
    if child_scenario().is_some() {
        return child_main();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.log");
    let env = [
        ("LOG_FILE", path.as_path()),
        ("LINES", Path::new("30")),
        ("FOREGROUND", Path::new("1")),
    ];
    let out = run_child(
        "foreground_write_failure_switches_to_stderr",
        "full",
        &env,
        "trap '' XFSZ; ulimit -f 2;",
    );
    assert!(out.success, "{}", out.stderr);
    let shown = path.display();
    assert_eq!(
        warnings(&out.stderr),
        [format!(
            "Could not write to log file {shown}: File too large; logging to stderr instead."
        )]
    );
    // The line that failed is on stderr, and every later one.
    let in_file = std::fs::read_to_string(&path).unwrap_or_default();
    let last_in_file = (0..30)
        .rev()
        .find(|i| in_file.contains(&format!("hello from child {i} ")))
        .expect("some lines reached the file");
    let next = format!("hello from child {} {}", last_in_file + 1, "p".repeat(100));
    assert!(has_line(&out.stderr, "NOTICE", &next), "{}", out.stderr);
    assert!(has_line(&out.stderr, "NOTICE", "child done"));
}

#[test]
fn appends_to_an_existing_file() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    std::fs::write(&path, "old line\n").unwrap();
    log::configure(&config(Some(&path), false, None), true).unwrap();
    log_msg!(Level::Notice, "new line");
    let text = std::fs::read_to_string(&path).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    assert_eq!(first, "old line");
    let caps = line_regex().captures(rest.trim_end()).unwrap();
    assert_eq!(&caps[4], "new line");
}

#[test]
fn a_new_file_is_created_0600() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.log");
    log::configure(&config(Some(&path), false, None), true).unwrap();
    log_msg!(Level::Notice, "first");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o600);
}

#[test]
fn reopen_after_rename_starts_a_new_file() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rot.log");
    let rotated = dir.path().join("rot.log.1");
    log::configure(&config(Some(&path), false, None), true).unwrap();
    log_msg!(Level::Notice, "before rotation");
    std::fs::rename(&path, &rotated).unwrap();
    log_msg!(Level::Notice, "still to the old file");
    log::reopen();
    log_msg!(Level::Notice, "after rotation");
    let old = std::fs::read_to_string(&rotated).unwrap();
    let new = std::fs::read_to_string(&path).unwrap();
    assert!(old.contains("before rotation") && old.contains("still to the old file"));
    assert!(!old.contains("after rotation"));
    assert!(
        new.contains("after rotation") && !new.contains("before rotation"),
        "{new}"
    );
}

#[test]
fn concurrent_writers_keep_lines_whole() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.log");
    log::configure(&config(Some(&path), false, None), true).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..200 {
                    log_msg!(Level::Connect, "t{t} {i} {}", "y".repeat(i));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert_whole_lines(&text, r"^t[0-7] (\d+) (y*)$", 1600);
}

#[test]
fn symlink_is_refused_and_syslog_takes_over() {
    if child_scenario().is_some() {
        return child_main();
    }
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.log");
    let link = dir.path().join("link.log");
    std::fs::write(&target, "keep\n").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let msg = format!(
        "The file {} has been changed before it could be opened",
        link.display()
    );
    assert_falls_back(
        "symlink_is_refused_and_syslog_takes_over",
        &link,
        &msg,
        "Too many levels of symbolic links",
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
}

#[test]
fn hard_link_is_refused() {
    if child_scenario().is_some() {
        return child_main();
    }
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.log");
    let hard = dir.path().join("hard.log");
    std::fs::write(&target, "keep\n").unwrap();
    std::fs::hard_link(&target, &hard).unwrap();
    let msg = format!(
        "The file {} has too many links, or is not a regular file: Too many links",
        hard.display()
    );
    assert_falls_back("hard_link_is_refused", &hard, &msg, "Too many links");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
}

#[test]
fn uncreatable_file_reports_the_reason() {
    if child_scenario().is_some() {
        return child_main();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("x.log");
    let msg = format!(
        "Could not create file {}: No such file or directory",
        path.display()
    );
    assert_falls_back(
        "uncreatable_file_reports_the_reason",
        &path,
        &msg,
        "No such file or directory",
    );
}

/// `(?m)`-anchored line of `level` with message `msg` in `text`.
fn has_line(text: &str, level: &str, msg: &str) -> bool {
    text.lines().any(|l| {
        line_regex()
            .captures(l)
            .is_some_and(|c| &c[1] == level && &c[4] == msg)
    })
}

#[test]
fn dev_stdout_and_dev_stderr_are_our_streams() {
    if child_scenario().is_some() {
        return child_main();
    }
    let dir = tempfile::tempdir().unwrap();
    let nosyslog = dir.path().join("no-syslog.sock");
    let name = "dev_stdout_and_dev_stderr_are_our_streams";
    let env = |file: &'static str| {
        [
            ("LOG_FILE", Path::new(file)),
            ("SYSLOG", nosyslog.as_path()),
        ]
    };

    let out = run_child(name, "stdout", &env("/dev/stdout"), "");
    assert!(out.success, "{}", out.stderr);
    assert!(
        has_line(&out.stdout, "DEBUG", "sending stored logs"),
        "{}",
        out.stdout
    );
    assert!(has_line(
        &out.stdout,
        "NOTICE",
        "Initializing tinyproxy ..."
    ));
    assert!(has_line(&out.stdout, "NOTICE", "child done"));
    assert!(!out.stderr.contains("tinyproxy:"), "{}", out.stderr);

    let out = run_child(name, "stderr", &env("/dev/stderr"), "");
    assert!(out.success, "{}", out.stderr);
    assert!(
        has_line(&out.stderr, "NOTICE", "child done"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("child done"));
}

#[test]
fn foreground_logs_to_stdout_and_a_daemon_nowhere() {
    if child_scenario().is_some() {
        return child_main();
    }
    let name = "foreground_logs_to_stdout_and_a_daemon_nowhere";
    let out = run_child(name, "fg", &[("FOREGROUND", Path::new("1"))], "");
    assert!(
        has_line(&out.stdout, "NOTICE", "child done"),
        "{}",
        out.stdout
    );
    let out = run_child(name, "daemon", &[("FOREGROUND", Path::new("0"))], "");
    assert!(out.success);
    assert!(!out.stdout.contains("child done") && !out.stderr.contains("child done"));
}

#[test]
fn write_failure_switches_to_syslog() {
    if child_scenario().is_some() {
        return child_main();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.log");
    let server = SyslogServer::start();
    let env = [
        ("LOG_FILE", path.as_path()),
        ("SYSLOG", server.path.as_path()),
        ("LINES", Path::new("30")),
        ("FOREGROUND", Path::new("0")),
    ];
    // A file size limit (ignoring SIGXFSZ) makes write(2) fail with EFBIG.
    let out = run_child(
        "write_failure_switches_to_syslog",
        "full",
        &env,
        "trap '' XFSZ; ulimit -f 2;",
    );
    assert!(out.success, "{}", out.stderr);
    let got = tails(&server.until("child done"));
    let shown = path.display();
    assert_eq!(
        got[0],
        format!("<10> ERROR: Could not write to log file {shown}: File too large.")
    );
    assert_eq!(got[1], "<10> Falling back to syslog logging");
    // The line that failed is not lost, and the rest follows in order.
    let first = got[2].strip_prefix("<13> hello from child ").unwrap();
    let n: usize = first.split(' ').next().unwrap().parse().unwrap();
    assert_eq!(got.len(), 2 + (30 - n) + 1, "{got:#?}");
    let in_file = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(in_file.contains(&format!("hello from child {} ", n - 1)));
    assert!(!in_file.contains("child done"));
}
