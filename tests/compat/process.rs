//! Processes of a scenario: runs that must exit (bad configs,
//! command-line flags), signals, and the proxy's exit (the proxy is a
//! `tinyproxy_test_support::Guard`, ended by its pid on drop).

use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tinyproxy_test_support::process::{die_with_parent, Guard};

use crate::harness::{Ctx, WAIT};

impl Ctx {
    /// Run the binary with `args` on config `text` and wait for its exit;
    /// records the status, stderr and stdout.
    pub fn run_to_exit(&mut self, text: &str, args: &[&str]) {
        let conf = self.file("tinyproxy.conf", text);
        let mut cmd = Command::new(self.bin());
        cmd.arg0("tinyproxy");
        die_with_parent(&mut cmd);
        for a in args {
            cmd.arg(a.replace("{CONF}", &conf.display().to_string()));
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut p = Guard::new(child);
        let start = Instant::now();
        let status = loop {
            if let Ok(Some(st)) = p.child.try_wait() {
                break st.code().map_or("signal".to_string(), |c| c.to_string());
            }
            if start.elapsed() > WAIT {
                break "still running".to_string();
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut out = String::new();
        let mut err = String::new();
        use std::io::Read;
        if status != "still running" {
            if let Some(mut o) = p.child.stdout.take() {
                let _ = o.read_to_string(&mut out);
            }
            if let Some(mut e) = p.child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
        }
        self.obs
            .exit
            .push(format!("exit={status}\nstderr:\n{err}stdout:\n{out}"));
    }

    /// Send a signal to the proxy by its pid.
    pub fn signal(&self, sig: i32) {
        if let Some(p) = &self.proc {
            let pid = p.child.id() as i32;
            // SAFETY: kill(2) on the pid of a child we own and have not
            // reaped yet, so the pid cannot have been reused.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    /// Wait (bounded) for the proxy to exit; its status as a fact.
    pub fn wait_exit(&mut self) -> String {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Some(p) = self.proc.as_mut() {
                if let Ok(Some(st)) = p.child.try_wait() {
                    return st.code().map_or_else(
                        || {
                            format!(
                                "signal {:?}",
                                std::os::unix::process::ExitStatusExt::signal(&st)
                            )
                        },
                        |c| format!("exit {c}"),
                    );
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        "still running".into()
    }

    /// The proxy's process id.
    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().map(|p| p.child.id())
    }

    /// Whether the proxy process is still running.
    pub fn running(&mut self) -> bool {
        self.proc
            .as_mut()
            .is_some_and(|p| matches!(p.child.try_wait(), Ok(None)))
    }
}
