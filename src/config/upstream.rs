//! `Upstream` (`../shared/spec/tinyproxy-1.11.md` §2.1).
//!
//! tinyproxy's pattern is, unintentionally, two alternatives that are each
//! anchored at one end only: `^ none "SITE"` (anything may follow the
//! site) or `TYPE [USER:PASS@]HOST:PORT ["SITE"] $` (anything may precede
//! the type). We accept the same lines, warning about the ignored text.
//!
//! Deliberate differences (warned about): the type is read ignoring case
//! (tinyproxy turns `HTTP` into a `none` rule), and the site `"."` means
//! "host names without a dot" as documented (1.11 broke that).

use super::addr::{hostspec, HostSpec, SpecError};
use super::pairs::USER_PASS_MAX;
use super::parse_state::{Ctx, HResult, LineError, State};
use super::types::{Credentials, SiteSpec, UpstreamKind, UpstreamProxy, UpstreamRule};
use super::values::{
    blanks1, expect, fail, is_alnum, is_blank, is_ip6_scoped_form, line_end, quoted, In, IntLit,
    PErr, PRes,
};
use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while, take_while1};
use nom::combinator::opt;
use nom::sequence::preceded;

/// The pieces of a `TYPE [USER:PASS@]HOST:PORT ["SITE"]` rule.
struct Typed<'a> {
    kind: &'a [u8],
    creds: Option<(&'a [u8], &'a [u8])>,
    host: &'a [u8],
    port: IntLit<'a>,
    site: Option<&'a [u8]>,
}

pub fn upstream(st: &mut State, c: &Ctx<'_>, r: In<'_>) -> HResult {
    if let Ok((trailing, (kw, site))) = none_form(r) {
        return none_rule(st, c, kw, site, trailing);
    }
    let mut first_err: Option<PErr<'_>> = None;
    for s in type_starts(r) {
        match typed_form(&r[s..]) {
            Ok((_, t)) => return typed_rule(st, c, &r[..s], t),
            Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => {
                first_err.get_or_insert(e);
            }
            Err(nom::Err::Incomplete(_)) => {}
        }
    }
    Err(match first_err {
        Some(e) => c.nom_error(nom::Err::Error(e)),
        None => {
            let at = r
                .iter()
                .position(|&b| !is_blank(b))
                .map_or(&r[r.len()..], |k| &r[k..]);
            let what = "none \"SITE\", or http, socks4 or socks5 followed by [USER:PASS@]HOST:PORT [\"SITE\"]";
            c.err_at(at, format!("{what}, found {}", super::error::found(at)))
        }
    })
}

/// `[ \t]+none[ \t]+"SITE"` at the start; returns what follows the site.
fn none_form(i: In<'_>) -> PRes<'_, (In<'_>, In<'_>)> {
    let (i, _) = blanks1(i)?;
    let (i, kw) = tag_no_case("none")(i)?;
    let (i, _) = blanks1(i)?;
    let (i, site) = quoted(i)?;
    Ok((i, (kw, site)))
}

/// Offsets where a type keyword starts (tinyproxy finds the leftmost one
/// from which the rest of the line matches).
fn type_starts(r: In<'_>) -> impl Iterator<Item = usize> + '_ {
    (0..r.len()).filter(move |&s| {
        let t = &r[s..];
        ["http", "socks4", "socks5"]
            .iter()
            .any(|k| t.len() >= k.len() && t[..k.len()].eq_ignore_ascii_case(k.as_bytes()))
    })
}

fn typed_form(i: In<'_>) -> PRes<'_, Typed<'_>> {
    let (i, kind) = alt((
        tag_no_case("http"),
        tag_no_case("socks4"),
        tag_no_case("socks5"),
    ))(i)?;
    let (i, _) = blanks1(i)?;
    let with_creds = |i| {
        let (i, user) = take_while(|b| b != b':')(i)?;
        let (i, _) = tag(":")(i)?;
        let (i, pass) = take_while(|b| b != b'@')(i)?;
        let (i, _) = tag("@")(i)?;
        let (i, t) = host_port_site(i)?;
        Ok((i, (Some((user, pass)), t)))
    };
    let without = |i| host_port_site(i).map(|(i, t)| (i, (None, t)));
    let (i, (creds, (host, port, site))) = alt((with_creds, without))(i)?;
    Ok((
        i,
        Typed {
            kind,
            creds,
            host,
            port,
            site,
        },
    ))
}

type HostPortSite<'a> = (In<'a>, IntLit<'a>, Option<In<'a>>);

/// `HOST:PORT[ "SITE"]` to the end of the line; HOST is ALNUM/IPv4 or
/// `[IPv6]` (1.11.2+).
fn host_port_site(i: In<'_>) -> PRes<'_, HostPortSite<'_>> {
    let (i, host) = expect(
        "a proxy host name, IPv4 address or [IPv6 address]",
        alt((bracketed, take_while1(|b: u8| is_alnum(&[b])))),
    )(i)?;
    let (i, _) = expect("':' and a port number", tag(":"))(i)?;
    let (i, digits) = expect("a port number", take_while1(|b: u8| b.is_ascii_digit()))(i)?;
    let (i, site) = opt(preceded(blanks1, quoted))(i)?;
    let (i, _) = line_end(i)?;
    let port = IntLit {
        text: digits,
        value: super::values::strtoul0(digits),
    };
    Ok((i, (host, port, site)))
}

/// `[IPv6]`, returned without the brackets.
fn bracketed(i: In<'_>) -> PRes<'_, In<'_>> {
    let (i, _) = tag("[")(i)?;
    let (rest, a) = take_while1(|b| b != b']')(i)?;
    if !is_ip6_scoped_form(a) {
        return fail(i, "an IPv6 address inside [ ]");
    }
    let (rest, _) = expect("']'", tag("]"))(rest)?;
    Ok((rest, a))
}

fn none_rule(st: &mut State, c: &Ctx<'_>, kw: In<'_>, site: In<'_>, trailing: In<'_>) -> HResult {
    let n = c.n();
    if kw != b"none" {
        st.warn_line(n, format!("upstream type \"{}\" is read as \"none\" (tinyproxy 1.11 ignores the rule: \"Nonsense upstream none rule: empty domain\")", String::from_utf8_lossy(kw)));
    }
    if trailing.iter().any(|&b| !is_blank(b)) {
        st.warn_line(
            n,
            format!(
                "text after the site is ignored: {}",
                super::error::found(&super::mask::mask_upstream_fragment(trailing))
            ),
        );
    }
    let site_text = st.text_of(n, site);
    let Some(spec) = site_spec(st, n, &site_text) else {
        return Ok(());
    };
    st.info(n, format!("Added upstream none for {site_text}"));
    st.config.upstreams.push(UpstreamRule {
        proxy: None,
        site: Some(spec),
        line: n,
    });
    Ok(())
}

fn typed_rule(st: &mut State, c: &Ctx<'_>, before: In<'_>, t: Typed<'_>) -> HResult {
    let n = c.n();
    if before.iter().any(|&b| !is_blank(b)) {
        st.warn_line(
            n,
            format!(
                "text before the upstream type is ignored: {}",
                super::error::found(&super::mask::mask_upstream_fragment(before))
            ),
        );
    }
    let kind = match t.kind.to_ascii_lowercase().as_slice() {
        b"http" => UpstreamKind::Http,
        b"socks4" => UpstreamKind::Socks4,
        _ => UpstreamKind::Socks5,
    };
    if t.kind != kind.as_str().as_bytes() {
        st.warn_line(n, format!("upstream type \"{}\" is read as \"{}\" (tinyproxy 1.11 turns it into a \"none\" rule)", String::from_utf8_lossy(t.kind), kind.as_str()));
    }
    st.note_octal(n, &t.port);
    let port = u16::try_from(t.port.value).map_err(|_| port_error(c, &t.port))?;
    let host = String::from_utf8_lossy(t.host).into_owned();
    let credentials = match t.creds {
        Some((u, p)) => {
            let user = st.text_of(n, u);
            let pass = st.text_of(n, p);
            if kind == UpstreamKind::Http && user.len() + 1 + pass.len() > USER_PASS_MAX {
                st.warn_line(n, "User / pass in upstream config too long");
                return Ok(());
            }
            if kind == UpstreamKind::Socks5 && (user.len() > 255 || pass.len() > 255) {
                st.warn_line(n, "SOCKS5 user name and password are limited to 255 bytes each; this upstream will fail to authenticate");
            }
            Some(Credentials { user, pass })
        }
        None => None,
    };
    let proxy = UpstreamProxy {
        kind,
        host,
        port,
        credentials,
    };
    match t.site {
        None => add_default(st, n, proxy),
        Some(site) => {
            let site_text = st.text_of(n, site);
            let Some(spec) = site_spec(st, n, &site_text) else {
                return Ok(());
            };
            st.info(
                n,
                format!(
                    "Added upstream {} {}:{} for {site_text}",
                    kind.as_str(),
                    proxy.host,
                    port
                ),
            );
            st.config.upstreams.push(UpstreamRule {
                proxy: Some(proxy),
                site: Some(spec),
                line: n,
            });
        }
    }
    Ok(())
}

/// The site-less rule: port 0 is refused, and only the first one counts.
fn add_default(st: &mut State, n: usize, proxy: UpstreamProxy) {
    if proxy.port == 0 {
        st.warn_line(n, "Nonsense upstream rule: invalid host or port");
        return;
    }
    st.info(
        n,
        format!(
            "Added upstream {} {}:{} for [default]",
            proxy.kind.as_str(),
            proxy.host,
            proxy.port
        ),
    );
    if st.config.upstreams.iter().any(|r| r.site.is_none()) {
        st.warn(n, "Duplicate default upstream".into());
        return;
    }
    st.config.upstreams.push(UpstreamRule {
        proxy: Some(proxy),
        site: None,
        line: n,
    });
}

/// tinyproxy stores the port in an `int` and connects to it modulo 65536;
/// we refuse ports above 65535 instead of going somewhere unintended.
fn port_error(c: &Ctx<'_>, lit: &IntLit<'_>) -> LineError {
    c.err_at(
        lit.text,
        format!("a port number from 0 to 65535, found {}", lit.text()),
    )
}

/// Parse a site string; `None` (after a warning) when the rule is dropped.
fn site_spec(st: &mut State, n: usize, site: &str) -> Option<SiteSpec> {
    if site == "." {
        st.warn_line(n, "site \".\" means host names without a dot, as documented (tinyproxy 1.11 instead matches names ending in \".\")");
        return Some(SiteSpec::NoDot);
    }
    match hostspec(site, true) {
        Ok(HostSpec::Net { net, canonical }) => {
            if !canonical {
                st.warn_line(
                    n,
                    format!("site {site} is read as {net} (unusual notation)"),
                );
            }
            Some(SiteSpec::Net(net))
        }
        Ok(HostSpec::Name(name)) => Some(match name.strip_prefix('.') {
            Some(domain) => SiteSpec::Domain(domain.to_string()),
            None => SiteSpec::Exact(name),
        }),
        Err(e) => {
            st.warn_line(n, "Nonsense upstream rule: failed to parse netmask");
            if e == SpecError::NonContiguousMask {
                st.warn_line(
                    n,
                    format!("the netmask in {site} is not contiguous, which we cannot match"),
                );
            }
            None
        }
    }
}
