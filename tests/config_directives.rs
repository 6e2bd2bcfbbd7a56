//! Per-directive tests for the single-value and list directives: valid
//! forms, invalid forms, defaults, case variants, octal numbers and the
//! parse-time log lines (spec §1.2, §2, §5.4).

mod config_support;
use config_support::{cfg, ok, said, syntax};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tinyproxy_rs::config::{parse_bytes, Config, FilterType, LogLevel};
use tinyproxy_rs::log::Level;

#[test]
fn defaults() {
    let c = cfg("");
    let d = Config::with_defaults(PathBuf::from("/t.conf"));
    assert_eq!(c.port, 8888);
    assert_eq!(c.timeout, Duration::from_secs(600));
    assert_eq!(c.max_clients, 100);
    assert_eq!(c.stat_host, "tinyproxy.stats");
    assert_eq!(c.basic_auth_realm, "Tinyproxy");
    assert_eq!(c.acl, None);
    assert_eq!(c.log_level, None);
    assert_eq!(c.effective_log_level(), LogLevel::Info);
    assert_eq!(c.filter.kind, FilterType::Bre);
    assert_eq!(c.path, PathBuf::from("/t.conf"));
    assert_eq!(Config { port: 8888, ..d }, c);
}

#[test]
fn string_directives() {
    let c = cfg(concat!(
        "LogFile \"/var/log/t p.log\"\nPidFile \"/run/t.pid\"\nDefaultErrorFile \"/e.html\"\n",
        "StatFile \"/s.html\"\nFilter \"/f.txt\"\nAnonymous \"Host\"\nAnonymous \"Cookie\"\n",
        "ViaProxyName \"my via\"\nStatHost \"stats.local\"\nBasicAuthRealm \"Private zone\"\n",
        "ReverseBaseURL \"http://base/\"\n",
    ));
    assert_eq!(c.log_file, Some(PathBuf::from("/var/log/t p.log")));
    assert_eq!(c.process.pid_file, Some(PathBuf::from("/run/t.pid")));
    assert_eq!(c.default_error_file, Some(PathBuf::from("/e.html")));
    assert_eq!(c.stat_file, Some(PathBuf::from("/s.html")));
    assert_eq!(c.filter.file, Some(PathBuf::from("/f.txt")));
    assert_eq!(c.anonymous, vec!["Host", "Cookie"]);
    assert_eq!(c.via_proxy_name.as_deref(), Some("my via"));
    assert_eq!(c.stat_host, "stats.local");
    assert_eq!(c.basic_auth_realm, "Private zone");
    assert_eq!(c.reverse_base_url.as_deref(), Some("http://base/"));
}

#[test]
fn string_last_wins_and_logs() {
    let l = ok(
        "ViaProxyName \"a\"\nViaProxyName \"b\"\nStatHost \"s\"\nLogFile \"/1\"\nLogFile \"/2\"\n",
    );
    assert_eq!(l.config.via_proxy_name.as_deref(), Some("b"));
    assert_eq!(l.config.log_file, Some(PathBuf::from("/2")));
    assert_eq!(
        said(&l, Level::Info),
        vec![
            "Setting \"Via\" header to 'a'",
            "Setting \"Via\" header to 'b'",
            "Stathost set to \"s\""
        ]
    );
}

#[test]
fn string_rules() {
    // Unquoted, empty, unterminated, two strings, single quotes.
    for bad in [
        "LogFile /srv/x.log",
        "ViaProxyName \"\"",
        "ViaProxyName \"abc",
        "Anonymous \"a\" \"b\"",
        "StatHost 'x'",
        "LogFile \"a\"b\"",
    ] {
        let (line, _) = syntax(bad);
        assert_eq!(line, 2, "{bad}");
    }
    // No escapes: a backslash is an ordinary byte; '#' inside is not a comment.
    assert_eq!(
        cfg("ViaProxyName \"a\\b # c\"\n").via_proxy_name.as_deref(),
        Some("a\\b # c")
    );
}

#[test]
fn paths_keep_their_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let text = b"Port 1\nLogFile \"/tmp/caf\xe9.log\"\n";
    let c = parse_bytes(text, Path::new("/t")).expect("accepted").config;
    assert_eq!(
        c.log_file.expect("set").as_os_str().as_bytes(),
        b"/tmp/caf\xe9.log"
    );
}

#[test]
fn non_utf8_text_is_replaced_with_a_warning() {
    let l = parse_bytes(b"Port 1\nViaProxyName \"caf\xe9\"\n", Path::new("/t")).expect("accepted");
    assert_eq!(l.config.via_proxy_name.as_deref(), Some("caf\u{fffd}"));
    assert!(said(&l, Level::Warning)[0].contains("not valid UTF-8"));
}

#[test]
fn booleans() {
    let c = cfg("XTinyproxy Yes\nSyslog on\nBindSame ON\nDisableViaHeader yEs\nReverseOnly On\nReverseMagic YES\n");
    assert!(c.xtinyproxy && c.syslog && c.bind_same && c.disable_via_header);
    assert!(c.reverse_only && c.reverse_magic);
    let c = cfg("XTinyproxy Yes\nXTinyproxy no\nSyslog On\nSyslog OFF\n");
    assert!(!c.xtinyproxy && !c.syslog, "last wins");
    for bad in [
        "Syslog maybe",
        "XTinyproxy true",
        "Syslog 1",
        "Syslog yes no",
        "Syslog y",
    ] {
        assert_eq!(syntax(bad).0, 2, "{bad}");
    }
}

#[test]
fn bool_log_lines_even_when_off() {
    let l = ok("BindSame no\nDisableViaHeader No\n");
    assert_eq!(
        said(&l, Level::Info),
        vec![
            "Binding outgoing connection to incoming IP",
            "Disabling transmission of the \"Via\" header."
        ]
    );
    assert!(!l.config.bind_same && !l.config.disable_via_header);
}

#[test]
fn filter_booleans_are_ored() {
    let c = cfg("FilterURLs Yes\nFilterURLs No\nFilterCaseSensitive on\nFilterCaseSensitive off\nFilterDefaultDeny yes\nFilterDefaultDeny no\n");
    assert!(c.filter.urls && c.filter.case_sensitive && c.filter.default_deny);
    let c = cfg("FilterURLs No\n");
    assert!(!c.filter.urls);
}

#[test]
fn filter_type() {
    assert_eq!(cfg("FilterType ere\n").filter.kind, FilterType::Ere);
    assert_eq!(cfg("FilterType bre\n").filter.kind, FilterType::Bre);
    assert_eq!(cfg("FilterType fnmatch\n").filter.kind, FilterType::Fnmatch);
    // 1.11.2+: the value ignores case (1.11.1 silently stayed BRE).
    assert_eq!(cfg("FilterType ERE\n").filter.kind, FilterType::Ere);
    // OR-ed bits: fnmatch beats ere beats bre, whatever the order.
    assert_eq!(
        cfg("FilterType fnmatch\nFilterType ere\n").filter.kind,
        FilterType::Fnmatch
    );
    assert_eq!(
        cfg("FilterType ere\nFilterType bre\n").filter.kind,
        FilterType::Ere
    );
    assert_eq!(syntax("FilterType regex").0, 2);
}

#[test]
fn filter_extended_is_deprecated_ere() {
    let l = ok("FilterExtended On\n");
    assert_eq!(l.config.filter.kind, FilterType::Ere);
    assert_eq!(
        said(&l, Level::Warning),
        vec!["line 2: deprecated option FilterExtended, use FilterType"]
    );
    let l = ok("FilterExtended off\n");
    assert_eq!(l.config.filter.kind, FilterType::Bre);
    assert_eq!(said(&l, Level::Warning).len(), 1);
}

#[test]
fn log_level() {
    let cases = [
        ("Critical", LogLevel::Critical),
        ("ERROR", LogLevel::Error),
        ("warning", LogLevel::Warning),
        ("Notice", LogLevel::Notice),
        ("connect", LogLevel::Connect),
        ("InFo", LogLevel::Info),
    ];
    for (word, level) in cases {
        assert_eq!(cfg(&format!("LogLevel {word}\n")).log_level, Some(level));
    }
    assert_eq!(syntax("LogLevel Debug").0, 2);
    assert_eq!(syntax("LogLevel").0, 2);
}

#[test]
fn user_and_group() {
    let c = cfg("User tinyproxy\nGroup Proxy-Users.1_x\n");
    assert_eq!(c.process.user.as_deref(), Some("tinyproxy"));
    assert_eq!(c.process.group.as_deref(), Some("Proxy-Users.1_x"));
    assert_eq!(
        cfg("User 65534\nUser nobody\n").process.user.as_deref(),
        Some("nobody")
    );
    for bad in [
        "User root:x",
        "User \"nobody\"",
        "Group a b",
        "User caf\u{e9}",
    ] {
        assert_eq!(syntax(bad).0, 2, "{bad}");
    }
}

#[test]
fn logged_follows_tinyproxys_level_filter() {
    let text = "LogLevel Critical\nPort 1\nListen 127.0.0.1\nLogLevel Info\nViaProxyName \"x\"\nAllow 10.0.0.0/33\n";
    let l = parse_bytes(text.as_bytes(), Path::new("/t")).expect("accepted");
    let logged: Vec<&str> = l
        .logged(LogLevel::Info)
        .iter()
        .filter(|d| d.line > 0)
        .map(|d| d.message.as_str())
        .collect();
    // "Added address" was said under Critical: tinyproxy drops it for good.
    assert_eq!(
        logged,
        vec![
            "Setting \"Via\" header to 'x'",
            "line 6: Invalid address 10.0.0.0/33"
        ]
    );
    // The final level filters too.
    let l = ok("Listen 127.0.0.1\nAllow 10.0.0.0/33\nLogLevel Warning\n");
    let logged: Vec<Level> = l.logged(LogLevel::Info).iter().map(|d| d.level).collect();
    assert!(logged.iter().all(|&x| x == Level::Warning), "{logged:?}");
    // Without LogLevel the level the process had before parsing applies.
    let l = ok("Listen 127.0.0.1\n");
    assert!(l
        .logged(LogLevel::Notice)
        .iter()
        .all(|d| d.level != Level::Info));
    assert_eq!(
        l.logged(LogLevel::Info)
            .iter()
            .filter(|d| d.level == Level::Info)
            .count(),
        1
    );
}
