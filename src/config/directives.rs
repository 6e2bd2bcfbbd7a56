//! The directive table and the handlers for single-value directives.
//!
//! Names are matched ignoring ASCII case. Each handler parses the rest of
//! the line (after the name) and applies it to the config; parse-time log
//! lines are recorded as diagnostics in the order tinyproxy logs them.

use super::parse_state::{path_of, Ctx, HResult, State, FILTER_ERE, FILTER_FNMATCH};
use super::types::{FilterType, LogLevel};
use super::values::{boolean, integer, keyword, quoted, sole, In, IntLit};
use super::{net, pairs, process, upstream};
use crate::log::Level;
use std::time::Duration;

/// A directive handler: state, line, rest of the line after the name.
pub type Handler = fn(&mut State, &Ctx<'_>, In<'_>) -> HResult;

/// Every directive of tinyproxy 1.11.1, plus `BasicAuthRealm` (1.11.3).
pub const TABLE: &[(&str, Handler)] = &[
    ("logfile", |st, c, r| {
        path_dir(st, c, r, |s, p| s.config.log_file = Some(p))
    }),
    ("pidfile", |st, c, r| {
        path_dir(st, c, r, |s, p| s.config.process.pid_file = Some(p))
    }),
    ("defaulterrorfile", |st, c, r| {
        path_dir(st, c, r, |s, p| s.config.default_error_file = Some(p))
    }),
    ("statfile", |st, c, r| {
        path_dir(st, c, r, |s, p| s.config.stat_file = Some(p))
    }),
    ("filter", |st, c, r| {
        path_dir(st, c, r, |s, p| s.config.filter.file = Some(p))
    }),
    ("anonymous", |st, c, r| {
        str_dir(st, c, r, |s, v, _| s.config.anonymous.push(v))
    }),
    ("viaproxyname", |st, c, r| {
        str_dir(st, c, r, |s, v, n| {
            s.info(n, format!("Setting \"Via\" header to '{v}'"));
            s.config.via_proxy_name = Some(v);
        })
    }),
    ("stathost", |st, c, r| {
        str_dir(st, c, r, |s, v, n| {
            s.info(n, format!("Stathost set to \"{v}\""));
            s.config.stat_host = v;
        })
    }),
    ("basicauthrealm", |st, c, r| {
        str_dir(st, c, r, |s, v, _| s.config.basic_auth_realm = v)
    }),
    ("reversebaseurl", |st, c, r| {
        str_dir(st, c, r, |s, v, _| s.config.reverse_base_url = Some(v))
    }),
    ("xtinyproxy", |st, c, r| {
        bool_dir(st, c, r, |s, b, _| s.config.xtinyproxy = b)
    }),
    ("syslog", |st, c, r| {
        bool_dir(st, c, r, |s, b, _| s.config.syslog = b)
    }),
    ("reverseonly", |st, c, r| {
        bool_dir(st, c, r, |s, b, _| s.config.reverse_only = b)
    }),
    ("reversemagic", |st, c, r| {
        bool_dir(st, c, r, |s, b, _| s.config.reverse_magic = b)
    }),
    ("bindsame", |st, c, r| {
        bool_dir(st, c, r, |s, b, n| {
            // tinyproxy logs this even for "BindSame no".
            s.info(n, "Binding outgoing connection to incoming IP".into());
            s.config.bind_same = b;
        })
    }),
    ("disableviaheader", |st, c, r| {
        bool_dir(st, c, r, |s, b, n| {
            // tinyproxy logs this even for "DisableViaHeader no".
            s.info(n, "Disabling transmission of the \"Via\" header.".into());
            s.config.disable_via_header = b;
        })
    }),
    // The filter booleans are OR-ed bits in tinyproxy: a later "No"
    // cannot clear an earlier "Yes".
    ("filterurls", |st, c, r| {
        bool_dir(st, c, r, |s, b, _| s.config.filter.urls |= b)
    }),
    ("filtercasesensitive", |st, c, r| {
        bool_dir(st, c, r, |s, b, _| s.config.filter.case_sensitive |= b)
    }),
    ("filterdefaultdeny", |st, c, r| {
        bool_dir(st, c, r, |s, b, _| s.config.filter.default_deny |= b)
    }),
    ("filterextended", |st, c, r| {
        bool_dir(st, c, r, |s, b, n| {
            s.warn_line(n, "deprecated option FilterExtended, use FilterType");
            if b {
                s.filter_type_bits |= FILTER_ERE;
            }
        })
    }),
    ("filtertype", filter_type),
    ("loglevel", log_level),
    ("port", port),
    ("maxclients", |st, c, r| {
        int_dir(st, c, r, |s, v, _| s.config.max_clients = v)
    }),
    ("timeout", |st, c, r| {
        int_dir(st, c, r, |s, v, _| {
            s.config.timeout = Duration::from_secs(v.into())
        })
    }),
    ("connectport", connect_port),
    ("maxspareservers", obsolete),
    ("minspareservers", obsolete),
    ("startservers", obsolete),
    ("maxrequestsperchild", obsolete),
    ("user", |st, c, r| {
        process::alnum_dir(st, c, r, |s, v| s.config.process.user = Some(v))
    }),
    ("group", |st, c, r| {
        process::alnum_dir(st, c, r, |s, v| s.config.process.group = Some(v))
    }),
    ("listen", net::listen),
    ("bind", net::bind),
    ("allow", |st, c, r| net::acl(st, c, r, true)),
    ("deny", |st, c, r| net::acl(st, c, r, false)),
    ("basicauth", pairs::basic_auth),
    ("errorfile", pairs::error_file),
    ("addheader", pairs::add_header),
    ("reversepath", pairs::reverse_path),
    ("upstream", upstream::upstream),
];

/// Every directive of [`TABLE`] in its documented spelling, for messages.
const SPELLINGS: &[&str] = &[
    "LogFile",
    "PidFile",
    "DefaultErrorFile",
    "StatFile",
    "Filter",
    "Anonymous",
    "ViaProxyName",
    "StatHost",
    "BasicAuthRealm",
    "ReverseBaseURL",
    "XTinyproxy",
    "Syslog",
    "ReverseOnly",
    "ReverseMagic",
    "BindSame",
    "DisableViaHeader",
    "FilterURLs",
    "FilterCaseSensitive",
    "FilterDefaultDeny",
    "FilterExtended",
    "FilterType",
    "LogLevel",
    "Port",
    "MaxClients",
    "Timeout",
    "ConnectPort",
    "MaxSpareServers",
    "MinSpareServers",
    "StartServers",
    "MaxRequestsPerChild",
    "User",
    "Group",
    "Listen",
    "Bind",
    "Allow",
    "Deny",
    "BasicAuth",
    "ErrorFile",
    "AddHeader",
    "ReversePath",
    "Upstream",
];

/// The documented spelling of a directive name (ASCII case ignored).
pub fn canonical_name(name: &[u8]) -> Option<&'static str> {
    SPELLINGS
        .iter()
        .find(|n| name.eq_ignore_ascii_case(n.as_bytes()))
        .copied()
}

/// The handler for a directive name (ASCII case ignored).
pub fn lookup(name: &[u8]) -> Option<Handler> {
    TABLE
        .iter()
        .find(|(n, _)| name.eq_ignore_ascii_case(n.as_bytes()))
        .map(|(_, h)| *h)
}

/// `NAME "string"`, value as text.
fn str_dir(st: &mut State, c: &Ctx<'_>, r: In<'_>, f: fn(&mut State, String, usize)) -> HResult {
    let (_, v) = sole(quoted)(r).map_err(|e| c.nom_error(e))?;
    let v = st.text_of(c.n(), v);
    f(st, v, c.n());
    Ok(())
}

/// `NAME "path"`, bytes kept as written.
fn path_dir(
    st: &mut State,
    c: &Ctx<'_>,
    r: In<'_>,
    f: fn(&mut State, std::path::PathBuf),
) -> HResult {
    let (_, v) = sole(quoted)(r).map_err(|e| c.nom_error(e))?;
    f(st, path_of(v));
    Ok(())
}

/// `NAME yes|on|no|off`.
fn bool_dir(st: &mut State, c: &Ctx<'_>, r: In<'_>, f: fn(&mut State, bool, usize)) -> HResult {
    let (_, b) = sole(boolean)(r).map_err(|e| c.nom_error(e))?;
    f(st, b, c.n());
    Ok(())
}

/// `NAME digits`, as a 32-bit value.
fn int_dir(st: &mut State, c: &Ctx<'_>, r: In<'_>, f: fn(&mut State, u32, usize)) -> HResult {
    let (_, lit) = sole(integer)(r).map_err(|e| c.nom_error(e))?;
    let v = st.u32_of(c, &lit)?;
    f(st, v, c.n());
    Ok(())
}

/// The four directives 1.11 no longer uses: accepted (the value must still
/// be a number), ignored, and a warning on stderr.
fn obsolete(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    sole(integer)(r).map_err(|e| c.nom_error(e))?;
    let n = c.n();
    st.say(
        n,
        Level::Warning,
        true,
        format!("WARNING: obsolete config item on line {n}"),
    );
    Ok(())
}

fn filter_type(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    const WORDS: &[&str] = &["bre", "ere", "fnmatch"];
    let (_, n) = sole(keyword("bre, ere or fnmatch", WORDS))(r).map_err(|e| c.nom_error(e))?;
    // 1.11.1 compared the value case-sensitively (so "ERE" silently stayed
    // BRE); 1.11.2 fixed that, and so do we.
    st.filter_type_bits |= [0, FILTER_ERE, FILTER_FNMATCH][n];
    Ok(())
}

/// tinyproxy's precedence when several type bits are set.
pub fn resolve_filter_type(bits: u8) -> FilterType {
    if bits & FILTER_FNMATCH != 0 {
        FilterType::Fnmatch
    } else if bits & FILTER_ERE != 0 {
        FilterType::Ere
    } else {
        FilterType::Bre
    }
}

fn log_level(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    const WORDS: &[&str] = &["critical", "error", "warning", "notice", "connect", "info"];
    const LEVELS: [LogLevel; 6] = [
        LogLevel::Critical,
        LogLevel::Error,
        LogLevel::Warning,
        LogLevel::Notice,
        LogLevel::Connect,
        LogLevel::Info,
    ];
    let what = "critical, error, warning, notice, connect or info";
    let (_, n) = sole(keyword(what, WORDS))(r).map_err(|e| c.nom_error(e))?;
    st.config.log_level = Some(LEVELS[n]);
    Ok(())
}

/// `Port N`: 1..65535; `0` means "not set" (checked after the last line).
fn port(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    let (_, lit) = sole(integer)(r).map_err(|e| c.nom_error(e))?;
    st.note_octal(c.n(), &lit);
    match u16::try_from(lit.value) {
        Ok(p) => {
            st.config.port = p;
            Ok(())
        }
        Err(_) => Err(bad_port(c, &lit)),
    }
}

/// tinyproxy keeps the value in an `unsigned int` and prints it with `%d`;
/// we print the same number whenever tinyproxy also refuses the value, and
/// the number as written when only we do (it would wrap to a small port).
fn bad_port(c: &Ctx<'_>, lit: &IntLit<'_>) -> super::parse_state::LineError {
    let wrapped = lit.value as u32; // deliberate truncation, as in C
    let shown = if wrapped > 65535 {
        (wrapped as i32).to_string()
    } else {
        lit.text()
    };
    let mut e = c.err_at(
        lit.text,
        format!("a port number from 1 to 65535, found {}", lit.text()),
    );
    e.prefix = Some(format!("Bad port number ({shown}) supplied for Port."));
    e
}

fn connect_port(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    let (_, lit) = sole(integer)(r).map_err(|e| c.nom_error(e))?;
    let v = st.u32_of(c, &lit)?;
    let n = c.n();
    st.info(
        n,
        format!("Adding Port [{}] to the list allowed by CONNECT", v as i32),
    );
    if v > 65535 {
        st.warn_line(n, format!("ConnectPort {v} can never match a port"));
    }
    st.config.connect_ports.push(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_directive_has_a_spelling() {
        assert_eq!(SPELLINGS.len(), TABLE.len());
        for (name, _) in TABLE {
            let s = canonical_name(name.as_bytes()).expect(name);
            assert_eq!(s.to_ascii_lowercase(), *name);
        }
    }
}
