//! What only a restart applies: whom the process runs as (`User`,
//! `Group`) and its `PidFile`. These are used once, at start, before the
//! privilege drop; a reload that changes them is reported, not applied.
//!
//! `Port`/`Listen` (rebound on reload), `LogFile`/`Syslog` (reopened on
//! reload) are not here: a reload applies them (COMPATIBILITY.md
//! `reload-rebind`, `log-fallback-stderr`).

use super::parse_state::{Ctx, HResult, State};
use super::values::{checked_word, is_alnum, sole, In};
use std::path::PathBuf;

/// The restart-only settings of a [`Config`](super::Config), compared as
/// a whole by [`Config::restart_needed`](super::Config::restart_needed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessSettings {
    /// `User`: name or number, as written.
    pub user: Option<String>,
    /// `Group`: name or number, as written.
    pub group: Option<String>,
    /// `PidFile`.
    pub pid_file: Option<PathBuf>,
}

/// `User`/`Group`: ALNUM (`[-a-z0-9._]+`, any case), stored as written.
pub fn alnum_dir(st: &mut State, c: &Ctx<'_>, r: In<'_>, f: fn(&mut State, String)) -> HResult {
    let what = "a user or group name or number (letters, digits, '-', '.', '_')";
    let (_, w) = sole(checked_word(what, is_alnum))(r).map_err(|e| c.nom_error(e))?;
    let v = String::from_utf8_lossy(w).into_owned();
    f(st, v);
    Ok(())
}
