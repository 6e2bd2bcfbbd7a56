//! Rewriting a config copy so the real tinyproxy can run it safely on
//! loopback, without changing any line number (see the parent module).

use std::path::Path;

fn c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `[ \t]+TOKEN[ \t]*` → TOKEN.
fn single_token(rest: &[u8]) -> Option<&[u8]> {
    let s = std::str::from_utf8(rest).ok()?;
    if !s.starts_with([' ', '\t']) {
        return None;
    }
    let t = s.trim_matches([' ', '\t']);
    (!t.is_empty() && !t.contains([' ', '\t'])).then_some(t.as_bytes())
}

fn is_quoted(t: &[u8]) -> bool {
    t.len() >= 3 && t[0] == b'"' && t[t.len() - 1] == b'"' && !t[1..t.len() - 1].contains(&b'"')
}

/// The rewritten copy (see the module doc).
pub fn rewrite(orig: &[u8], dir: &Path, port: u16) -> Vec<u8> {
    let d = dir.display();
    let mut out = Vec::new();
    let (mut listens, mut saw_listen, mut saw_v6) = (0, false, false);
    for raw in orig.split_inclusive(|&b| b == b'\n') {
        let body = raw.strip_suffix(b"\n").unwrap_or(raw);
        let nl = &raw[body.len()..];
        let mut new: Option<String> = None;
        let plain = !body.contains(&b'\r') && !body.contains(&0) && body.len() < 2000;
        let start = body.iter().position(|&b| !c_space(b)).unwrap_or(body.len());
        if plain && body.first() != Some(&b'#') && start < body.len() {
            let len = body[start..]
                .iter()
                .position(|&b| c_space(b))
                .unwrap_or(body.len() - start);
            let name = String::from_utf8_lossy(&body[start..start + len]).to_ascii_lowercase();
            let rest = &body[start + len..];
            let tok = single_token(rest);
            let tok_s = tok
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .unwrap_or_default();
            if name == "listen" {
                saw_listen = true;
            }
            new = match (name.as_str(), tok) {
                ("port", Some(t))
                    if t.iter().all(u8::is_ascii_digit) && t[0] != b'0' && t.len() <= 5 =>
                {
                    Some(format!("Port {port}"))
                }
                ("listen", Some(_)) if tok_s.parse::<std::net::IpAddr>().is_ok() => {
                    listens += 1;
                    if tok_s.contains(':') && !saw_v6 {
                        saw_v6 = true;
                        Some("Listen ::1".into())
                    } else {
                        Some(format!("Listen 127.0.0.{listens}"))
                    }
                }
                ("logfile", Some(t)) if is_quoted(t) => Some(format!("LogFile \"{d}/tp.log\"")),
                ("pidfile", Some(t)) if is_quoted(t) => Some(format!("PidFile \"{d}/tp.pid\"")),
                ("statfile", Some(t)) if is_quoted(t) => {
                    Some(format!("StatFile \"{d}/stats.html\""))
                }
                ("defaulterrorfile", Some(t)) if is_quoted(t) => {
                    Some(format!("DefaultErrorFile \"{d}/err.html\""))
                }
                ("filter", Some(t)) if is_quoted(t) => Some(format!("Filter \"{d}/filter.txt\"")),
                ("user", Some(t)) if !t.iter().all(u8::is_ascii_digit) => {
                    Some("User nobody".into())
                }
                ("group", Some(t)) if !t.iter().all(u8::is_ascii_digit) => {
                    Some("Group nogroup".into())
                }
                ("syslog", Some(_))
                    if ["yes", "on", "no", "off"]
                        .contains(&tok_s.to_ascii_lowercase().as_str()) =>
                {
                    Some("Syslog Off".into())
                }
                ("loglevel", Some(_))
                    if ["critical", "error", "warning", "notice", "connect", "info"]
                        .contains(&tok_s.to_ascii_lowercase().as_str()) =>
                {
                    Some("LogLevel Info".into())
                }
                ("errorfile", _) => rewrite_errorfile(rest, dir),
                _ => None,
            };
        }
        match new {
            Some(n) => {
                out.extend_from_slice(n.as_bytes());
                out.extend_from_slice(nl);
            }
            None => out.extend_from_slice(raw),
        }
    }
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    if !saw_listen {
        out.extend_from_slice(b"Listen 127.0.0.1\n");
    }
    out.extend_from_slice(format!("LogFile \"{d}/tp.log\"\n").as_bytes());
    out
}

/// `ErrorFile CODE "path"` → same code, path in the temp dir.
fn rewrite_errorfile(rest: &[u8], dir: &Path) -> Option<String> {
    let s = std::str::from_utf8(rest).ok()?;
    let mut it = s.split([' ', '\t']).filter(|x| !x.is_empty());
    let (code, path) = (it.next()?, it.next()?);
    let ok = it.next().is_none()
        && code.bytes().all(|b| b.is_ascii_digit())
        && is_quoted(path.as_bytes());
    ok.then(|| format!("ErrorFile {code} \"{}/e{code}.html\"", dir.display()))
}
