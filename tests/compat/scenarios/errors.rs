//! Error paths and error pages (spec §6.14; transcripts §11.6, §11.7,
//! §11.14, §11.18).

use super::{differs, same, sub};
use crate::harness::Ctx;
use crate::obs::Obs;
use crate::Scenario;

use super::connect::VARS;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        same("err_garbage_line", garbage),
        same("err_post_two_tokens", post_two_tokens),
        same("err_bad_version", bad_version),
        same("err_leading_space_cve_2022_40468", leading_space),
        same("err_big_fart", big_fart),
        same("err_garbage_vars_template", garbage_vars),
        same("err_origin_refused_500", origin_refused),
        same("err_origin_refused_vars_template", origin_refused_vars),
        same("err_unresolvable_host", unresolvable),
        same("err_errorfile_per_code", errorfile_per_code),
        same("err_errorfile_missing", errorfile_missing),
        same("err_debian_default_template", debian_default),
        differs(
            "err_template_html_escape",
            "errorpage-html-escape",
            escape_lift,
            template_escape,
        ),
        same("err_idle_before_request", idle_before_request),
        same("err_headers_never_finish", headers_never_finish),
        same("err_too_many_headers", too_many_headers),
        same("err_request_line_too_long", request_line_too_long),
    ]
}

fn garbage(c: &mut Ctx) {
    c.start("");
    c.exchange("GARBAGE\r\n\r\n");
}

fn post_two_tokens(c: &mut Ctx) {
    c.start("");
    c.exchange("POST http://127.0.0.1:1/\r\n\r\n");
}

fn bad_version(c: &mut Ctx) {
    c.start("");
    c.exchange("GET http://127.0.0.1:1/ HTTP/x.y\r\n\r\n");
}

fn leading_space(c: &mut Ctx) {
    c.file("vars.html", VARS);
    c.start("DefaultErrorFile \"{DIR}/vars.html\"");
    c.exchange(" http://127.0.0.1:1/ HTTP/1.1\r\n\r\n");
}

/// tinyproxy's own test case.
fn big_fart(c: &mut Ctx) {
    c.start("");
    c.exchange("BIG FART http://127.0.0.1:1/ HTTP/1.0\r\n\r\n");
}

fn garbage_vars(c: &mut Ctx) {
    c.file("vars.html", VARS);
    c.start("DefaultErrorFile \"{DIR}/vars.html\"");
    c.exchange("GARBAGE\r\n\r\n");
}

/// §11.7: connection refused → 500 Unable to connect.
fn origin_refused(c: &mut Ctx) {
    c.start("");
    c.exchange("GET http://127.0.0.1:1/refused HTTP/1.1\r\n\r\n");
}

fn origin_refused_vars(c: &mut Ctx) {
    c.file("vars.html", VARS);
    c.start("DefaultErrorFile \"{DIR}/vars.html\"");
    c.exchange("GET http://127.0.0.1:1/ HTTP/1.1\r\n\r\n");
}

/// §11.7: a `.invalid` name fails resolution at once → 500.
fn unresolvable(c: &mut Ctx) {
    c.start("");
    c.exchange("GET http://nonexistent.invalid/x HTTP/1.1\r\nHost: nonexistent.invalid\r\n\r\n");
}

/// ErrorFile for 400 wins over DefaultErrorFile; 500 uses the default.
fn errorfile_per_code(c: &mut Ctx) {
    c.file("e400.html", "E400 {cause} {detail}\n");
    c.file("default.html", "DEFAULT {errno} {cause}\n");
    c.start(
        "ErrorFile 400 \"{DIR}/e400.html\"\nErrorFile 400 \"{DIR}/default.html\"\nDefaultErrorFile \"{DIR}/default.html\"",
    );
    c.exchange("GARBAGE\r\n\r\n");
    c.exchange("GET http://127.0.0.1:1/ HTTP/1.0\r\n\r\n");
}

/// An unreadable template: ERROR line and the built-in page.
fn errorfile_missing(c: &mut Ctx) {
    c.start("ErrorFile 400 \"{DIR}/missing.html\"");
    c.exchange("GARBAGE\r\n\r\n");
}

/// Debian's shipped template, as in §11.14.
fn debian_default(c: &mut Ctx) {
    c.start("DefaultErrorFile \"/usr/share/tinyproxy/default.html\"");
    c.exchange("GARBAGE\r\n\r\n");
}

fn template_escape(c: &mut Ctx) {
    c.file("vars.html", "request=[{request}]\n");
    c.start("DefaultErrorFile \"{DIR}/vars.html\"");
    c.exchange("GET<b>x</b>&\"'\r\n\r\n");
}

/// We HTML-escape `{request}` and `{url}` in templates.
fn escape_lift(o: &mut Obs) {
    sub(
        &mut o.client,
        "request=[GET<b>x</b>&\"']",
        "request=[GET&lt;b&gt;x&lt;/b&gt;&amp;&quot;&#39;]",
    );
}

/// §11.18: nothing sent → closed after Timeout, no answer.
fn idle_before_request(c: &mut Ctx) {
    c.start("Timeout 1");
    let mut conn = c.conn(None);
    conn.read_to_eof();
    c.record(&conn);
}

/// §11.18: request line and a header, never the blank line → 400 after
/// Timeout (then the drain wait).
fn headers_never_finish(c: &mut Ctx) {
    c.start("Timeout 1");
    let mut conn = c.conn(None);
    conn.send(b"GET http://127.0.0.1:1/p HTTP/1.1\r\nX-A: 1\r\n");
    conn.read_to_eof();
    c.record(&conn);
}

/// CVE-2012-3505: 10 001 header lines → 400.
fn too_many_headers(c: &mut Ctx) {
    c.start("");
    let mut req = String::from("GET http://127.0.0.1:1/ HTTP/1.1\r\n");
    for i in 0..10_001 {
        req.push_str(&format!("X-H{i}: v\r\n"));
    }
    req.push_str("\r\n");
    c.exchange(&req);
}

/// A request line over 128 KiB: no answer.
fn request_line_too_long(c: &mut Ctx) {
    c.start("");
    let req = format!(
        "GET http://127.0.0.1:1/{} HTTP/1.1\r\n\r\n",
        "a".repeat(140 * 1024)
    );
    c.exchange(&req);
}
