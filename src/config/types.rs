//! The typed, immutable configuration that the grammar produces.
//!
//! Every directive tinyproxy 1.11 accepts has a typed home here; nothing is
//! kept as a string map. A `Config` is built once per (re)load and shared as
//! `Arc<Config>`: a request keeps the one in force when it arrived.

use ipnet::IpNet;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// tinyproxy's defaults, applied before a file is parsed
/// (`../shared/spec/tinyproxy-1.11.md` §1.4).
pub const DEFAULT_TIMEOUT_SECS: u64 = 600;
pub const DEFAULT_MAX_CLIENTS: u32 = 100;
pub const DEFAULT_STAT_HOST: &str = "tinyproxy.stats";
pub const DEFAULT_REALM: &str = "Tinyproxy";

pub use crate::log::LogLevel;

/// An address for `Listen` or `Bind`, with the optional IPv6 scope
/// (`fe80::1%eth0`, accepted since tinyproxy 1.11.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScopedAddr {
    pub ip: IpAddr,
    pub scope: Option<String>,
}

/// As written in the file: `fe80::1%eth0`.
impl std::fmt::Display for ScopedAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.scope {
            Some(s) => write!(f, "{}%{s}", self.ip),
            None => write!(f, "{}", self.ip),
        }
    }
}

/// One `Allow` / `Deny` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclRule {
    pub allow: bool,
    pub spec: AclSpec,
    /// Line in the config file, for messages.
    pub line: usize,
}

/// What an ACL line matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AclSpec {
    /// A numeric address or network (a bare address is a /32 or /128).
    Net(IpNet),
    /// Anything that does not parse as an address: a host name, or a
    /// `.domain` suffix, matched against the client's reverse lookup.
    Host(String),
}

/// The protocol spoken to an upstream proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UpstreamKind {
    Http,
    Socks4,
    Socks5,
}

impl UpstreamKind {
    /// The lower-case name tinyproxy prints in its log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamKind::Http => "http",
            UpstreamKind::Socks4 => "socks4",
            UpstreamKind::Socks5 => "socks5",
        }
    }
}

/// An upstream proxy to send requests through.
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamProxy {
    pub kind: UpstreamKind,
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// `user:pass@` from the rule, as written (no percent-decoding, as
    /// tinyproxy; see COMPATIBILITY.md).
    pub credentials: Option<Credentials>,
}

/// User and password for an upstream; `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub pass: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ user: {:?}, pass: <redacted> }}",
            self.user
        )
    }
}

impl std::fmt::Debug for UpstreamProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamProxy")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// The site part of an `Upstream` rule (`../shared/spec/tinyproxy-1.11.md`
/// §2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteSpec {
    /// `"name"`: that host exactly (case-insensitive).
    Exact(String),
    /// `".domain"`: hosts inside the domain (stored without the dot).
    Domain(String),
    /// `"."`: host names without any dot (the documented meaning).
    NoDot,
    /// `"IP"`, `"IP/bits"`, `"IP/a.b.c.d"`: IP-literal targets in the network.
    Net(IpNet),
}

/// One `Upstream` line. `proxy == None` is `Upstream none "site"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamRule {
    pub proxy: Option<UpstreamProxy>,
    /// `None` for the default (site-less) rule.
    pub site: Option<SiteSpec>,
    pub line: usize,
}

/// `FilterType` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FilterType {
    #[default]
    Bre,
    Ere,
    Fnmatch,
}

/// All `Filter*` directives together.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FilterConfig {
    /// `Filter "path"`: filtering is on only when this is set.
    pub file: Option<PathBuf>,
    pub urls: bool,
    pub kind: FilterType,
    pub case_sensitive: bool,
    pub default_deny: bool,
}

pub use crate::http::reverse::ReversePath;

/// What only a restart applies: whom the process runs as (`User`,
/// `Group`) and its `PidFile`, used once at start, before the privilege
/// drop; a reload that changes them is reported, not applied.
/// `Port`/`Listen` (rebound) and `LogFile`/`Syslog` (reopened) are not
/// here: a reload applies them (COMPATIBILITY.md `reload-rebind`,
/// `log-fallback-stderr`).
///
/// The restart-only part of a [`Config`], compared as a whole by
/// [`Config::restart_needed`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessSettings {
    /// `User`: name or number, as written.
    pub user: Option<String>,
    /// `Group`: name or number, as written.
    pub group: Option<String>,
    /// `PidFile`.
    pub pid_file: Option<PathBuf>,
}

/// The whole configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The file this was read from (for reload and messages).
    pub path: PathBuf,
    /// `User`, `Group`, `PidFile`: applied at start only.
    pub process: ProcessSettings,
    pub port: u16,
    /// Empty: the dual-stack wildcard.
    pub listen: Vec<ScopedAddr>,
    pub bind: Vec<ScopedAddr>,
    pub bind_same: bool,
    pub timeout: Duration,
    /// `ErrorFile` mappings; the first mapping for a code wins.
    pub error_files: Vec<(u16, PathBuf)>,
    pub default_error_file: Option<PathBuf>,
    pub stat_host: String,
    pub stat_file: Option<PathBuf>,
    pub log_file: Option<PathBuf>,
    pub syslog: bool,
    /// `None` when the file has no `LogLevel` (the default, Info).
    pub log_level: Option<LogLevel>,
    pub xtinyproxy: bool,
    /// In file order; routing applies tinyproxy's last-match-wins.
    pub upstreams: Vec<UpstreamRule>,
    pub max_clients: u32,
    /// `None`: no Allow/Deny line at all (everyone allowed).
    /// `Some(rules)`: first match wins, no match denies.
    pub acl: Option<Vec<AclRule>>,
    /// `BasicAuth` users, in file order.
    pub basic_auth: Vec<(String, String)>,
    pub basic_auth_realm: String,
    pub add_headers: Vec<(String, String)>,
    pub via_proxy_name: Option<String>,
    pub disable_via_header: bool,
    pub filter: FilterConfig,
    /// `Anonymous` header names, as written.
    pub anonymous: Vec<String>,
    /// `ConnectPort` values; empty allows every port.
    pub connect_ports: Vec<u32>,
    /// In file order; tinyproxy tries the *last* matching rule first.
    pub reverse_paths: Vec<ReversePath>,
    pub reverse_only: bool,
    pub reverse_magic: bool,
    pub reverse_base_url: Option<String>,
}

impl Config {
    /// A configuration with tinyproxy's defaults and the given port.
    pub fn with_defaults(path: PathBuf) -> Config {
        Config {
            path,
            process: ProcessSettings::default(),
            port: 0,
            listen: Vec::new(),
            bind: Vec::new(),
            bind_same: false,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            error_files: Vec::new(),
            default_error_file: None,
            stat_host: DEFAULT_STAT_HOST.to_string(),
            stat_file: None,
            log_file: None,
            syslog: false,
            log_level: None,
            xtinyproxy: false,
            upstreams: Vec::new(),
            max_clients: DEFAULT_MAX_CLIENTS,
            acl: None,
            basic_auth: Vec::new(),
            basic_auth_realm: DEFAULT_REALM.to_string(),
            add_headers: Vec::new(),
            via_proxy_name: None,
            disable_via_header: false,
            filter: FilterConfig::default(),
            anonymous: Vec::new(),
            connect_ports: Vec::new(),
            reverse_paths: Vec::new(),
            reverse_only: false,
            reverse_magic: false,
            reverse_base_url: None,
        }
    }

    /// The effective log level (Info when the file names none).
    pub fn effective_log_level(&self) -> LogLevel {
        self.log_level.unwrap_or(LogLevel::Info)
    }

    /// The ErrorFile for `code`, else DefaultErrorFile.
    pub fn error_file_for(&self, code: u16) -> Option<&PathBuf> {
        self.error_files
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, p)| p)
            .or(self.default_error_file.as_ref())
    }
}
