//! Start-up log, reload, signals, Timeout (spec §3, §4, §5;
//! transcripts §11.1, §11.19).

use super::{differs, insert_after, same, sub};
use crate::harness::{append, Ctx};
use crate::obs::Obs;
use crate::{Expect, Scenario};

pub fn scenarios() -> Vec<Scenario> {
    vec![
        differs(
            "life_startup_log_info",
            "reload-line-path",
            startup_lift,
            startup_info,
        ),
        differs(
            "life_startup_log_connect_level",
            "reload-line-path",
            startup_lift,
            startup_connect,
        ),
        differs(
            "life_startup_log_directives",
            "extra-config-warnings",
            directives_lift,
            startup_directives,
        ),
        differs(
            "life_reload_sigusr1",
            "reload-line-path",
            reload_lift,
            reload_usr1,
        )
        // The reference names the file too; the line naming the changed
        // settings is ours alone.
        .vs_reference(Expect::Differs("reload-changes", reload_lift)),
        differs(
            "life_reload_failed_keeps_config",
            "reload-errors-logged",
            reload_failed_lift,
            reload_failed,
        ),
        differs(
            "life_sighup_foreground",
            "sighup-reload",
            sighup_lift,
            sighup,
        ),
        differs("life_sigterm_shutdown", "drain-log", sigterm_lift, sigterm),
        same("life_loglevel_notice_filters", loglevel_notice),
        differs("life_pidfile", "drain-log", sigterm_lift, pidfile),
        same("life_maxclients_backlog", maxclients),
        differs(
            "life_maxclients_kept_idle",
            "idle-keepalive-slots",
            kept_idle_lift,
            maxclients_kept_idle,
        ),
    ]
}

/// 1.11.2+ names the file in the reload line.
fn reload_line(o: &mut Obs) {
    super::reload_line_path(&mut o.log);
}

fn startup_lift(o: &mut Obs) {
    reload_line(o);
}

/// §11.1: config A's start-up log.
fn startup_info(c: &mut Ctx) {
    c.start("Timeout 600\nLogLevel Info\nMaxClients 100\nAllow 127.0.0.1\nViaProxyName \"tinyproxy\"\nConnectPort 443\nConnectPort 29080");
    c.observe_startup();
}

/// Connect level: the two DEBUG lines around the stored-log replay.
fn startup_connect(c: &mut Ctx) {
    c.start_marker("LogLevel Connect", "done sending stored logs");
    c.observe_startup();
}

/// Parse-time INFO lines of many directives, in order.
fn startup_directives(c: &mut Ctx) {
    c.start(
        "Bind 127.0.0.1\nStatHost \"stats.local\"\nBasicAuth user pass\nDisableViaHeader No\n\
         BindSame No\nUpstream http 127.0.0.1:3128\nUpstream socks5 127.0.0.1:1080 \".example.com\"\n\
         Upstream none \".local\"\nUpstream http 127.0.0.1:3129\nReversePath \"/a/\" \"http://127.0.0.1:1/\"\n\
         ReversePath \"/b\" \"127.0.0.1\"\nTimeout 0\nAllow 10.0.0.0/33\nFilterExtended Yes",
    );
    c.observe_startup();
}

const RELOAD_CONF: &str = "ViaProxyName \"before-reload\"\n";

fn reload_usr1(c: &mut Ctx) {
    c.origin();
    c.start(RELOAD_CONF);
    c.exchange("GET http://127.0.0.1:{ORIGIN}/before HTTP/1.1\r\n\r\n");
    let conf = c.path("tinyproxy.conf");
    let text = std::fs::read_to_string(&conf).expect("conf");
    std::fs::write(&conf, text.replace("before-reload", "after-reload")).expect("write");
    c.signal(libc::SIGUSR1);
    c.wait_log("Reloading config file finished");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/after HTTP/1.1\r\n\r\n");
}

/// We also log which settings a reload changed.
fn reload_lift(o: &mut Obs) {
    reload_line(o);
    insert_after(
        &mut o.log,
        "WARNING You SHOULD set a UserName in the config file. Using current user instead.",
        "INFO Reload changed: ViaProxyName",
    );
}

/// A broken line appended: the reload fails, the old config stays.
fn reload_failed(c: &mut Ctx) {
    c.origin();
    c.start(RELOAD_CONF);
    append(&c.path("tinyproxy.conf"), "NoSuchDirective 1\n");
    c.signal(libc::SIGUSR1);
    c.wait_log("Reloading config file failed!");
    c.exchange("GET http://127.0.0.1:{ORIGIN}/still HTTP/1.1\r\n\r\n");
    let err = std::fs::read_to_string(c.path("stderr")).unwrap_or_default();
    c.obs.exit.push(format!("stderr while running:\n{err}"));
}

/// Our parser checks the whole file before applying any of it, so the
/// INFO lines of the lines before the error are not logged; the stderr
/// diagnostics are also written to the log (a daemon has no stderr).
fn reload_failed_lift(o: &mut Obs) {
    reload_line(o);
    o.log.retain(|l| {
        l != "INFO Added address [127.0.0.1] to listen addresses."
            && l != "INFO Setting \"Via\" header to 'before-reload'"
    });
    let at = o
        .log
        .iter()
        .position(|l| l == "WARNING Reloading config file failed!")
        .unwrap_or(0);
    for (i, l) in [
        "ERROR ERROR: Syntax error on line 6",
        "ERROR Unable to parse config file. Not starting.",
        "ERROR {DIR}/tinyproxy.conf:6:1: expected a directive name, found unknown directive \"NoSuchDirective\"",
    ]
    .iter()
    .enumerate()
    {
        o.log.insert(at + i, (*l).to_string());
    }
    for e in o.exit.iter_mut() {
        *e = e.replace(
            "Unable to parse config file. Not starting.\n",
            "Unable to parse config file. Not starting.\n{DIR}/tinyproxy.conf:6:1: expected a directive name, found unknown directive \"NoSuchDirective\"\n    NoSuchDirective 1\n    ^\n",
        );
    }
}

/// SIGHUP in the foreground: tinyproxy dies (default action); we reload.
fn sighup(c: &mut Ctx) {
    c.start(RELOAD_CONF);
    c.signal(libc::SIGHUP);
    let status = if c.side.is_tinyproxy() {
        c.wait_exit()
    } else {
        c.wait_log("Reloading config file finished");
        if c.running() {
            "running".into()
        } else {
            c.wait_exit()
        }
    };
    c.fact(format!("after SIGHUP: {status}"));
}

fn sighup_lift(o: &mut Obs) {
    sub(
        &mut o.facts,
        "after SIGHUP: signal Some(1)",
        "after SIGHUP: running",
    );
    o.log = vec![
        "NOTICE Reloading config file ({DIR}/tinyproxy.conf)".into(),
        "INFO Added address [127.0.0.1] to listen addresses.".into(),
        "INFO Setting \"Via\" header to 'before-reload'".into(),
        "WARNING You SHOULD set a UserName in the config file. Using current user instead.".into(),
        "INFO Reload changed no setting.".into(),
        "NOTICE Reloading config file finished".into(),
    ];
}

/// SIGTERM: clean exit 0 with the shutdown lines.
fn sigterm(c: &mut Ctx) {
    c.start(RELOAD_CONF);
    c.signal(libc::SIGTERM);
    let status = c.wait_exit();
    c.fact(format!("after SIGTERM: {status}"));
}

/// We also report how the drain of open connections ended.
fn sigterm_lift(o: &mut Obs) {
    o.log
        .push("NOTICE Drain finished: no connection cut.".into());
}

/// LogLevel Notice: no CONNECT/INFO lines per request.
fn loglevel_notice(c: &mut Ctx) {
    c.origin();
    c.start_marker(
        "LogLevel Notice\nAllow 127.0.0.1",
        "Reloading config file finished",
    );
    c.exchange("GET http://127.0.0.1:{ORIGIN}/n HTTP/1.1\r\n\r\n");
    c.exchange_from(
        "127.0.0.2",
        "GET http://127.0.0.1:{ORIGIN}/n HTTP/1.0\r\n\r\n",
    );
}

/// Besides the 1.11.2+ reload line, we warn once when no Allow/Deny rule
/// survived parsing (everyone is denied, as in tinyproxy).
fn directives_lift(o: &mut Obs) {
    reload_line(o);
    insert_after(
        &mut o.log,
        "WARNING Invalid idle time setting. Only values greater than zero are allowed. Therefore setting idle timeout to 600 seconds.",
        "WARNING No valid Allow/Deny rule: every client will be denied access (as tinyproxy does)",
    );
}

/// PidFile: written with the process id while running; removed at a
/// clean SIGTERM exit.
fn pidfile(c: &mut Ctx) {
    c.start("PidFile \"{DIR}/tp.pid\"");
    let text = std::fs::read_to_string(c.path("tp.pid")).unwrap_or_default();
    let pid = c.pid().map(|p| format!("{p}\n")).unwrap_or_default();
    c.fact(format!("pid file holds our pid: {}", text == pid));
    c.signal(libc::SIGTERM);
    let status = c.wait_exit();
    c.fact(format!("after SIGTERM: {status}"));
    c.fact(format!("pid file left: {}", c.path("tp.pid").exists()));
}

/// §11.18: MaxClients 1 — a second client waits in the backlog until the
/// first connection ends; no 503.
///
/// tinyproxy logs `Maximum number of connections reached` from its accept
/// loop right after it accepted the first client, racing that client's
/// own lines: only the set of lines is compared.
fn maxclients(c: &mut Ctx) {
    c.unordered_log = true;
    c.origin();
    c.start("MaxClients 1\nTimeout 5");
    let mut first = c.conn(None);
    first.send(
        c.expand("CONNECT 127.0.0.1:{ORIGIN} HTTP/1.0\r\n\r\n")
            .as_bytes(),
    );
    first.read_head();
    c.settle_for(std::time::Duration::from_millis(150));
    let mut second = c.conn(None);
    second.send(
        c.expand("GET http://127.0.0.1:{ORIGIN}/second HTTP/1.1\r\n\r\n")
            .as_bytes(),
    );
    c.wait_log("Maximum number of connections reached");
    first.finish();
    c.record(&first);
    second.read_response();
    second.finish();
    c.record(&second);
}

/// MaxClients 1 and a client that keeps its connection: tinyproxy closes
/// it after the response; we keep it until the second client needs the
/// slot, then close it. Both clients are served either way.
fn maxclients_kept_idle(c: &mut Ctx) {
    c.origin();
    c.start("MaxClients 1\nTimeout 5");
    let get = |path: &str| {
        c.expand(&format!(
            "GET http://127.0.0.1:{{ORIGIN}}/{path} HTTP/1.1\r\nHost: 127.0.0.1:{{ORIGIN}}\r\n\r\n"
        ))
    };
    let (first_req, second_req) = (get("first"), get("second"));
    let mut first = c.conn(None);
    first.send(first_req.as_bytes());
    first.read_response();
    c.wait_log("Closed connection between");
    c.settle_for(std::time::Duration::from_millis(150));
    let mut second = c.conn(None);
    second.send(second_req.as_bytes());
    second.read_response();
    second.finish();
    first.finish();
    c.record(&first);
    c.record(&second);
}

/// idle-keepalive-slots: our INFO line for the kept connection closed
/// for the second client. tinyproxy logs each WARNING (accept loop) and
/// `Connect` (connection thread) from two threads, in either order under
/// load; we log the WARNING before handing the connection over. So the
/// WARNINGs are put right before each `Connect`, and our INFO line before
/// the second one.
fn kept_idle_lift(o: &mut Obs) {
    let warning = "WARNING Maximum number of connections reached. Refusing new connections.";
    let connect = "CONNECT Connect (file descriptor N): 127.0.0.1";
    let closing =
        "INFO Closing idle kept connection (file descriptor N): a new client needs its slot";
    o.log.retain(|l| l != warning);
    let mut out = Vec::new();
    let mut connects = 0;
    for l in o.log.drain(..) {
        if l == connect {
            connects += 1;
            if connects == 2 {
                out.push(closing.to_string());
            }
            out.push(warning.to_string());
        }
        out.push(l);
    }
    o.log = out;
}
