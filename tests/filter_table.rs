//! Table tests: pattern × FilterType × FilterCaseSensitive × subject →
//! blocked, with FilterDefaultDeny inversion. Expected values are glibc's
//! (see filter_glibc.rs for the automated cross-check).

use tinyproxy_rs::config::types::{FilterConfig, FilterType};
use tinyproxy_rs::filter::{Filter, Line};

use FilterType::{Bre, Ere, Fnmatch};

/// (pattern, type, case-sensitive, subject, blocked)
const TABLE: &[(&str, FilterType, bool, &str, bool)] = &[
    // unanchored substring search, case-insensitive by default
    ("example", Bre, false, "www.EXAMPLE.com", true),
    ("example", Bre, true, "www.EXAMPLE.com", false),
    ("EXAMPLE", Bre, false, "www.example.com", true),
    ("example", Bre, false, "exampl.com", false),
    // anchors
    ("^ads\\.", Bre, false, "ads.example.com", true),
    ("^ads\\.", Bre, false, "x.ads.example.com", false),
    ("\\.com$", Bre, false, "a.com", true),
    ("\\.com$", Bre, false, "a.com.org", false),
    ("a^b", Bre, false, "a^b", true),  // ^ literal mid-BRE
    ("a$b", Bre, false, "a$b", true),  // $ literal mid-BRE
    ("a^b", Ere, false, "a^b", false), // ^ always an anchor in ERE
    ("^*x", Bre, false, "*x", true),   // * after ^ is literal in BRE
    ("\\(^a\\)", Bre, false, "ba", false),
    // BRE specials
    ("^a\\{2\\}$", Bre, false, "aa", true),
    ("^a\\{2\\}$", Bre, false, "aaa", false),
    ("^a\\{2,\\}$", Bre, false, "aaaa", true),
    ("^a\\{,1\\}b", Bre, false, "b", true),
    ("^\\(ab\\)\\{2\\}$", Bre, false, "abab", true),
    ("\\(a\\)", Bre, false, "a", true),
    ("^\\(a\\)$", Bre, false, "(a)", false),
    ("(a)", Bre, false, "(a)", true),
    ("a+", Bre, false, "a+", true), // + literal in BRE
    ("^a+$", Bre, false, "aa", false),
    ("^a\\+$", Bre, false, "aaa", true),  // GNU \+
    ("^ab\\?c$", Bre, false, "ac", true), // GNU \?
    ("a?", Bre, false, "a?", true),
    ("a?", Bre, false, "a", false),
    ("foo\\|bar", Bre, false, "xbarx", true), // GNU \|
    ("foo|bar", Bre, false, "bar", false),
    ("foo|bar", Bre, false, "foo|bar", true),
    ("*a", Bre, false, "*a", true),     // leading * literal
    ("a{2}", Bre, false, "a{2}", true), // braces literal in BRE
    // ERE
    ("^(www|ads)\\.", Ere, false, "ads.x", true),
    ("^(www|ads)\\.", Ere, false, "cdn.x", false),
    ("^a{2,3}$", Ere, false, "aaa", true),
    ("^a{2,3}$", Ere, false, "aaaa", false),
    ("^ab+c$", Ere, false, "abbc", true),
    ("^ab?c$", Ere, false, "ac", true),
    ("\\(a\\)", Ere, false, "(a)", true),
    ("a)", Ere, false, "a)", true), // unmatched ) literal in ERE
    ("a\\{", Ere, false, "a{", true),
    // bracket expressions and classes
    ("[]x]", Bre, false, "]", true),
    ("[^]x]", Bre, false, "]", false),
    ("[^]x]", Bre, false, "y", true),
    ("^[a-c]*$", Bre, false, "abcab", true),
    ("^[a-c]*$", Bre, false, "abd", false),
    ("[a-]", Bre, false, "-", true),
    ("[\\]", Bre, false, "\\", true), // backslash literal in brackets
    ("^[[:digit:]]*$", Bre, false, "0123", true),
    ("^[[:digit:]]*$", Bre, false, "01a", false),
    ("[[:upper:]]", Bre, true, "abc", false),
    ("[[:upper:]]", Bre, false, "abc", true), // icase: upper means alpha
    ("[[:space:]]", Ere, false, "a b", true),
    ("^[[:alnum:]_-]*$", Ere, false, "a_b-1", true),
    ("[[:punct:]]", Ere, false, "abc", false),
    ("[[.-.]]", Bre, false, "-", true),
    ("[[=e=]]", Bre, false, "e", true),
    ("[A-z]", Bre, true, "_", true),
    ("[A-z]", Bre, false, "_", false), // glibc upper-cases [A-z] to [A-Z]
    // GNU escapes
    ("\\bads\\b", Bre, false, "my.ads.com", true),
    ("\\bads\\b", Bre, false, "myads.com", false),
    ("\\<ads", Ere, false, "x.ads", true),
    ("ads\\>", Ere, false, "adsx", false),
    ("^\\w*$", Bre, false, "a_1", true),
    ("\\s", Bre, false, "nospace", false),
    ("\\.", Bre, false, "a.b", true),
    ("\\.", Bre, false, "ab", false),
    ("\\a", Bre, true, "a", true),
    ("\\a", Bre, false, "a", false), // glibc quirk: escaped letter + icase
    ("\\#", Bre, false, "#", true),
    // fnmatch: whole subject, case-sensitive, no special / or leading .
    ("*.example.com", Fnmatch, false, "www.example.com", true),
    ("*.example.com", Fnmatch, false, "example.com", false),
    ("*.example.com", Fnmatch, false, "WWW.EXAMPLE.COM", false),
    ("*.example.com", Fnmatch, false, "a/b.example.com", true),
    ("example", Fnmatch, false, "www.example.com", false),
    ("ads?.com", Fnmatch, false, "ads1.com", true),
    ("ads?.com", Fnmatch, false, "ads.com", false),
    ("[a-z]x", Fnmatch, false, "bx", true),
    ("[a-z]x", Fnmatch, false, "Bx", false),
    ("[!a]x", Fnmatch, false, "ax", false),
    ("[^a]x", Fnmatch, false, "bx", true),
    ("[]]x", Fnmatch, false, "]x", true),
    ("[[:digit:]]*", Fnmatch, false, "1abc", true),
    ("\\*", Fnmatch, false, "*", true),
    ("\\*", Fnmatch, false, "x", false),
    ("[a", Fnmatch, false, "[a", true), // unterminated [ is literal
    ("a\\", Fnmatch, false, "a\\", false), // trailing \ never matches
];

fn filter(pattern: &str, kind: FilterType, case_sensitive: bool, default_deny: bool) -> Filter {
    let cfg = FilterConfig {
        file: None,
        urls: false,
        kind,
        case_sensitive,
        default_deny,
    };
    let line = Line {
        number: 1,
        pattern: pattern.as_bytes().to_vec(),
    };
    Filter::from_lines(&cfg, "table", &[line]).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

#[test]
fn table() {
    let mut failures = Vec::new();
    for &(pattern, kind, cs, subject, blocked) in TABLE {
        if filter(pattern, kind, cs, false).is_blocked(subject) != blocked {
            failures.push(format!(
                "{pattern:?} {kind:?} cs={cs} {subject:?}: want {blocked}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn default_deny_inverts_every_verdict() {
    for &(pattern, kind, cs, subject, blocked) in TABLE {
        let f = filter(pattern, kind, cs, true);
        assert_eq!(
            f.is_blocked(subject),
            !blocked,
            "{pattern:?} {kind:?} {subject:?}"
        );
    }
}

#[test]
fn bad_patterns_are_refused() {
    let cfg = FilterConfig {
        kind: Ere,
        ..FilterConfig::default()
    };
    for (pattern, kind) in [
        ("[unclosed", Bre),
        ("a\\{1", Bre),
        ("a**", Bre),
        ("\\(a", Bre),
        ("a\\)", Bre),
        ("*a", Ere),
        ("a{x}", Ere),
        ("(a", Ere),
        ("[z-a]", Ere),
        ("[[:nope:]]", Ere),
        ("a\\", Ere),
        ("\\(a\\)\\2", Bre),
    ] {
        let cfg = FilterConfig {
            kind,
            ..cfg.clone()
        };
        let line = Line {
            number: 7,
            pattern: pattern.as_bytes().to_vec(),
        };
        let err = Filter::from_lines(&cfg, "/etc/f", &[line]).expect_err(pattern);
        assert_eq!(err.exit_code(), 65);
        assert_eq!(
            err.stderr_text(),
            format!("Bad regex in /etc/f: line 7 - {pattern}\n")
        );
    }
}
