//! Golden tests of the line shape, truncation and level filtering, on the
//! real output of the process-wide logger (captured with a writer).

use tinyproxy_rs::config::LogLevel;
use tinyproxy_rs::log::{self, Level};
use tinyproxy_rs::log_msg;
use tinyproxy_test_support::logs::{assert_whole_lines, line_regex, serial, Capture};

fn capture() -> Capture {
    let cap = Capture::default();
    log::configure_to_writer(Box::new(cap.clone()));
    cap
}

/// tinyproxy's filter (spec §5.2), written out level by level.
fn expected(l: LogLevel) -> &'static [Level] {
    use Level::*;
    match l {
        LogLevel::Info => &[Critical, Error, Warning, Notice, Info, Connect],
        LogLevel::Connect => &[Critical, Error, Warning, Notice, Debug, Connect],
        LogLevel::Notice => &[Critical, Error, Warning, Notice],
        LogLevel::Warning => &[Critical, Error, Warning],
        LogLevel::Error => &[Critical, Error],
        LogLevel::Critical => &[Critical],
    }
}

const LOG_LEVELS: [LogLevel; 6] = [
    LogLevel::Critical,
    LogLevel::Error,
    LogLevel::Warning,
    LogLevel::Notice,
    LogLevel::Connect,
    LogLevel::Info,
];

#[test]
fn every_level_has_tinyproxys_shape() {
    let _g = serial();
    let cap = capture();
    let re = line_regex();
    let month = chrono::Local::now().format("%b").to_string();
    let pid = std::process::id().to_string();
    let padded = [
        (Level::Critical, "CRITICAL  "),
        (Level::Error, "ERROR     "),
        (Level::Warning, "WARNING   "),
        (Level::Notice, "NOTICE    "),
        (Level::Info, "INFO      "),
        (Level::Debug, "DEBUG     "),
        (Level::Connect, "CONNECT   "),
    ];
    for (level, prefix) in padded {
        // Debug is only visible at LogLevel Connect, Info only at Info.
        let lv = if level == Level::Debug {
            LogLevel::Connect
        } else {
            LogLevel::Info
        };
        log::set_level(Some(lv));
        log_msg!(level, "Connect (file descriptor {}): {}", 5, "127.0.0.1");
        let out = cap.take();
        assert!(
            out.ends_with('\n') && out.matches('\n').count() == 1,
            "{out:?}"
        );
        let line = out.trim_end_matches('\n');
        assert!(
            line.starts_with(prefix),
            "{line:?} should start with {prefix:?}"
        );
        let caps = re
            .captures(line)
            .unwrap_or_else(|| panic!("shape: {line:?}"));
        assert_eq!(&caps[1], level.name());
        assert!(caps[2].starts_with(&month), "local month in {line:?}");
        assert_eq!(&caps[3], pid);
        assert_eq!(&caps[4], "Connect (file descriptor 5): 127.0.0.1");
    }
    log::set_level(None);
}

#[test]
fn timestamp_is_local_time_now() {
    let _g = serial();
    let cap = capture();
    log::set_level(None);
    let before = chrono::Local::now().naive_local();
    log_msg!(Level::Notice, "clock");
    let after = chrono::Local::now().naive_local();
    let out = cap.take();
    let caps = line_regex().captures(out.trim_end()).unwrap();
    let year = before.format("%Y").to_string();
    let stamp = chrono::NaiveDateTime::parse_from_str(
        &format!("{year} {}", &caps[2]),
        "%Y %b %d %H:%M:%S%.3f",
    )
    .unwrap();
    let ms = chrono::Duration::milliseconds(1);
    assert!(
        stamp + ms > before && stamp <= after,
        "{stamp} not in [{before}, {after}]"
    );
}

#[test]
fn long_lines_are_cut_at_798_bytes_plus_newline() {
    let _g = serial();
    let cap = capture();
    log::set_level(None);
    log_msg!(
        Level::Connect,
        "Request (file descriptor 5): GET http://x/{}",
        "a".repeat(2000)
    );
    let out = cap.take();
    assert_eq!(out.len(), 799, "{out:?}");
    assert!(out.ends_with("aaaa\n"));

    // Multi-byte characters are never split.
    log_msg!(Level::Info, "{}", "é".repeat(1000));
    let out = cap.take();
    assert!(out.len() <= 799 && out.len() >= 797, "{}", out.len());
    assert!(out.ends_with("é\n"));

    // Short lines are untouched.
    log_msg!(Level::Info, "{}", "b".repeat(700));
    assert!(cap.take().ends_with(&format!("{}\n", "b".repeat(700))));
}

#[test]
fn client_text_cannot_forge_lines() {
    let _g = serial();
    let cap = capture();
    log::set_level(None);
    let request_line = "GET /x HTTP/1.0\r\nCRITICAL  Nov 29 13:36:44.457 [1]: forged\x1b[2J";
    log_msg!(
        Level::Connect,
        "Request (file descriptor 5): {}",
        request_line
    );
    let out = cap.take();
    assert_eq!(out.matches('\n').count(), 1, "{out:?}");
    assert!(out.ends_with("HTTP/1.0\\r\\nCRITICAL  Nov 29 13:36:44.457 [1]: forged\\x1b[2J\n"));
}

#[test]
fn level_filter_table() {
    let _g = serial();
    let cap = capture();
    for lv in LOG_LEVELS {
        log::set_level(Some(lv));
        for level in Level::ALL {
            let want = expected(lv).contains(&level);
            assert_eq!(
                log::enabled(level),
                want,
                "enabled({level:?}) at LogLevel {lv:?}"
            );
            log_msg!(level, "probe {:?}", level);
            let out = cap.take();
            assert_eq!(
                !out.is_empty(),
                want,
                "{level:?} at LogLevel {lv:?}: {out:?}"
            );
        }
    }
    log::set_level(None);
    assert!(log::enabled(Level::Info) && !log::enabled(Level::Debug));
}

#[test]
fn filtered_messages_are_not_formatted() {
    struct Bomb;
    impl std::fmt::Display for Bomb {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            panic!("formatted a filtered-out message");
        }
    }
    let _g = serial();
    let cap = capture();
    log::set_level(Some(LogLevel::Notice));
    log_msg!(Level::Connect, "{}", Bomb);
    log_msg!(Level::Info, "{}", Bomb);
    log::set_level(None);
    assert_eq!(cap.take(), "");
}

#[test]
fn concurrent_lines_never_interleave() {
    let _g = serial();
    let cap = capture();
    log::set_level(None);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..250 {
                    log_msg!(Level::Connect, "thread {t} line {i} {}", "x".repeat(i));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let out = cap.take();
    assert_whole_lines(&out, r"^thread [0-7] line (\d+) (x*)$", 2000);
}
