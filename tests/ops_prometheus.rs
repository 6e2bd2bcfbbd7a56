//! Metrics end to end (issue 15): a real Prometheus (Debian's package,
//! installed by scripts/install-test-deps.sh) scrapes the admin port on
//! loopback while the test drives allowed, denied, tunnelled and failing
//! traffic; the series, read back through Prometheus' HTTP API, must have
//! moved by exactly the right amounts. `promtool check metrics` must be
//! clean on a scrape.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use tinyproxy_test_support::prelude::*;

/// Our binary, the one under test.
const BIN: &str = ours!();

/// A Prometheus server on a loopback port, killed on drop.
struct Prometheus {
    _child: Guard,
    addr: SocketAddr,
    http: reqwest::blocking::Client,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    /// Scrape `target` every second.
    fn start(target: SocketAddr) -> Prometheus {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("prometheus.yml");
        std::fs::write(
            &conf,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: tinyproxy\n    static_configs:\n\
                 \x20     - targets: ['{target}']\n"
            ),
        )
        .expect("write prometheus.yml");
        let addr = local(free_port());
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", conf.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .env("GOMAXPROCS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("run prometheus (scripts/install-test-deps.sh installs it)");
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(DEADLINE)
            .build()
            .expect("client");
        let p = Prometheus {
            _child: Guard::new(child),
            addr,
            http,
            _dir: dir,
        };
        wait_for("Prometheus to be ready", || {
            let url = format!("http://{}/-/ready", p.addr);
            p.http.get(url).send().ok().filter(|r| r.status() == 200)
        });
        p
    }

    /// The value of an instant query that selects one series (None: no
    /// such series).
    fn value(&self, query: &str) -> Option<f64> {
        let url = format!("http://{}/api/v1/query", self.addr);
        let body = self
            .http
            .get(url)
            .query(&[("query", query)])
            .send()
            .expect("query Prometheus")
            .text()
            .expect("read answer");
        assert!(body.contains("\"status\":\"success\""), "{query}: {body}");
        let re = regex::Regex::new(r#""value":\[[^,]+,"([^"]+)"\]"#).expect("regex");
        let mut values = re
            .captures_iter(&body)
            .map(|c| c[1].parse::<f64>().expect("number"));
        let v = values.next();
        assert!(
            values.next().is_none(),
            "{query} selects several series: {body}"
        );
        v
    }

    /// The Unix time of the last scrape of the proxy.
    fn last_scrape(&self) -> Option<f64> {
        self.value("timestamp(up{job=\"tinyproxy\"} == 1)")
    }
}

/// The series the test checks and how much each must move.
const EXPECTED: [(&str, f64); 14] = [
    (
        "tinyproxy_requests_total{method=\"GET\",status=\"2xx\"}",
        3.0,
    ),
    (
        "tinyproxy_requests_total{method=\"GET\",status=\"4xx\"}",
        2.0,
    ),
    (
        "tinyproxy_requests_total{method=\"GET\",status=\"5xx\"}",
        1.0,
    ),
    (
        "tinyproxy_requests_total{method=\"CONNECT\",status=\"2xx\"}",
        1.0,
    ),
    (
        "tinyproxy_requests_total{method=\"none\",status=\"4xx\"}",
        1.0,
    ),
    ("tinyproxy_denials_total{reason=\"filter\"}", 2.0),
    ("tinyproxy_denials_total{reason=\"acl\"}", 1.0),
    ("tinyproxy_upstream_failures_total{kind=\"refused\"}", 1.0),
    ("tinyproxy_upstream_requests_total{route=\"direct\"}", 5.0),
    ("tinyproxy_tunnels_total", 1.0),
    (
        "tinyproxy_transferred_bytes_total{direction=\"in\",kind=\"tunnel\"}",
        6.0,
    ),
    (
        "tinyproxy_transferred_bytes_total{direction=\"out\",kind=\"tunnel\"}",
        6.0,
    ),
    ("tinyproxy_client_connections_total", 8.0),
    ("tinyproxy_denied_connections_total", 3.0),
];

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
}

#[test]
fn prometheus_scrapes_the_admin_port_and_sees_the_traffic() {
    let origin = Origin::start();
    let echo = echo_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let filter = dir.path().join("filter");
    std::fs::write(&filter, "blocked\\.example\n").expect("filter file");
    let body = format!(
        "LogLevel Info\nFilter \"{}\"\nAllow 127.0.0.1\n",
        filter.display()
    );
    let (p, admin) = start_with_admin(BIN, &body, &[]);
    let prom = Prometheus::start(admin);
    wait_for("a first scrape", || prom.last_scrape());
    let before: Vec<f64> = EXPECTED
        .iter()
        .map(|(q, _)| prom.value(q).unwrap_or(0.0))
        .collect();
    assert_eq!(prom.value("tinyproxy_tunnels_open"), Some(0.0));

    // Allowed, denied (filter, ACL), a tunnel, an upstream failure.
    for _ in 0..3 {
        assert!(ok_from_origin(&get(p.addr(), &origin.url("/ok"))));
    }
    for _ in 0..2 {
        let r = get(p.addr(), "http://blocked.example/");
        assert!(r.starts_with("HTTP/1.0 403"), "{r}");
    }
    let r = get_from(p.addr(), &origin.url("/acl"), Some([127, 0, 0, 2]));
    assert!(r.contains(" 403 "), "{r}");
    let mut tunnel = open_tunnel(p.addr(), echo);
    assert!(echoes(&mut tunnel, b"hello\n"));
    drop(tunnel);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = closed.local_addr().expect("addr").port();
    drop(closed);
    let r = get(p.addr(), &format!("http://127.0.0.1:{dead}/"));
    assert!(r.contains(" 500 "), "{r}");
    let traffic_done = now();

    // Counters only grow: wait for a scrape that has seen everything.
    let (total_q, total) = ("sum(tinyproxy_requests_total)", 8.0);
    wait_for("a scrape after the traffic", || {
        let seen = prom.last_scrape().is_some_and(|t| t > traffic_done);
        (seen && prom.value(total_q) == Some(total)).then_some(())
    });
    for ((query, moved), was) in EXPECTED.iter().zip(&before) {
        let v = prom
            .value(query)
            .unwrap_or_else(|| panic!("no series {query}"));
        assert_eq!(v - was, *moved, "{query} moved from {was} to {v}");
    }
    assert_eq!(prom.value("tinyproxy_tunnels_open"), Some(0.0));
    assert_eq!(prom.value("tinyproxy_client_connections_open"), Some(0.0));
    assert!(
        prom.value("tinyproxy_connect_duration_seconds_count")
            .unwrap_or(0.0)
            >= 5.0
    );
    assert!(
        prom.value("tinyproxy_connection_duration_seconds_count")
            .unwrap_or(0.0)
            >= 8.0
    );
    let build = format!(
        "tinyproxy_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(prom.value(&build), Some(1.0));

    // promtool is clean on a scrape of the same endpoint.
    let (code, scrape) = admin_get(admin, "/metrics");
    assert_eq!(code, 200);
    let out = run_promtool(&scrape);
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{out:?}\n{scrape}"
    );

    // The scrapes never reached tinyproxy's log: one Connect line per
    // proxy connection the test made, none for the admin port.
    let connects = p.count("Connect (file descriptor");
    assert_eq!(connects, 8, "{}", p.log_text());
    assert_eq!(p.count("closed socket before read"), 0, "{}", p.log_text());
}

fn run_promtool(scrape: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(scrape.as_bytes())
        .expect("feed promtool");
    child.wait_with_output().expect("promtool output")
}
