//! Differential tests of the pattern translation against glibc itself:
//! tinyproxy compiles filter patterns with glibc's `regcomp`/`regexec`
//! (C locale, `REG_NEWLINE | REG_NOSUB`, `REG_EXTENDED` for ere, `REG_ICASE`
//! unless FilterCaseSensitive) or matches them with `fnmatch(p, s, 0)`. Here
//! the very same glibc functions (this test process runs in the C locale)
//! are the oracle, for a hand-picked table and for many generated patterns.
//!
//! Unsafe FFI is confined to this test file; the product does not call glibc
//! matchers.

use std::ffi::CString;

use tinyproxy_rs::config::types::{FilterConfig, FilterType};
use tinyproxy_rs::filter::{Filter, FilterError, Line, PatternError, PosixError};

#[path = "filter_glibc/tables.rs"]
mod tables;
use tables::{FNMATCH_PIECES, FNMATCH_TABLE, REGEX_PIECES, REGEX_TABLE, SUBJECTS};

/// glibc's verdicts for one pattern: None when `regcomp` refuses it.
fn glibc(kind: FilterType, icase: bool, pat: &[u8], subjects: &[&str]) -> Option<Vec<bool>> {
    let cpat = CString::new(pat).ok()?;
    let csubjects: Vec<CString> = subjects
        .iter()
        .map(|s| CString::new(*s).expect("no NUL in subjects"))
        .collect();
    if kind == FilterType::Fnmatch {
        let out = csubjects
            .iter()
            // SAFETY: both are valid NUL-terminated strings that outlive the call.
            .map(|s| unsafe { libc::fnmatch(cpat.as_ptr(), s.as_ptr(), 0) } == 0)
            .collect();
        return Some(out);
    }
    let mut flags = libc::REG_NEWLINE | libc::REG_NOSUB;
    if kind == FilterType::Ere {
        flags |= libc::REG_EXTENDED;
    }
    if icase {
        flags |= libc::REG_ICASE;
    }
    // SAFETY: regex_t is plain data; regcomp initialises it.
    let mut re: libc::regex_t = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers; re is freed below only when regcomp succeeded.
    if unsafe { libc::regcomp(&mut re, cpat.as_ptr(), flags) } != 0 {
        return None;
    }
    let out = csubjects
        .iter()
        // SAFETY: re was compiled successfully; no match array is requested.
        .map(|s| unsafe { libc::regexec(&re, s.as_ptr(), 0, std::ptr::null_mut(), 0) } == 0)
        .collect();
    // SAFETY: re was compiled successfully and is freed once.
    unsafe { libc::regfree(&mut re) };
    Some(out)
}

/// Our verdicts: Err(true) when refused like glibc, Err(false) when refused
/// for a documented reason of our own (back-references, size).
fn ours(kind: FilterType, icase: bool, pat: &[u8], subjects: &[&str]) -> Result<Vec<bool>, bool> {
    let cfg = FilterConfig {
        file: None,
        urls: false,
        kind,
        case_sensitive: !icase,
        default_deny: false,
    };
    let line = Line {
        number: 1,
        pattern: pat.to_vec(),
    };
    match Filter::from_lines(&cfg, "t", &[line]) {
        Ok(f) => Ok(subjects.iter().map(|s| f.is_blocked(s)).collect()),
        Err(FilterError::BadPattern { reason, .. }) => {
            Err(matches!(reason, PatternError::Posix(PosixError::Syntax(_))))
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// Compares one pattern; returns a description of any difference.
fn compare(kind: FilterType, icase: bool, pat: &[u8], subjects: &[&str]) -> Option<String> {
    let g = glibc(kind, icase, pat, subjects);
    let o = ours(kind, icase, pat, subjects);
    let shown = String::from_utf8_lossy(pat);
    match (g, o) {
        (None, Err(true)) => None,
        (Some(_), Err(false)) => None,
        (None, other) => Some(format!(
            "{kind:?} icase={icase} {shown:?}: glibc refuses, we {other:?}"
        )),
        (Some(_), Err(_)) => Some(format!(
            "{kind:?} icase={icase} {shown:?}: glibc accepts, we refuse"
        )),
        (Some(g), Ok(o)) => {
            let diffs: Vec<String> = subjects
                .iter()
                .zip(g.iter().zip(&o))
                .filter(|(_, (a, b))| a != b)
                .map(|(s, (a, _))| format!("{s:?} glibc={a}"))
                .collect();
            (!diffs.is_empty())
                .then(|| format!("{kind:?} icase={icase} {shown:?}: {}", diffs.join(", ")))
        }
    }
}

fn check_all(kind: FilterType, icase: bool, patterns: &[&[u8]]) {
    let diffs: Vec<String> = patterns
        .iter()
        .filter_map(|p| compare(kind, icase, p, SUBJECTS))
        .collect();
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn bre_table_matches_glibc() {
    check_all(FilterType::Bre, true, REGEX_TABLE);
    check_all(FilterType::Bre, false, REGEX_TABLE);
}

#[test]
fn ere_table_matches_glibc() {
    check_all(FilterType::Ere, true, REGEX_TABLE);
    check_all(FilterType::Ere, false, REGEX_TABLE);
}

#[test]
fn fnmatch_table_matches_glibc() {
    check_all(FilterType::Fnmatch, false, FNMATCH_TABLE);
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = (self.next() % items.len() as u64) as usize;
        items[i]
    }
}

fn generated(rng: &mut Rng, pieces: &[&str], count: usize, max_len: u64) -> Vec<Vec<u8>> {
    (0..count)
        .map(|_| {
            let n = 1 + rng.next() % max_len;
            (0..n)
                .map(|_| rng.pick(pieces))
                .collect::<String>()
                .into_bytes()
        })
        .collect()
}

fn fuzz_regex(kind: FilterType, seed: u64) {
    let mut rng = Rng(seed);
    let patterns = generated(&mut rng, REGEX_PIECES, 3000, 8);
    let refs: Vec<&[u8]> = patterns.iter().map(Vec::as_slice).collect();
    check_all(kind, rng.next() % 2 == 0, &refs);
    check_all(kind, rng.next() % 2 == 0, &refs);
}

#[test]
fn generated_bre_patterns_match_glibc() {
    fuzz_regex(FilterType::Bre, 0x9E37_79B9_7F4A_7C15);
}

#[test]
fn generated_ere_patterns_match_glibc() {
    fuzz_regex(FilterType::Ere, 0xD1B5_4A32_D192_ED03);
}

#[test]
fn generated_fnmatch_patterns_match_glibc() {
    let mut rng = Rng(0x94D0_49BB_1331_11EB);
    let patterns = generated(&mut rng, FNMATCH_PIECES, 5000, 8);
    let refs: Vec<&[u8]> = patterns.iter().map(Vec::as_slice).collect();
    check_all(FilterType::Fnmatch, false, &refs);
}

/// The deepest nesting a 511-byte line allows still compiles and matches.
#[test]
fn deeply_nested_groups_match_glibc() {
    let ere = format!("{}a{}", "(".repeat(255), ")".repeat(255));
    let bre = format!("{}a{}", "\\(".repeat(127), "\\)*".repeat(127));
    check_all(FilterType::Ere, true, &[ere.as_bytes()]);
    check_all(FilterType::Bre, false, &[bre.as_bytes()]);
    assert!(ours(FilterType::Ere, true, ere.as_bytes(), &["a"]).is_ok());
}

/// Nested counted repetitions blow up exponentially (glibc runs out of
/// memory on this one); we refuse it quickly as too large instead.
#[test]
fn exponential_repetition_is_refused_not_expanded() {
    let rep = format!("{}a{}", "(".repeat(80), "){1,2}".repeat(80));
    assert_eq!(
        ours(FilterType::Ere, true, rep.as_bytes(), &["a"]),
        Err(false)
    );
}
