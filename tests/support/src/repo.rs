//! The repository's files and commands, for the packaging tests: paths,
//! the directive list of tinyproxy 1.11.1, commands that must exist, and
//! a copy of a shipped config that is safe to start in a test.

use crate::process::Guard;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Every directive tinyproxy 1.11.1 knows, in tinyproxy's own spelling
/// (BasicAuthRealm came with 1.11.3; the last four are obsolete).
pub const DIRECTIVES_1_11_1: &str = "User Group Port Listen Bind BindSame Timeout \
    ErrorFile DefaultErrorFile StatHost StatFile LogFile Syslog LogLevel PidFile XTinyproxy \
    Upstream MaxClients Allow Deny BasicAuth AddHeader ViaProxyName DisableViaHeader Filter \
    FilterURLs FilterType FilterExtended FilterCaseSensitive FilterDefaultDeny Anonymous \
    ConnectPort ReversePath ReverseOnly ReverseMagic ReverseBaseURL StartServers \
    MinSpareServers MaxSpareServers MaxRequestsPerChild";

/// True when `name` (any case) is a tinyproxy 1.11.1 directive.
pub fn is_directive_1_11_1(name: &str) -> bool {
    DIRECTIVES_1_11_1
        .split_whitespace()
        .any(|d| d.eq_ignore_ascii_case(name))
}

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    // This crate lives in tests/support of the repository.
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .expect("repository root")
        .to_path_buf()
}

/// Reads a file of the repository, relative to its root.
pub fn read_repo_file(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Starts `program args...` with stdin closed and stdout/stderr piped.
pub fn spawn(program: &Path, args: &[&str]) -> Guard {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
    Guard::new(child)
}

/// Runs a command to completion; panics with a hint if it is missing.
pub fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("running {program}: {e} (install it with scripts/install-test-deps.sh)")
        })
}

/// Replaces the value of every active `Port` line and appends `extra`
/// lines: a copy of a tinyproxy.conf that is safe to start in a test.
pub fn conf_for_test(conf: &str, port: u16, extra: &[String]) -> String {
    let mut out = String::new();
    for line in conf.lines() {
        if line.to_ascii_lowercase().starts_with("port ") {
            out.push_str(&format!("Port {port}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    for line in extra {
        out.push_str(line);
        out.push('\n');
    }
    out
}
