//! `User` and `Group`: whom the process runs as (applied once, at start;
//! a reload cannot change them: see `ProcessSettings`).

use super::parse_state::{Ctx, HResult, State};
use super::values::{checked_word, is_alnum, sole, In};

/// `User`/`Group`: ALNUM (`[-a-z0-9._]+`, any case), stored as written.
pub fn alnum_dir(st: &mut State, c: &Ctx<'_>, r: In<'_>, f: fn(&mut State, String)) -> HResult {
    let what = "a user or group name or number (letters, digits, '-', '.', '_')";
    let (_, w) = sole(checked_word(what, is_alnum))(r).map_err(|e| c.nom_error(e))?;
    let v = String::from_utf8_lossy(w).into_owned();
    f(st, v);
    Ok(())
}
