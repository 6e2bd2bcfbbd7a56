//! Real-world configs (read from /work/shared/configs/real-world, never
//! copied into the repository) and Debian's shipped tinyproxy.conf: each
//! parses as expected, and the typed result is checked for several.
//! Skipped, with a message, when the corpus is not on this machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tinyproxy_rs::config::{
    load, AclSpec, ConfigError, FilterType, Loaded, LogLevel, ReversePath, ScopedAddr, SiteSpec,
    UpstreamKind,
};

const REAL_WORLD: &str = "/work/shared/configs/real-world";
const DEBIAN_CONF: &str = "/etc/tinyproxy/tinyproxy.conf";

/// Files tinyproxy 1.11.1 refuses too, with the line of the error.
const REJECTED: &[(&str, usize)] = &[
    ("gh-Apocalypsor-Wireguard-Socks.conf", 2),
    ("gh-DerPhysikeR-aibox.conf", 1),
    ("gh-JazzXP-cloudflare-warp-proxy.conf", 3),
];

/// Parse every corpus file; `None` when the corpus is absent.
fn corpus() -> Option<BTreeMap<String, Result<Loaded, ConfigError>>> {
    let rd = match std::fs::read_dir(REAL_WORLD) {
        Ok(rd) => rd,
        Err(e) => {
            eprintln!("skipping: {REAL_WORLD}: {e}");
            return None;
        }
    };
    let mut out = BTreeMap::new();
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "conf") {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.insert(name, load(&p));
        }
    }
    Some(out)
}

fn get<'a>(c: &'a BTreeMap<String, Result<Loaded, ConfigError>>, name: &str) -> &'a Loaded {
    match c.get(name) {
        Some(Ok(l)) => l,
        other => panic!("{name}: {other:?}"),
    }
}

fn addr(s: &str) -> ScopedAddr {
    ScopedAddr {
        ip: s.parse().expect("ip"),
        scope: None,
    }
}

#[test]
fn every_file_parses_as_expected() {
    let Some(c) = corpus() else { return };
    assert!(c.len() >= 25, "corpus too small: {}", c.len());
    for (name, r) in &c {
        match (REJECTED.iter().find(|x| x.0 == name), r) {
            (None, Ok(_)) => {}
            (Some((_, want)), Err(ConfigError::Syntax(s))) => {
                let line = &s.line;
                assert_eq!(line, want, "{name}")
            }
            (_, r) => panic!("{name}: unexpected {:?}", r.as_ref().map(|l| &l.config)),
        }
    }
}

#[test]
fn debian_default() {
    let path = if Path::new(DEBIAN_CONF).exists() {
        PathBuf::from(DEBIAN_CONF)
    } else {
        Path::new(REAL_WORLD).join("debian-default.conf")
    };
    if !path.exists() {
        eprintln!("skipping: neither {DEBIAN_CONF} nor the corpus copy exists");
        return;
    }
    let c = load(&path).expect("Debian's config parses").config;
    assert_eq!(c.process.user.as_deref(), Some("tinyproxy"));
    assert_eq!(c.process.group.as_deref(), Some("tinyproxy"));
    assert_eq!(c.port, 8888);
    assert_eq!(c.timeout, Duration::from_secs(600));
    assert_eq!(
        c.default_error_file,
        Some(PathBuf::from("/usr/share/tinyproxy/default.html"))
    );
    assert_eq!(
        c.stat_file,
        Some(PathBuf::from("/usr/share/tinyproxy/stats.html"))
    );
    assert_eq!(
        c.log_file,
        Some(PathBuf::from("/var/log/tinyproxy/tinyproxy.log"))
    );
    assert_eq!(c.log_level, Some(LogLevel::Info));
    assert_eq!(
        c.process.pid_file,
        Some(PathBuf::from("/run/tinyproxy/tinyproxy.pid"))
    );
    assert_eq!(c.max_clients, 100);
    let acl = c.acl.expect("acl");
    assert_eq!(
        acl.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![200, 201]
    );
    assert_eq!(acl[1].spec, AclSpec::Net("::1/128".parse().expect("net")));
    assert_eq!(c.via_proxy_name.as_deref(), Some("tinyproxy"));
    assert!(c.listen.is_empty() && c.upstreams.is_empty() && c.basic_auth.is_empty());
}

#[test]
fn obsolete_template() {
    let Some(c) = corpus() else { return };
    let l = get(&c, "gh-0xdungnt-tinyproxy-docker.conf");
    let stderr: Vec<&str> = l
        .diagnostics
        .iter()
        .filter(|d| d.to_stderr)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        stderr,
        vec![
            "WARNING: obsolete config item on line 186",
            "WARNING: obsolete config item on line 187",
            "WARNING: obsolete config item on line 192",
            "WARNING: obsolete config item on line 200",
        ]
    );
    assert_eq!(l.config.port, 3128);
}

#[test]
fn filters_and_connect_port_zero() {
    let Some(c) = corpus() else { return };
    let f = &get(&c, "gh-Lernstick-lernstick-firewall.conf").config;
    assert_eq!(
        f.filter.file,
        Some(PathBuf::from("/etc/lernstick-firewall/url_whitelist"))
    );
    assert!(f.filter.urls && f.filter.default_deny && !f.filter.case_sensitive);
    assert_eq!(f.filter.kind, FilterType::Ere);
    assert_eq!(f.connect_ports, vec![0]);
    assert_eq!(
        f.log_file,
        Some(PathBuf::from("/var/log/lernstick-firewall/tinyproxy.log"))
    );
    assert_eq!(f.listen, vec![addr("127.0.0.1")]);
    let a = &get(&c, "gh-adereis-claude-sandbox.conf").config;
    assert_eq!(a.filter.kind, FilterType::Ere);
    assert_eq!(a.log_level, Some(LogLevel::Warning));
    assert_eq!(a.max_clients, 20);
}

#[test]
fn many_cidr_allows() {
    let Some(c) = corpus() else { return };
    let l = get(&c, "gh-DavidKopfer-tinyproxy_configFile.conf");
    let acl = l.config.acl.as_ref().expect("acl");
    assert_eq!(acl.len(), 30);
    assert!(acl
        .iter()
        .all(|r| r.allow && matches!(r.spec, AclSpec::Net(_))));
    assert_eq!(
        acl[29].spec,
        AclSpec::Net("128.0.0.0/1".parse().expect("net"))
    );
    assert_eq!(l.config.connect_ports, vec![443, 563]);
}

#[test]
fn null_route_upstreams() {
    let Some(c) = corpus() else { return };
    let u = &get(&c, "gh-endpointservices-webcode.run.conf")
        .config
        .upstreams;
    assert_eq!(u.len(), 13);
    assert!(u.iter().all(|r| r
        .proxy
        .as_ref()
        .is_some_and(|p| p.port == 0 && p.host == "0.0.0.0")));
    assert_eq!(
        u[2].site,
        Some(SiteSpec::Net("10.0.0.0/8".parse().expect("net")))
    );
    // "fc::/8" is 00fc::/8, i.e. ::/8 (the author meant fc00::/8; tinyproxy
    // reads it the same way).
    assert_eq!(u[7].site, Some(SiteSpec::Net("::/8".parse().expect("net"))));
    assert_eq!(u[11].site, Some(SiteSpec::Domain("internal".into())));
    assert_eq!(u[12].site, Some(SiteSpec::Exact("localhost".into())));
}

#[test]
fn upstream_sites_and_dot() {
    let Some(c) = corpus() else { return };
    let u = &get(&c, "gh-nixos-tailscale-upstreams.conf")
        .config
        .upstreams;
    assert_eq!(u.len(), 3);
    assert_eq!(
        u[0].proxy.as_ref().map(|p| (p.kind, p.port)),
        Some((UpstreamKind::Socks5, 5080))
    );
    assert_eq!(u[0].site, Some(SiteSpec::Domain("tailscale.com".into())));
    assert_eq!(
        u[2].site,
        Some(SiteSpec::Exact("login.microsoftonline.com".into()))
    );
    let d = &get(&c, "gh-fdiskbrain-docker-upstream-dot.conf")
        .config
        .upstreams;
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].proxy.is_none(), &d[0].site),
        (true, &Some(SiteSpec::NoDot))
    );
}

#[test]
fn basic_auth_and_socks_default() {
    let Some(c) = corpus() else { return };
    let t = &get(&c, "gh-tor-bridge-dockerfile-embedded.conf").config;
    assert_eq!(t.basic_auth, vec![("toruser".into(), "torpass123".into())]);
    assert!(t.disable_via_header);
    assert_eq!(t.upstreams.len(), 1);
    assert_eq!(t.upstreams[0].site, None);
    assert_eq!(
        t.upstreams[0].proxy.as_ref().map(|p| (p.kind, p.port)),
        Some((UpstreamKind::Socks5, 9050))
    );
    // 1.11.2 rules accept the un-substituted placeholder (1.11.1 did not).
    let p = &get(&c, "gh-PavelSozonov-http-https-proxy.conf").config;
    assert_eq!(p.basic_auth, vec![("<login>".into(), "<password>".into())]);
    assert!(p.syslog);
}

#[test]
fn reverse_and_headers() {
    let Some(c) = corpus() else { return };
    let g = &get(&c, "gh-blueimp-geckodriver.conf").config;
    assert!(g.reverse_only);
    assert_eq!(
        g.reverse_paths,
        vec![ReversePath {
            path: "/".into(),
            url: "http://127.0.0.1:4445/".into()
        }]
    );
    assert_eq!(g.log_level, Some(LogLevel::Warning));
    let x = &get(&c, "gh-codex-team-codex-surveys-proxy.conf").config;
    assert_eq!(
        x.add_headers,
        vec![("Access-Control-Allow-Origin".into(), "*".into())]
    );
    assert_eq!(x.connect_ports, vec![8888, 80, 443, 563]);
    assert_eq!(x.via_proxy_name.as_deref(), Some("codex-surveys"));
}

#[test]
fn numeric_ids_syslog_and_duplicates() {
    let Some(c) = corpus() else { return };
    let w = &get(&c, "gh-cwlu2001-docker-wgproxy.conf").config;
    assert_eq!(
        (w.process.user.as_deref(), w.process.group.as_deref()),
        (Some("19999"), Some("19999"))
    );
    assert_eq!(w.timeout, Duration::from_secs(900));
    let s = &get(&c, "gh-docker-compose-socks-routing.conf").config;
    assert!(s.syslog && s.xtinyproxy && s.disable_via_header);
    assert_eq!(
        s.process.pid_file,
        Some(PathBuf::from("/tmp/tinyproxy.pid"))
    );
    assert_eq!(s.max_clients, 1000);
    let h = &get(&c, "gh-chad-eline-ai_in_docker.conf").config;
    let acl = h.acl.as_ref().expect("acl");
    assert_eq!(acl[2].spec, AclSpec::Host("huggingface.co".into()));
}
