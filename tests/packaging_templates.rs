//! Tests of the page templates conf/default.html and conf/stats.html:
//! well-formed XHTML before and after substitution, and only variables
//! that tinyproxy defines.  (That the real tinyproxy fills them in is
//! tested in packaging_conf.rs.)

use tinyproxy_test_support::repo::{read_repo_file, run};

/// Variables every page has, then the stats page's own.
const COMMON: &[&str] = &[
    "cause", "detail", "errno", "request", "clientip", "url", "date", "website", "package",
    "version",
];
const STATS: &[&str] = &["opens", "reqs", "badconns", "deniedconns", "refusedconns"];

/// `{name}` placeholders as tinyproxy sees them: 1-32 lower-case letters.
fn placeholders(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices('{') {
        let rest = &text[start + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        if (1..=32).contains(&name.len()) && rest[name.len()..].starts_with('}') {
            found.push(name);
        }
    }
    found
}

/// Asks python3's XML parser whether `text` is well-formed.
fn assert_well_formed(what: &str, text: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("page.xhtml");
    std::fs::write(&path, text).expect("write page");
    let path = path.to_string_lossy().into_owned();
    let code = "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])";
    let out = run("python3", &["-c", code, &path], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} is not well-formed XML: {stderr}"
    );
}

fn substitute(text: &str) -> String {
    let mut out = text.to_string();
    for name in COMMON.iter().chain(STATS) {
        out = out.replace(&format!("{{{name}}}"), &format!("sample {name} 42"));
    }
    out
}

#[test]
fn templates_are_well_formed_xhtml() {
    for file in ["conf/default.html", "conf/stats.html"] {
        let text = read_repo_file(file);
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html"));
        assert!(text.contains("xmlns=\"http://www.w3.org/1999/xhtml\""));
        assert_well_formed(file, &text);
        assert_well_formed(&format!("{file} after substitution"), &substitute(&text));
        assert!(placeholders(&substitute(&text)).is_empty(), "{file}");
    }
}

#[test]
fn templates_use_only_tinyproxy_variables() {
    let default = placeholders(&read_repo_file("conf/default.html"));
    for name in &default {
        assert!(
            COMMON.contains(&name.as_str()),
            "default.html: unknown {{{name}}}"
        );
    }
    for name in COMMON {
        assert!(
            default.iter().any(|n| n == name),
            "default.html lacks {{{name}}}"
        );
    }
    let stats = placeholders(&read_repo_file("conf/stats.html"));
    for name in &stats {
        assert!(
            COMMON.contains(&name.as_str()) || STATS.contains(&name.as_str()),
            "stats.html: unknown {{{name}}}"
        );
    }
    for name in STATS {
        assert!(
            stats.iter().any(|n| n == name),
            "stats.html lacks {{{name}}}"
        );
    }
}
