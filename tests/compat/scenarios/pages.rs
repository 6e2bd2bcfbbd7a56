//! Stats page and filter (spec §6.10, §6.11; transcripts §11.8, §11.16).

use super::{differs, same};
use crate::harness::Ctx;
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        same("stats_builtin_counters", builtin),
        differs(
            "stats_origin_form_host",
            "stathost-host-header",
            super::stathost_host_header_lift,
            origin_form,
        ),
        same("stats_statfile_template", statfile),
        same("stats_custom_stathost", custom_stathost),
        same("stats_host_prefix_is_not_stathost", stathost_prefix),
        same("filter_host_bre_default", filter_host),
        same("filter_connect_host", filter_connect),
        same("filter_urls", filter_urls),
        same("filter_default_deny", filter_default_deny),
        same("filter_fnmatch", filter_fnmatch),
        same("filter_case_sensitive", filter_case_sensitive),
    ]
}

/// §11.8: counters after one good request, one bad one and one denial.
fn builtin(c: &mut Ctx) {
    c.origin();
    c.start("Deny 127.0.0.2\nAllow 127.0.0.1");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/ HTTP/1.1\r\n\r\n");
    c.exchange("GARBAGE\r\n\r\n");
    c.exchange_from(
        "127.0.0.2",
        "GET http://127.0.0.1:{ORIGIN}/ HTTP/1.0\r\n\r\n",
    );
    c.exchange("GET http://tinyproxy.stats/ HTTP/1.1\r\nHost: tinyproxy.stats\r\n\r\n");
}

fn origin_form(c: &mut Ctx) {
    c.start("");
    c.exchange("GET / HTTP/1.1\r\nHost: tinyproxy.stats\r\n\r\n");
}

const STATVARS: &str = "opens={opens} reqs={reqs} badconns={badconns} deniedconns={deniedconns} refusedconns={refusedconns} package={package} version={version} date={date} clientip={clientip} request={request} cause={cause} errno={errno}\n";

fn statfile(c: &mut Ctx) {
    c.file("stats.html", STATVARS);
    c.start("StatFile \"{DIR}/stats.html\"");
    c.exchange("GARBAGE\r\n\r\n");
    c.exchange("GET http://tinyproxy.stats/ HTTP/1.1\r\n\r\n");
}

/// tinyproxy's own suite uses an IP-like StatHost.
fn custom_stathost(c: &mut Ctx) {
    c.start("StatHost \"127.0.0.127\"");
    c.exchange("GET http://127.0.0.127 HTTP/1.0\r\n\r\n");
    c.exchange("GET http://tinyproxy.stats/ HTTP/1.0\r\n\r\n");
}

/// A Host that only starts with StatHost is an ordinary transparent
/// request (the exact match of 1.11.3+ master).
fn stathost_prefix(c: &mut Ctx) {
    c.origin();
    c.start("StatHost \"localhos\"");
    c.exchange("GET /p HTTP/1.1\r\nHost: localhost:{ORIGIN}\r\n\r\n");
}

/// §11.16: BRE patterns, case-insensitive, comments; subject = host.
/// Hosts are loopback names, so a filter miss never leaves the machine.
fn filter_host(c: &mut Ctx) {
    c.origin();
    c.file(
        "filter",
        "# comment line\n^localhost$\n  evil   # trailing comment\nBADCASE\n",
    );
    c.start("Filter \"{DIR}/filter\"");
    c.exchange("GET http://localhost:{ORIGIN}/x HTTP/1.1\r\n\r\n");
    c.exchange("GET http://LOCALHOST:{ORIGIN}/x HTTP/1.1\r\n\r\n");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/badcase HTTP/1.1\r\n\r\n");
}

fn filter_connect(c: &mut Ctx) {
    c.origin();
    c.file("filter", "^localhost$\n");
    c.start("Filter \"{DIR}/filter\"");
    c.exchange("CONNECT localhost:{ORIGIN} HTTP/1.0\r\n\r\n");
}

/// FilterURLs: the subject is the whole URL.
fn filter_urls(c: &mut Ctx) {
    c.origin();
    c.file("filter", "/blocked/\n");
    c.start("Filter \"{DIR}/filter\"\nFilterURLs On");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/blocked/x HTTP/1.1\r\n\r\n");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/fine HTTP/1.1\r\n\r\n");
}

/// FilterDefaultDeny: the list is an allow-list.
fn filter_default_deny(c: &mut Ctx) {
    c.origin();
    c.file("filter", "^127\\.0\\.0\\.1$\n");
    c.start("Filter \"{DIR}/filter\"\nFilterDefaultDeny Yes");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/ok HTTP/1.1\r\n\r\n");
    c.exchange("GET http://localhost:{ORIGIN}/no HTTP/1.1\r\n\r\n");
}

fn filter_fnmatch(c: &mut Ctx) {
    c.origin();
    c.file("filter", "local*\n");
    c.start("Filter \"{DIR}/filter\"\nFilterType fnmatch");
    c.exchange("GET http://localhost:{ORIGIN}/f HTTP/1.1\r\n\r\n");
    c.exchange("GET http://LOCALHOST:{ORIGIN}/f HTTP/1.1\r\n\r\n");
}

/// FilterCaseSensitive: `LOCALHOST` no longer matches `^localhost$`.
fn filter_case_sensitive(c: &mut Ctx) {
    c.origin();
    c.file("filter", "^localhost$\n");
    c.start("Filter \"{DIR}/filter\"\nFilterCaseSensitive Yes");
    c.exchange("GET http://localhost:{ORIGIN}/a HTTP/1.1\r\n\r\n");
    c.exchange("GET http://LOCALHOST:{ORIGIN}/b HTTP/1.1\r\n\r\n");
}
