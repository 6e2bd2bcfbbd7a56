//! `Syslog On` against a real Unix datagram socket standing in for
//! /dev/log: datagram bytes as glibc's `syslog()` sends them for tinyproxy
//! (spec §5.3, §11.20).

mod log_support;

use chrono::Datelike;
use log_support::config;
use regex::Regex;
use std::time::{Duration, Instant};
use tinyproxy_rs::config::LogLevel;
use tinyproxy_rs::log::{self, Level, LogError};
use tinyproxy_rs::log_msg;
use tinyproxy_test_support::logs::{serial, SyslogServer};

const WAIT: Duration = Duration::from_secs(5);

fn start(level: LogLevel) -> SyslogServer {
    let server = SyslogServer::start();
    log::set_syslog_path(&server.path);
    log::configure(&config(None, true, Some(level)), false).unwrap();
    server
}

#[test]
fn connect_line_is_glibc_format_at_log_info() {
    let _g = serial();
    let server = start(LogLevel::Connect);
    log_msg!(
        Level::Connect,
        "Connect (file descriptor {}): {}",
        5,
        "127.0.0.1"
    );
    let got = server.next(WAIT).expect("a datagram");
    let re = Regex::new(
        r"^<14>((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ 1-3]\d) \d\d:\d\d:\d\d) tinyproxy\[(\d+)\]: Connect \(file descriptor 5\): 127\.0\.0\.1$",
    )
    .unwrap();
    let caps = re.captures(&got).unwrap_or_else(|| panic!("{got:?}"));
    // glibc pads the day with a space (`%e`), not a zero.
    let today = chrono::Local::now();
    assert_eq!(&caps[2], format!("{:>2}", today.day()));
    assert!(caps[1].starts_with(&today.format("%b ").to_string()));
    assert_eq!(&caps[3], std::process::id().to_string());
}

#[test]
fn priority_per_level() {
    let _g = serial();
    let server = start(LogLevel::Connect);
    let pri = [
        (Level::Critical, 10),
        (Level::Error, 11),
        (Level::Warning, 12),
        (Level::Notice, 13),
        (Level::Connect, 14),
        (Level::Debug, 15),
    ];
    for (level, want) in pri {
        log_msg!(level, "pri probe {:?}", level);
        let got = server.next(WAIT).expect("a datagram");
        assert!(got.starts_with(&format!("<{want}>")), "{level:?}: {got:?}");
        assert!(got.ends_with(&format!("]: pri probe {level:?}")), "{got:?}");
    }
    // INFO only at LogLevel Info; filtered messages send nothing.
    log_msg!(Level::Info, "filtered info");
    log::set_level(Some(LogLevel::Info));
    log_msg!(Level::Debug, "filtered debug");
    log_msg!(Level::Info, "shown info");
    let got = server.next(WAIT).expect("a datagram");
    assert!(
        got.starts_with("<14>") && got.ends_with("]: shown info"),
        "{got:?}"
    );
}

#[test]
fn stored_messages_are_bracketed_at_debug() {
    let _g = serial();
    let server = start(LogLevel::Connect);
    log::suspend();
    log_msg!(Level::Notice, "Reloading config file");
    log_msg!(
        Level::Warning,
        "You SHOULD set a UserName in the config file. Using current user instead."
    );
    assert!(
        server.next(Duration::from_millis(100)).is_none(),
        "suspended"
    );
    log::reopen();
    let got = server.until("done sending stored logs");
    let tails: Vec<String> = got
        .iter()
        .map(|d| format!("{} {}", &d[..4], d.split("]: ").nth(1).unwrap()))
        .collect();
    assert_eq!(
        tails,
        [
            "<15> sending stored logs",
            "<13> Reloading config file",
            "<12> You SHOULD set a UserName in the config file. Using current user instead.",
            "<15> done sending stored logs",
        ]
    );
}

#[test]
fn log_file_is_ignored_when_syslog_is_on() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("unused.log");
    let server = SyslogServer::start();
    log::set_syslog_path(&server.path);
    log::configure(&config(Some(&file), true, None), true).unwrap();
    log_msg!(Level::Notice, "to syslog");
    assert!(server.next(WAIT).unwrap().ends_with("]: to syslog"));
    assert!(!file.exists());
}

#[test]
fn reconnects_when_the_daemon_restarts() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sock");
    let first = SyslogServer::bind(&path);
    log::set_syslog_path(&path);
    log::configure(&config(None, true, None), false).unwrap();
    log_msg!(Level::Notice, "before restart");
    assert!(first.next(WAIT).unwrap().ends_with("before restart"));
    // The daemon goes away and comes back with a new socket at the path.
    std::fs::remove_file(&path).unwrap();
    drop(first);
    let second = SyslogServer::bind(&path);
    log_msg!(Level::Notice, "after restart");
    assert!(second.next(WAIT).unwrap().ends_with("]: after restart"));
}

#[test]
fn unreachable_socket_is_reported_and_retried() {
    let _g = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.sock");
    log::set_syslog_path(&path);
    match log::configure(&config(None, true, None), false) {
        Err(LogError::SyslogUnavailable { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(reason.contains("No such file"), "{reason}");
        }
        other => panic!("expected SyslogUnavailable, got {other:?}"),
    }
    log_msg!(Level::Notice, "lost: nobody listens");
    // The daemon comes up; a later message gets through (retries are at
    // most once a second).
    let server = SyslogServer::bind(&path);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got = None;
    for i in 0..100 {
        log_msg!(Level::Notice, "retry {i}");
        if let Some(d) = server.next(Duration::from_millis(100)) {
            got = Some(d);
            break;
        }
        assert!(Instant::now() < deadline, "never reconnected");
    }
    let got = got.expect("reconnected");
    assert!(got.contains("]: retry "), "{got:?}");
}
