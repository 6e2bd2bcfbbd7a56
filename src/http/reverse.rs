//! Reverse proxy mapping (`../shared/spec/tinyproxy-1.11.md` §6.13):
//! `ReversePath` prefixes to backend URLs, the 301 for a prefix without its
//! slash, the `ReverseMagic` tracking cookie, and `ReverseBaseURL` rewriting of
//! redirects.

/// One `ReversePath` line: `path` always ends with `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReversePath {
    pub path: String,
    pub url: String,
}

/// The reverse-proxy rules of one configuration generation (built from
/// it in `config::settings`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReverseRules {
    /// `ReversePath` lines in file order; the *last* matching one wins.
    pub paths: Vec<ReversePath>,
    /// `ReverseOnly`: a request no rule maps is refused.
    pub only: bool,
    /// `ReverseMagic`: the tracking cookie picks the rule.
    pub magic: bool,
    /// `ReverseBaseURL`: rewrite backend redirects to this public URL.
    pub base_url: Option<String>,
}

/// tinyproxy's tracking cookie name.
pub const MAGIC_COOKIE: &str = "yummy_magical_cookie";

/// What the reverse rules make of a request target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// No rule applies (and ReverseOnly is off): handle as usual.
    None,
    /// Forward to this absolute URL; `rule` is the rule path that matched.
    Rewritten {
        url: String,
        rule: String,
        by_cookie: bool,
    },
    /// Answer 301 with this Location (path given without its slash).
    Redirect(String),
    /// ReverseOnly and nothing matched: 400 "No mapping found".
    NoMapping,
}

/// Map `target` by the config's reverse rules; `cookies` are the values
/// of the request's `Cookie` headers (for ReverseMagic).
pub fn map(rules: &ReverseRules, target: &str, cookies: &[&[u8]]) -> Mapping {
    if rules.paths.is_empty() && !rules.only {
        return Mapping::None;
    }
    if let Some(no_slash) = target.strip_prefix('/') {
        // Later rules are checked first, as tinyproxy prepends them.
        for rule in rules.paths.iter().rev() {
            if let Some(rest) = target.strip_prefix(rule.path.as_str()) {
                return Mapping::Rewritten {
                    url: format!("{}{}", rule.url, rest),
                    rule: rule.path.clone(),
                    by_cookie: false,
                };
            }
            if target == rule.path.trim_end_matches('/') {
                return Mapping::Redirect(rule.path.clone());
            }
        }
        if rules.magic {
            if let Some(rule) = cookie_rule(&rules.paths, cookies) {
                return Mapping::Rewritten {
                    url: format!("{}{}", rule.url, no_slash),
                    rule: rule.path.clone(),
                    by_cookie: true,
                };
            }
        }
    }
    if rules.only {
        Mapping::NoMapping
    } else {
        Mapping::None
    }
}

/// The rule a `yummy_magical_cookie=/path/` cookie names, if any.
fn cookie_rule<'a>(rules: &'a [ReversePath], cookies: &[&[u8]]) -> Option<&'a ReversePath> {
    let needle = format!("{MAGIC_COOKIE}=");
    for c in cookies {
        let text = String::from_utf8_lossy(c);
        for part in text.split(';') {
            if let Some(value) = part.trim().strip_prefix(&needle) {
                if let Some(r) = rules.iter().rev().find(|r| r.path == value) {
                    return Some(r);
                }
            }
        }
    }
    None
}

/// The `Set-Cookie` value ReverseMagic adds to responses.
pub fn magic_set_cookie(rule: &str) -> Vec<u8> {
    format!("{MAGIC_COOKIE}={rule}; path=/").into_bytes()
}

/// With `ReverseBaseURL`, a `Location` pointing into a backend becomes the
/// public URL: `base + rule path (without its leading /) + rest`.
pub fn rewrite_location(rules: &ReverseRules, location: &[u8]) -> Option<String> {
    let base = rules.base_url.as_deref()?;
    let loc = std::str::from_utf8(location).ok()?;
    rules.paths.iter().rev().find_map(|r| {
        loc.strip_prefix(r.url.as_str())
            .map(|rest| format!("{}{}{}", base, r.path.trim_start_matches('/'), rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ReverseRules {
        ReverseRules {
            paths: vec![
                ReversePath {
                    path: "/ex/".into(),
                    url: "http://127.0.0.1:29080/real/".into(),
                },
                ReversePath {
                    path: "/noslash/".into(),
                    url: "http://127.0.0.1:29080/ns/".into(),
                },
            ],
            only: true,
            magic: true,
            base_url: Some("http://127.0.0.1:29894/".into()),
        }
    }

    #[test]
    fn spec_11_17_cases() {
        let c = cfg();
        assert_eq!(
            map(&c, "/ex/page?x=1", &[]),
            Mapping::Rewritten {
                url: "http://127.0.0.1:29080/real/page?x=1".into(),
                rule: "/ex/".into(),
                by_cookie: false
            }
        );
        assert_eq!(
            map(&c, "/noslash", &[]),
            Mapping::Redirect("/noslash/".into())
        );
        assert_eq!(map(&c, "/other", &[]), Mapping::NoMapping);
        assert_eq!(map(&c, "http://127.0.0.1:29080/x", &[]), Mapping::NoMapping);
        assert_eq!(
            map(
                &c,
                "/img/logo.png",
                &[b"a=b; yummy_magical_cookie=/ex/".as_slice()]
            ),
            Mapping::Rewritten {
                url: "http://127.0.0.1:29080/real/img/logo.png".into(),
                rule: "/ex/".into(),
                by_cookie: true
            }
        );
        assert_eq!(
            rewrite_location(&c, b"http://127.0.0.1:29080/real/target").as_deref(),
            Some("http://127.0.0.1:29894/ex/target")
        );
        assert_eq!(rewrite_location(&c, b"http://elsewhere/"), None);
    }
}
