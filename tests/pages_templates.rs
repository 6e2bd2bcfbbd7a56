//! ErrorFile / DefaultErrorFile templates and the `{name}` engine
//! (spec §6.14, transcripts §11.4–§11.7).

use std::path::{Path, PathBuf};

use tinyproxy_rs::config::Config;
use tinyproxy_rs::pages::{error_response, render, ErrorKind, PageContext, Vars};

/// The template of the spec transcripts: every variable, plus names that
/// must stay verbatim.
const VARS_TEMPLATE: &str =
    "errno=[{errno}] cause=[{cause}] request=[{request}] clientip=[{clientip}] \
clienthost=[{clienthost}] url=[{url}] detail=[{detail}] error=[{error}] date=[{date}] \
website=[{website}] version=[{version}] package=[{package}] unknown=[{nosuchvar}] \
upper=[{Cause}] digits=[{x1}]\n";

fn cfg() -> Config {
    Config::with_defaults(PathBuf::from("/nonexistent/tinyproxy.conf"))
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write template");
    p
}

/// Split off the headers and replace the `date=[...]` value after checking
/// it is an RFC 1123 GMT date close to now.
fn body_with_date_checked(resp: &[u8]) -> String {
    let resp = String::from_utf8(resp.to_vec()).expect("utf-8");
    let (_, body) = resp.split_once("\r\n\r\n").expect("blank line");
    let start = body.find("date=[").expect("date var") + "date=[".len();
    let end = start + body[start..].find(']').expect("date end");
    let date = &body[start..end];
    assert!(date.ends_with(" GMT"), "{date}");
    let parsed = chrono::DateTime::parse_from_rfc2822(date).expect("rfc1123 date");
    let age = chrono::Utc::now()
        .signed_duration_since(parsed)
        .num_seconds();
    assert!((0..=5).contains(&age), "date {date} is {age}s away");
    format!("{}DATE{}", &body[..start], &body[end..])
}

#[test]
fn connect_port_page_matches_spec_11_4() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = cfg();
    config.default_error_file = Some(write(dir.path(), "vars.html", VARS_TEMPLATE));
    let ctx = PageContext {
        request_line: Some("CONNECT 127.0.0.1:443 HTTP/1.1"),
        http_minor: Some(1),
        url: Some("127.0.0.1:443"),
        ..PageContext::new(&config, "127.0.0.1")
    };
    let resp = error_response(&ctx, ErrorKind::ConnectPortDenied);
    assert!(resp.starts_with(b"HTTP/1.1 403 Access violation\r\nServer: tinyproxy\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"));
    assert_eq!(
        body_with_date_checked(&resp),
        "errno=[403] cause=[Access violation] request=[CONNECT 127.0.0.1:443 HTTP/1.1] clientip=[127.0.0.1] \
         clienthost=[{clienthost}] url=[127.0.0.1:443] detail=[The CONNECT method not allowed with the port you tried to use.] \
         error=[{error}] date=[DATE] website=[https://tinyproxy.github.io/] version=[1.11.3] package=[tinyproxy] \
         unknown=[{nosuchvar}] upper=[{Cause}] digits=[{x1}]\n"
    );
}

#[test]
fn acl_denial_page_matches_spec_11_5() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = cfg();
    config.default_error_file = Some(write(dir.path(), "vars.html", VARS_TEMPLATE));
    let ctx = PageContext::new(&config, "127.0.0.2");
    let resp = error_response(&ctx, ErrorKind::AccessDenied);
    assert!(resp.starts_with(b"HTTP/1.0 403 Access denied\r\n"));
    assert_eq!(
        body_with_date_checked(&resp),
        "errno=[403] cause=[Access denied] request=[{request}] clientip=[127.0.0.2] \
         clienthost=[{clienthost}] url=[{url}] detail=[The administrator of this proxy has not configured it to service requests from your host.] \
         error=[{error}] date=[DATE] website=[https://tinyproxy.github.io/] version=[1.11.3] package=[tinyproxy] \
         unknown=[{nosuchvar}] upper=[{Cause}] digits=[{x1}]\n"
    );
}

/// CVE-2022-40468: an unparsable request line must render `{url}` as the
/// empty string, never stale or uninitialised memory.
#[test]
fn garbage_request_renders_empty_url_spec_11_6() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = cfg();
    config.default_error_file = Some(write(dir.path(), "vars.html", VARS_TEMPLATE));
    let ctx = PageContext {
        request_line: Some("GARBAGE"),
        ..PageContext::new(&config, "127.0.0.1")
    };
    let resp = error_response(&ctx, ErrorKind::BadRequest);
    assert!(resp.starts_with(b"HTTP/1.0 400 Bad Request\r\n"));
    assert_eq!(
        body_with_date_checked(&resp),
        "errno=[400] cause=[Bad Request] request=[GARBAGE] clientip=[127.0.0.1] \
         clienthost=[{clienthost}] url=[] detail=[Request has an invalid format] \
         error=[{error}] date=[DATE] website=[https://tinyproxy.github.io/] version=[1.11.3] package=[tinyproxy] \
         unknown=[{nosuchvar}] upper=[{Cause}] digits=[{x1}]\n"
    );
}

#[test]
fn unable_to_connect_page_matches_spec_11_7() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = cfg();
    config.default_error_file = Some(write(dir.path(), "vars.html", VARS_TEMPLATE));
    let ctx = PageContext {
        request_line: Some("GET http://127.0.0.1:1/ HTTP/1.1"),
        http_minor: Some(1),
        url: Some("http://127.0.0.1:1/"), // not shown: 500 defines no {url}
        error: Some("Connection refused"),
        ..PageContext::new(&config, "127.0.0.1")
    };
    let resp = error_response(&ctx, ErrorKind::UnableToConnect);
    assert!(resp.starts_with(b"HTTP/1.1 500 Unable to connect\r\n"));
    assert_eq!(
        body_with_date_checked(&resp),
        "errno=[500] cause=[Unable to connect] request=[GET http://127.0.0.1:1/ HTTP/1.1] clientip=[127.0.0.1] \
         clienthost=[{clienthost}] url=[{url}] detail=[Tinyproxy was unable to connect to the remote web server.] \
         error=[Connection refused] date=[DATE] website=[https://tinyproxy.github.io/] version=[1.11.3] package=[tinyproxy] \
         unknown=[{nosuchvar}] upper=[{Cause}] digits=[{x1}]\n"
    );
}

#[test]
fn error_file_for_code_beats_default_and_other_codes_fall_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = cfg();
    config.error_files = vec![
        (
            403,
            write(dir.path(), "403.html", "four-oh-three {cause}\n"),
        ),
        (
            403,
            write(dir.path(), "403b.html", "second mapping loses\n"),
        ),
    ];
    config.default_error_file = Some(write(
        dir.path(),
        "default.html",
        "default {errno} {detail}\n",
    ));
    let ctx = PageContext::new(&config, "127.0.0.1");
    let r = error_response(&ctx, ErrorKind::Filtered);
    assert!(
        r.ends_with(b"\r\n\r\nfour-oh-three Filtered\n"),
        "{}",
        String::from_utf8_lossy(&r)
    );
    let r = error_response(&ctx, ErrorKind::AuthRequired);
    assert!(
        r.ends_with(b"\r\n\r\ndefault 407 This proxy requires authentication.\n"),
        "{}",
        String::from_utf8_lossy(&r)
    );
}

#[test]
fn template_edits_apply_without_reload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = cfg();
    let path = write(dir.path(), "t.html", "first\n");
    config.default_error_file = Some(path.clone());
    let ctx = PageContext::new(&config, "127.0.0.1");
    assert!(error_response(&ctx, ErrorKind::BadRequest).ends_with(b"\r\n\r\nfirst\n"));
    std::fs::write(&path, "second\n").expect("rewrite");
    assert!(error_response(&ctx, ErrorKind::BadRequest).ends_with(b"\r\n\r\nsecond\n"));
}

#[test]
fn unreadable_template_falls_back_to_builtin_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = cfg();
    config.error_files = vec![(400, dir.path().join("missing.html"))];
    let ctx = PageContext::new(&config, "127.0.0.1");
    let r = String::from_utf8(error_response(&ctx, ErrorKind::BadRequest)).expect("utf-8");
    assert!(
        r.contains("<h1>Bad Request</h1>\n<p>Request has an invalid format</p>\n"),
        "{r}"
    );
    // A directory is not readable as a file either.
    config.error_files = vec![(400, dir.path().to_path_buf())];
    let ctx = PageContext::new(&config, "127.0.0.1");
    let r = String::from_utf8(error_response(&ctx, ErrorKind::BadRequest)).expect("utf-8");
    assert!(r.contains("<title>400 Bad Request</title>"), "{r}");
}

#[test]
fn debian_default_template_renders_like_spec_11_14() {
    let path = Path::new("/usr/share/tinyproxy/default.html");
    if !path.exists() {
        panic!("install the Debian tinyproxy package for this test");
    }
    let mut config = cfg();
    config.default_error_file = Some(path.to_path_buf());
    let ctx = PageContext {
        request_line: Some("GARBAGE"),
        ..PageContext::new(&config, "127.0.0.1")
    };
    let r = String::from_utf8(error_response(&ctx, ErrorKind::BadRequest)).expect("utf-8");
    assert!(r.contains("<title>400 Bad Request</title>"), "{r}");
    assert!(
        r.contains("<h1>Bad Request</h1>\n\n<p>Request has an invalid format</p>"),
        "{r}"
    );
    assert!(
        r.contains(
            "Generated by <a href=\"https://tinyproxy.github.io/\">tinyproxy</a> version 1.11.3."
        ),
        "{r}"
    );
}

/// Client-supplied text is HTML-escaped (tinyproxy inserts it raw, a
/// reflected XSS in the origin of the requested site).
#[test]
fn request_and_url_are_html_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = cfg();
    config.default_error_file = Some(write(dir.path(), "t.html", "[{request}] [{url}]\n"));
    let ctx = PageContext {
        request_line: Some("GET http://x/<script>a&b\"'</script> HTTP/1.1"),
        url: Some("http://x/<b>"),
        ..PageContext::new(&config, "127.0.0.1")
    };
    let r = error_response(&ctx, ErrorKind::Filtered);
    assert!(
        r.ends_with(b"\r\n\r\n[GET http://x/&lt;script&gt;a&amp;b&quot;&#39;&lt;/script&gt; HTTP/1.1] [http://x/&lt;b&gt;]\n"),
        "{}",
        String::from_utf8_lossy(&r)
    );
}

fn vars(pairs: &[(&'static str, &str)]) -> Vars {
    let mut v = Vars::new();
    for (k, val) in pairs {
        v.set(k, *val);
    }
    v
}

#[test]
fn engine_name_rules() {
    let v = vars(&[
        ("a", "A"),
        ("cause", "C"),
        ("abcdefghijklmnopqrstuvwxyzabcdef", "LONG32"),
    ]);
    let cases: &[(&str, &str)] = &[
        ("{a}", "A"),
        ("x{a}y{a}z", "xAyAz"),
        ("{cause}{cause}", "CC"),
        ("{Cause}", "{Cause}"),
        ("{x1}", "{x1}"),
        ("{}", "{}"),
        ("{nosuchvar}", "{nosuchvar}"),
        ("{{a}}", "{A}"),
        ("{a", "{a"),
        ("{ a}", "{ a}"),
        ("{abcdefghijklmnopqrstuvwxyzabcdef}", "LONG32"),
        (
            "{abcdefghijklmnopqrstuvwxyzabcdefg}",
            "{abcdefghijklmnopqrstuvwxyzabcdefg}",
        ),
        ("body {\n  color: red;\n}", "body {\n  color: red;\n}"),
        ("trailing {", "trailing {"),
    ];
    for (tpl, want) in cases {
        assert_eq!(
            String::from_utf8(render(tpl.as_bytes(), &v)).expect("utf-8"),
            *want,
            "{tpl}"
        );
    }
}

#[test]
fn engine_values_are_not_rescanned_and_bytes_pass_through() {
    let v = vars(&[("a", "{b}"), ("b", "B")]);
    assert_eq!(render(b"{a}", &v), b"{b}");
    let tpl = b"\xff\xfe{b}\x00\n";
    assert_eq!(render(tpl, &v), b"\xff\xfeB\x00\n");
}

#[test]
fn oversized_template_is_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = "x".repeat(3 * 1024 * 1024);
    let mut config = cfg();
    config.default_error_file = Some(write(dir.path(), "big.html", &big));
    let ctx = PageContext::new(&config, "127.0.0.1");
    let r = error_response(&ctx, ErrorKind::BadRequest);
    assert!(r.len() < 1024 * 1024 + 1024, "{}", r.len());
    assert!(r.len() >= 1024 * 1024, "{}", r.len());
}
