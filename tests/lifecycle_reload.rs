//! Reload: SIGHUP/SIGUSR1 in the foreground, under load, with a broken
//! file, with a new Port, a rotated log, and `--watch-config` on a
//! Kubernetes ConfigMap layout.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tinyproxy_test_support::prelude::*;

/// Our binary, the one under test.
const BIN: &str = ours!();

/// The `Via` name the echo origin saw, if any.
fn via_name(resp: &str) -> Option<String> {
    let line = resp.lines().find(|l| l.starts_with("Via: 1."))?;
    Some(line.split_whitespace().nth(2)?.to_string())
}

#[test]
fn reload_under_load_drops_nothing() {
    let origin = Origin::start();
    let echo = echo_server();
    let gen = |name: &str| format!("ViaProxyName \"{name}\"\nMaxClients 200");
    let p = Proxy::start_args(BIN, &gen("gen-a"), &[]);
    let mut tunnels: Vec<_> = (0..50).map(|_| open_tunnel(p.addr(), echo)).collect();
    for (i, t) in tunnels.iter_mut().enumerate() {
        assert!(echoes(t, format!("hello {i}\n").as_bytes()), "tunnel {i}");
    }

    let run_for = Duration::from_secs(3);
    let start = Instant::now();
    let failures = Arc::new(AtomicUsize::new(0));
    let seen_a = Arc::new(AtomicUsize::new(0));
    let seen_b = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (failures, seen_a, seen_b) = (failures.clone(), seen_a.clone(), seen_b.clone());
            let (addr, url) = (p.addr(), origin.url(&format!("/load/{c}")));
            std::thread::spawn(move || {
                let mut n = 0;
                while start.elapsed() < run_for && n < 3000 {
                    let resp = get(addr, &url);
                    match via_name(&resp).as_deref() {
                        Some("gen-a") if ok_from_origin(&resp) => {
                            seen_a.fetch_add(1, Ordering::Relaxed)
                        }
                        Some("gen-b") if ok_from_origin(&resp) => {
                            seen_b.fetch_add(1, Ordering::Relaxed)
                        }
                        _ => {
                            eprintln!("failed request: {resp}");
                            failures.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                    n += 1;
                }
                n
            })
        })
        .collect();
    // SIGHUP every 100 ms, alternating the two valid configs.
    let mut sent = 0;
    while start.elapsed() < run_for && sent < 40 {
        sent += 1;
        p.write_conf(&gen(if sent % 2 == 1 { "gen-b" } else { "gen-a" }));
        p.signal(libc::SIGHUP);
        std::thread::sleep(Duration::from_millis(100)); // pacing, not a wait
    }
    let total: usize = clients.into_iter().map(|c| c.join().expect("client")).sum();

    assert_eq!(failures.load(Ordering::Relaxed), 0, "failed requests");
    assert!(total > 50, "only {total} requests");
    assert!(seen_a.load(Ordering::Relaxed) > 0 && seen_b.load(Ordering::Relaxed) > 0);
    // Signals may coalesce, but many reloads happened and none failed.
    assert!(
        p.count("Reloading config file finished") > 5,
        "{}",
        p.log_text()
    );
    assert_eq!(p.count("Reloading config file failed!"), 0);
    for (i, t) in tunnels.iter_mut().enumerate() {
        assert!(
            echoes(t, format!("still there {i}\n").as_bytes()),
            "tunnel {i} dropped"
        );
    }
}

#[test]
fn allow_change_applies_to_new_connections_only() {
    let origin = Origin::start();
    let echo = echo_server();
    let p = Proxy::start_args(BIN, "Allow 127.0.0.1", &[]);
    let mut tunnel = open_tunnel(p.addr(), echo);
    assert!(echoes(&mut tunnel, b"before\n"));
    assert!(ok_from_origin(&get(p.addr(), &origin.url("/before"))));

    p.write_conf("Allow 127.0.0.2");
    p.reload(libc::SIGHUP);
    p.wait_log("Reload changed: Allow/Deny");
    // The tunnel accepted under the old rules goes on ...
    assert!(echoes(&mut tunnel, b"after\n"));
    // ... new connections get the new rules.
    let denied = get(p.addr(), &origin.url("/after"));
    assert!(denied.starts_with("HTTP/1.0 403"), "{denied}");
    let allowed = get_from(p.addr(), &origin.url("/from2"), Some([127, 0, 0, 2]));
    assert!(ok_from_origin(&allowed), "{allowed}");
}

#[test]
fn broken_config_keeps_the_old_one() {
    let origin = Origin::start();
    let p = Proxy::start_args(BIN, "ViaProxyName \"good-one\"", &[]);
    assert_eq!(
        via_name(&get(p.addr(), &origin.url("/1"))).as_deref(),
        Some("good-one")
    );

    // Lines 1-3 are Port/Listen/LogFile; the broken line is line 5.
    p.write_conf("ViaProxyName \"bad-one\"\nThisIsNotADirective yes");
    // SIGHUP in the foreground reloads (tinyproxy dies, #416).
    p.reload(libc::SIGHUP);
    let text = p.log_text();
    assert!(text.contains("Reloading config file failed!"), "{text}");
    assert!(text.contains("ERROR: Syntax error on line 5"), "{text}");
    let here = format!("{}:5:1: expected", p.conf.display());
    assert!(
        text.lines()
            .any(|l| l.starts_with("ERROR") && l.contains(&here)),
        "{text}"
    );
    assert_eq!(
        via_name(&get(p.addr(), &origin.url("/2"))).as_deref(),
        Some("good-one")
    );
}

#[test]
fn port_change_rebinds_and_lets_inflight_finish() {
    let origin = Origin::start();
    let slow = SlowOrigin::start();
    let p = Proxy::start_args(BIN, "", &[]);
    let old = p.addr();
    let slow_url = slow.url();
    let inflight = std::thread::spawn(move || get(old, &slow_url));
    slow.wait_arrived();

    let new_port = free_port();
    p.write_conf_port(new_port, "");
    p.reload(libc::SIGUSR1);
    p.wait_log(&format!("Now listening on 127.0.0.1:{new_port}"));
    p.wait_log(&format!("Stopped listening on 127.0.0.1:{}", p.port));
    assert!(ok_from_origin(&get(local(new_port), &origin.url("/new"))));
    assert!(refused(old), "old port still accepts");

    // The request accepted on the old port completes.
    slow.release();
    let resp = inflight.join().expect("in-flight client");
    assert!(resp.ends_with(SLOW_BODY), "{resp}");
}

#[test]
fn reload_reopens_the_log_and_resets_the_level() {
    let origin = Origin::start();
    let p = Proxy::start_args(BIN, "LogLevel Notice", &[]);
    assert!(ok_from_origin(&get(p.addr(), &origin.url("/quiet"))));
    // Rotation: the file is renamed away, then the proxy told to reload.
    let rotated = p.log.with_extension("log.1");
    std::fs::rename(&p.log, &rotated).expect("rotate");
    p.write_conf(""); // LogLevel removed: back to the default, Info
    p.reload(libc::SIGHUP);
    assert!(ok_from_origin(&get(p.addr(), &origin.url("/loud"))));
    p.wait_log("Connect (file descriptor");
    let old = std::fs::read_to_string(&rotated).expect("rotated log");
    assert!(!old.contains("Connect (file descriptor"), "{old}");
    assert!(p.log_text().contains("Reload changed: LogLevel"));
}

#[test]
fn watch_config_follows_a_configmap_swap() {
    let origin = Origin::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let port = free_port();
    // The log lives in the watched directory: its writes must not count
    // as config changes.
    let log = d.join("proxy.log");
    let version = |n: u32, via: &str| {
        let sub = d.join(format!("..2026_01_01_00_00_0{n}.000000001"));
        std::fs::create_dir(&sub).expect("mkdir");
        let body = format!("ViaProxyName \"{via}\"");
        std::fs::write(sub.join("tinyproxy.conf"), conf_text(port, &log, &body)).expect("write");
        sub.file_name().expect("name").to_owned()
    };
    let first = version(1, "cm-one");
    std::os::unix::fs::symlink(&first, d.join("..data")).expect("..data");
    std::os::unix::fs::symlink("..data/tinyproxy.conf", d.join("tinyproxy.conf")).expect("link");
    // kubelet's swap: new dir, ..data_tmp -> it, rename over ..data, rm old.
    let swap = |n: u32, via: &str, old: &std::ffi::OsStr| {
        let new = version(n, via);
        std::os::unix::fs::symlink(&new, d.join("..data_tmp")).expect("..data_tmp");
        std::fs::rename(d.join("..data_tmp"), d.join("..data")).expect("swap");
        std::fs::remove_dir_all(d.join(old)).expect("rm old");
        new
    };

    let conf = d.join("tinyproxy.conf");
    let child = std::process::Command::new(BIN)
        .args(["--watch-config", "-d", "-c", conf.to_str().expect("utf8")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let _guard = Guard::new(child);
    let reloads = || {
        let t = std::fs::read_to_string(&log).unwrap_or_default();
        t.lines()
            .filter(|l| l.contains("Reloading config file finished"))
            .count()
    };
    wait_for("start", || (reloads() == 1).then_some(()));
    let via = |path: &str| via_name(&get(local(port), &origin.url(path)));
    assert_eq!(via("/one").as_deref(), Some("cm-one"));

    let t0 = Instant::now();
    let second = swap(2, "cm-two", &first);
    wait_for("cm-two", || {
        (via("/two").as_deref() == Some("cm-two")).then_some(())
    });
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t0.elapsed()
    );

    // A burst (two swaps at once) is one reload, of the final state.
    let third = swap(3, "cm-three", &second);
    let _fourth = swap(4, "cm-four", &third);
    wait_for("cm-four", || {
        (via("/four").as_deref() == Some("cm-four")).then_some(())
    });
    assert_eq!(
        reloads(),
        3,
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

#[test]
fn max_clients_grows_on_reload() {
    let origin = Origin::start();
    let echo = echo_server();
    let p = Proxy::start_args(BIN, "MaxClients 1", &[]);
    let mut tunnel = open_tunnel(p.addr(), echo);
    assert!(echoes(&mut tunnel, b"one slot\n"));
    p.wait_log("Maximum number of connections reached. Refusing new connections.");
    // This one waits in the backlog: the only slot is taken.
    let (addr, url) = (p.addr(), origin.url("/waiting"));
    let waiting = std::thread::spawn(move || get(addr, &url));
    assert!(!waiting.is_finished());

    p.write_conf("MaxClients 2");
    p.reload(libc::SIGHUP);
    p.wait_log("Reload changed: MaxClients");
    let resp = waiting.join().expect("waiting client");
    assert!(ok_from_origin(&resp), "{resp}");
    assert!(echoes(&mut tunnel, b"still\n"));
}
