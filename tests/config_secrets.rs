//! Passwords in the config file never reach the log or the terminal
//! (issue 11 item 7): a failed reload logs file, line, column and the
//! directive, not the line; stderr (start-up, reload, `--check`) echoes
//! the line with `user:pass@` and BasicAuth passwords masked.

use std::process::{Command, Output, Stdio};
use tinyproxy_test_support as support;
use tinyproxy_test_support::ours;
use tinyproxy_test_support::Proxy;

const SECRET: &str = "hunter2-SECRET";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tinyproxy")
}

/// Run the binary on a config file with `lines` after Port/Listen.
fn run_on(dir: &std::path::Path, lines: &str, check: bool) -> Output {
    let conf = dir.join("secret.conf");
    let port = support::free_port();
    std::fs::write(&conf, format!("Port {port}\nListen 127.0.0.1\n{lines}\n")).expect("write");
    let mut cmd = Command::new(bin());
    if check {
        cmd.arg("--check");
    }
    cmd.arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .output()
        .expect("run")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn failed_reload_logs_no_password() {
    let p = Proxy::start(ours!(), "");
    let conf = p.dir().join("tinyproxy.conf");
    let head = format!(
        "Port {}\nListen 127.0.0.1\nLogFile \"{}\"\nLogLevel Info\n",
        p.port,
        p.log.display()
    );
    let bad_lines = [
        (
            format!("Upstream http proxyuser:{SECRET}@proxy.example:8080 junk"),
            "Upstream",
        ),
        (format!("BasicAuth admin {SECRET}@x"), "BasicAuth"),
        (
            format!("Upstream socks5 u:{SECRET} with blanks@h:99999"),
            "Upstream",
        ),
    ];
    for (n, (bad, directive)) in bad_lines.iter().enumerate() {
        std::fs::write(&conf, format!("{head}{bad}\n")).expect("write conf");
        p.signal(libc::SIGHUP);
        p.wait_log_n("Reloading config file failed!", n + 1);
        let log = p.log_text();
        assert!(!log.contains(SECRET), "password in the log:\n{log}");
        assert!(
            !log.contains("proxy.example:8080 junk"),
            "the line is echoed in the log:\n{log}"
        );
        let here = format!("{}:5:", conf.display());
        assert!(
            log.lines()
                .any(|l| l.contains(&here) && l.contains(&format!("(in {directive})"))),
            "no file:line:column and directive for {bad:?}:\n{log}"
        );
        assert!(log.contains("ERROR: Syntax error on line 5"), "{log}");
    }
    // Still serving with the old configuration.
    let page = support::raw(p.addr(), b"GET http://tinyproxy.stats/ HTTP/1.0\r\n\r\n");
    assert!(page.contains("200 OK"), "{page}");
}

#[test]
fn startup_error_masks_passwords_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (line, shown) in [
        (
            format!("Upstream http proxyuser:{SECRET}@proxy.example:8080 junk"),
            "Upstream http proxyuser:***@proxy.example:8080 junk",
        ),
        (format!("BasicAuth admin {SECRET}@x"), "BasicAuth admin ***"),
        (
            format!("Upstrem http://u:{SECRET}@h:3128/"),
            "Upstrem http:***@h:3128/",
        ),
    ] {
        let out = run_on(dir.path(), &line, false);
        assert_eq!(out.status.code(), Some(70), "{out:?}");
        let err = text(&out.stderr);
        assert!(!err.contains(SECRET), "password on stderr:\n{err}");
        assert!(err.contains(&format!("    {shown}\n")), "{err}");
        assert!(err.contains("ERROR: Syntax error on line 3"), "{err}");
    }
}

#[test]
fn caret_points_at_the_error_after_a_masked_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_on(
        dir.path(),
        &format!("Upstream http u:{SECRET}@h:8080 junk"),
        false,
    );
    let err = text(&out.stderr);
    // The column is the file's; the caret is under "junk" in the masked line.
    let col = "Upstream http u:".len() + SECRET.len() + "@h:8080 ".len() + 1;
    assert!(err.contains(&format!(":3:{col}: expected")), "{err}");
    let masked = "Upstream http u:***@h:8080 junk";
    let caret = format!("    {}^\n", " ".repeat(masked.find("junk").expect("junk")));
    assert!(err.contains(&caret), "{err}");
}

#[test]
fn check_warnings_mask_passwords() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_on(
        dir.path(),
        &format!("Upstream none \"example.com\" u:{SECRET}@h"),
        true,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = text(&out.stderr);
    assert!(err.contains("text after the site is ignored"), "{err}");
    assert!(!err.contains(SECRET), "password in --check output:\n{err}");
}
