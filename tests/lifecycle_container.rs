//! Start-up the way a container runs the proxy (`-d`, a non-root user, a
//! read-only root filesystem): a pid file that cannot be written is a
//! warning, a log that cannot be opened goes to stderr until a reload
//! can open it, and an unreadable config names the fix.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use tinyproxy_test_support::prelude::*;

/// Our binary, the one under test.
const BIN: &str = ours!();

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Our binary with `-d -c conf`, stdout and stderr to files in `dir`.
struct Fg {
    child: Child,
    out: std::path::PathBuf,
    err: std::path::PathBuf,
}

impl Fg {
    fn start(dir: &Path, conf: &Path) -> Fg {
        let out = dir.join("stdout");
        let err = dir.join("stderr");
        let child = Command::new(BIN)
            .arg("-d")
            .arg("-c")
            .arg(conf)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&err).expect("stderr file"))
            .spawn()
            .expect("spawn");
        Fg { child, out, err }
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }
}

impl Drop for Fg {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_text(what: &str, text: impl Fn() -> String, needle: &str) -> String {
    wait_for(what, || {
        let t = text();
        t.contains(needle).then_some(t)
    })
}

/// `-d` with a PidFile in a directory that does not exist (a read-only
/// image without /run/tinyproxy): a WARNING with the reason, and the
/// proxy serves. tinyproxy exits 71 here.
#[test]
fn foreground_pid_file_failure_is_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("tinyproxy.conf");
    let pid = dir.path().join("missing").join("tinyproxy.pid");
    let port = free_port();
    let text = format!(
        "Port {port}\nListen 127.0.0.1\nPidFile \"{}\"\n",
        pid.display()
    );
    std::fs::write(&conf, text).expect("write conf");
    let fg = Fg::start(dir.path(), &conf);
    let out = wait_text("main loop", || fg.stdout(), "Starting main loop");
    let want = format!(
        "Could not create PID file {}: No such file or directory; running without one (foreground).",
        pid.display()
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("WARNING ") && l.ends_with(&format!("]: {want}"))),
        "{out}"
    );
    assert!(!refused(local(port)));
}

/// `-d` with a LogFile whose directory is missing: one WARNING on stderr
/// naming the file and the reason, every line on stderr; after the
/// directory appears, a reload writes to the file again.
#[test]
fn foreground_log_goes_to_stderr_until_a_reload_can_open_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("tinyproxy.conf");
    let logdir = dir.path().join("logs");
    let log = logdir.join("tinyproxy.log");
    let port = free_port();
    let text = format!(
        "Port {port}\nListen 127.0.0.1\nLogFile \"{}\"\n",
        log.display()
    );
    std::fs::write(&conf, text).expect("write conf");
    let fg = Fg::start(dir.path(), &conf);
    let err = wait_text("main loop on stderr", || fg.stderr(), "Starting main loop");
    let warning = format!(
        "]: Could not open log file {}: No such file or directory; logging to stderr instead.",
        log.display()
    );
    let warnings: Vec<_> = err
        .lines()
        .filter(|l| l.starts_with("WARNING ") && l.contains("Could not open log file"))
        .collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].ends_with(&warning), "{err}");
    assert!(err.contains("]: Initializing tinyproxy ..."), "{err}");
    let echo = echo_server();
    let mut t = open_tunnel(local(port), echo);
    assert!(echoes(&mut t, b"ping"));
    wait_text(
        "CONNECT on stderr",
        || fg.stderr(),
        "]: Connect (file descriptor",
    );

    std::fs::create_dir(&logdir).expect("mkdir");
    kill(fg.child.id(), libc::SIGHUP);
    wait_text(
        "the reload in the file",
        || std::fs::read_to_string(&log).unwrap_or_default(),
        "Reloading config file finished",
    );
    let err_after = fg.stderr();
    // Only the start-up's parse ended on stderr; the reload's is in the file.
    assert_eq!(
        err_after.matches("Reloading config file finished").count(),
        1,
        "{err_after}"
    );
    // New connections are logged in the file now, not on stderr.
    let mut t = open_tunnel(local(port), echo);
    assert!(echoes(&mut t, b"pong"));
    wait_text(
        "CONNECT in the file",
        || std::fs::read_to_string(&log).unwrap_or_default(),
        "]: Connect (file descriptor",
    );
    assert_eq!(
        fg.stderr().matches("]: Connect (file descriptor").count(),
        1
    );
}

/// A config only root may read (a Secret with `defaultMode: 0400`), read
/// by a non-root proxy: tinyproxy's line, then who we are and the fix.
#[test]
fn unreadable_config_names_the_user_and_the_fix() {
    if !is_root() {
        eprintln!("skipped: needs root to start a process as another user");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    chmod(dir.path(), 0o755);
    let conf = dir.path().join("tinyproxy.conf");
    std::fs::write(&conf, format!("Port {}\n", free_port())).expect("write conf");
    chmod(&conf, 0o400);
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            BIN,
            "-d",
            "-c",
        ])
        .arg(&conf)
        .stdin(Stdio::null())
        .output()
        .expect("run setpriv");
    assert_eq!(out.status.code(), Some(70), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let shown = conf.display();
    assert!(
        err.starts_with(&format!(
            "tinyproxy: Could not open config file \"{shown}\".\n"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "tinyproxy: {shown} is not readable by the user the proxy runs as, "
        )),
        "{err}"
    );
    assert!(err.contains("uid 65534, gid 65534"), "{err}");
    assert!(
        err.contains("fsGroup") && err.contains("defaultMode"),
        "{err}"
    );
}

/// `User`/`Group` come from /etc/passwd and /etc/group themselves, not
/// through NSS: in a mount namespace where those files name an account
/// and nsswitch.conf names only a module that does not exist (so every
/// NSS lookup fails), root still switches to that account.
#[test]
fn user_and_group_are_read_from_the_files_not_nss() {
    if !is_root() || Command::new("unshare").arg("--version").output().is_err() {
        eprintln!("skipped: needs root and unshare");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    chmod(dir.path(), 0o777);
    let passwd = dir.path().join("passwd");
    let group = dir.path().join("group");
    let nss = dir.path().join("nsswitch.conf");
    std::fs::write(&passwd, "root:x:0:0::/:\nfilesonly:x:4242:4243::/:\n").expect("passwd");
    std::fs::write(&group, "root:x:0:\nfilesgroup:x:4243:\n").expect("group");
    std::fs::write(
        &nss,
        "passwd: no-such-nss-module\ngroup: no-such-nss-module\n",
    )
    .expect("nss");
    let port = free_port();
    let log = dir.path().join("proxy.log");
    let conf = dir.path().join("tinyproxy.conf");
    let body = "User filesonly\nGroup filesgroup";
    std::fs::write(&conf, conf_text(port, &log, body)).expect("write conf");
    chmod(&conf, 0o644);
    let script = format!(
        "mount --bind {p} /etc/passwd && mount --bind {g} /etc/group && \
         mount --bind {n} /etc/nsswitch.conf && exec {BIN} -d -c {c}",
        p = passwd.display(),
        g = group.display(),
        n = nss.display(),
        c = conf.display()
    );
    let child = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn unshare");
    let mut fg = Fg {
        child,
        out: dir.path().join("none"),
        err: dir.path().join("none"),
    };
    let text = wait_for("the switch or an exit", || {
        let t = std::fs::read_to_string(&log).unwrap_or_default();
        if t.contains("Starting main loop") {
            return Some(t);
        }
        let exited = fg.child.try_wait().expect("try_wait").is_some();
        exited.then(|| format!("exited: {t}"))
    });
    assert!(
        text.contains("Now running as group \"filesgroup\"."),
        "{text}"
    );
    assert!(
        text.contains("Now running as user \"filesonly\"."),
        "{text}"
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", fg.child.id()))
        .expect("status of the proxy");
    assert!(
        status.lines().any(|l| l.starts_with("Uid:\t4242\t")),
        "{status}"
    );
    assert!(
        status.lines().any(|l| l.starts_with("Gid:\t4243\t")),
        "{status}"
    );
    let _ = fg.child.kill();
}
