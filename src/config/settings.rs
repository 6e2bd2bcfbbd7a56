//! The per-concern settings the lower layers take instead of the whole
//! [`Config`]: each is built from one configuration generation, so the
//! logger and the protocol code never depend on `config`, and dialling
//! out or timing a connection reads only what it uses.

use super::types::{Config, UpstreamRule};
use crate::http::reverse::ReverseRules;
use crate::http::rewrite::HeaderRules;
use crate::log::LogSettings;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

/// What dialling out reads (`outbound`): resolving, binding the source
/// address, connecting, the loop guard and the upstream choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundSettings {
    /// `Timeout`: bounds the name lookup, each connect attempt and the
    /// SOCKS handshake (and every write to the origin).
    pub timeout: Duration,
    /// `Bind`: source addresses, tried in order for the target's family.
    pub bind: Vec<IpAddr>,
    /// `BindSame`: bind to the address the client reached us on.
    pub bind_same: bool,
    /// `Port`: a connection to this port may be to ourselves (loop guard).
    pub own_port: u16,
    /// `Upstream` rules, in file order.
    pub upstreams: Vec<UpstreamRule>,
}

impl From<&Config> for OutboundSettings {
    fn from(cfg: &Config) -> OutboundSettings {
        OutboundSettings {
            timeout: cfg.timeout,
            bind: cfg.bind.iter().map(|b| b.ip).collect(),
            bind_same: cfg.bind_same,
            own_port: cfg.port,
            upstreams: cfg.upstreams.clone(),
        }
    }
}

/// The limits connections run under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `MaxClients`: connections served at once.
    pub max_clients: usize,
    /// `Timeout`: how long a read, a write or an idle tunnel may make no
    /// progress.
    pub timeout: Duration,
}

impl From<&Config> for Limits {
    fn from(cfg: &Config) -> Limits {
        Limits {
            max_clients: cfg.max_clients as usize,
            timeout: cfg.timeout,
        }
    }
}

impl From<&Config> for LogSettings {
    fn from(cfg: &Config) -> LogSettings {
        LogSettings {
            syslog: cfg.syslog,
            file: cfg.log_file.clone(),
            level: cfg.log_level,
        }
    }
}

impl From<&Config> for HeaderRules {
    fn from(cfg: &Config) -> HeaderRules {
        HeaderRules {
            strip_proxy_authorization: !cfg.basic_auth.is_empty(),
            anonymous: cfg.anonymous.clone(),
            disable_via: cfg.disable_via_header,
            via_name: via_name(cfg).to_string(),
            add_headers: cfg.add_headers.clone(),
            xtinyproxy: cfg.xtinyproxy,
        }
    }
}

/// The host token of our `Via` entries: ViaProxyName, else the host name
/// (looked up once per process and never changed: a cache, not state).
fn via_name(cfg: &Config) -> &str {
    static HOSTNAME: OnceLock<String> = OnceLock::new();
    match &cfg.via_proxy_name {
        Some(n) => n,
        None => HOSTNAME.get_or_init(crate::sys::hostname),
    }
}

impl From<&Config> for ReverseRules {
    fn from(cfg: &Config) -> ReverseRules {
        ReverseRules {
            paths: cfg.reverse_paths.clone(),
            only: cfg.reverse_only,
            magic: cfg.reverse_magic,
            base_url: cfg.reverse_base_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::Duration;

    fn parse(text: &str) -> Config {
        match crate::config::parse_bytes(text.as_bytes(), Path::new("t.conf")) {
            Ok(l) => l.config,
            Err(e) => panic!("{}", e.stderr_text()),
        }
    }

    #[test]
    fn outbound_settings_take_what_dialling_reads() {
        let cfg = parse(
            "Port 8888\nTimeout 7\nBind 127.0.0.2\nBind ::1\nBindSame yes\n\
             Upstream http 127.0.0.1:3128\nUpstream none \"example.com\"\n",
        );
        let out = OutboundSettings::from(&cfg);
        assert_eq!(out.timeout, Duration::from_secs(7));
        let bind: Vec<IpAddr> = vec!["127.0.0.2".parse().expect("ip"), "::1".parse().expect("ip")];
        assert_eq!(out.bind, bind);
        assert!(out.bind_same);
        assert_eq!(out.own_port, 8888);
        assert_eq!(out.upstreams, cfg.upstreams);
        assert_eq!(out.upstreams.len(), 2);
    }

    #[test]
    fn limits_take_max_clients_and_timeout() {
        let limits = Limits::from(&parse("Port 8888\nMaxClients 3\nTimeout 9\n"));
        assert_eq!(limits.max_clients, 3);
        assert_eq!(limits.timeout, Duration::from_secs(9));
        let defaults = Limits::from(&parse("Port 8888\n"));
        assert_eq!(defaults.max_clients, 100);
        assert_eq!(defaults.timeout, Duration::from_secs(600));
    }
}
