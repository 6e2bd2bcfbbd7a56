//! Daemon duties, in tinyproxy's order: detach (after the config is read
//! and the sockets are bound, so errors still reach the terminal), write
//! the pid file as root, then give up root for `User`/`Group`.

use crate::config::Config;
use crate::log::Level;
use crate::log_msg;
use nix::unistd::{Gid, Group, Uid, User};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// EX_NOUSER: unknown user or group.
pub const EX_NOUSER: i32 = 67;
/// EX_NOPERM: setuid/setgid failed.
pub const EX_NOPERM: i32 = 77;

/// The uid/gid to run as, resolved before anything irreversible happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ids {
    pub user: Option<(String, Uid)>,
    pub group: Option<(String, Gid)>,
}

/// Resolve `User` and `Group` (names or numbers). Without `Group`, the
/// user's primary group is used (tinyproxy 1.11.1 keeps gid 0 — a bug we
/// fix). Errors are tinyproxy's stderr text and exit status.
pub fn resolve_ids(cfg: &Config) -> Result<Ids, (i32, String)> {
    let user = match &cfg.user {
        None => None,
        Some(name) => Some((name.clone(), lookup_user(name)?)),
    };
    let group = match (&cfg.group, &user) {
        (Some(name), _) => Some((name.clone(), lookup_group(name)?)),
        (None, Some((_, uid))) => match User::from_uid(*uid) {
            Ok(Some(u)) => Some((group_name(u.gid), u.gid)),
            _ => None,
        },
        (None, None) => None,
    };
    Ok(Ids { user, group })
}

fn lookup_user(name: &str) -> Result<Uid, (i32, String)> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(Uid::from_raw(n));
    }
    match User::from_name(name) {
        Ok(Some(u)) => Ok(u.uid),
        _ => Err((
            EX_NOUSER,
            format!("tinyproxy: Unable to find user \"{name}\".\n"),
        )),
    }
}

fn lookup_group(name: &str) -> Result<Gid, (i32, String)> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(Gid::from_raw(n));
    }
    match Group::from_name(name) {
        Ok(Some(g)) => Ok(g.gid),
        _ => Err((
            EX_NOUSER,
            format!("tinyproxy: Unable to find group \"{name}\".\n"),
        )),
    }
}

fn group_name(gid: Gid) -> String {
    match Group::from_gid(gid) {
        Ok(Some(g)) => g.name,
        _ => gid.to_string(),
    }
}

/// Detach from the terminal: fork, new session, fork, `chdir /`, stdio to
/// /dev/null. The launching process exits 0.
pub fn detach() -> Result<(), String> {
    daemonize::Daemonize::new()
        .working_directory("/")
        .umask(0o177)
        .start()
        .map_err(|e| e.to_string())
}

/// Write `PID\n` to `path` as the current (root) user, mode 0600, never
/// through a symlink (CVE-2017-11747).
pub fn write_pid_file(path: &Path) -> std::io::Result<PidFile> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(format!("{}\n", std::process::id()).as_bytes())?;
    Ok(PidFile(path.to_path_buf()))
}

/// The pid file, removed when the process ends cleanly.
pub struct PidFile(PathBuf);

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0) {
            log_msg!(
                Level::Warning,
                "Could not remove PID file \"{}\": {}.",
                self.0.display(),
                super::opensock::strerror(&e)
            );
        }
    }
}

/// Give up root: supplementary groups, then gid, then uid. Not root:
/// tinyproxy's log line and nothing else.
pub fn drop_privileges(ids: &Ids) -> Result<(), (i32, String)> {
    if !Uid::effective().is_root() {
        log_msg!(Level::Info, "Not running as root, so not changing UID/GID.");
        return Ok(());
    }
    if let Some((name, gid)) = &ids.group {
        nix::unistd::setgroups(&[*gid])
            .and_then(|_| nix::unistd::setgid(*gid))
            .map_err(|e| {
                (
                    EX_NOPERM,
                    format!("tinyproxy: Unable to change to group \"{name}\": {e}\n"),
                )
            })?;
        log_msg!(Level::Info, "Now running as group \"{}\".", name);
    }
    if let Some((name, uid)) = &ids.user {
        nix::unistd::setuid(*uid).map_err(|e| {
            (
                EX_NOPERM,
                format!("tinyproxy: Unable to change to user \"{name}\": {e}\n"),
            )
        })?;
        log_msg!(Level::Info, "Now running as user \"{}\".", name);
    }
    Ok(())
}
