//! BasicAuth checking (spec §6.9, §11.15; 1.11.3 semantics).

use std::path::PathBuf;

use tinyproxy_rs::config::Config;
use tinyproxy_rs::pages::ErrorKind;
use tinyproxy_rs::policy::auth::{check_proxy_auth, check_stathost_auth, AuthOutcome};

fn cfg(users: &[(&str, &str)]) -> Config {
    let mut c = Config::with_defaults(PathBuf::from("/nonexistent/tinyproxy.conf"));
    c.basic_auth = users
        .iter()
        .map(|(u, p)| (u.to_string(), p.to_string()))
        .collect();
    c
}

fn check(c: &Config, header: &str) -> AuthOutcome {
    check_proxy_auth(c, Some(header.as_bytes()))
}

#[test]
fn not_required_without_users() {
    let c = cfg(&[]);
    assert_eq!(check_proxy_auth(&c, None), AuthOutcome::NotRequired);
    assert_eq!(check(&c, "Basic garbage"), AuthOutcome::NotRequired);
    assert!(AuthOutcome::NotRequired.passed());
}

#[test]
fn missing_wrong_right() {
    let c = cfg(&[("user", "pass")]);
    assert_eq!(check_proxy_auth(&c, None), AuthOutcome::Missing);
    assert!(!AuthOutcome::Missing.passed());
    // base64("user:wrong"), the spec's transcript.
    assert_eq!(check(&c, "Basic dXNlcjp3cm9uZw=="), AuthOutcome::Bad);
    assert!(!AuthOutcome::Bad.passed());
    // base64("user:pass")
    assert_eq!(check(&c, "Basic dXNlcjpwYXNz"), AuthOutcome::Ok);
    assert!(AuthOutcome::Ok.passed());
    assert_eq!(check(&c, ""), AuthOutcome::Bad);
    assert_eq!(check(&c, "Basic"), AuthOutcome::Bad);
    assert_eq!(check(&c, "Basic "), AuthOutcome::Bad);
    // base64("user:pas") and base64("user:passs"): prefixes do not match.
    assert_eq!(check(&c, "Basic dXNlcjpwYXM="), AuthOutcome::Bad);
    assert_eq!(check(&c, "Basic dXNlcjpwYXNzcw=="), AuthOutcome::Bad);
    // base64("USER:pass"): user names are case-sensitive.
    assert_eq!(check(&c, "Basic VVNFUjpwYXNz"), AuthOutcome::Bad);
}

#[test]
fn scheme_case_and_blanks() {
    let c = cfg(&[("user", "pass")]);
    assert_eq!(check(&c, "basic dXNlcjpwYXNz"), AuthOutcome::Ok);
    // tinyproxy rejects these two; RFC 7617 makes the scheme case-insensitive.
    assert_eq!(check(&c, "BASIC dXNlcjpwYXNz"), AuthOutcome::Ok);
    assert_eq!(check(&c, "bAsIc dXNlcjpwYXNz"), AuthOutcome::Ok);
    assert_eq!(check(&c, "Basic  dXNlcjpwYXNz "), AuthOutcome::Ok);
    assert_eq!(check(&c, "Basic\tdXNlcjpwYXNz"), AuthOutcome::Ok);
    assert_eq!(check(&c, "Bearer dXNlcjpwYXNz"), AuthOutcome::Bad);
    assert_eq!(check(&c, "Basicx dXNlcjpwYXNz"), AuthOutcome::Bad);
    assert_eq!(check(&c, "BasicdXNlcjpwYXNz"), AuthOutcome::Bad);
    assert_eq!(check(&c, "Basic dXNlcjpwYXNz extra"), AuthOutcome::Bad);
}

/// Only canonical base64 is accepted, as tinyproxy (which compares the
/// encoded text).
#[test]
fn non_canonical_base64_is_rejected() {
    let c = cfg(&[("user", "wrong")]);
    assert_eq!(check(&c, "Basic dXNlcjp3cm9uZw=="), AuthOutcome::Ok);
    assert_eq!(
        check(&c, "Basic dXNlcjp3cm9uZw"),
        AuthOutcome::Bad,
        "missing padding"
    );
    assert_eq!(
        check(&c, "Basic dXNlcjp3cm9uZx=="),
        AuthOutcome::Bad,
        "non-zero trailing bits"
    );
    assert_eq!(
        check(&c, "Basic dXNlcjp3cm9uZw==="),
        AuthOutcome::Bad,
        "extra padding"
    );
    assert_eq!(
        check(&c, "Basic dXNlcjp3cm9u Zw=="),
        AuthOutcome::Bad,
        "inner blank"
    );
    assert_eq!(
        check(&c, "Basic dXNlcjp3cm9uZw-="),
        AuthOutcome::Bad,
        "url-safe alphabet"
    );
    assert_eq!(check(&c, "Basic !!!!"), AuthOutcome::Bad);
}

#[test]
fn multiple_users() {
    let c = cfg(&[("alice", "one"), ("bob", "two"), ("carol", "three")]);
    assert_eq!(check(&c, "Basic YWxpY2U6b25l"), AuthOutcome::Ok); // alice:one
    assert_eq!(check(&c, "Basic Ym9iOnR3bw=="), AuthOutcome::Ok); // bob:two
    assert_eq!(check(&c, "Basic Y2Fyb2w6dGhyZWU="), AuthOutcome::Ok); // carol:three
    assert_eq!(check(&c, "Basic YWxpY2U6dHdv"), AuthOutcome::Bad); // alice:two
    assert_eq!(check(&c, "Basic Ym9iOm9uZQ=="), AuthOutcome::Bad); // bob:one
}

#[test]
fn password_containing_colon() {
    let c = cfg(&[("u", "a:b")]);
    assert_eq!(check(&c, "Basic dTphOmI="), AuthOutcome::Ok); // u:a:b
    assert_eq!(check(&c, "Basic dTph"), AuthOutcome::Bad); // u:a
                                                           // Splitting differently must not help: user "u:a", password "b".
    let c2 = cfg(&[("u:a", "b"), ("x", "y")]);
    assert_eq!(check(&c2, "Basic dTphOmI="), AuthOutcome::Ok);
}

#[test]
fn non_utf8_credentials_compare_as_bytes() {
    let c = cfg(&[("user", "pass")]);
    // base64 of b"user:pa\xffss"
    assert_eq!(check(&c, "Basic dXNlcjpwYf9zcw=="), AuthOutcome::Bad);
    assert_eq!(
        check_proxy_auth(&c, Some(b"Basic \xff\xfe")),
        AuthOutcome::Bad
    );
}

/// The stats-page path: without Proxy-Authorization the Authorization
/// header is checked and failures are 401; with it, 407 as usual.
#[test]
fn stathost_path() {
    let c = cfg(&[("user", "pass")]);
    let good: &[u8] = b"Basic dXNlcjpwYXNz";
    let bad: &[u8] = b"Basic dXNlcjp3cm9uZw==";

    let r = check_stathost_auth(&c, None, None);
    assert_eq!(
        (r.outcome, r.on_failure),
        (AuthOutcome::Missing, ErrorKind::Unauthorized)
    );
    let r = check_stathost_auth(&c, None, Some(good));
    assert_eq!(r.outcome, AuthOutcome::Ok);
    let r = check_stathost_auth(&c, None, Some(bad));
    assert_eq!(
        (r.outcome, r.on_failure),
        (AuthOutcome::Bad, ErrorKind::Unauthorized)
    );

    let r = check_stathost_auth(&c, Some(bad), Some(good));
    assert_eq!(
        (r.outcome, r.on_failure),
        (AuthOutcome::Bad, ErrorKind::AuthRequired)
    );
    let r = check_stathost_auth(&c, Some(good), None);
    assert_eq!(r.outcome, AuthOutcome::Ok);

    let none = cfg(&[]);
    assert_eq!(
        check_stathost_auth(&none, None, None).outcome,
        AuthOutcome::NotRequired
    );
}
