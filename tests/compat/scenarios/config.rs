//! Configs that fail or warn, and the command line (spec §1.3, §3;
//! transcript §11.12): exit status, stderr and stdout.

use super::{differs, same};
use crate::harness::Ctx;
use crate::obs::Obs;
use crate::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        differs(
            "cfg_unknown_directive",
            "config-error-location",
            unknown_lift,
            unknown_directive,
        ),
        differs(
            "cfg_port_too_large",
            "config-error-location",
            port_lift,
            port_too_large,
        ),
        same("cfg_no_port", no_port),
        same("cfg_missing_file", missing_file),
        differs(
            "cfg_trailing_comment",
            "config-error-location",
            comment_lift,
            trailing_comment,
        ),
        differs(
            "cfg_crlf_line_endings",
            "config-error-location",
            crlf_lift,
            crlf,
        ),
        differs(
            "cfg_unquoted_logfile",
            "config-error-location",
            unquoted_lift,
            unquoted,
        ),
        differs(
            "cfg_upstream_none_without_site",
            "config-error-location",
            upstream_none_lift,
            upstream_none_no_site,
        ),
        same("cfg_obsolete_directives_warn", obsolete),
        same("cfg_filter_file_missing", filter_missing),
        same("cfg_filter_bad_regex", filter_bad_regex),
        same("cfg_port_in_use", port_in_use),
        same("cfg_unknown_user", unknown_user),
        differs(
            "cli_invalid_option",
            "usage-text",
            usage_lift,
            invalid_option,
        ),
        differs(
            "cli_missing_argument",
            "usage-text",
            usage_lift,
            missing_argument,
        ),
        differs("cli_version", "version-1.11.3", version_lift, version),
    ]
}

const HEAD: &str = "Port {PROXY}\nListen 127.0.0.1\n";

fn fails(c: &mut Ctx, body: &str) {
    c.run_to_exit(&format!("{HEAD}{body}"), &["-d", "-c", "{CONF}"]);
}

fn unknown_directive(c: &mut Ctx) {
    fails(c, "FooBar 1\n");
}

fn port_too_large(c: &mut Ctx) {
    c.run_to_exit("Port 99999\nListen 127.0.0.1\n", &["-d", "-c", "{CONF}"]);
}

fn no_port(c: &mut Ctx) {
    c.run_to_exit("Listen 127.0.0.1\n", &["-d", "-c", "{CONF}"]);
}

fn missing_file(c: &mut Ctx) {
    c.run_to_exit("", &["-d", "-c", "{DIR}/doesnotexist.conf"]);
}

fn trailing_comment(c: &mut Ctx) {
    c.run_to_exit("Port {PROXY} # comment\n", &["-d", "-c", "{CONF}"]);
}

fn crlf(c: &mut Ctx) {
    c.run_to_exit(
        "Port {PROXY}\r\nListen 127.0.0.1\r\n",
        &["-d", "-c", "{CONF}"],
    );
}

fn unquoted(c: &mut Ctx) {
    fails(c, "LogFile /tmp/x.log\n");
}

fn upstream_none_no_site(c: &mut Ctx) {
    fails(c, "Upstream none\n");
}

/// Obsolete directives: stderr warnings, and the proxy runs.
fn obsolete(c: &mut Ctx) {
    c.start("StartServers 10\nMinSpareServers 5\nMaxSpareServers 20\nMaxRequestsPerChild 0");
    let err = std::fs::read_to_string(c.path("stderr")).unwrap_or_default();
    c.obs.exit.push(format!("stderr while running:\n{err}"));
}

fn filter_missing(c: &mut Ctx) {
    fails(c, "Filter \"{DIR}/nonexistent-filter\"\n");
}

fn filter_bad_regex(c: &mut Ctx) {
    c.file("badre.txt", "[unclosed\n");
    fails(c, "Filter \"{DIR}/badre.txt\"\n");
}

/// The port is taken (by a listener of the test) → exit 71.
fn port_in_use(c: &mut Ctx) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    c.mask(port, "{BUSY}");
    c.run_to_exit(
        &format!("Port {port}\nListen 127.0.0.1\n"),
        &["-d", "-c", "{CONF}"],
    );
    drop(l);
}

fn unknown_user(c: &mut Ctx) {
    fails(c, "User nosuchuser\n");
}

fn invalid_option(c: &mut Ctx) {
    c.run_to_exit("", &["-x"]);
}

fn missing_argument(c: &mut Ctx) {
    c.run_to_exit("", &["-c"]);
}

fn version(c: &mut Ctx) {
    c.run_to_exit("", &["-v"]);
}

fn version_lift(o: &mut Obs) {
    for e in o.exit.iter_mut() {
        *e = e.replace(
            "tinyproxy 1.11.3\n",
            "tinyproxy 1.11.3 (tinyproxy-rs 0.1.0)\n",
        );
    }
}

/// After tinyproxy's two lines we print where the error is: file, line,
/// column, what was expected, the line and a caret.
fn located(o: &mut Obs, detail: &str) {
    for e in o.exit.iter_mut() {
        *e = e.replace(
            "Unable to parse config file. Not starting.\n",
            &format!("Unable to parse config file. Not starting.\n{detail}"),
        );
    }
}

fn unknown_lift(o: &mut Obs) {
    located(o, "{DIR}/tinyproxy.conf:3:1: expected a directive name, found unknown directive \"FooBar\"\n    FooBar 1\n    ^\n");
}

fn port_lift(o: &mut Obs) {
    located(o, "{DIR}/tinyproxy.conf:1:6: expected a port number from 1 to 65535, found 99999 (in Port)\n    Port 99999\n         ^\n");
}

fn comment_lift(o: &mut Obs) {
    located(o, "{DIR}/tinyproxy.conf:1:12: expected end of line (tinyproxy has no trailing comments; a trailing \\r means CRLF line endings), found \"# comment\" (in Port)\n    Port {PROXY} # comment\n               ^\n");
}

fn crlf_lift(o: &mut Obs) {
    located(o, "{DIR}/tinyproxy.conf:1:11: expected end of line (tinyproxy has no trailing comments; a trailing \\r means CRLF line endings), found \"\\r\" (in Port)\n    Port {PROXY}?\n              ^\n");
}

fn unquoted_lift(o: &mut Obs) {
    located(o, "{DIR}/tinyproxy.conf:3:9: expected a double-quoted string, found \"/tmp/x.log\" (in LogFile)\n    LogFile /tmp/x.log\n            ^\n");
}

fn upstream_none_lift(o: &mut Obs) {
    located(o, "{DIR}/tinyproxy.conf:3:10: expected none \"SITE\", or http, socks4 or socks5 followed by [USER:PASS@]HOST:PORT [\"SITE\"], found \"none\" (in Upstream)\n    Upstream none\n             ^\n");
}

const TP_USAGE_OPTIONS: &str = "  -d        Do not daemonize (run in foreground).\n  -c FILE   Use an alternate configuration file.\n  -h        Display this usage information.\n  -v        Display version information.\n";
const OUR_USAGE_OPTIONS: &str = "  -d              Stay in the foreground (do not daemonize).\n  -c FILE         Read the configuration from FILE\n                  (default /etc/tinyproxy/tinyproxy.conf).\n  -h              Show this help and exit.\n  -v              Show the version and exit.\n  --check         Check the configuration, print every problem, exit.\n  --watch-config  Reload when the configuration file changes.\n  --grace SECS    On SIGTERM, wait up to SECS for open connections (10).\n  --admin ADDR:PORT  Serve /livez, /readyz, /metrics, /config there.\n  --access-log json|logfmt[:PATH]  One line per request (stdout).\n  --shutdown-delay SECS  After SIGTERM, keep accepting for SECS (0).\n";
const TP_USAGE_FOOTER: &str =
    "For support and bug reporting instructions, please visit\n<https://tinyproxy.github.io/>.\n";
const OUR_USAGE_FOOTER: &str = "tinyproxy-rs: a memory-safe drop-in replacement for tinyproxy.\n";

/// Our usage text is our own wording and lists our extra options; the
/// layout (Usage line, option list, features list) is tinyproxy's.
fn usage_lift(o: &mut Obs) {
    for e in o.exit.iter_mut() {
        *e = e
            .replace(TP_USAGE_OPTIONS, OUR_USAGE_OPTIONS)
            .replace(TP_USAGE_FOOTER, OUR_USAGE_FOOTER);
    }
}
