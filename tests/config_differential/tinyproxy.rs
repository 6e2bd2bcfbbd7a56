//! Running the real tinyproxy on a config and reading what it did.

use super::Outcome;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tinyproxy_test_support::Guard;

/// Debian's package (1.11.1); the reference build is the other binary.
pub const TINYPROXY: &str = "/usr/bin/tinyproxy";

fn read_stderr(child: &mut Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

pub fn run_tinyproxy(bin: &Path, cfg: &Path, log: &Path) -> Outcome {
    let child = Command::new(bin)
        .arg("-d")
        .arg("-c")
        .arg(cfg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tinyproxy");
    let mut g = Guard::new(child);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(Some(status)) = g.child.try_wait() {
            let stderr = read_stderr(&mut g.child);
            return Outcome::Rejected {
                code: status.code().unwrap_or(-1),
                stderr,
            };
        }
        let text = fs::read(log).unwrap_or_default();
        if String::from_utf8_lossy(&text).contains("Starting main loop")
            || Instant::now() > deadline
        {
            let _ = g.child.kill();
            let _ = g.child.wait();
            let stderr = read_stderr(&mut g.child);
            return Outcome::Accepted {
                stderr,
                log: parse_log(&text),
            };
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The lines tinyproxy logs while parsing: after "Reloading config file",
/// up to "Reloading config file finished".
pub fn parse_log(text: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    let mut inside = false;
    for l in text.lines() {
        let level = l.get(..9).unwrap_or("").trim().to_string();
        let msg = l.split_once("]: ").map(|x| x.1).unwrap_or("").to_string();
        if msg.starts_with("Reloading config file finished") {
            break;
        }
        if inside {
            out.push((level, msg));
        } else if msg.starts_with("Reloading config file") {
            inside = true;
        }
    }
    out
}
