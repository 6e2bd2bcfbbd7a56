//! The per-concern settings the lower layers take instead of the whole
//! [`Config`]: each is built from one configuration generation, so the
//! logger and the protocol code never depend on `config`.

use super::types::Config;
use crate::http::reverse::ReverseRules;
use crate::http::rewrite::HeaderRules;
use crate::log::LogSettings;
use std::sync::OnceLock;

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
/// (looked up once per process).
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
