//! The documents name the tests that pin each behaviour
//! (COMPATIBILITY.md's "pinned by" column, README): every such name must
//! still be a test, or a reader (and a reviewer) follows a dead link when
//! code moves.

use std::path::{Path, PathBuf};
use tinyproxy_test_support::repo::{read_repo_file, repo};

/// `` `a::b::c` `` spans in `text`: lower-case Rust paths.
fn paths(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"`([a-z_0-9]+(?:::[a-z_0-9]+)+)`").expect("regex");
    let mut out: Vec<String> = re.captures_iter(text).map(|c| c[1].to_string()).collect();
    out.sort();
    out.dedup();
    out
}

/// The source files that may hold the module `segs` (and its tests).
fn module_files(root: &Path, segs: &[&str]) -> Vec<PathBuf> {
    let base = segs.iter().fold(root.join("src"), |p, s| p.join(s));
    let mut files = vec![base.with_extension("rs"), base.join("mod.rs")];
    // Tests kept beside the module (#[path = "x_tests.rs"], tests.rs).
    for dir in [base.clone(), base.parent().unwrap_or(root).to_path_buf()] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with("tests.rs") {
                    files.push(e.path());
                }
            }
        }
    }
    files.into_iter().filter(|f| f.is_file()).collect()
}

fn has_fn(files: &[PathBuf], name: &str) -> bool {
    let re = regex::Regex::new(&format!(r"fn {name}\b")).expect("regex");
    files
        .iter()
        .any(|f| re.is_match(&std::fs::read_to_string(f).unwrap_or_default()))
}

/// Whether `path` names a test: `file::test` under tests/, or a unit
/// test (or test module) in src/.
fn names_a_test(root: &Path, path: &str) -> bool {
    let segs: Vec<&str> = path.split("::").collect();
    let test_file = root.join("tests").join(format!("{}.rs", segs[0]));
    if test_file.is_file() {
        return segs.len() == 2 && has_fn(&[test_file], segs[1]);
    }
    let Some(k) = segs.iter().position(|s| *s == "tests") else {
        return false;
    };
    let files = module_files(root, &segs[..k]);
    match segs.get(k + 1) {
        None => files
            .iter()
            .any(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("mod tests"))),
        Some(name) => has_fn(&files, name),
    }
}

#[test]
fn every_test_the_documents_name_exists() {
    let root = repo();
    let mut checked = 0;
    let mut dead = Vec::new();
    for doc in ["COMPATIBILITY.md", "README.md"] {
        for p in paths(&read_repo_file(doc)) {
            let first = p.split("::").next().unwrap_or_default();
            let is_test_file = root.join("tests").join(format!("{first}.rs")).is_file();
            // Only names that point at a test: a test file, or a path
            // through a `tests` module (`file::test` is the legend).
            let legend = p == "file::test" || p == "module::tests::name";
            if legend || !(is_test_file || p.contains("::tests")) {
                continue;
            }
            checked += 1;
            if !names_a_test(&root, &p) {
                dead.push(format!("{doc}: {p}"));
            }
        }
    }
    assert!(checked > 100, "only {checked} test names found");
    assert!(
        dead.is_empty(),
        "names of tests that do not exist: {dead:#?}"
    );
}
