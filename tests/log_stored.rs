//! Messages logged before the log is open (or while it is suspended for a
//! reload) are stored and replayed at `configure`/`reopen`, stamped with
//! the replay time and bracketed by two DEBUG lines (spec §5.1, §11.19).
//!
//! One test: the very first messages of this process must be logged before
//! anything configures the logger.

mod log_support;

use log_support::config;
use std::path::Path;
use std::time::Duration;
use tinyproxy_rs::config::LogLevel;
use tinyproxy_rs::log::{self, Level};
use tinyproxy_rs::log_msg;
use tinyproxy_test_support::logs::line_regex;

/// (level, timestamp, message) of every line of the file.
fn lines(path: &Path) -> Vec<(String, String, String)> {
    let re = line_regex();
    let pid = std::process::id().to_string();
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let c = re.captures(l).unwrap_or_else(|| panic!("{l:?}"));
            assert_eq!(&c[3], pid);
            (c[1].to_string(), c[2].to_string(), c[4].to_string())
        })
        .collect()
}

fn shape(lines: &[(String, String, String)]) -> Vec<String> {
    lines.iter().map(|(l, _, m)| format!("{l} {m}")).collect()
}

#[test]
fn stored_messages_are_replayed_with_bracket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tinyproxy.log");

    // Before configuration (default level Info: DEBUG dropped at once).
    log_msg!(Level::Notice, "Initializing tinyproxy ...");
    log_msg!(
        Level::Info,
        "Added address [127.0.0.1] to listen addresses."
    );
    log_msg!(Level::Debug, "never shown");
    log_msg!(
        Level::Warning,
        "You SHOULD set a UserName in the config file. Using current user instead."
    );
    // Make "stamped at replay" distinguishable from "stamped when logged".
    std::thread::sleep(Duration::from_millis(30));
    let t0 = chrono::Local::now().format("%H:%M:%S%.3f").to_string();

    // LogLevel Connect: the DEBUG bracket shows, INFO does not.
    let cfg = config(Some(&path), false, Some(LogLevel::Connect));
    log::configure(&cfg, true).unwrap();
    let got = lines(&path);
    assert_eq!(
        shape(&got),
        [
            "DEBUG sending stored logs",
            "NOTICE Initializing tinyproxy ...",
            "WARNING You SHOULD set a UserName in the config file. Using current user instead.",
            "DEBUG done sending stored logs",
        ]
    );
    for (_, stamp, msg) in &got {
        // Same day in this test; HH:MM:SS.mmm compares as text.
        assert!(
            stamp[7..] >= t0[..],
            "{msg:?} stamped {stamp}, before replay at {t0}"
        );
    }

    // A reload: suspended, messages wait; reopen replays them.
    log::suspend();
    log_msg!(Level::Notice, "during reload");
    log_msg!(Level::Connect, "Connect (file descriptor 7): 127.0.0.1");
    assert_eq!(lines(&path).len(), 4, "nothing written while suspended");
    log::reopen();
    assert_eq!(
        shape(&lines(&path)[4..]),
        [
            "DEBUG sending stored logs",
            "NOTICE during reload",
            "CONNECT Connect (file descriptor 7): 127.0.0.1",
            "DEBUG done sending stored logs",
        ]
    );

    // Reload without LogLevel: back to Info (not sticky), bracket hidden.
    // (While suspended the old level, Connect, still filters: an INFO
    // message is dropped at once, as in tinyproxy.)
    log::suspend();
    log_msg!(Level::Info, "dropped at Connect");
    log_msg!(Level::Notice, "reload without LogLevel");
    log::configure(&config(Some(&path), false, None), true).unwrap();
    log_msg!(Level::Info, "Setting \"Via\" header to 'x'");
    log_msg!(Level::Debug, "hidden at Info");
    assert_eq!(
        shape(&lines(&path)[8..]),
        [
            "NOTICE reload without LogLevel",
            "INFO Setting \"Via\" header to 'x'"
        ]
    );

    // Nothing stored: no bracket at all, even at Connect.
    log::configure(&config(Some(&path), false, Some(LogLevel::Connect)), true).unwrap();
    assert_eq!(lines(&path).len(), 10);

    // Storage is bounded; the overflow is counted.
    log::suspend();
    for i in 0..5000 {
        log_msg!(Level::Notice, "flood {i}");
    }
    log::reopen();
    let got = shape(&lines(&path)[10..]);
    assert_eq!(got.len(), 4096 + 3);
    assert_eq!(got[1], "NOTICE flood 0");
    assert_eq!(got[4096], "NOTICE flood 4095");
    assert_eq!(
        got[4097],
        "WARNING 904 log messages were dropped while logging was not set up."
    );
    assert_eq!(got[4098], "DEBUG done sending stored logs");
}
