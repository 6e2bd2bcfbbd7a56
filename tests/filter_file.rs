//! Reading the filter file as tinyproxy does, load errors, and the public
//! API contract (None without a Filter directive, Send + Sync, urls()).

use std::path::{Path, PathBuf};

use tinyproxy_rs::config::types::{FilterConfig, FilterType};
use tinyproxy_rs::filter::{split_patterns, Filter, FilterError, Line};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/filter")
        .join(name)
}

fn cfg(file: Option<PathBuf>, kind: FilterType) -> FilterConfig {
    FilterConfig {
        file,
        urls: false,
        kind,
        case_sensitive: false,
        default_deny: false,
    }
}

fn lines(content: &[u8]) -> Vec<(usize, String)> {
    split_patterns(content)
        .into_iter()
        .map(|Line { number, pattern }| (number, String::from_utf8_lossy(&pattern).into_owned()))
        .collect()
}

#[test]
fn comments_blanks_whitespace_and_escaped_hash() {
    let content = std::fs::read(fixture("quirks.txt")).expect("fixture");
    let want: Vec<(usize, String)> = [
        (4, "leading-tab"),
        (5, "vtab-ff"),
        (6, "hash\\#kept"),
        (7, "abc"),
        (9, "crlf\\.test"),
        (10, "trailing"),
        (11, "space"),
        (12, "\\\\#x"),
    ]
    .iter()
    .map(|(n, p)| (*n, p.to_string()))
    .collect();
    assert_eq!(lines(&content), want);
}

#[test]
fn escaped_hash_matches_a_literal_hash() {
    let f = Filter::load(&cfg(Some(fixture("quirks.txt")), FilterType::Bre))
        .expect("loads")
        .expect("configured");
    assert!(f.is_blocked("http://x.test/hash#kept"));
    assert!(f.is_blocked("CRLF.test"));
    assert!(f.is_blocked("a\\#x"));
    assert!(!f.is_blocked("def.test"));
    assert!(!f.is_blocked("inside.test"));
    assert_eq!(f.len(), 8);
}

#[test]
fn long_lines_are_cut_into_511_byte_pieces() {
    // 600 bytes: a 511-byte piece, then the 89-byte rest as line 2.
    let mut content = vec![b'x'; 511];
    content.extend_from_slice(&[b'y'; 89]);
    content.extend_from_slice(b"\nnext\n");
    let got = lines(&content);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], (1, "x".repeat(511)));
    assert_eq!(got[1], (2, "y".repeat(89)));
    assert_eq!(got[2], (3, "next".to_string()));

    // Exactly 511 bytes before the newline: the newline alone is line 2.
    let mut content = vec![b'z'; 511];
    content.extend_from_slice(b"\nnext\n");
    assert_eq!(
        lines(&content),
        vec![(1, "z".repeat(511)), (3, "next".to_string())]
    );

    // 510 bytes plus newline fit in one piece.
    let mut content = vec![b'w'; 510];
    content.extend_from_slice(b"\nnext\n");
    assert_eq!(
        lines(&content),
        vec![(1, "w".repeat(510)), (2, "next".to_string())]
    );
}

#[test]
fn a_nul_byte_ends_the_line_and_no_final_newline_is_fine() {
    assert_eq!(
        lines(b"nul\0blocked\nlast"),
        vec![(1, "nul".into()), (2, "last".into())]
    );
    assert_eq!(lines(b"\0hidden\n"), vec![]);
}

#[test]
fn spec_example_file() {
    let f = Filter::load(&cfg(Some(fixture("spec.txt")), FilterType::Bre))
        .expect("loads")
        .expect("configured");
    assert!(f.is_blocked("blocked.test"));
    assert!(!f.is_blocked("www.blocked.test"));
    assert!(f.is_blocked("www.badcase.test"));
    assert!(f.is_blocked("sub.evil.test"));
    assert!(!f.is_blocked("good.test"));
    assert!(!f.urls());
}

#[test]
fn no_filter_directive_means_no_filter() {
    assert!(Filter::load(&cfg(None, FilterType::Bre))
        .expect("ok")
        .is_none());
}

#[test]
fn urls_and_default_deny_flags() {
    let mut c = cfg(Some(fixture("spec.txt")), FilterType::Bre);
    c.urls = true;
    c.default_deny = true;
    let f = Filter::load(&c).expect("loads").expect("configured");
    assert!(f.urls());
    assert!(!f.is_blocked("http://x.evil.test/"));
    assert!(f.is_blocked("http://blocked.test/"));
    assert!(f.is_blocked("http://good.test/"));
}

#[test]
fn empty_file_blocks_all_or_nothing() {
    let mut c = cfg(None, FilterType::Ere);
    let f = Filter::from_bytes(&c, "e", b"# only a comment\n\n").expect("loads");
    assert!(f.is_empty());
    assert!(!f.is_blocked("anything.test"));
    c.default_deny = true;
    let f = Filter::from_bytes(&c, "e", b"").expect("loads");
    assert!(f.is_blocked("anything.test"));
}

#[test]
fn missing_file_and_directory_errors() {
    let missing = fixture("does-not-exist.txt");
    let err = Filter::load(&cfg(Some(missing), FilterType::Bre)).expect_err("missing");
    assert_eq!(
        err.stderr_text(),
        "filter file: No such file or directory\n"
    );
    assert_eq!(err.exit_code(), 65);
    assert!(matches!(err, FilterError::Open(_)));

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/filter");
    let err = Filter::load(&cfg(Some(dir), FilterType::Bre)).expect_err("directory");
    assert_eq!(err.stderr_text(), "fgets: Is a directory\n");
    assert_eq!(err.exit_code(), 65);
}

#[test]
fn bad_regex_reports_tinyproxys_line_number() {
    let mut content = vec![b'x'; 600];
    content.extend_from_slice(b"\n  [unclosed  # comment\n");
    let err = Filter::from_bytes(&cfg(None, FilterType::Bre), "/srv/f.txt", &content)
        .expect_err("bad regex");
    assert_eq!(
        err.stderr_text(),
        "Bad regex in /srv/f.txt: line 3 - [unclosed\n"
    );
    assert_eq!(err.exit_code(), 65);
}

/// Deliberate difference: glibc accepts back-references, we refuse them at
/// load time (no linear-time engine supports them) with tinyproxy's error
/// line plus an explanation.
#[test]
fn back_references_are_refused_with_an_explanation() {
    for kind in [FilterType::Bre, FilterType::Ere] {
        let pat: &[u8] = if kind == FilterType::Bre {
            b"\\(a\\)\\1\n"
        } else {
            b"(a)\\1\n"
        };
        let err = Filter::from_bytes(&cfg(None, kind), "/f", pat).expect_err("backref");
        let shown = String::from_utf8_lossy(&pat[..pat.len() - 1]).into_owned();
        assert_eq!(
            err.stderr_text(),
            format!(
                "Bad regex in /f: line 1 - {shown}\n\
                 (back-references are not supported by tinyproxy-rs)\n"
            )
        );
        assert_eq!(err.exit_code(), 65);
    }
}

#[test]
fn filter_is_send_sync_and_shareable() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Filter>();
    assert_send_sync::<std::sync::Arc<Filter>>();
}

/// Thousands of patterns (several internal groups): first, last and
/// group-boundary patterns all still match, and matching stays quick.
#[test]
fn many_patterns() {
    let content: String = (0..3000).map(|i| format!("^host{i}\\.test$\n")).collect();
    let f =
        Filter::from_bytes(&cfg(None, FilterType::Bre), "big", content.as_bytes()).expect("loads");
    assert_eq!(f.len(), 3000);
    for i in [0, 1, 127, 128, 129, 255, 256, 1500, 2999] {
        assert!(f.is_blocked(&format!("HOST{i}.test")), "host{i}");
    }
    assert!(!f.is_blocked("host3000.test"));
    assert!(!f.is_blocked("xhost1.test"));
    let start = std::time::Instant::now();
    for i in 0..200 {
        assert!(!f.is_blocked(&format!("www.site{i}.example.org")));
    }
    println!("200 misses over 3000 patterns: {:?}", start.elapsed());
}
