//! Tests of `make install-files` (what `make install` does after the
//! release build): the layout under DESTDIR for PREFIX=/usr and the
//! default /usr/local, and that an existing configuration is kept.

use std::path::Path;
use tinyproxy_test_support::repo::run;

/// Runs `make install-files` into `destdir`, installing our test binary.
fn install(destdir: &Path, prefix: Option<&str>) {
    let mut args = vec![
        "-s".to_string(),
        "install-files".to_string(),
        format!("DESTDIR={}", destdir.display()),
        format!("BIN={}", env!("CARGO_BIN_EXE_tinyproxy")),
    ];
    if let Some(prefix) = prefix {
        args.push(format!("PREFIX={prefix}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run("make", &args, &[]);
    assert!(out.status.success(), "make install-files: {out:?}");
}

#[test]
fn install_under_usr_uses_etc() {
    let dest = tempfile::tempdir().expect("tempdir");
    install(dest.path(), Some("/usr"));
    for file in [
        "usr/bin/tinyproxy",
        "etc/tinyproxy/tinyproxy.conf",
        "usr/share/tinyproxy/default.html",
        "usr/share/tinyproxy/stats.html",
        "usr/share/man/man8/tinyproxy.8",
        "usr/share/man/man5/tinyproxy.conf.5",
    ] {
        assert!(dest.path().join(file).is_file(), "{file} missing");
    }
    let conf = std::fs::read_to_string(dest.path().join("etc/tinyproxy/tinyproxy.conf"))
        .expect("installed config");
    assert!(conf.contains("DefaultErrorFile \"/usr/share/tinyproxy/default.html\""));
}

#[test]
fn install_under_usr_local_keeps_existing_config() {
    let dest = tempfile::tempdir().expect("tempdir");
    let conf = dest.path().join("usr/local/etc/tinyproxy/tinyproxy.conf");
    install(dest.path(), None);
    let installed = std::fs::read_to_string(&conf).expect("installed config");
    assert!(installed.contains("StatFile \"/usr/local/share/tinyproxy/stats.html\""));
    assert!(dest.path().join("usr/local/bin/tinyproxy").is_file());
    assert!(dest
        .path()
        .join("usr/local/share/man/man8/tinyproxy.8")
        .is_file());

    std::fs::write(&conf, "Port 3128\n").expect("edit config");
    install(dest.path(), None);
    let kept = std::fs::read_to_string(&conf).expect("config");
    assert_eq!(
        kept, "Port 3128\n",
        "make install overwrote the configuration"
    );
}
