//! Config and Filter files are read up to a size limit, and a start-up
//! stuck reading one ends on SIGTERM (issue 11 item 8).

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use tinyproxy_test_support as support;
use tinyproxy_test_support::ours;
use tinyproxy_test_support::wait::wait_exit;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tinyproxy")
}

/// Start the binary under an address-space limit (a run-away read fails
/// instead of taking the machine's memory).
fn spawn(args: &[&str]) -> Child {
    Command::new("prlimit")
        .arg("--as=1073741824")
        .arg(bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn proxy")
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut s)
        .expect("read stderr");
    s
}

#[test]
fn dev_zero_config_is_refused_at_the_limit() {
    let mut child = spawn(&["-d", "-c", "/dev/zero"]);
    let st = wait_exit(&mut child, "-c /dev/zero");
    let err = stderr_of(&mut child);
    assert_eq!(st.code(), Some(70), "{err}");
    assert!(
        err.contains("Config file \"/dev/zero\" is larger than 4194304 bytes (4 MiB)"),
        "{err}"
    );
}

#[test]
fn config_at_the_limit_is_read_and_one_byte_more_is_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("big.conf");
    let limit = tinyproxy_rs::config::MAX_CONFIG_BYTES as usize;
    // A valid file of exactly the limit: comment lines, then Port.
    let port = support::free_port();
    let tail = format!("Port {port}\nListen 127.0.0.1\n");
    let mut text = Vec::with_capacity(limit);
    while text.len() + 100 + tail.len() < limit {
        text.extend_from_slice(format!("#{}\n", "x".repeat(98)).as_bytes());
    }
    text.resize(limit - tail.len() - 1, b'#');
    text.push(b'\n');
    text.extend_from_slice(tail.as_bytes());
    assert_eq!(text.len(), limit);
    std::fs::write(&conf, &text).expect("write");
    let c = conf.to_str().expect("utf8");
    let mut child = spawn(&["--check", "-c", c]);
    let st = wait_exit(&mut child, "config at the limit");
    assert_eq!(st.code(), Some(0), "{}", stderr_of(&mut child));

    text.insert(0, b'#');
    std::fs::write(&conf, &text).expect("write");
    let mut child = spawn(&["--check", "-c", c]);
    let st = wait_exit(&mut child, "config over the limit");
    let err = stderr_of(&mut child);
    assert_eq!(st.code(), Some(70), "{err}");
    assert!(err.contains("is larger than 4194304 bytes"), "{err}");
}

#[test]
fn dev_zero_filter_is_refused_at_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("f.conf");
    let port = support::free_port();
    std::fs::write(
        &conf,
        format!("Port {port}\nListen 127.0.0.1\nFilter \"/dev/zero\"\n"),
    )
    .expect("write");
    let mut child = spawn(&["-d", "-c", conf.to_str().expect("utf8")]);
    let st = wait_exit(&mut child, "Filter /dev/zero");
    let err = stderr_of(&mut child);
    assert_eq!(st.code(), Some(65), "{err}");
    assert!(
        err.contains("filter file: larger than 16777216 bytes (16 MiB)"),
        "{err}"
    );
}

/// A FIFO whose writer never finishes: the proxy blocks reading it, and
/// SIGTERM must end it there.
fn sigterm_ends_a_read_that_never_finishes(config_is_fifo: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("never.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    let conf = if config_is_fifo {
        fifo.clone()
    } else {
        let conf = dir.path().join("f.conf");
        let port = support::free_port();
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nFilter \"{}\"\n",
                fifo.display()
            ),
        )
        .expect("write");
        conf
    };
    let mut child = spawn(&["-d", "-c", conf.to_str().expect("utf8")]);
    // Opening the write end returns once the proxy has opened the read
    // end, i.e. when it is reading.
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open fifo");
    writer.write_all(b"# more to come\n").expect("write fifo");
    // SAFETY: kill(2) on the pid of our own child (prlimit execs the proxy).
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let st = wait_exit(&mut child, "SIGTERM while reading a FIFO");
    assert_eq!(st.signal(), Some(libc::SIGTERM), "{st:?}");
    drop(writer);
}

#[test]
fn sigterm_ends_startup_reading_a_config_fifo() {
    sigterm_ends_a_read_that_never_finishes(true);
}

#[test]
fn sigterm_ends_startup_reading_a_filter_fifo() {
    sigterm_ends_a_read_that_never_finishes(false);
}

/// A reload runs in the signal loop: a config that became a FIFO must not
/// block it (SIGTERM would never be handled).
#[test]
fn reload_refuses_a_fifo_and_sigterm_still_works() {
    let mut p = support::Proxy::start(ours!(), "");
    let conf = p.dir().join("tinyproxy.conf");
    std::fs::remove_file(&conf).expect("rm conf");
    nix::unistd::mkfifo(&conf, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    p.signal(libc::SIGHUP);
    p.wait_log("is a FIFO");
    p.wait_log("Reloading config file failed!");
    p.signal(libc::SIGTERM);
    let st = wait_exit(&mut p.child, "SIGTERM after a FIFO reload");
    assert_eq!(st.code(), Some(0), "{st:?}");
}
