//! Tests of deploy/: the ConfigMap's tinyproxy.conf is a config the real
//! tinyproxy starts with, and the two Containerfiles and the systemd unit
//! say what the packaging promises.  (Schema, policy and cross-object
//! checks of the manifests are in scripts/check-deploy.sh.)

use std::time::Duration;
use tinyproxy_test_support::repo::{conf_for_test, is_directive_1_11_1, read_repo_file, spawn};
use tinyproxy_test_support::{free_port, local, wait::listener_up, wait::stderr_of};

/// The `tinyproxy.conf: |` block scalar of the ConfigMap, unindented.
fn configmap_conf() -> String {
    let yaml = read_repo_file("deploy/k8s/configmap.yaml");
    let mut lines = yaml.lines().skip_while(|l| l.trim() != "tinyproxy.conf: |");
    let header = lines.next().expect("ConfigMap has a tinyproxy.conf key");
    let key_indent = header.len() - header.trim_start().len();
    let body: Vec<&str> = lines
        .take_while(|l| l.is_empty() || l.len() - l.trim_start().len() > key_indent)
        .collect();
    let indent = body
        .iter()
        .find(|l| !l.is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .expect("non-empty config");
    body.iter()
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect()
}

#[test]
fn configmap_conf_is_valid_for_real_tinyproxy() {
    let conf = configmap_conf();
    for line in conf
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let name = line.split_whitespace().next().unwrap_or("");
        assert!(is_directive_1_11_1(name), "{name}");
    }
    assert!(conf.contains("\nPort 8888\n"), "{conf}");
    assert!(conf.contains("\nConnectPort 443\n"), "{conf}");
    assert!(!conf.to_ascii_lowercase().contains("\nlogfile"), "{conf}");

    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let path = dir.path().join("tinyproxy.conf");
    let test_conf = conf_for_test(&conf, port, &["Listen 127.0.0.1".to_string()]);
    std::fs::write(&path, test_conf).expect("write config");
    let path = path.to_string_lossy().into_owned();
    let mut proxy = spawn("/usr/bin/tinyproxy".as_ref(), &["-d", "-c", &path]);
    let started = listener_up(&mut proxy.child, local(port), Duration::from_secs(10));
    let stderr = stderr_of(&mut proxy.child);
    assert!(started.is_ok(), "{started:?}");
    assert!(!stderr.contains("WARNING"), "{stderr}");
}

/// The instruction lines of a Containerfile that start with `keyword`.
fn instructions(file: &str, keyword: &str) -> Vec<String> {
    read_repo_file(file)
        .lines()
        .filter(|l| l.starts_with(keyword))
        .map(String::from)
        .collect()
}

#[test]
fn both_containerfiles_build_the_same_runtime_image() {
    for file in ["deploy/Containerfile", "deploy/Containerfile.build"] {
        assert_eq!(
            instructions(file, "CMD "),
            [r#"CMD ["tinyproxy", "-d"]"#],
            "{file}"
        );
        assert_eq!(instructions(file, "USER "), ["USER 65534:65534"], "{file}");
        assert_eq!(instructions(file, "EXPOSE "), ["EXPOSE 8888"], "{file}");
        assert_eq!(
            instructions(file, "FROM ").last().map(String::as_str),
            Some("FROM scratch")
        );
    }
    let build = read_repo_file("deploy/Containerfile.build");
    assert!(build.contains("target-feature=+crt-static"));
    assert!(build.contains("--target x86_64-unknown-linux-gnu"));
}

#[test]
fn deployment_runs_the_image_with_watch_config() {
    let dep = read_repo_file("deploy/k8s/deployment.yaml");
    assert!(dep.contains(r#"args: ["tinyproxy", "-d", "--watch-config", "#));
    assert!(dep.contains("mountPath: /etc/tinyproxy\n"));
    assert!(
        !dep.contains("subPath:"),
        "a subPath mount is never updated"
    );
}

/// The unit starts as root like Debian's (so User/Group, a 0640
/// root:tinyproxy config and the PidFile work), honours FLAGS from
/// /etc/default/tinyproxy, and reloads with --check then SIGUSR1.
#[test]
fn systemd_unit_runs_like_debians_with_flags_and_reloads_with_usr1() {
    let unit = read_repo_file("deploy/tinyproxy.service");
    let has = |line: &str| unit.lines().any(|l| l == line);
    assert!(has("Type=simple"));
    assert!(has("EnvironmentFile=-/etc/default/tinyproxy"));
    assert!(has(
        "ExecStart=/usr/bin/tinyproxy -d -c /etc/tinyproxy/tinyproxy.conf $FLAGS"
    ));
    let reloads: Vec<&str> = unit
        .lines()
        .filter(|l| l.starts_with("ExecReload="))
        .collect();
    assert_eq!(
        reloads,
        [
            "ExecReload=/usr/bin/tinyproxy --check -c /etc/tinyproxy/tinyproxy.conf $FLAGS",
            "ExecReload=+/bin/kill -USR1 $MAINPID"
        ]
    );
    for absent in ["User=", "Group=", "DynamicUser=", "AmbientCapabilities="] {
        assert!(!unit.lines().any(|l| l.starts_with(absent)), "{absent}");
    }
    for hardening in [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=-/var/log/tinyproxy -/run/tinyproxy",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID",
    ] {
        assert!(has(hardening), "{hardening}");
    }
}

/// Containerfile.build's build stage copies what cargo needs to load the
/// workspace (every member's manifest, e.g. tests/support), and
/// .containerignore lets each of those paths into the build context: cargo
/// resolves the locked workspace offline from exactly those copies.
#[test]
fn containerfile_build_context_is_a_loadable_workspace() {
    let build = read_repo_file("deploy/Containerfile.build");
    let build_stage = build.split("\nFROM ").nth(1).expect("a build stage");
    let ignore = read_repo_file(".containerignore");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tinyproxy_test_support::repo::repo();
    for line in build_stage.lines().filter(|l| l.starts_with("COPY ")) {
        let words: Vec<&str> = line.split_whitespace().skip(1).collect();
        assert!(!words[0].starts_with("--"), "{line}");
        let (dest, sources) = words.split_last().expect("COPY src... dest");
        for src in sources {
            let allowed = format!("!{}", src.trim_end_matches('/'));
            assert!(
                ignore.lines().any(|l| l.trim_end_matches('/') == allowed),
                ".containerignore keeps {src} out of the build context"
            );
            // The stage's WORKDIR mirrors the repository root.
            let same_place = *dest == "./" || dest.trim_start_matches("./") == *src;
            assert!(same_place, "{line}: copied elsewhere than its repo path");
            let status = std::process::Command::new("cp")
                .args(["-a", "--parents"])
                .arg(src)
                .arg(tmp.path())
                .current_dir(&root)
                .status()
                .expect("cp");
            assert!(status.success(), "copy {src}");
        }
    }
    let out = std::process::Command::new("cargo")
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .current_dir(tmp.path())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo cannot load the build context: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
