//! Daemon mode as root: detach, pid file, privilege drop, reload with the
//! dropped privileges, SIGTERM clean-up; and the pid-file symlink refusal
//! (CVE-2017-11747).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use tinyproxy_test_support::prelude::*;
use tinyproxy_test_support::wait::wait_log_n;

/// Our binary, the one under test.
const BIN: &str = ours!();

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A daemon we started (through its launcher), SIGKILLed on drop if it
/// is still our binary.
struct Daemon(u32);

impl Daemon {
    fn alive(&self) -> bool {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0));
        // Reparented daemons may stay zombies (State: Z) until reaped.
        status.is_ok_and(|s| !s.lines().any(|l| l.starts_with("State:\tZ")))
    }

    fn status_field(&self, name: &str) -> String {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.0)).expect("status");
        s.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let exe = std::fs::read_link(format!("/proc/{}/exe", self.0));
        if self.alive() && exe.is_ok_and(|e| e == Path::new(BIN)) {
            kill(self.0, libc::SIGKILL);
        }
    }
}

fn launch(dir: &Path, conf: &str) -> Output {
    Command::new(BIN)
        .args(["-c", conf])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run launcher")
}

/// Write the config (made by `text(port)`) and launch; a port from
/// `free_port` can be taken again before the daemon binds it (tests run
/// in parallel), so that failure is retried with another port.
fn launch_on_free_port(
    dir: &Path,
    conf: &Path,
    arg: &str,
    text: impl Fn(u16) -> String,
) -> (u16, Output) {
    for _ in 0..3 {
        let port = free_port();
        std::fs::write(conf, text(port)).expect("write conf");
        let out = launch(dir, arg);
        if !String::from_utf8_lossy(&out.stderr).contains("Could not create listening sockets") {
            return (port, out);
        }
    }
    panic!("no free port after three tries");
}

#[test]
fn daemon_detaches_drops_privileges_and_cleans_up() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let origin = Origin::start();
    let dir = tempfile::tempdir().expect("tempdir");
    chmod(dir.path(), 0o777); // as in tinyproxy's docs: the User must write here
    let log = dir.path().join("proxy.log");
    let pid_path = dir.path().join("proxy.pid");
    let conf = dir.path().join("tinyproxy.conf");
    let body = format!("User nobody\nPidFile \"{}\"", pid_path.display());
    std::fs::write(&conf, "").expect("create conf");
    chmod(&conf, 0o600); // root-only: the reload after the drop cannot read it

    // A relative -c: tinyproxy's daemon cannot reload then (it is in /).
    let (port, out) = launch_on_free_port(dir.path(), &conf, "tinyproxy.conf", |port| {
        conf_text(port, &log, &body)
    });
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    // The launcher returns only when the daemon is ready: no waiting.
    let pid: u32 = std::fs::read_to_string(&pid_path)
        .expect("pid file exists when the launcher exits")
        .strip_suffix('\n')
        .expect("PID\\n")
        .parse()
        .expect("a number");
    let daemon = Daemon(pid);
    assert!(daemon.alive());

    // Detached: another session than ours.
    // SAFETY: getsid has no memory-safety preconditions.
    let (ours, its) = unsafe { (libc::getsid(0), libc::getsid(pid as libc::pid_t)) };
    assert_ne!(ours, its);

    let nobody = nix::unistd::User::from_name("nobody")
        .ok()
        .flatten()
        .expect("nobody exists");
    let gid = nobody.gid.as_raw();
    assert_eq!(daemon.status_field("Uid"), "65534 65534 65534 65534");
    assert_eq!(
        daemon.status_field("Gid"),
        format!("{gid} {gid} {gid} {gid}")
    );
    assert_eq!(daemon.status_field("Groups"), "");

    let meta = std::fs::symlink_metadata(&pid_path).expect("pid meta");
    assert_eq!((meta.uid(), meta.mode() & 0o7777), (0, 0o600));
    let meta = std::fs::metadata(&log).expect("log meta");
    assert_eq!(
        (meta.uid(), meta.gid()),
        (65534, gid),
        "log created after the drop"
    );
    let text = std::fs::read_to_string(&log).expect("log");
    let group = nix::unistd::Group::from_gid(nobody.gid)
        .ok()
        .flatten()
        .expect("nobody's group");
    assert!(text.contains(&format!("Now running as group \"{}\".", group.name)));
    assert!(text.contains("Now running as user \"nobody\"."));

    let resp = get(local(port), &origin.url("/daemon"));
    assert!(ok_from_origin(&resp), "{resp}");

    // Reload as nobody of a root-only file: fails, old config serves.
    kill(pid, libc::SIGHUP);
    wait_log_n(&log, "Reloading config file failed!", 1);
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("not readable by uid 65534"), "{text}");
    assert!(ok_from_origin(&get(local(port), &origin.url("/still"))));

    // Readable again: the reload works (relative -c made absolute).
    chmod(&conf, 0o644);
    kill(pid, libc::SIGUSR1);
    wait_log_n(&log, "Reloading config file finished", 2);

    kill(pid, libc::SIGTERM);
    wait_for("the daemon to exit", || (!daemon.alive()).then_some(()));
    assert!(!pid_path.exists(), "pid file removed on clean exit");
    wait_log_n(&log, "Shutting down.", 1);
}

/// No LogFile/Syslog: tinyproxy's warning on the terminal, and the
/// launcher's stdout/stderr are let go (`output()` returns).
#[test]
fn daemon_without_a_log_warns_and_lets_the_terminal_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_path = dir.path().join("proxy.pid");
    let conf = dir.path().join("tinyproxy.conf");
    let text = |port| {
        format!(
            "Port {port}\nListen 127.0.0.1\nPidFile \"{}\"\n",
            pid_path.display()
        )
    };
    let (port, out) = launch_on_free_port(dir.path(), &conf, conf.to_str().expect("utf8"), text);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "WARNING: logging deactivated (can't log to stdout when daemonized)\n"
    );
    assert!(out.stdout.is_empty());
    let pid: u32 = std::fs::read_to_string(&pid_path)
        .expect("pid file")
        .trim_end()
        .parse()
        .expect("pid");
    let daemon = Daemon(pid);
    assert!(!refused(local(port)));
    kill(pid, libc::SIGTERM);
    wait_for("the daemon to exit", || (!daemon.alive()).then_some(()));
    assert!(refused(local(port)));
    assert!(!pid_path.exists());
}

#[test]
fn pid_file_symlink_and_hard_link_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").expect("write victim");
    let missing = dir.path().join("missing-target");
    let cases = [
        ("symlink-existing.pid", &victim, false),
        ("symlink-missing.pid", &missing, false),
        ("hardlink.pid", &victim, true),
    ];
    for (name, target, hard) in cases {
        let pid_path = dir.path().join(name);
        if hard {
            std::fs::hard_link(target, &pid_path).expect("hard link");
        } else {
            std::os::unix::fs::symlink(target, &pid_path).expect("symlink");
        }
        let conf = dir.path().join("tinyproxy.conf");
        let log = dir.path().join("proxy.log");
        let body = format!("PidFile \"{}\"", pid_path.display());
        let arg = conf.to_str().expect("utf8");
        let (port, out) =
            launch_on_free_port(dir.path(), &conf, arg, |port| conf_text(port, &log, &body));
        // The daemon's error reaches the launcher's terminal and status.
        assert_eq!(out.status.code(), Some(71), "{name}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.ends_with(": Could not create PID file.\n"),
            "{name}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(&victim).expect("victim"),
            "precious\n",
            "{name}"
        );
        assert!(!missing.exists(), "{name}: symlink target created");
        wait_for("the refused daemon's port to close", || {
            refused(local(port)).then_some(())
        });
    }
}

/// The harness's readiness check is not fooled by another process that
/// holds the proxy's port: the proxy, which cannot bind, is seen to fail
/// (so the harness starts it again on a new port) instead of passing as
/// ready because the other listener answered.
#[test]
fn readiness_needs_the_proxys_own_listener() {
    let other = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = other.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("tinyproxy.conf");
    std::fs::write(&conf, format!("Port {port}\nListen 127.0.0.1\n")).expect("conf");
    let mut child = Command::new(BIN)
        .args(["-d", "-c"])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let ready = tinyproxy_test_support::wait::listening(&mut child, local(port));
    let _ = child.kill();
    let _ = child.wait();
    assert!(!ready, "another process's listener passed for the proxy's");
}
