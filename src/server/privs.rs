//! `User` and `Group`: resolved before anything irreversible happens (so
//! an unknown name stops the start with tinyproxy's message and status 67
//! while the terminal still listens), applied after the listening sockets
//! and the pid file exist.

use crate::config::Config;
use crate::log::Level;
use crate::log_msg;
use nix::unistd::{Gid, Group, Uid, User};

/// EX_NOUSER: unknown user or group.
pub const EX_NOUSER: i32 = 67;
/// EX_NOPERM: setuid/setgid failed.
pub const EX_NOPERM: i32 = 77;

/// The uid/gid to run as, with the names used in the log lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ids {
    pub user: Option<(String, Uid)>,
    pub group: Option<(String, Gid)>,
}

/// Resolve `User` and `Group` (names or numbers). Without `Group`, the
/// user's primary group is used (tinyproxy 1.11.1 keeps gid 0 — a bug we
/// fix). Errors are tinyproxy's stderr text (prefixed with `prog`, as
/// tinyproxy prefixes argv[0]) and exit status.
pub fn resolve_ids(cfg: &Config, prog: &str) -> Result<Ids, (i32, String)> {
    let user = match &cfg.user {
        None => None,
        Some(name) => Some((name.clone(), lookup_user(name, prog)?)),
    };
    let group = match (&cfg.group, &user) {
        (Some(name), _) => Some((name.clone(), lookup_group(name, prog)?)),
        (None, Some((_, uid))) => match User::from_uid(*uid) {
            Ok(Some(u)) => Some((group_name(u.gid), u.gid)),
            // A numeric uid with no passwd entry: nothing to take the
            // group from, so the gid is left alone (as tinyproxy does).
            _ => None,
        },
        (None, None) => None,
    };
    Ok(Ids { user, group })
}

fn lookup_user(name: &str, prog: &str) -> Result<Uid, (i32, String)> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(Uid::from_raw(n));
    }
    match User::from_name(name) {
        Ok(Some(u)) => Ok(u.uid),
        _ => Err((
            EX_NOUSER,
            format!("{prog}: Unable to find user \"{name}\".\n"),
        )),
    }
}

fn lookup_group(name: &str, prog: &str) -> Result<Gid, (i32, String)> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(Gid::from_raw(n));
    }
    match Group::from_name(name) {
        Ok(Some(g)) => Ok(g.gid),
        _ => Err((
            EX_NOUSER,
            format!("{prog}: Unable to find group \"{name}\".\n"),
        )),
    }
}

fn group_name(gid: Gid) -> String {
    match Group::from_gid(gid) {
        Ok(Some(g)) => g.name,
        _ => gid.to_string(),
    }
}

/// Give up root: supplementary groups (all dropped, as tinyproxy), then
/// the gid, then the uid — in that order, since after `setuid` the
/// others are no longer allowed. Not root: tinyproxy's log line only.
pub fn drop_privileges(ids: &Ids, prog: &str) -> Result<(), (i32, String)> {
    if !Uid::effective().is_root() {
        log_msg!(Level::Info, "Not running as root, so not changing UID/GID.");
        return Ok(());
    }
    if let Some((name, gid)) = &ids.group {
        nix::unistd::setgroups(&[])
            .and_then(|_| nix::unistd::setgid(*gid))
            .map_err(|e| {
                (
                    EX_NOPERM,
                    format!("{prog}: Unable to change to group \"{name}\": {e}\n"),
                )
            })?;
        log_msg!(Level::Info, "Now running as group \"{}\".", name);
    }
    if let Some((name, uid)) = &ids.user {
        nix::unistd::setuid(*uid).map_err(|e| {
            (
                EX_NOPERM,
                format!("{prog}: Unable to change to user \"{name}\": {e}\n"),
            )
        })?;
        log_msg!(Level::Info, "Now running as user \"{}\".", name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn cfg(user: Option<&str>, group: Option<&str>) -> Config {
        let mut c = Config::with_defaults(PathBuf::from("/x.conf"));
        c.user = user.map(str::to_string);
        c.group = group.map(str::to_string);
        c
    }

    #[test]
    fn numbers_names_and_primary_group() {
        let ids = resolve_ids(&cfg(Some("65534"), Some("65534")), "tp").unwrap_or_else(|e| {
            panic!("{e:?}");
        });
        assert_eq!(ids.user, Some(("65534".into(), Uid::from_raw(65534))));
        assert_eq!(ids.group, Some(("65534".into(), Gid::from_raw(65534))));
        // `User root` without Group: root's primary group, by name.
        let ids = resolve_ids(&cfg(Some("root"), None), "tp").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(ids.group, Some(("root".into(), Gid::from_raw(0))));
        assert_eq!(
            resolve_ids(&cfg(Some("no-such-user-x"), None), "tp"),
            Err((
                EX_NOUSER,
                "tp: Unable to find user \"no-such-user-x\".\n".into()
            ))
        );
        assert_eq!(
            resolve_ids(&cfg(None, Some("no-such-group-x")), "tp"),
            Err((
                EX_NOUSER,
                "tp: Unable to find group \"no-such-group-x\".\n".into()
            ))
        );
    }
}
