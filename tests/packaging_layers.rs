//! scripts/check-layers.py (issue 14): the module graph of src/ may hold
//! only the cycles listed in scripts/layer-cycles-allowed.txt, so a change
//! that brings in a new import cycle fails `make lint`, and a cycle that
//! is broken must leave the list too.

use std::path::Path;
use std::process::{Command, Output};
use tinyproxy_test_support::repo::repo;

/// Runs the checker with `args`, from the repository root.
fn check_layers(args: &[&str]) -> Output {
    Command::new("python3")
        .arg(repo().join("scripts/check-layers.py"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("running python3 scripts/check-layers.py")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Copies the tree under `from` to `to` (files and directories only).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

#[test]
fn todays_tree_has_only_the_listed_cycles() {
    let out = check_layers(&["--quiet-sizes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("NEW"), "{}", text(&out));
}

#[test]
fn self_test_finds_cycles_and_stale_entries() {
    let out = check_layers(&["--self-test"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("self-test passed"), "{}", text(&out));
}

/// `app` uses `sys`; a `sys` that used `app` back would be a new
/// top-level cycle, which the allow-list does not hold.
#[test]
fn a_new_cycle_fails() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    copy_tree(&repo().join("src"), &src);
    let sys = src.join("sys.rs");
    let mut code = std::fs::read_to_string(&sys).unwrap();
    code.push_str("\n#[allow(unused_imports)]\nuse crate::app::lifecycle;\n");
    std::fs::write(&sys, code).unwrap();
    let out = check_layers(&["--quiet-sizes", "--src", src.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", text(&out));
    let report = text(&out);
    let new_line = report
        .lines()
        .find(|l| l.trim_start().starts_with("NEW"))
        .unwrap_or_else(|| panic!("no NEW cycle reported:\n{report}"));
    assert!(
        new_line.contains("app") && new_line.contains("sys"),
        "{report}"
    );
}
