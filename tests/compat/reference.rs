//! The reference tinyproxy: upstream master (release 1.11.3 plus its later
//! security fixes), built from the shared test data by
//! `scripts/reference-tinyproxy.sh` into `.cache/reference/tinyproxy`. It is
//! the primary reference of the suite; Debian's 1.11.1 is the second.
//!
//! `TINYPROXY_REFERENCE=/path/to/tinyproxy` uses a given build instead.
//! Without the shared test data (`../shared` beside the clone, or
//! `SHARED_DIR`) the reference column is skipped with the reason; a build
//! that fails fails the suite (install the tools with
//! `scripts/install-test-deps.sh`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Where the reference build is, or why the suite runs without it.
fn locate() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("TINYPROXY_REFERENCE") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "TINYPROXY_REFERENCE={} is not a file",
            p.display()
        );
        return Ok(p);
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/reference-tinyproxy.sh"
    );
    // The script takes a lock, so concurrent test binaries build it once.
    let out = Command::new("bash")
        .arg(script)
        .output()
        .expect("run scripts/reference-tinyproxy.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "building the reference tinyproxy failed ({}); \
         run scripts/install-test-deps.sh for its build tools:\n{stdout}{stderr}",
        out.status
    );
    match stdout.lines().last().map(PathBuf::from) {
        Some(p) if p.is_file() => Ok(p),
        _ => Err(stderr.trim().to_string()),
    }
}

fn cell() -> &'static Result<PathBuf, String> {
    static REF: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    REF.get_or_init(locate)
}

/// The reference binary, built on first use; `None` when skipped.
pub fn binary() -> Option<&'static Path> {
    cell().as_ref().ok().map(PathBuf::as_path)
}

/// Why the reference column is skipped (`None` when it runs).
pub fn skipped() -> Option<&'static str> {
    cell().as_ref().err().map(String::as_str)
}
