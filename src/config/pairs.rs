//! The directives that take a pair of arguments: `BasicAuth`,
//! `ErrorFile`, `AddHeader` and `ReversePath`.

use super::parse_state::{path_of, Ctx, HResult, State};
use super::types::ReversePath;
use super::values::{blanks1, integer, is_blank, line_end, pair, quoted, word, In, PRes};
use nom::combinator::opt;
use nom::sequence::preceded;

/// tinyproxy's limit for `user:pass` (a 258-byte buffer, NUL included).
pub const USER_PASS_MAX: usize = 257;

/// `BasicAuth USER PASSWORD`, with tinyproxy 1.11.2+ rules: the user has
/// no `:` (nor blanks), the password is the rest of the line (blanks
/// inside allowed, trailing blanks dropped) and has no `@`. 1.11.1 only
/// took `[-a-z0-9._]+` for both, so this accepts a superset. Neither may
/// hold control characters (so CRLF files still fail, as in 1.11.1).
pub fn basic_auth(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    let (i, _) = blanks1(r).map_err(|e| c.nom_error(e))?;
    let (after_user, user) = word(i).map_err(|_| c.err_at(i, "a user name"))?;
    if let Some(k) = user.iter().position(|&b| b == b':') {
        return Err(c.err_at(&i[k..], "a user name without ':'"));
    }
    let (pass_start, _) = blanks1(after_user)
        .map_err(|_| c.err_at(after_user, "a space or tab, then the password"))?;
    let end = pass_start
        .iter()
        .rposition(|&b| !is_blank(b))
        .map_or(0, |k| k + 1);
    let pass = &pass_start[..end];
    if pass.is_empty() {
        return Err(c.err_at(pass_start, "a password"));
    }
    if let Some(k) = pass.iter().position(|&b| b == b'@') {
        return Err(c.err_at(&pass_start[k..], "a password without '@'"));
    }
    // Control bytes (a CRLF file's '\r', say) are never meant: refuse.
    if let Some(k) = user.iter().position(|b| b.is_ascii_control()) {
        return Err(c.err_at(&i[k..], "a user name without control characters"));
    }
    if let Some(k) = pass
        .iter()
        .position(|&b| b.is_ascii_control() && b != b'\t')
    {
        return Err(c.err_at(&pass_start[k..], "a password without control characters"));
    }
    let n = c.n();
    let user = st.text_of(n, user);
    let pass = st.text_of(n, pass);
    if user.len() + 1 + pass.len() > USER_PASS_MAX {
        st.warn(n, "User / pass in basicauth rule too long".into());
        return Ok(());
    }
    st.info(n, format!("Added basic auth user : {user}"));
    st.config.basic_auth.push((user, pass));
    Ok(())
}

/// `ErrorFile CODE "path"`: the first mapping for a code wins.
pub fn error_file(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    let (_, (lit, path)) = pair(integer, quoted)(r).map_err(|e| c.nom_error(e))?;
    let code = st.u32_of(c, &lit)?;
    let n = c.n();
    let shown = String::from_utf8_lossy(path);
    if st
        .config
        .error_files
        .iter()
        .any(|(k, _)| u32::from(*k) == code)
    {
        st.warn_line(n, format!("add_new_errorpage() failed: '{shown}'"));
        return Ok(());
    }
    match u16::try_from(code) {
        Ok(k) => st.config.error_files.push((k, path_of(path))),
        Err(_) => st.warn_line(
            n,
            format!("ErrorFile for status {code} can never be used; ignored"),
        ),
    }
    Ok(())
}

/// `[ \t]+STR([ \t]+STR)?[ \t]*$`
fn reverse_args(i: In<'_>) -> PRes<'_, (In<'_>, Option<In<'_>>)> {
    let (i, a) = preceded(blanks1, quoted)(i)?;
    let (i, b) = opt(preceded(blanks1, quoted))(i)?;
    let (i, _) = line_end(i)?;
    Ok((i, (a, b)))
}

/// `AddHeader "Name" "Value"`.
pub fn add_header(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    let (_, (name, value)) = pair(quoted, quoted)(r).map_err(|e| c.nom_error(e))?;
    let n = c.n();
    let name = st.text_of(n, name);
    let value = st.text_of(n, value);
    st.config.add_headers.push((name, value));
    Ok(())
}

/// `ReversePath "/path/" "http://backend/"` or `ReversePath "URL"` (for
/// `/`). Rules are kept in file order; tinyproxy tries the last one first.
pub fn reverse_path(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    let (_, (a, b)) = reverse_args(r).map_err(|e| c.nom_error(e))?;
    let n = c.n();
    let (path, url) = match b {
        Some(b) => (Some(st.text_of(n, a)), st.text_of(n, b)),
        None => (None, st.text_of(n, a)),
    };
    if !url.contains("://") {
        st.warn(
            n,
            format!("Skipping reverse proxy rule: '{url}' is not a valid url"),
        );
        return Ok(());
    }
    let mut path = path.unwrap_or_else(|| "/".to_string());
    if !path.starts_with('/') {
        st.warn(
            n,
            format!("Skipping reverse proxy rule: path '{path}' doesn't start with a /"),
        );
        return Ok(());
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    st.info(n, format!("Added reverse proxy rule: {path} -> {url}"));
    st.config.reverse_paths.push(ReversePath { path, url });
    Ok(())
}
