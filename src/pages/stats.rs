//! The connection counters and the stats page
//! (`../shared/spec/tinyproxy-1.11.md` §6.10).
//!
//! Counters are process-wide atomics, never reset on reload. Meaning, as in
//! tinyproxy: `opens` = client connections open now, `reqs` = client
//! connections accepted since start, `badconns` = malformed or rejected
//! requests, `deniedconns` = ACL, filter and auth refusals, `refusedconns`
//! = refused for load (tinyproxy never counts any).

use std::sync::atomic::{AtomicU64, Ordering};

use super::context::{standard_vars, PageContext, SERVER_HEADER};
use super::error::{status_line, FOOTER, XHTML_PROLOGUE};
use super::template::{http_date, read_template, render_into};
use crate::log::Level;
use crate::sys::strerror;

/// The live counters.
#[derive(Debug, Default)]
pub struct Stats {
    opens: AtomicU64,
    reqs: AtomicU64,
    badconns: AtomicU64,
    deniedconns: AtomicU64,
    refusedconns: AtomicU64,
}

/// The counters at one instant, for rendering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub opens: u64,
    pub reqs: u64,
    pub badconns: u64,
    pub deniedconns: u64,
    pub refusedconns: u64,
}

static STATS: Stats = Stats::new();

/// The process-wide counters.
pub fn stats() -> &'static Stats {
    &STATS
}

impl Stats {
    pub const fn new() -> Stats {
        Stats {
            opens: AtomicU64::new(0),
            reqs: AtomicU64::new(0),
            badconns: AtomicU64::new(0),
            deniedconns: AtomicU64::new(0),
            refusedconns: AtomicU64::new(0),
        }
    }

    /// A client connection was accepted: one more open, one more request.
    pub fn inc_open(&self) {
        self.opens.fetch_add(1, Ordering::Relaxed);
        self.reqs.fetch_add(1, Ordering::Relaxed);
    }

    /// A client connection closed (never goes below zero).
    pub fn dec_open(&self) {
        let _ = self
            .opens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// Count an accepted connection and return a guard that un-counts it
    /// when dropped, so every exit path of a connection task closes it.
    pub fn open_guard(&self) -> OpenGuard<'_> {
        self.inc_open();
        OpenGuard { stats: self }
    }

    pub fn inc_bad(&self) {
        self.badconns.fetch_add(1, Ordering::Relaxed);
    }

    pub fn inc_denied(&self) {
        self.deniedconns.fetch_add(1, Ordering::Relaxed);
    }

    pub fn inc_refused(&self) {
        crate::ops::hooks::denied("max-clients"); // ops hook
        self.refusedconns.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            opens: self.opens.load(Ordering::Relaxed),
            reqs: self.reqs.load(Ordering::Relaxed),
            badconns: self.badconns.load(Ordering::Relaxed),
            deniedconns: self.deniedconns.load(Ordering::Relaxed),
            refusedconns: self.refusedconns.load(Ordering::Relaxed),
        }
    }
}

/// Keeps one connection counted in `opens` while alive.
#[derive(Debug)]
pub struct OpenGuard<'a> {
    stats: &'a Stats,
}

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        self.stats.dec_open();
    }
}

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
