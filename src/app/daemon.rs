//! Daemon duties: detach (after the config is read and the sockets are
//! bound) and the pid file (written as root, before the privilege drop).
//!
//! Unlike tinyproxy, whose launcher exits 0 at once, our launcher waits
//! until the daemon is ready — pid file written, privileges dropped, log
//! open, signal handlers installed — and exits with the daemon's start-up
//! status. Until then the daemon keeps the launcher's stderr, so every
//! start-up error reaches the terminal, and a service manager that reads
//! the pid file when the launcher exits (systemd `Type=forking`) finds it.

use crate::app::exit::EX_OSERR;
use crate::log::Level;
use crate::log_msg;
use nix::fcntl::OFlag;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Which side of the fork we are on.
pub enum Detached {
    /// The launcher: exit with this status.
    Launcher(i32),
    /// The daemon: report readiness through this.
    Daemon(Ready),
}

/// The daemon's end of the readiness pipe.
pub struct Ready(OwnedFd);

impl Ready {
    /// Tell the launcher how start-up ended (0: serving) and, on success,
    /// let go of the terminal: stderr goes to /dev/null from now on.
    pub fn finish(self, code: i32) {
        let byte = [u8::try_from(code).unwrap_or(1)];
        let mut pipe = File::from(self.0);
        let _ = pipe.write_all(&byte);
        drop(pipe);
        if code == 0 {
            if let Ok(null) = OpenOptions::new().read(true).write(true).open("/dev/null") {
                let _ = nix::unistd::dup2(null.as_raw_fd(), libc::STDERR_FILENO);
            }
        }
    }
}

/// Detach from the terminal: fork, new session, fork, `chdir /`, umask
/// 0177, stdin and stdout to /dev/null (stderr stays until
/// [`Ready::finish`]).
pub fn detach() -> Result<Detached, String> {
    let (rd, wr) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| e.to_string())?;
    let outcome = daemonize::Daemonize::new()
        .working_directory("/")
        .umask(0o177)
        .stderr(daemonize::Stdio::keep())
        .execute();
    match outcome {
        daemonize::Outcome::Parent(Ok(_)) => {
            drop(wr);
            // Ctrl-C must still end a launcher whose daemon hangs.
            crate::app::signals::mask_signals(nix::sys::signal::SigmaskHow::SIG_UNBLOCK);
            Ok(Detached::Launcher(wait_ready(rd)))
        }
        daemonize::Outcome::Parent(Err(e)) => Err(e.to_string()),
        daemonize::Outcome::Child(Ok(_)) => {
            drop(rd);
            Ok(Detached::Daemon(Ready(wr)))
        }
        daemonize::Outcome::Child(Err(e)) => {
            // The intermediate or final child failed (setsid, fork, chdir):
            // say so while stderr is still the terminal, then end.
            eprintln!("tinyproxy: Could not daemonize: {e}");
            Ready(wr).finish(EX_OSERR);
            std::process::exit(EX_OSERR);
        }
    }
}

/// The launcher's wait: one status byte, or EOF if the daemon died first.
fn wait_ready(rd: OwnedFd) -> i32 {
    let mut byte = [0u8; 1];
    let mut pipe = File::from(rd);
    loop {
        match pipe.read(&mut byte) {
            Ok(1) => return i32::from(byte[0]),
            Ok(_) => {
                eprintln!("tinyproxy: the daemon ended during start-up.");
                return EX_OSERR;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("tinyproxy: lost contact with the daemon: {e}");
                return EX_OSERR;
            }
        }
    }
}

/// Write `PID\n` to `path` as the current (root) user, mode 0600. Refuses
/// symlinks (CVE-2017-11747: a symlink planted by the unprivileged user
/// would make root overwrite any file), hard links and non-regular files.
pub fn write_pid_file(path: &Path) -> io::Result<PidFile> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .mode(0o600)
        // O_NONBLOCK: a FIFO planted at the path must not hang the start.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => io::Error::other("it is a symbolic link"),
            _ => e,
        })?;
    let meta = f.metadata()?;
    if !meta.is_file() || meta.nlink() != 1 {
        return Err(io::Error::other(
            "it is not a regular file with a single link",
        ));
    }
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.set_len(0)?;
    f.write_all(format!("{}\n", std::process::id()).as_bytes())?;
    Ok(PidFile(path.to_path_buf()))
}

/// The pid file, removed when the process ends cleanly. After the
/// privilege drop this needs a directory the `User` may write to, as in
/// tinyproxy; otherwise a warning is logged and the file stays.
pub struct PidFile(PathBuf);

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0) {
            log_msg!(
                Level::Warning,
                "Could not remove PID file \"{}\": {}.",
                self.0.display(),
                crate::sys::strerror(&e)
            );
        }
    }
}
