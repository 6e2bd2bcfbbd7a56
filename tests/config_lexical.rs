//! Lexical rules (spec §1.1, §11.12) and the error texts/exit codes of
//! `ConfigError` (spec §1.3).

use std::path::{Path, PathBuf};
use tinyproxy_rs::config::{load, parse_bytes, ConfigError, Loaded};

fn parse(text: &[u8]) -> Result<Loaded, ConfigError> {
    parse_bytes(text, Path::new("/etc/t.conf"))
}

fn accepted(text: &[u8]) -> Loaded {
    parse(text).unwrap_or_else(|e| {
        panic!(
            "{:?} refused:\n{}",
            String::from_utf8_lossy(text),
            e.stderr_text()
        )
    })
}

/// (line, column) of the syntax error.
fn error_at(text: &[u8]) -> (usize, usize) {
    match parse(text) {
        Err(ConfigError::Syntax(s)) => (s.line, s.column),
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(text)),
    }
}

#[test]
fn comments_only_in_the_first_byte() {
    let l = accepted(b"# comment\n#Port 1\nPort 2\n#\n");
    assert_eq!(l.config.port, 2);
    assert_eq!(error_at(b"Port 1\n   # indented comment\n"), (2, 4));
    assert_eq!(error_at(b"Port 1\n\t#x\n"), (2, 2));
    assert_eq!(error_at(b"Port 8888 # comment\n"), (1, 11));
    assert_eq!(error_at(b"Port 8888\nSyslog On # trailing\n"), (2, 11));
}

#[test]
fn blank_lines_and_blanks() {
    let l = accepted(b"\n   \n\t\n\x0b\x0c\n\r\n\tPort\t \t8888 \t\n   Syslog   On   \n");
    assert_eq!(l.config.port, 8888);
    assert!(l.config.syslog);
}

#[test]
fn names_and_keywords_ignore_case() {
    let l = accepted(b"PORT 1\nsYsLoG oFF\nLOGLEVEL connect\nxtinyproxy YES\nlisten 127.0.0.1\nbasicauthREALM \"r\"\n");
    assert_eq!(l.config.port, 1);
    assert!(l.config.xtinyproxy);
    assert_eq!(l.config.basic_auth_realm, "r");
}

#[test]
fn name_and_argument_need_a_space_or_tab() {
    assert_eq!(error_at(b"Port 1\nSyslog\x0bOn\n").0, 2);
    assert_eq!(error_at(b"Port 1\nSyslog\x0cOn\n").0, 2);
    assert_eq!(error_at(b"Port 1\nSyslog\"On\"\n"), (2, 1));
    assert_eq!(error_at(b"Port 1\nSyslog\n"), (2, 7));
    assert_eq!(error_at(b"Port 1\nSyslog"), (2, 7));
    assert_eq!(error_at(b"Port 1\nSyslog   \n"), (2, 10));
}

#[test]
fn unknown_directives() {
    assert_eq!(error_at(b"Port 1\nListen 127.0.0.1\nFooBar 1\n"), (3, 1));
    assert_eq!(error_at(b"Include \"/x\"\n"), (1, 1));
    assert_eq!(error_at(b"Port 1\n  ConnectTimeout 5\n"), (2, 3));
}

#[test]
fn crlf_fails_on_the_first_directive_line() {
    assert_eq!(error_at(b"Port 8888\r\nListen 127.0.0.1\r\n"), (1, 10));
    // Comments and blank lines before it are still skipped.
    assert_eq!(error_at(b"# c\r\n\r\nPort 8888\r\n").0, 3);
    match parse(b"Port 8888\r\n") {
        Err(e @ ConfigError::Syntax(_)) => {
            assert!(
                e.stderr_text().contains("expected end of line"),
                "{}",
                e.stderr_text()
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_final_newline() {
    assert_eq!(accepted(b"Syslog On\nPort 8888").config.port, 8888);
    assert!(accepted(b"Port 8888\nSyslog On").config.syslog);
}

#[test]
fn long_lines_split_like_fgets() {
    // 3000-byte AddHeader line: the tail becomes its own line 4.
    let mut t = b"Port 1\nListen 127.0.0.1\n".to_vec();
    t.extend_from_slice(b"AddHeader \"X\" \"");
    t.extend(std::iter::repeat(b'v').take(3000));
    t.extend_from_slice(b"\"\n");
    assert_eq!(error_at(&t).0, 3);
    // A long comment: its tail is not a comment.
    let mut t = b"Port 1\n#".to_vec();
    t.extend(std::iter::repeat(b'c').take(3000));
    t.extend_from_slice(b"\n");
    assert_eq!(error_at(&t), (3, 1));
    // 2047 bytes + newline: the newline is a (blank) line of its own, so
    // the next line's number is one higher.
    let mut t = b"#".to_vec();
    t.extend(std::iter::repeat(b'c').take(2046));
    t.extend_from_slice(b"\nPort 1\nFooBar\n");
    assert_eq!(error_at(&t).0, 4);
    // 2046 bytes + newline fit in one piece.
    let mut t = b"#".to_vec();
    t.extend(std::iter::repeat(b'c').take(2045));
    t.extend_from_slice(b"\nPort 1\nFooBar\n");
    assert_eq!(error_at(&t).0, 3);
}

#[test]
fn byte_order_mark_is_an_error() {
    match parse(b"\xef\xbb\xbf# comment\nPort 1\n") {
        Err(ConfigError::Syntax(s)) if s.line == 1 => {
            assert!(s.expected.contains("byte order mark"), "{}", s.expected)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nul_bytes_are_refused() {
    // tinyproxy would cut the line at the NUL (deliberate difference).
    assert_eq!(error_at(b"Port 1\nSyslog Off\0junk\n"), (2, 11));
    // In a comment they are harmless.
    assert_eq!(accepted(b"#\0\nPort 1\n").config.port, 1);
}

#[test]
fn syntax_error_text() {
    let e = parse(b"Port 1\nListen 127.0.0.1\nSyslog maybe\n").expect_err("refused");
    assert_eq!(e.exit_code(), 70);
    assert_eq!(
        e.stderr_text(),
        concat!(
            "ERROR: Syntax error on line 3\n",
            "Unable to parse config file. Not starting.\n",
            "/etc/t.conf:3:8: expected yes, on, no or off, found \"maybe\" (in Syslog)\n",
            "    Syslog maybe\n",
            "           ^\n"
        )
    );
}

#[test]
fn bad_port_text() {
    for (text, n) in [
        (&b"Port 99999\n"[..], "99999"),
        (b"Port 65536\n", "65536"),
        (b"Port 0200000\n", "65536"),
        (b"Port 99999999999999999999\n", "-1"),
        (b"Port 4294967297\n", "4294967297"),
    ] {
        let e = parse(text).expect_err("refused");
        let s = e.stderr_text();
        let want = format!("Bad port number ({n}) supplied for Port.\nERROR: Syntax error on line 1\nUnable to parse config file. Not starting.\n");
        assert!(s.starts_with(&want), "{s}");
        assert_eq!(e.exit_code(), 70);
    }
    assert_eq!(error_at(b"Port abc\n"), (1, 6));
}

#[test]
fn missing_or_zero_port() {
    for text in [
        &b""[..],
        b"Listen 127.0.0.1\n",
        b"Port 0\n",
        b"Port 8888\nPort 08\n",
    ] {
        let e = parse(text).expect_err("refused");
        assert!(matches!(e, ConfigError::NoPort { .. }), "{e:?}");
        assert_eq!(
            e.stderr_text(),
            "tinyproxy: You MUST set a Port in the config file.\n"
        );
        assert_eq!(e.exit_code(), 70);
    }
}

#[test]
fn obsolete_warnings_precede_the_error() {
    let e = parse(b"Port 1\nStartServers 10\nMaxSpareServers 2\nFooBar\n").expect_err("refused");
    assert!(e.stderr_text().starts_with(concat!(
        "WARNING: obsolete config item on line 2\n",
        "WARNING: obsolete config item on line 3\n",
        "ERROR: Syntax error on line 4\n"
    )));
    let e = parse(b"StartServers 10\n").expect_err("refused");
    assert_eq!(
        e.stderr_text(),
        "WARNING: obsolete config item on line 1\ntinyproxy: You MUST set a Port in the config file.\n"
    );
}

#[test]
fn unreadable_file() {
    let p = PathBuf::from("/nonexistent/dir/tinyproxy.conf");
    let e = load(&p).expect_err("refused");
    assert!(matches!(e, ConfigError::Open { .. }));
    assert_eq!(
        e.stderr_text(),
        "tinyproxy: Could not open config file \"/nonexistent/dir/tinyproxy.conf\".\n"
    );
    assert_eq!(e.exit_code(), 70);
    // A directory opens but reads as empty, as with tinyproxy's fgets.
    let e = load(Path::new("/")).expect_err("refused");
    assert!(matches!(e, ConfigError::NoPort { .. }), "{e:?}");
}

#[test]
fn load_reads_a_file() {
    let dir = std::env::temp_dir().join(format!("tp-cfglex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let p = dir.join("t.conf");
    std::fs::write(&p, b"Port 3128\nTimeout 5\n").expect("write");
    let l = load(&p).expect("accepted");
    assert_eq!(l.config.port, 3128);
    assert_eq!(l.config.path, p);
    let _ = std::fs::remove_dir_all(&dir);
}
