//! `User` and `Group`: looked up only when running as root, as tinyproxy
//! does (a non-root process cannot switch users, so the names are not
//! needed and an unknown name is no error). Resolved before anything
//! irreversible happens (so an unknown name stops a root start with
//! tinyproxy's message and status 67 while the terminal still listens),
//! applied after the listening sockets and the pid file exist.
//!
//! Names are looked up in /etc/passwd and /etc/group directly (see
//! `accounts`), never through NSS.

mod accounts;

use crate::app::exit::StartError;
use crate::config::ProcessSettings;
use crate::log::Level;
use crate::log_msg;
use nix::unistd::{Gid, Uid};
use std::path::Path;

/// The uid/gid to run as, with the names used in the log lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    pub user: Option<(String, Uid)>,
    pub group: Option<(String, Gid)>,
}

/// The ids to switch to: resolved from the system's account files when
/// we run as root, none otherwise (`drop_privileges` then logs
/// tinyproxy's "Not running as root" line).
pub fn ids_for(process: &ProcessSettings, prog: &str) -> Result<Ids, StartError> {
    if !Uid::effective().is_root() {
        return Ok(Ids::default());
    }
    let files = Files {
        passwd: Path::new(accounts::PASSWD),
        group: Path::new(accounts::GROUP),
    };
    resolve_ids(process, prog, &files)
}

/// Where the account files are (the system's, or a test's).
pub struct Files<'a> {
    pub passwd: &'a Path,
    pub group: &'a Path,
}

/// Resolve `User` and `Group` (names or numbers). Without `Group`, the
/// user's primary group is used (tinyproxy 1.11.1 keeps gid 0 — a bug we
/// fix). Errors are tinyproxy's stderr text (prefixed with `prog`, as
/// tinyproxy prefixes argv[0]) and exit status.
pub fn resolve_ids(
    process: &ProcessSettings,
    prog: &str,
    files: &Files,
) -> Result<Ids, StartError> {
    let user = match &process.user {
        None => None,
        Some(name) => Some((name.clone(), lookup_user(name, prog, files)?)),
    };
    let group = match (&process.group, &user) {
        (Some(name), _) => Some((name.clone(), lookup_group(name, prog, files)?)),
        (None, Some((_, uid))) => match accounts::user_by_uid(files.passwd, uid.as_raw()) {
            Some(u) => Some((group_name(u.gid, files), Gid::from_raw(u.gid))),
            // A numeric uid with no passwd entry: nothing to take the
            // group from, so the gid is left alone (as tinyproxy does).
            None => None,
        },
        (None, None) => None,
    };
    Ok(Ids { user, group })
}

fn lookup_user(name: &str, prog: &str, files: &Files) -> Result<Uid, StartError> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(Uid::from_raw(n));
    }
    match accounts::user_by_name(files.passwd, name) {
        Some(u) => Ok(Uid::from_raw(u.uid)),
        None => Err(StartError::NoUser(format!(
            "{prog}: Unable to find user \"{name}\".\n"
        ))),
    }
}

fn lookup_group(name: &str, prog: &str, files: &Files) -> Result<Gid, StartError> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(Gid::from_raw(n));
    }
    match accounts::group_by_name(files.group, name) {
        Some(g) => Ok(Gid::from_raw(g.gid)),
        None => Err(StartError::NoUser(format!(
            "{prog}: Unable to find group \"{name}\".\n"
        ))),
    }
}

fn group_name(gid: u32, files: &Files) -> String {
    match accounts::group_by_gid(files.group, gid) {
        Some(g) => g.name,
        None => gid.to_string(),
    }
}

/// The name of the user we run as, for error messages (`uid N` when
/// /etc/passwd has no entry, as in a container started with any uid).
pub fn current_user() -> String {
    let uid = Uid::effective().as_raw();
    let gid = Gid::effective().as_raw();
    match accounts::user_by_uid(Path::new(accounts::PASSWD), uid) {
        Some(u) => format!("{} (uid {uid}, gid {gid})", u.name),
        None => format!("uid {uid}, gid {gid}"),
    }
}

/// Give up root: supplementary groups (all dropped, as tinyproxy), then
/// the gid, then the uid — in that order, since after `setuid` the
/// others are no longer allowed. Not root: tinyproxy's log line only.
pub fn drop_privileges(ids: &Ids, prog: &str) -> Result<(), StartError> {
    if !Uid::effective().is_root() {
        log_msg!(Level::Info, "Not running as root, so not changing UID/GID.");
        return Ok(());
    }
    if let Some((name, gid)) = &ids.group {
        nix::unistd::setgroups(&[])
            .and_then(|_| nix::unistd::setgid(*gid))
            .map_err(|e| {
                StartError::NoPerm(format!(
                    "{prog}: Unable to change to group \"{name}\": {e}\n"
                ))
            })?;
        log_msg!(Level::Info, "Now running as group \"{}\".", name);
    }
    if let Some((name, uid)) = &ids.user {
        nix::unistd::setuid(*uid).map_err(|e| {
            StartError::NoPerm(format!(
                "{prog}: Unable to change to user \"{name}\": {e}\n"
            ))
        })?;
        log_msg!(Level::Info, "Now running as user \"{}\".", name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::exit::EX_NOUSER;

    fn cfg(user: Option<&str>, group: Option<&str>) -> ProcessSettings {
        ProcessSettings {
            user: user.map(str::to_string),
            group: group.map(str::to_string),
            pid_file: None,
        }
    }

    #[test]
    fn numbers_names_and_primary_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let passwd = dir.path().join("passwd");
        let group = dir.path().join("group");
        std::fs::write(&passwd, "root:x:0:0::/:\ntinyproxy:x:100:101::/:\n").expect("passwd");
        std::fs::write(&group, "root:x:0:\ntinyproxy:x:101:\n").expect("group");
        let files = Files {
            passwd: &passwd,
            group: &group,
        };
        let resolve = |u, g| resolve_ids(&cfg(u, g), "tp", &files);
        let ids = resolve(Some("65534"), Some("65534")).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(ids.user, Some(("65534".into(), Uid::from_raw(65534))));
        assert_eq!(ids.group, Some(("65534".into(), Gid::from_raw(65534))));
        // A numeric uid without a passwd entry: the gid is left alone.
        assert_eq!(resolve(Some("65534"), None).map(|i| i.group), Ok(None));
        // `User tinyproxy` without Group: its primary group, by name.
        let ids = resolve(Some("tinyproxy"), None).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(ids.user, Some(("tinyproxy".into(), Uid::from_raw(100))));
        assert_eq!(ids.group, Some(("tinyproxy".into(), Gid::from_raw(101))));
        assert_eq!(
            resolve(Some("no-such-user-x"), None).map_err(|e| (e.exit_code(), e.to_string())),
            Err((
                EX_NOUSER,
                "tp: Unable to find user \"no-such-user-x\".\n".into()
            ))
        );
        assert_eq!(
            resolve(None, Some("no-such-group-x")).map_err(|e| (e.exit_code(), e.to_string())),
            Err((
                EX_NOUSER,
                "tp: Unable to find group \"no-such-group-x\".\n".into()
            ))
        );
    }
}
