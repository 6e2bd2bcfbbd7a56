//! Rollout-safe shutdown (issue 15): on SIGTERM `/readyz` turns 503 at
//! once, the proxy keeps accepting and serving for `--shutdown-delay`, then
//! closes its listeners; a connection idle at a request boundary closes at
//! once (it does not hold the exit for `--grace`), a request in flight
//! finishes, and the process exits 0. Plus the admin listener's own rules.

use std::io::Read;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinyproxy_test_support::prelude::*;

/// Our binary, the one under test.
const BIN: &str = ours!();

/// The most requests the client loop sends, whatever the timing.
const MAX_REQUESTS: u64 = 5000;

/// Tallies of the client loop.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
    after_sigterm: AtomicU64,
}

/// The client loop: alternately a request on a new connection and one on
/// a kept-alive connection, until `stop` (bounded in count).
fn client_loop(
    proxy: std::net::SocketAddr,
    url: String,
    stop: Arc<AtomicBool>,
    sigterm: Arc<AtomicBool>,
    tally: Arc<Tally>,
) {
    let mut kept = kept_conn(proxy);
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) && n < MAX_REQUESTS {
        let ok = if n % 2 == 0 {
            ok_from_origin(&get(proxy, &url))
        } else {
            kept_get(&mut kept, &url)
        };
        let counter = if ok { &tally.ok } else { &tally.failed };
        counter.fetch_add(1, Ordering::SeqCst);
        if ok && sigterm.load(Ordering::SeqCst) {
            tally.after_sigterm.fetch_add(1, Ordering::SeqCst);
        }
        n += 1;
    }
}

#[test]
fn sigterm_with_shutdown_delay_loses_no_request_and_idle_does_not_delay_exit() {
    let origin = Origin::start();
    let slow = SlowOrigin::start();
    let (mut p, admin) = start_with_admin(BIN, "", &["--shutdown-delay", "3", "--grace", "30"]);
    assert_eq!(admin_get(admin, "/readyz").0, 200);
    let url = origin.url("/loop");

    // A client that made one request and now sits idle on its connection.
    let mut idle = kept_conn(p.addr());
    assert!(kept_get(&mut idle, &url));

    let (stop, sigterm) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let tally = Arc::new(Tally::default());
    let client = {
        let (stop, sigterm, tally, addr) = (stop.clone(), sigterm.clone(), tally.clone(), p.addr());
        let url = url.clone();
        std::thread::spawn(move || client_loop(addr, url, stop, sigterm, tally))
    };
    wait_for("the client loop to get going", || {
        (tally.ok.load(Ordering::SeqCst) >= 20).then_some(())
    });
    // A request in flight across the whole shutdown.
    let (addr, slow_url) = (p.addr(), slow.url());
    let inflight = std::thread::spawn(move || get(addr, &slow_url));
    slow.wait_arrived();

    let t0 = Instant::now();
    sigterm.store(true, Ordering::SeqCst);
    p.signal(libc::SIGTERM);
    wait_for("/readyz to say 503", || {
        (admin_get(admin, "/readyz").0 == 503).then_some(())
    });
    let not_ready_after = t0.elapsed();
    // Load balancers take a moment to drop the endpoint: traffic goes on
    // for 1 s after the probe failed, well inside the 3 s delay.
    wait_for("one more second of traffic", || {
        (t0.elapsed() >= not_ready_after + Duration::from_secs(1)).then_some(())
    });
    stop.store(true, Ordering::SeqCst);
    client.join().expect("client loop");
    assert!(
        p.child.try_wait().expect("try_wait").is_none(),
        "exited before the shutdown delay was over"
    );

    // After the delay: the idle connection is closed at once (EOF), not
    // after --grace, while the request in flight still runs.
    let mut rest = Vec::new();
    let eof = idle.read_to_end(&mut rest);
    let idle_closed_after = t0.elapsed();
    assert!(
        eof.is_ok() && rest.is_empty(),
        "idle connection got {eof:?} {rest:?}"
    );
    assert!(
        idle_closed_after >= Duration::from_secs(3),
        "idle connection closed during the delay ({idle_closed_after:?})"
    );
    p.wait_log("Draining ");
    slow.release();
    let resp = inflight.join().expect("in-flight client");
    assert!(resp.ends_with(SLOW_BODY), "in-flight request lost: {resp}");

    let status = p.wait_exit();
    let exit_after = t0.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(
        exit_after < Duration::from_secs(8),
        "exit took {exit_after:?} (grace is 30 s)"
    );
    let log = p.log_text();
    assert!(log.contains("Drain finished: no connection cut."), "{log}");

    let (ok, failed) = (
        tally.ok.load(Ordering::SeqCst),
        tally.failed.load(Ordering::SeqCst),
    );
    let after = tally.after_sigterm.load(Ordering::SeqCst);
    eprintln!(
        "rollout: {ok} requests ok, {failed} failed, {after} of them after SIGTERM; \
         /readyz 503 after {not_ready_after:?}; idle connection closed after \
         {idle_closed_after:?}; exit 0 after {exit_after:?} (delay 3 s, grace 30 s)"
    );
    assert_eq!(failed, 0, "{failed} requests failed ({ok} ok)");
    assert!(after > 0, "no request was served after SIGTERM");
}

#[test]
fn second_sigterm_during_the_delay_ends_at_once() {
    let (mut p, admin) = start_with_admin(BIN, "", &["--shutdown-delay", "60"]);
    p.signal(libc::SIGTERM);
    p.wait_log("still accepting connections for 60 s");
    assert_eq!(admin_get(admin, "/readyz").0, 503);
    // Still accepting during the delay.
    assert!(!refused(p.addr()));
    let t = Instant::now();
    p.signal(libc::SIGTERM);
    assert_eq!(p.wait_exit().code(), Some(0));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn admin_probes_are_not_logged_and_only_known_paths_answer() {
    let (p, admin) = start_with_admin(
        BIN,
        "LogLevel Info\nBasicAuth alice s3cret-pass\nAddHeader \"X-Token\" \"tok-123\"\n\
         Allow 10.9.9.9",
        &[],
    );
    for _ in 0..10 {
        assert_eq!(admin_get(admin, "/livez"), (200, "ok\n".to_string()));
        assert_eq!(admin_get(admin, "/readyz").0, 200);
        assert_eq!(admin_get(admin, "/metrics").0, 200);
    }
    assert_eq!(admin_get(admin, "/").0, 404);
    assert_eq!(admin_get(admin, "/metrics/../config").0, 404);
    // Never proxies: an absolute URL is just an unknown path.
    assert_eq!(admin_get(admin, "http://127.0.0.1:1/").0, 404);
    let (code, config) = admin_get(admin, "/config");
    assert_eq!(code, 200);
    // tinyproxy.conf directives, as the operator wrote them.
    for line in [
        "BasicAuth alice <redacted>",
        "AddHeader \"X-Token\" \"<redacted>\"",
        "Allow 10.9.9.9/32",
        "LogLevel Info",
    ] {
        assert!(config.lines().any(|l| l == line), "{line}: {config}");
    }
    assert!(
        !config.contains("s3cret-pass") && !config.contains("tok-123"),
        "{config}"
    );
    // Neither ACL (Allow 10.9.9.9 only) nor BasicAuth applies to it, and
    // no probe reaches tinyproxy's log.
    let log = p.log_text();
    assert!(!log.contains("Connect (file descriptor"), "{log}");
    assert!(!log.contains("closed socket before read"), "{log}");
    assert!(!log.contains("Unauthorized connection"), "{log}");
}

#[test]
fn reloads_show_on_metrics() {
    let (p, admin) = start_with_admin(BIN, "MaxClients 50", &[]);
    let scrape = admin_get(admin, "/metrics").1;
    assert_eq!(sample(&scrape, "tinyproxy_config_generation"), Some(1.0));
    assert_eq!(sample(&scrape, "tinyproxy_max_clients"), Some(50.0));
    p.write_conf("MaxClients 70");
    p.reload(libc::SIGHUP);
    p.write_conf("NoSuchDirective 1");
    p.reload(libc::SIGHUP);
    let scrape = wait_for("both reloads on /metrics", || {
        let s = admin_get(admin, "/metrics").1;
        (sample(&s, "tinyproxy_reloads_total{result=\"failed\"}") == Some(1.0)).then_some(s)
    });
    assert_eq!(
        sample(&scrape, "tinyproxy_reloads_total{result=\"ok\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&scrape, "tinyproxy_config_generation"), Some(2.0));
    assert_eq!(sample(&scrape, "tinyproxy_max_clients"), Some(70.0));
    assert!(sample(&scrape, "tinyproxy_last_reload_timestamp_seconds").unwrap_or(0.0) > 1.0e9);
}

/// Admin connections the proxy serves at once (src/app/admin.rs).
const ADMIN_SLOTS: usize = 16;

#[test]
fn silent_connections_on_the_admin_port_never_keep_a_probe_out() {
    let (_p, admin) = start_with_admin(BIN, "", &[]);
    // A client that can reach the admin port (every proxy client can, in
    // deploy/k8s) opens connections and sends nothing: before, once
    // they filled the admin's slots every probe was closed unanswered
    // until they timed out, and the kubelet restarted the pod.
    let silent: Vec<TcpStream> = (0..ADMIN_SLOTS * 3)
        .map(|_| TcpStream::connect(admin).expect("connect"))
        .collect();
    // The kernel queues them ahead of the probes, so the admin loop
    // accepts them first.
    for _ in 0..ADMIN_SLOTS * 2 {
        assert_eq!(admin_get(admin, "/livez"), (200, "ok\n".to_string()));
        assert_eq!(admin_get(admin, "/readyz").0, 200);
    }
    drop(silent);
}
