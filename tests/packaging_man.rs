//! Tests of the manual pages in man/: they render without a warning from
//! man-db, groff and mandoc, and document every flag, signal and
//! configuration directive.

use tinyproxy_test_support::repo::{read_repo_file, run, DIRECTIVES_1_11_1};

const PAGES: &[&str] = &["man/tinyproxy.8", "man/tinyproxy.conf.5"];

/// `MANWIDTH=80 man -l PAGE` as a user would read it, with groff's
/// warnings switched on and passed through; stderr must be empty.
fn render(page: &str) -> String {
    let out = run(
        "man",
        &["--warnings", "-l", page],
        &[("MANWIDTH", "80"), ("MAN_KEEP_STDERR", "1")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man -l {page}: {stderr}");
    assert!(stderr.is_empty(), "man -l {page} warned: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn pages_render_without_warnings() {
    for page in PAGES {
        let text = render(page);
        assert!(text.contains("NAME"), "{page}: {text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= 80),
            "{page} wider than 80"
        );
    }
}

#[test]
fn groff_reports_no_warnings() {
    for page in PAGES {
        let out = run("groff", &["-ww", "-z", "-man", page], &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "groff {page}: {stderr}"
        );
    }
}

#[test]
fn mandoc_lint_is_clean() {
    for page in PAGES {
        let out = run("mandoc", &["-T", "lint", "-W", "style", page], &[]);
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.trim().is_empty(),
            "mandoc {page}: {text}"
        );
    }
}

#[test]
fn tinyproxy_8_documents_flags_and_signals() {
    let src = read_repo_file("man/tinyproxy.8");
    let text = render("man/tinyproxy.8");
    for flag in [
        "-d",
        "-c file",
        "-v",
        "-h",
        "--check",
        "--watch-config",
        "--grace seconds",
    ] {
        assert!(
            text.contains(&format!("\n       {flag}")),
            "option {flag} has no entry"
        );
    }
    for signal in ["SIGHUP", "SIGUSR1", "SIGTERM", "SIGINT"] {
        assert!(src.contains(signal), "{signal} not documented");
    }
    // Our additions and differences are marked as such.
    assert_eq!(src.matches("addition of tinyproxy-rs").count(), 3);
    assert!(text.contains("in the foreground too"));
    assert!(text.contains("/etc/tinyproxy/tinyproxy.conf"));
}

#[test]
fn tinyproxy_conf_5_documents_every_directive() {
    let src = read_repo_file("man/tinyproxy.conf.5");
    let mut all: Vec<&str> = DIRECTIVES_1_11_1.split_whitespace().collect();
    all.push("BasicAuthRealm");
    for name in all {
        let entry = [".BI ", ".B ", ".BR "]
            .iter()
            .any(|m| src.contains(&format!("{m}{name} ")) || src.contains(&format!("{m}{name}\n")));
        assert!(entry, "{name} is not documented");
    }
    let text = render("man/tinyproxy.conf.5");
    assert!(text.contains("OBSOLETE DIRECTIVES"));
    // Defaults that users most often need.
    for default in [
        "Default: 600.",
        "Default: 100.",
        "\"tinyproxy.stats\"",
        "\"Tinyproxy\"",
    ] {
        assert!(text.contains(default), "{default} missing");
    }
}
