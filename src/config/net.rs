//! `Listen`, `Bind`, `Allow` and `Deny`: the addresses we listen on,
//! connect from, and accept clients from.

use super::addr::{hostspec, scoped_addr, HostSpec};
use super::parse_state::{Ctx, HResult, State};
use super::types::{AclRule, AclSpec, ScopedAddr};
use super::values::{checked_word, is_acl_form, is_addr_form, sole, split_scope, In};

/// Read an address for Listen/Bind. tinyproxy stores the string and only
/// fails when it listens (exit 71) or silently never binds; we refuse it
/// at once.
fn address<'a>(
    st: &mut State,
    c: &Ctx<'_>,
    r: In<'a>,
) -> Result<(ScopedAddr, &'a str), super::parse_state::LineError> {
    let what = "an IPv4 or IPv6 address (no host names, no port)";
    let (_, w) = sole(checked_word(what, is_addr_form))(r).map_err(|e| c.nom_error(e))?;
    // The grammar only lets ASCII through.
    let s = std::str::from_utf8(w).map_err(|_| c.err_at(w, what))?;
    let (addr, canonical) = scoped_addr(s)
        .ok_or_else(|| c.err_at(w, format!("{what}, found \"{s}\", which is not an address")))?;
    if !canonical {
        st.warn_line(
            c.n(),
            format!("address {s} is read as {} (unusual notation)", addr.ip),
        );
    }
    Ok((addr, s))
}

pub fn listen(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    let (addr, s) = address(st, c, r)?;
    st.info(c.n(), format!("Added address [{s}] to listen addresses."));
    if st.config.listen.contains(&addr) {
        // tinyproxy then fails to start ("Could not create listening
        // sockets", exit 71); say why while the line is known.
        st.warn_line(
            c.n(),
            format!("Listen address {s} is given twice; the second bind will fail"),
        );
    }
    st.config.listen.push(addr);
    Ok(())
}

pub fn bind(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    let (addr, s) = address(st, c, r)?;
    st.info(
        c.n(),
        format!("Added bind address [{s}] for outgoing connections."),
    );
    st.config.bind.push(addr);
    Ok(())
}

/// `Allow`/`Deny`. The rule list exists as soon as one such line parses,
/// even if its value is then refused ("Invalid address"): a config whose
/// only ACL lines are invalid denies every client, as tinyproxy does.
pub fn acl(st: &mut State, c: &Ctx<'_>, r: In<'_>, allow: bool) -> HResult {
    let what = "an IPv4 or IPv6 address with optional /bits, or a host name";
    let (_, w) = sole(checked_word(what, is_acl_form))(r).map_err(|e| {
        let mut le = c.nom_error(e);
        let arg = r.trim_ascii();
        if arg.splitn(2, |&b| b == b'/').nth(1).is_some_and(|m| m.contains(&b'.')) {
            le.expected = format!(
                "an address with a prefix length such as 192.168.0.0/16 (dotted netmasks are not accepted), found {}",
                super::error::found(arg)
            );
        }
        le
    })?;
    let s = std::str::from_utf8(w).map_err(|_| c.err_at(w, what))?;
    let n = c.n();
    st.config.acl.get_or_insert_with(Vec::new);
    let (spec_text, scope) = strip_scope(s);
    if scope {
        st.warn_line(n, format!("the IPv6 scope in {s} is ignored for matching"));
    }
    let spec = match hostspec(&spec_text, false) {
        Ok(HostSpec::Net { net, canonical }) => {
            if !canonical {
                st.warn_line(
                    n,
                    format!("address {s} is read as {net} (unusual notation)"),
                );
            }
            AclSpec::Net(net)
        }
        Ok(HostSpec::Name(name)) => AclSpec::Host(name),
        Err(_) => {
            st.warn_line(n, format!("Invalid address {s}"));
            return Ok(());
        }
    };
    if let Some(rules) = st.config.acl.as_mut() {
        rules.push(AclRule {
            allow,
            spec,
            line: n,
        });
    }
    Ok(())
}

/// `fe80::1%eth0/64` → (`fe80::1/64`, true).
fn strip_scope(s: &str) -> (String, bool) {
    let (addr, mask) = match s.find('/') {
        Some(k) => (&s[..k], &s[k..]),
        None => (s, ""),
    };
    match split_scope(addr.as_bytes()) {
        Some((a, Some(_))) => (format!("{}{mask}", String::from_utf8_lossy(a)), true),
        _ => (s.to_string(), false),
    }
}
