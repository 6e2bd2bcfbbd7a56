//! Child processes a test started: ended when dropped (by their pid, or
//! their own process group), signalled by pid, and bound to die with the
//! test process.

use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};

/// Send `sig` to `pid`, a process this test started; fails the test if
/// the signal cannot be sent.
pub fn kill(pid: u32, sig: i32) {
    use nix::sys::signal::{kill, Signal};
    let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).expect("pid fits"));
    let sig = Signal::try_from(sig).expect("a known signal");
    kill(pid, sig).unwrap_or_else(|e| panic!("kill({pid}, {sig}) failed: {e}"));
}

/// Make a child die with the thread that spawned it (PR_SET_PDEATHSIG),
/// so a test run that is killed leaves no proxy behind.
pub fn die_with_parent(cmd: &mut Command) {
    // SAFETY: prctl is async-signal-safe; the closure allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// A child process ended when dropped: by its pid, or (for daemons that
/// fork helpers, like danted) its whole process group.
pub struct Guard {
    pub child: Child,
    pub name: String,
    group: bool,
}

impl Guard {
    /// Guard a child this test spawned; killed by its pid.
    pub fn new(child: Child) -> Guard {
        Guard {
            child,
            name: String::new(),
            group: false,
        }
    }

    /// Start `cmd` in its own process group with null stdio; the group
    /// is killed on drop.
    pub fn spawn_group(name: &str, mut cmd: Command) -> Guard {
        cmd.process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Guard {
            child,
            name: name.to_string(),
            group: true,
        }
    }

    /// Fails the test if the process already exited (bad config etc.).
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early: {status}", self.name);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.group {
            let pgid = nix::unistd::Pid::from_raw(self.child.id() as i32);
            let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
        } else {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
