//! Cross-check of `route` + `describe_route` against the real tinyproxy
//! 1.11.1 binary (Debian package tinyproxy): the same rules, the same
//! hosts, and the INFO line it logs must equal ours.
//!
//! Only hosts that never make tinyproxy resolve a name are used: every
//! name routes to an upstream (a closed loopback port), and the only
//! direct targets are 127.x literals.

use ipnet::IpNet;
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tinyproxy_rs::config::{SiteSpec, UpstreamKind, UpstreamProxy, UpstreamRule};
use tinyproxy_rs::upstream::{describe_route, route};
use tinyproxy_test_support::process::DEBIAN;
use tinyproxy_test_support::scripted::*;
use tinyproxy_test_support::{free_port, local, Proxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A config line and the rule the parser is expected to build from it.
fn rule(
    kind: Option<UpstreamKind>,
    port: u16,
    site: Option<(&str, SiteSpec)>,
) -> (String, UpstreamRule) {
    let proxy = kind.map(|kind| UpstreamProxy {
        kind,
        host: "127.0.0.1".into(),
        port,
        credentials: None,
    });
    let head = match kind {
        Some(k) => format!("Upstream {} 127.0.0.1:{port}", k.as_str()),
        None => "Upstream none".to_string(),
    };
    let text = match &site {
        Some((written, _)) => format!("{head} \"{written}\""),
        None => head,
    };
    let site = site.map(|(_, spec)| spec);
    (
        text,
        UpstreamRule {
            proxy,
            site,
            line: 0,
        },
    )
}

fn net(text: &str) -> SiteSpec {
    SiteSpec::Net(
        text.parse::<IpNet>()
            .unwrap_or_else(|_| IpNet::from(text.parse::<IpAddr>().expect("address"))),
    )
}

fn rules() -> Vec<(String, UpstreamRule)> {
    use UpstreamKind::*;
    let p = || free_port();
    let dotted = IpNet::with_netmask(
        "192.168.0.0".parse().unwrap(),
        "255.255.0.0".parse().unwrap(),
    )
    .expect("mask");
    vec![
        rule(Some(Http), p(), None),
        rule(
            Some(Http),
            p(),
            Some((".example.com", SiteSpec::Domain("example.com".into()))),
        ),
        rule(
            Some(Socks5),
            p(),
            Some(("Exact.Test", SiteSpec::Exact("Exact.Test".into()))),
        ),
        rule(Some(Socks4), p(), Some(("10.0.0.0/8", net("10.0.0.0/8")))),
        rule(
            Some(Http),
            p(),
            Some(("192.168.0.0/255.255.0.0", SiteSpec::Net(dotted))),
        ),
        rule(Some(Http), p(), Some(("fd00::/8", net("fd00::/8")))),
        rule(
            Some(Http),
            p(),
            Some(("::ffff:172.16.0.0/108", net("::ffff:172.16.0.0/108"))),
        ),
        rule(Some(Http), p(), Some(("127.0.0.0/8", net("127.0.0.0/8")))),
        rule(None, 0, Some(("127.0.0.5", net("127.0.0.5")))),
        rule(Some(Http), p(), Some(("127.0.0.9", net("127.0.0.9")))),
        rule(
            Some(Http),
            p(),
            Some((".a.example.com", SiteSpec::Domain("a.example.com".into()))),
        ),
    ]
}

const HOSTS: &[&str] = &[
    "a.example.com",
    "x.a.example.com",
    "A.EXAMPLE.COM",
    "example.com",
    "badexample.com",
    "exact.test",
    "EXACT.TEST",
    "x.exact.test",
    "10.1.2.3",
    "10.1",
    "167837953",
    "0x0a.1.1.1",
    "192.168.9.9",
    "[fd00::1]",
    "[fe80::1]",
    "[::ffff:10.0.0.1]",
    "[::ffff:127.0.0.5]",
    "172.16.3.3",
    "127.0.0.1",
    "127.0.0.5",
    "127.5",
    "127.0.0.9",
    "nodot",
];

/// Sends one absolute-form GET for `host` and waits for the proxy to
/// answer and close.
async fn request(proxy_port: u16, host: &str) {
    let mut s = TcpStream::connect(local(proxy_port))
        .await
        .expect("connect tinyproxy");
    let req = format!("GET http://{host}:9/ HTTP/1.0\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("send request");
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(STEP, s.read_to_end(&mut sink)).await;
}

/// The routing lines tinyproxy logged, waiting until `count` are there.
async fn routing_lines(log: &std::path::Path, count: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter_map(|l| l.split_once("]: ").map(|(_, msg)| msg.to_string()))
            .filter(|m| {
                m.starts_with("Found upstream proxy ") || m.starts_with("No upstream proxy for ")
            })
            .collect();
        if lines.len() >= count || start.elapsed() > STEP {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn routing_matches_real_tinyproxy() {
    let rules = rules();
    let mut body = "Timeout 5\n".to_string();
    for (line, _) in &rules {
        body.push_str(line);
        body.push('\n');
    }
    // Port, Listen 127.0.0.1, LogFile and LogLevel Info come from the
    // builder; the proxy is up once its port answers.
    let tp = Proxy::start(DEBIAN, &body);
    let (port, log) = (tp.port, tp.log.clone());

    for host in HOSTS {
        request(port, host).await;
    }
    let theirs = routing_lines(&log, HOSTS.len()).await;
    let typed: Vec<UpstreamRule> = rules.into_iter().map(|(_, r)| r).collect();
    let ours: Vec<String> = HOSTS
        .iter()
        .map(|h| describe_route(route(&typed, h), h))
        .collect();
    assert_eq!(theirs.len(), HOSTS.len(), "tinyproxy logged {theirs:#?}");
    for ((host, a), b) in HOSTS.iter().zip(&ours).zip(&theirs) {
        assert_eq!(a, b, "host {host}");
    }
}
