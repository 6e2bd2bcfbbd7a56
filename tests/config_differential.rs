//! Differential test: the real tinyproxy (`/usr/bin/tinyproxy`, Debian
//! 1.11.1: "every config valid for 1.11.1 keeps working") and our parser
//! must agree on every config fixture and every real-world config: both
//! accept, or both reject with the same exit status and the same tinyproxy
//! stderr lines; for accepted files, every parse-time log line tinyproxy
//! writes must appear, in order and with its level, among our diagnostics.
//! Deliberate differences are listed in `KNOWN` and asserted *as*
//! differences. The reference build (1.11.3 + security fixes, see
//! tests/compat/reference.rs) is a second column with its own list,
//! `KNOWN_VS_REFERENCE`; it is skipped, with the reason, when it cannot be
//! had.
//!
//! tinyproxy is run on a rewritten copy that keeps line numbers: Port → a
//! free port, Listen → loopback, log/pid/filter/template paths → a temp
//! dir, non-numeric User/Group → nobody/nogroup, Syslog → Off, LogLevel →
//! Info (so "Starting main loop" is logged). Skipped when tinyproxy is
//! not installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use tinyproxy_rs::config::{load, ConfigError};

#[path = "config_differential/known.rs"]
mod known;
#[path = "compat/reference.rs"]
mod reference;
#[path = "config_differential/rewrite.rs"]
mod rewrite;
#[path = "config_differential/tinyproxy.rs"]
mod tinyproxy;
use known::{Known, KNOWN, KNOWN_VS_REFERENCE};
use rewrite::rewrite;
use tinyproxy::{run_tinyproxy, TINYPROXY};

const REAL_WORLD: &str = "/work/shared/configs/real-world";
const DEBIAN_CONF: &str = "/etc/tinyproxy/tinyproxy.conf";

/// What one implementation did with a file.
#[derive(Debug)]
enum Outcome {
    Accepted {
        stderr: String,
        /// (LEVEL, message) of the parse-time log lines.
        log: Vec<(String, String)>,
    },
    Rejected {
        code: i32,
        stderr: String,
    },
}

fn all_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
    for dir in [fixtures.as_path(), Path::new(REAL_WORLD)] {
        match fs::read_dir(dir) {
            Ok(rd) => {
                let mut v: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                    .collect();
                v.sort();
                files.extend(v);
            }
            Err(e) => eprintln!("skipping {}: {e}", dir.display()),
        }
    }
    if Path::new(DEBIAN_CONF).exists() {
        files.push(PathBuf::from(DEBIAN_CONF));
    }
    files
}

use tinyproxy_test_support::free_port;

/// A unique, world-writable temp dir (the log is created after tinyproxy
/// drops privileges to `nobody`).
fn temp_dir(tag: usize) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tp-cfgdiff-{}-{tag}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("mkdir");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&d, fs::Permissions::from_mode(0o777)).expect("chmod");
    d
}

fn run_ours(cfg: &Path) -> Outcome {
    match load(cfg) {
        Ok(l) => Outcome::Accepted {
            stderr: l
                .diagnostics
                .iter()
                .filter(|d| d.to_stderr)
                .map(|d| format!("{}\n", d.message))
                .collect(),
            log: l
                .diagnostics
                .iter()
                .filter(|d| !d.to_stderr)
                .map(|d| (d.level.name().to_string(), d.message.clone()))
                .collect(),
        },
        Err(e) => Outcome::Rejected {
            code: e.exit_code(),
            stderr: e.stderr_text(),
        },
    }
}

fn is_subsequence(small: &[(String, String)], big: &[(String, String)]) -> bool {
    let mut it = big.iter();
    small.iter().all(|x| it.any(|y| y == x))
}

fn obsolete_lines(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| l.starts_with("WARNING: obsolete"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The differences one tinyproxy is allowed to show.
type KnownList = &'static [(&'static str, Known, &'static str)];

/// Compare both outcomes for one file; `Err` describes a mismatch.
fn compare(list: KnownList, name: &str, tp: &Outcome, ours: &Outcome) -> Result<(), String> {
    let known = list.iter().find(|k| k.0 == name).map(|k| k.1);
    use Outcome::{Accepted as A, Rejected as R};
    match (known, tp, ours) {
        (Some(Known::TpRejects), R { code: 70, .. }, A { .. }) => Ok(()),
        (Some(Known::TpAccepts), A { .. }, R { code: 70, .. }) => Ok(()),
        (Some(Known::TpLaterExit(c)), R { code, .. }, R { code: 70, .. }) if c == *code => Ok(()),
        (Some(Known::LogDiffers), A { log: t, .. }, A { log: o, .. }) if !is_subsequence(t, o) => {
            Ok(())
        }
        (Some(Known::TpCannotBind), R { code: 71, .. }, A { .. }) => Ok(()),
        (Some(k), _, _) => Err(format!(
            "known difference {k:?} did not show: tinyproxy {tp:?}, ours {ours:?}"
        )),
        (
            None,
            R {
                code: c1,
                stderr: s1,
            },
            R {
                code: c2,
                stderr: s2,
            },
        ) => {
            if c1 != c2 {
                Err(format!(
                    "exit {c1} vs ours {c2}\ntinyproxy: {s1}\nours: {s2}"
                ))
            } else if !s2.starts_with(s1.as_str()) {
                Err(format!("stderr differs:\ntinyproxy:\n{s1}ours:\n{s2}"))
            } else {
                Ok(())
            }
        }
        (
            None,
            A {
                stderr: s1,
                log: l1,
            },
            A {
                stderr: s2,
                log: l2,
            },
        ) => {
            if obsolete_lines(s1) != *s2 {
                Err(format!("stderr differs:\ntinyproxy:\n{s1}ours:\n{s2}"))
            } else if !is_subsequence(l1, l2) {
                Err(format!("log differs:\ntinyproxy: {l1:#?}\nours: {l2:#?}"))
            } else {
                Ok(())
            }
        }
        (None, _, _) => Err(format!("tinyproxy {tp:?}\nours {ours:?}")),
    }
}

/// One tinyproxy against our parser on one file, retried once on a port
/// race; `Err` describes a mismatch.
fn check_against(
    bin: &Path,
    list: KnownList,
    label: &str,
    path: &Path,
    tag: usize,
) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let orig = fs::read(path).map_err(|e| format!("{name}: read: {e}"))?;
    let mut last = Err(String::new());
    for attempt in 0..2 {
        let dir = temp_dir(tag * 10 + attempt);
        fs::write(dir.join("filter.txt"), b"").map_err(|e| e.to_string())?;
        let cfg = dir.join("copy.conf");
        fs::write(&cfg, rewrite(&orig, &dir, free_port())).map_err(|e| e.to_string())?;
        let tp = run_tinyproxy(bin, &cfg, &dir.join("tp.log"));
        let ours = run_ours(&cfg);
        last = compare(list, &name, &tp, &ours).map_err(|e| format!("{name} vs {label}: {e}"));
        let _ = fs::remove_dir_all(&dir);
        // A port taken between our probe and tinyproxy's bind shows as
        // exit 71: try once more with another port.
        let port_race = matches!(tp, Outcome::Rejected { code: 71, .. }) && last.is_err();
        if !port_race {
            break;
        }
    }
    last
}

/// Both columns for one file: Debian's 1.11.1 and, when built, the
/// reference build.
fn check_file(path: &Path, tag: usize) -> Vec<String> {
    let mut errs = Vec::new();
    let debian = check_against(Path::new(TINYPROXY), KNOWN, "1.11.1", path, tag * 2);
    errs.extend(debian.err());
    if let Some(bin) = reference::binary() {
        let r = check_against(bin, KNOWN_VS_REFERENCE, "1.11.3+", path, tag * 2 + 1);
        errs.extend(r.err());
    }
    errs
}

#[test]
fn tinyproxy_and_we_agree_on_every_config() {
    if !Path::new(TINYPROXY).exists() {
        eprintln!("skipping: {TINYPROXY} is not installed (apt-get install tinyproxy)");
        return;
    }
    let files = all_files();
    assert!(files.len() > 50, "fixtures missing: {files:?}");
    if let Some(why) = reference::skipped() {
        println!("config_differential: reference column skipped: {why}");
    }
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(f) = files.get(i) else { break };
                let errs = check_file(f, i);
                failures
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(errs);
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_known_difference_has_its_file() {
    let files = all_files();
    for (name, _, why) in KNOWN.iter().chain(KNOWN_VS_REFERENCE) {
        let present = files
            .iter()
            .any(|f| f.file_name().is_some_and(|n| n == *name));
        let real_world = name.starts_with("gh-");
        assert!(
            present || (real_world && !Path::new(REAL_WORLD).exists()),
            "{name} ({why}) missing"
        );
    }
}

#[test]
fn rewrite_keeps_line_numbers() {
    let dir = Path::new("/d");
    let orig = b"Port 8888\n#c\nListen 10.0.0.1\nLogFile \"/x\"\nUser tinyproxy\nPort 8888 # c\n";
    let out = rewrite(orig, dir, 4242);
    let text = String::from_utf8(out).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Port 4242");
    assert_eq!(lines[1], "#c");
    assert_eq!(lines[2], "Listen 127.0.0.1");
    assert_eq!(lines[3], "LogFile \"/d/tp.log\"");
    assert_eq!(lines[4], "User nobody");
    assert_eq!(lines[5], "Port 8888 # c");
    let _ = ConfigError::NoPort {
        path: PathBuf::new(),
        earlier_stderr: vec![],
    };
}

/// Manual aid: `F=path cargo test --test config_differential show_one -- --ignored --nocapture`
/// prints the rewritten copy and both outcomes.
#[test]
#[ignore]
fn show_one() {
    let Ok(f) = std::env::var("F") else { return };
    let dir = temp_dir(999);
    let cfg = dir.join("copy.conf");
    let copy = rewrite(&fs::read(&f).expect("read F"), &dir, free_port());
    fs::write(&cfg, &copy).expect("write copy");
    eprintln!("{}", String::from_utf8_lossy(&copy));
    eprintln!(
        "{:#?}",
        run_tinyproxy(Path::new(TINYPROXY), &cfg, &dir.join("tp.log"))
    );
    if let Some(bin) = reference::binary() {
        eprintln!("{:#?}", run_tinyproxy(bin, &cfg, &dir.join("ref.log")));
    }
    eprintln!("{:#?}", run_ours(&cfg));
}
