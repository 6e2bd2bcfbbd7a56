//! Shutdown: SIGTERM/SIGINT close the listeners at once, let open
//! requests and tunnels finish within `--grace`, then exit 0; a second
//! signal ends the drain at once.

use std::io::Read;
use std::time::{Duration, Instant};
use tinyproxy_test_support::prelude::*;

/// Our binary, the one under test.
const BIN: &str = ours!();

#[test]
fn sigterm_lets_a_tunnel_and_a_slow_response_finish() {
    let echo = echo_server();
    let slow = SlowOrigin::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_path = dir.path().join("proxy.pid");
    let mut p = Proxy::start_args(
        BIN,
        &format!("PidFile \"{}\"", pid_path.display()),
        &["--grace", "8"],
    );
    assert_eq!(
        std::fs::read_to_string(&pid_path).expect("pid file"),
        format!("{}\n", p.child.id())
    );
    let mut tunnel = open_tunnel(p.addr(), echo);
    assert!(echoes(&mut tunnel, b"before\n"));
    let (addr, url) = (p.addr(), slow.url());
    let inflight = std::thread::spawn(move || get(addr, &url));
    slow.wait_arrived();

    p.signal(libc::SIGTERM);
    p.wait_log("Draining 2 connections for up to 8 s");
    // The listener is closed: new connections are refused at once.
    assert!(refused(p.addr()), "still accepting after SIGTERM");
    // Open work goes on.
    assert!(echoes(&mut tunnel, b"during the drain\n"));
    slow.release();
    let resp = inflight.join().expect("slow client");
    assert!(resp.ends_with(SLOW_BODY), "{resp}");
    assert!(
        p.child.try_wait().expect("try_wait").is_none(),
        "exited with a tunnel open"
    );
    drop(tunnel);

    let status = p.wait_exit();
    assert_eq!(status.code(), Some(0));
    let log = p.log_text();
    assert!(log.contains("Shutting down."), "{log}");
    assert!(log.contains("Drain finished: no connection cut."), "{log}");
    assert!(!pid_path.exists(), "pid file left behind");
}

#[test]
fn grace_time_over_cuts_what_is_left() {
    let echo = echo_server();
    let mut p = Proxy::start_args(BIN, "", &["--grace", "1"]);
    let mut tunnel = open_tunnel(p.addr(), echo);
    assert!(echoes(&mut tunnel, b"hi\n"));
    let t0 = Instant::now();
    p.signal(libc::SIGINT);
    let status = p.wait_exit();
    let took = t0.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(took >= Duration::from_millis(900), "drained only {took:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    p.wait_log("Drain ended (grace time over): 1 connections cut.");
    // The tunnel was cut: EOF or reset, no hang.
    let mut buf = [0u8; 8];
    assert!(matches!(tunnel.read(&mut buf), Ok(0) | Err(_)));
}

#[test]
fn second_signal_ends_the_drain_at_once() {
    let echo = echo_server();
    let mut p = Proxy::start_args(BIN, "", &["--grace", "60"]);
    let mut tunnel = open_tunnel(p.addr(), echo);
    assert!(echoes(&mut tunnel, b"hi\n"));
    p.signal(libc::SIGTERM);
    p.wait_log("Draining 1 connections for up to 60 s");
    let t0 = Instant::now();
    p.signal(libc::SIGTERM);
    let status = p.wait_exit();
    assert_eq!(status.code(), Some(0));
    assert!(t0.elapsed() < Duration::from_secs(5));
    p.wait_log("Drain ended (second signal): 1 connections cut.");
}

#[test]
fn idle_shutdown_is_immediate() {
    let mut p = Proxy::start_args(BIN, "", &[]);
    p.signal(libc::SIGTERM);
    assert_eq!(p.wait_exit().code(), Some(0));
    let log = p.log_text();
    assert!(log.contains("trying to bring down 0 threads..."), "{log}");
    assert!(log.contains("Drain finished: no connection cut."), "{log}");
}
