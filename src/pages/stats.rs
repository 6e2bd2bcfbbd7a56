//! The stats page (`../shared/spec/tinyproxy-1.11.md` §6.10): rendering
//! only; the counters it shows are [`crate::counters`].

use super::context::{standard_vars, PageContext, SERVER_HEADER};
use super::error::{status_line, FOOTER, XHTML_PROLOGUE};
use super::template::{http_date, read_template, render_into};
use crate::counters::StatsSnapshot;
use crate::log::Level;
use crate::sys::strerror;

/// The complete stats response. Without StatFile (or when it cannot be
/// read): the built-in page with tinyproxy's `HTTP/1.0 200 OK` header set
/// (note its lower-case `Content-type` / `Content-length`). With StatFile:
/// `200 Statistic requested` and the rendered template, no length.
pub fn stats_response(ctx: &PageContext<'_>, s: &StatsSnapshot) -> Vec<u8> {
    if let Some(path) = &ctx.config.stat_file {
        match read_template(path) {
            Ok(template) => return templated_stats(ctx, s, &template),
            Err(e) => crate::log_msg!(
                Level::Error,
                "Error opening stat file '{}' ({})",
                path.display(),
                strerror(&e)
            ),
        }
    }
    builtin_stats(s)
}

fn templated_stats(ctx: &PageContext<'_>, s: &StatsSnapshot, template: &[u8]) -> Vec<u8> {
    let mut vars = standard_vars(ctx, -1, None);
    vars.set("opens", s.opens.to_string());
    vars.set("reqs", s.reqs.to_string());
    vars.set("badconns", s.badconns.to_string());
    vars.set("deniedconns", s.deniedconns.to_string());
    vars.set("refusedconns", s.refusedconns.to_string());
    let mut out = Vec::with_capacity(256 + template.len());
    status_line(&mut out, ctx.http_minor, 200, "Statistic requested");
    out.extend_from_slice(SERVER_HEADER);
    out.extend_from_slice(b"Content-Type: text/html\r\nConnection: close\r\n\r\n");
    render_into(template, &vars, &mut out);
    out
}

/// The built-in page. The counter lines keep tinyproxy's labels, which
/// monitoring scripts scrape; title and footer carry no version.
fn builtin_stats(s: &StatsSnapshot) -> Vec<u8> {
    let body = format!(
        "{XHTML_PROLOGUE}<html>\n\
         <head><title>tinyproxy run-time statistics</title></head>\n\
         <body>\n\
         <h1>tinyproxy run-time statistics</h1>\n\
         <p>\n\
         Number of open connections: {}<br />\n\
         Number of requests: {}<br />\n\
         Number of bad connections: {}<br />\n\
         Number of denied connections: {}<br />\n\
         Number of refused connections due to high load: {}\n\
         </p>\n\
         <hr />\n\
         {FOOTER}</body>\n\
         </html>\n",
        s.opens, s.reqs, s.badconns, s.deniedconns, s.refusedconns
    );
    let head = format!(
        "HTTP/1.0 200 OK\r\n\
         Server: tinyproxy\r\n\
         Content-type: text/html\r\n\
         Connection: close\r\n\
         Date: {}\r\n\
         Content-length: {}\r\n\r\n",
        http_date(),
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// Whether a request's target host names the stats page: equal to
/// StatHost (case-sensitive, as tinyproxy's `strcmp`), optionally followed
/// by `:port` (digits), which the CVE-2026-55202 fix also accepts. A mere
/// prefix (`tinyproxy.statsX`) does not count.
pub fn is_stat_host(stat_host: &str, host: &str) -> bool {
    match host.strip_prefix(stat_host) {
        Some("") => !stat_host.is_empty(),
        Some(rest) => {
            let Some(port) = rest.strip_prefix(':') else {
                return false;
            };
            !stat_host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}
