//! Per-directive tests for numbers, lists and multi-argument directives:
//! valid forms, invalid forms, octal numbers, obsolete directives and the
//! parse-time log lines (spec §1.2, §2, §5.4).

mod config_support;
use config_support::{cfg, ok, said, syntax};
use std::path::PathBuf;
use std::time::Duration;
use tinyproxy_rs::config::ReversePath;
use tinyproxy_rs::log::Level;

#[test]
fn integers() {
    let c = cfg("Timeout 30\nMaxClients 0\n");
    assert_eq!(c.timeout, Duration::from_secs(30));
    assert_eq!(c.max_clients, 0);
    for bad in [
        "Timeout -1",
        "Timeout 0x10",
        "Timeout 1.5",
        "Timeout 10s",
        "MaxClients +5",
    ] {
        assert_eq!(syntax(bad).0, 2, "{bad}");
    }
}

#[test]
fn octal_numbers_as_tinyproxy_with_a_warning() {
    let l = ok("Timeout 010\nMaxClients 08\n");
    assert_eq!(l.config.timeout, Duration::from_secs(8));
    assert_eq!(l.config.max_clients, 0);
    let w = said(&l, Level::Warning);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with("line 2: number 010 starts with 0 and is read as octal (8)"),
        "{w:?}"
    );
    // No warning when octal and decimal agree.
    assert!(said(
        &ok("Timeout 0\nMaxClients 00\nConnectPort 07\n"),
        Level::Warning
    )
    .is_empty());
}

#[test]
fn numbers_beyond_32_bits_are_refused() {
    // tinyproxy wraps these silently (deliberate difference).
    assert!(syntax("Timeout 99999999999999999999")
        .1
        .contains("4294967295"));
    assert_eq!(syntax("MaxClients 4294967296").0, 2);
    assert_eq!(cfg("MaxClients 4294967295\n").max_clients, u32::MAX);
}

#[test]
fn timeout_zero_becomes_600_with_tinyproxys_warning() {
    let l = ok("Timeout 0\n");
    assert_eq!(l.config.timeout, Duration::from_secs(600));
    let last = l.diagnostics.last().expect("a diagnostic");
    assert_eq!(last.level, Level::Warning);
    assert_eq!(
        last.message,
        "Invalid idle time setting. Only values greater than zero are allowed. Therefore setting idle timeout to 600 seconds."
    );
}

#[test]
fn connect_port() {
    let l = ok("ConnectPort 443\nConnectPort 563\nConnectPort 0\n");
    assert_eq!(l.config.connect_ports, vec![443, 563, 0]);
    assert_eq!(
        said(&l, Level::Info)[0],
        "Adding Port [443] to the list allowed by CONNECT"
    );
    let l = ok("ConnectPort 70000\n");
    assert_eq!(l.config.connect_ports, vec![70000]);
    assert!(said(&l, Level::Warning)[0].contains("can never match"));
    assert!(cfg("").connect_ports.is_empty());
}

#[test]
fn obsolete_directives_warn_on_stderr() {
    let l = ok("StartServers 10\nMinSpareServers 5\nMaxSpareServers 20\nMaxRequestsPerChild 0\n");
    let stderr: Vec<(usize, &str)> = l
        .diagnostics
        .iter()
        .filter(|d| d.to_stderr)
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert_eq!(
        stderr,
        vec![
            (2, "WARNING: obsolete config item on line 2"),
            (3, "WARNING: obsolete config item on line 3"),
            (4, "WARNING: obsolete config item on line 4"),
            (5, "WARNING: obsolete config item on line 5"),
        ]
    );
    assert!(l
        .diagnostics
        .iter()
        .filter(|d| d.to_stderr)
        .all(|d| d.level == Level::Warning));
    // The value must still be a number.
    assert_eq!(syntax("StartServers many").0, 2);
    assert_eq!(syntax("StartServers").0, 2);
}

#[test]
fn basic_auth() {
    let l = ok("BasicAuth User.Name-1 PASS_word.2\nBasicAuth user Pass!\nBasicAuth u2 pass word  \nBasicAuth u3\tp\"#x\n");
    assert_eq!(
        l.config.basic_auth,
        vec![
            ("User.Name-1".to_string(), "PASS_word.2".to_string()),
            ("user".to_string(), "Pass!".to_string()),
            ("u2".to_string(), "pass word".to_string()),
            ("u3".to_string(), "p\"#x".to_string()),
        ]
    );
    assert_eq!(
        said(&l, Level::Info)[0],
        "Added basic auth user : User.Name-1"
    );
    for bad in [
        "BasicAuth user",
        "BasicAuth user ",
        "BasicAuth us:er pass",
        "BasicAuth user p@ss",
        "BasicAuth user pass\r",
    ] {
        assert_eq!(syntax(bad).0, 2, "{bad}");
    }
}

#[test]
fn basic_auth_too_long_is_dropped() {
    let long = format!("BasicAuth {} {}\n", "u".repeat(200), "p".repeat(57));
    let l = ok(&long);
    assert!(l.config.basic_auth.is_empty());
    assert_eq!(
        said(&l, Level::Warning),
        vec!["User / pass in basicauth rule too long"]
    );
    let fits = format!("BasicAuth {} {}\n", "u".repeat(200), "p".repeat(56));
    assert_eq!(cfg(&fits).basic_auth.len(), 1);
}

#[test]
fn error_files_first_wins() {
    let l = ok("ErrorFile 404 \"/a.html\"\nErrorFile 404 \"/b.html\"\nErrorFile 0624 \"/c.html\"\nErrorFile 500 \"/d.html\"\n");
    let c = &l.config;
    assert_eq!(
        c.error_files,
        vec![
            (404, PathBuf::from("/a.html")),
            (500, PathBuf::from("/d.html"))
        ]
    );
    let w = said(&l, Level::Warning);
    assert_eq!(w[0], "line 3: add_new_errorpage() failed: '/b.html'");
    assert!(w[1].contains("octal"), "{w:?}");
    assert_eq!(w[2], "line 4: add_new_errorpage() failed: '/c.html'");
    assert_eq!(c.error_file_for(404), Some(&PathBuf::from("/a.html")));
    for bad in [
        "ErrorFile 404 /x.html",
        "ErrorFile \"/x\"",
        "ErrorFile 404",
        "ErrorFile 404 \"/a\" \"/b\"",
    ] {
        assert_eq!(syntax(bad).0, 2, "{bad}");
    }
}

#[test]
fn add_header() {
    let c = cfg("AddHeader \"X-A\" \"b c\"\nAddHeader \"X-B\"\t\"#x\"\n");
    assert_eq!(
        c.add_headers,
        vec![("X-A".into(), "b c".into()), ("X-B".into(), "#x".into())]
    );
    for bad in [
        "AddHeader \"X\"",
        "AddHeader X y",
        "AddHeader \"X\"\"y\"",
        "AddHeader \"A\" \"B\" \"C\"",
    ] {
        assert_eq!(syntax(bad).0, 2, "{bad}");
    }
}

#[test]
fn reverse_path() {
    let l = ok("ReversePath \"/x\" \"http://a/\"\nReversePath \"http://b/\"\nReversePath \"/y/\" \"nourl\"\nReversePath \"z\" \"http://c/\"\n");
    assert_eq!(
        l.config.reverse_paths,
        vec![
            ReversePath {
                path: "/x/".into(),
                url: "http://a/".into()
            },
            ReversePath {
                path: "/".into(),
                url: "http://b/".into()
            },
        ]
    );
    assert_eq!(
        said(&l, Level::Info),
        vec![
            "Added reverse proxy rule: /x/ -> http://a/",
            "Added reverse proxy rule: / -> http://b/"
        ]
    );
    assert_eq!(
        said(&l, Level::Warning),
        vec![
            "Skipping reverse proxy rule: 'nourl' is not a valid url",
            "Skipping reverse proxy rule: path 'z' doesn't start with a /"
        ]
    );
    assert_eq!(syntax("ReversePath \"/a/\" \"http://x/\" \"y\"").0, 2);
    assert_eq!(syntax("ReversePath /a/ http://x/").0, 2);
}

#[test]
fn port_forms() {
    assert_eq!(cfg("Port 1\n").port, 1);
    assert_eq!(cfg("Port 65535\n").port, 65535);
    assert_eq!(cfg("Port 0110000\n").port, 36864, "octal, as tinyproxy");
    assert_eq!(cfg("PORT 3128\n").port, 3128, "last wins");
}
