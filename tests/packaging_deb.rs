//! Tests of debian/ that need no root (scripts/test-deb.sh installs the
//! package in a Debian root): the configuration the package ships is one
//! tinyproxy 1.11.1 understands and `--check` accepts, and the paths it
//! names are the ones the unit, tmpfiles.d and logrotate files make
//! writable, create and rotate.

use std::process::Command;
use tinyproxy_test_support::repo::{is_directive_1_11_1, read_repo_file, repo};

/// The value of the last active `name` line, without its double quotes.
fn value_of(conf: &str, name: &str) -> Option<String> {
    conf.lines()
        .rev()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// The directory part of an absolute path.
fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

#[test]
fn debian_conf_is_tinyproxys_grammar_and_check_accepts_it() {
    let conf = read_repo_file("debian/tinyproxy.conf");
    for line in conf
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let name = line.split_whitespace().next().unwrap_or("");
        assert!(is_directive_1_11_1(name), "{line}");
    }
    assert_eq!(value_of(&conf, "User").as_deref(), Some("tinyproxy"));
    assert_eq!(value_of(&conf, "Group").as_deref(), Some("tinyproxy"));
    let out = Command::new(env!("CARGO_BIN_EXE_tinyproxy"))
        .args(["--check", "-c"])
        .arg(repo().join("debian/tinyproxy.conf"))
        .output()
        .expect("run tinyproxy --check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("WARNING"), "{stderr}");
}

#[test]
fn log_and_pid_directories_are_writable_created_and_rotated() {
    let conf = read_repo_file("debian/tinyproxy.conf");
    let log = value_of(&conf, "LogFile").expect("LogFile");
    let pid = value_of(&conf, "PidFile").expect("PidFile");

    let unit = read_repo_file("deploy/tinyproxy.service");
    let writable: Vec<&str> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("ReadWritePaths="))
        .flat_map(|v| v.split_whitespace())
        .map(|p| p.trim_start_matches('-'))
        .collect();
    assert!(writable.contains(&dir_of(&log)), "{writable:?}");
    assert!(writable.contains(&dir_of(&pid)), "{writable:?}");

    let tmpfiles = read_repo_file("debian/tinyproxy-rs.tmpfiles");
    let line = format!("d {} 0770 root tinyproxy -", dir_of(&pid));
    assert!(tmpfiles.lines().any(|l| l == line), "{tmpfiles}");

    let logrotate = read_repo_file("debian/tinyproxy-rs.tinyproxy.logrotate");
    assert!(logrotate.contains(&format!("\n{log} {{\n")), "{logrotate}");
    assert!(logrotate.contains("kill -USR1"), "{logrotate}");
}

#[test]
fn templates_the_conf_names_are_the_ones_the_package_installs() {
    let conf = read_repo_file("debian/tinyproxy.conf");
    let rules = read_repo_file("debian/rules");
    for name in ["DefaultErrorFile", "StatFile"] {
        let path = value_of(&conf, name).expect(name);
        let file = path.rsplit('/').next().unwrap_or("");
        assert_eq!(dir_of(&path), "/usr/share/tinyproxy", "{name}");
        assert!(rules.contains(&format!("conf/{file}")), "{name}: {file}");
    }
}
