//! One version, one image: Cargo.toml's version is the tag that
//! deploy/k8s deploys (kustomization.yaml's `images:` entry, and
//! deployment.yaml's own image for `kubectl apply -f`), the tag the
//! release workflow accepts and pushes, and the section of CHANGELOG.md
//! that becomes the release notes; the image name is the same in the
//! workflow and the manifests.  A version bump that misses one of them
//! fails here, not in a cluster pulling a tag that was never pushed.
//! (What kustomize renders is checked by scripts/check-release.sh.)

use std::collections::BTreeSet;
use tinyproxy_test_support::repo::{read_repo_file, repo, run};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The value of the first `key:` line (after optional `- `), unquoted.
fn value_of(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim_start().trim_start_matches("- ");
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        Some(rest.trim().trim_matches('"').to_string())
    })
}

/// The image the release workflow pushes (its `IMAGE:` env entry).
fn published_image() -> String {
    value_of(&read_repo_file(".github/workflows/release.yml"), "IMAGE")
        .expect("release.yml sets IMAGE")
}

/// The text of a kustomization from its `images:` line on.
fn images_entry(path: &str) -> String {
    let text = read_repo_file(path);
    let at = text
        .find("\nimages:")
        .unwrap_or_else(|| panic!("{path} has images:"));
    text[at..].to_string()
}

#[test]
fn kustomization_deploys_the_published_image_at_the_cargo_version() {
    let image = published_image();
    assert!(image.starts_with("ghcr.io/"), "{image}");
    let entry = images_entry("deploy/k8s/kustomization.yaml");
    assert_eq!(value_of(&entry, "name"), Some(image), "{entry}");
    assert_eq!(
        value_of(&entry, "newTag").as_deref(),
        Some(VERSION),
        "deploy/k8s/kustomization.yaml must deploy Cargo.toml's version"
    );
    assert_eq!(value_of(&entry, "newName"), None, "{entry}");
}

#[test]
fn deployment_names_the_same_image_and_version() {
    let deployment = read_repo_file("deploy/k8s/deployment.yaml");
    let want = format!("{}:{VERSION}", published_image());
    assert_eq!(
        value_of(&deployment, "image"),
        Some(want),
        "deploy/k8s/deployment.yaml must name Cargo.toml's version too (kubectl apply -f)"
    );
}

#[test]
fn kustomization_lists_every_manifest() {
    let text = read_repo_file("deploy/k8s/kustomization.yaml");
    let listed: BTreeSet<String> = text
        .lines()
        .skip_while(|l| *l != "resources:")
        .skip(1)
        .map_while(|l| l.strip_prefix("  - "))
        .map(String::from)
        .collect();
    let present: BTreeSet<String> = std::fs::read_dir(repo().join("deploy/k8s"))
        .expect("deploy/k8s")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") && n != "kustomization.yaml")
        .collect();
    assert_eq!(
        listed, present,
        "kustomization.yaml resources vs deploy/k8s/*.yaml"
    );
}

#[test]
fn local_overlay_uses_the_image_make_image_builds() {
    let makefile = read_repo_file("Makefile");
    let built = makefile
        .lines()
        .find_map(|l| l.strip_prefix("IMAGE    ?= "))
        .expect("Makefile sets IMAGE");
    let entry = images_entry("deploy/k8s-local/kustomization.yaml");
    assert_eq!(value_of(&entry, "name"), Some(published_image()));
    let local = format!(
        "{}:{}",
        value_of(&entry, "newName").expect("newName"),
        value_of(&entry, "newTag").expect("newTag")
    );
    assert_eq!(local, built);
    let readme = read_repo_file("README.md");
    assert!(
        readme.contains("kubectl apply -k deploy/k8s-local"),
        "README"
    );
    assert!(readme.contains(&format!("podman save {built}")), "README");
}

/// Runs a script of scripts/ and returns (success, stdout, stderr).
fn script(name: &str, args: &[&str]) -> (bool, String, String) {
    let path = repo().join("scripts").join(name);
    let mut argv = vec![path.to_str().expect("utf-8 path")];
    argv.extend_from_slice(args);
    let out = run("bash", &argv, &[]);
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn release_version_script_reads_cargo_toml_and_checks_the_tag() {
    assert_eq!(
        script("release-version.sh", &[]),
        (true, VERSION.into(), String::new())
    );
    let tag = format!("v{VERSION}");
    assert_eq!(script("release-version.sh", &[&tag]).1, VERSION);
    for wrong in ["v999.0.0", VERSION, &format!("{tag}-rc1")] {
        let (ok, out, err) = script("release-version.sh", &[wrong]);
        assert!(!ok && out.is_empty(), "{wrong}: {out}");
        assert!(err.contains(&format!("is not v{VERSION}")), "{err}");
    }
}

#[test]
fn workflow_publishes_on_version_tags_what_the_scripts_check() {
    let workflow = read_repo_file(".github/workflows/release.yml");
    for needle in [
        "tags: [\"v*\"]",
        "scripts/release-version.sh \"$GITHUB_REF_NAME\"",
        "scripts/release-notes.sh \"$version\"",
        "scripts/release-build.sh dist",
        "PUSH=1 bash scripts/release-image.sh dist \"$IMAGE\"",
        "runner: ubuntu-24.04-arm",
        "make deb",
        "sha256sum",
    ] {
        assert!(workflow.contains(needle), "release.yml lacks {needle}");
    }
    let image_script = read_repo_file("scripts/release-image.sh");
    assert!(image_script.contains("for tag in \"$VERSION\" latest"));
    assert!(image_script.contains("x86_64:amd64:X86-64 aarch64:arm64:AArch64"));
}

#[test]
fn release_notes_come_from_the_changelog_section() {
    let changelog = read_repo_file("CHANGELOG.md");
    let released = changelog.contains(&format!("\n## [{VERSION}] - "));
    assert!(
        released || changelog.contains("\n## [Unreleased]\n"),
        "CHANGELOG.md has neither [{VERSION}] nor [Unreleased]"
    );
    let (ok, notes, _) = script("release-notes.sh", &[VERSION]);
    assert_eq!(ok, released, "{notes}");
    let (ok, _, err) = script("release-notes.sh", &["0.0.0-never"]);
    assert!(
        !ok && err.contains("no '## [0.0.0-never]' section"),
        "{err}"
    );
}

#[test]
fn changelog_links_to_compatibility_anchors_that_exist() {
    let changelog = read_repo_file("CHANGELOG.md");
    let compat = read_repo_file("COMPATIBILITY.md");
    let headings: Vec<String> = compat
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|h| {
            h.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect()
        })
        .collect();
    let links: Vec<&str> = changelog
        .split("(COMPATIBILITY.md#")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .collect();
    assert!(links.len() > 20, "{links:?}");
    for anchor in links {
        let id = compat.contains(&format!("<a id=\"{anchor}\"></a>"));
        assert!(id || headings.iter().any(|h| h == anchor), "{anchor}");
    }
}
