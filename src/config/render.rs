//! The configuration in force written back as `tinyproxy.conf` directives,
//! for the admin port's `/config`.
//!
//! Operators compare what runs with the ConfigMap or file they deployed,
//! so the output is in the file's own language (one directive a line,
//! every setting spelled out, defaults included) rather than a dump of our
//! types. Rendered unmasked, it parses back to the same `Config`
//! (`tests` below, over every real-world config, and the `config` fuzz
//! target); masked, the secrets are replaced by [`REDACTED`]. Text that
//! is not UTF-8 is shown with U+FFFD, as everywhere we echo the file.

use super::types::{AclSpec, Config, FilterType, LogLevel, SiteSpec, UpstreamProxy, UpstreamRule};
use std::fmt::Write as _;
use std::path::Path;

/// What a masked secret shows as.
pub const REDACTED: &str = "<redacted>";

/// Whether secrets (BasicAuth and upstream passwords, AddHeader values,
/// which often carry tokens) are written or replaced by [`REDACTED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secrets {
    Masked,
    Shown,
}

/// `cfg` as directives, in the order of tinyproxy's sample config.
pub fn render(cfg: &Config, secrets: Secrets) -> String {
    let mut out = Out(String::new());
    let _ = writeln!(out.0, "# In force, from {}", cfg.path.display());
    process_and_listeners(&mut out, cfg);
    pages_and_logs(&mut out, cfg);
    routing(&mut out, cfg, secrets);
    headers_and_filter(&mut out, cfg, secrets);
    reverse(&mut out, cfg);
    out.0
}

struct Out(String);

impl Out {
    fn line(&mut self, name: &str, value: impl std::fmt::Display) {
        let _ = writeln!(self.0, "{name} {value}");
    }
    fn text(&mut self, name: &str, value: &str) {
        let _ = writeln!(self.0, "{name} \"{value}\"");
    }
    fn path(&mut self, name: &str, value: &Path) {
        self.text(name, &value.to_string_lossy());
    }
    fn flag(&mut self, name: &str, on: bool) {
        self.line(name, if on { "Yes" } else { "No" });
    }
    fn comment(&mut self, text: &str) {
        let _ = writeln!(self.0, "# {text}");
    }
}

fn process_and_listeners(out: &mut Out, cfg: &Config) {
    let p = &cfg.process;
    if let Some(u) = &p.user {
        out.line("User", u);
    }
    if let Some(g) = &p.group {
        out.line("Group", g);
    }
    if let Some(f) = &p.pid_file {
        out.path("PidFile", f);
    }
    out.line("Port", cfg.port);
    for a in &cfg.listen {
        out.line("Listen", a);
    }
    for a in &cfg.bind {
        out.line("Bind", a);
    }
    out.flag("BindSame", cfg.bind_same);
    out.line("Timeout", cfg.timeout.as_secs());
    out.line("MaxClients", cfg.max_clients);
}

fn pages_and_logs(out: &mut Out, cfg: &Config) {
    for (code, path) in &cfg.error_files {
        let _ = writeln!(out.0, "ErrorFile {code} \"{}\"", path.to_string_lossy());
    }
    if let Some(f) = &cfg.default_error_file {
        out.path("DefaultErrorFile", f);
    }
    out.text("StatHost", &cfg.stat_host);
    if let Some(f) = &cfg.stat_file {
        out.path("StatFile", f);
    }
    if let Some(f) = &cfg.log_file {
        out.path("LogFile", f);
    }
    out.flag("Syslog", cfg.syslog);
    match cfg.log_level {
        Some(l) => out.line("LogLevel", level_name(l)),
        None => out.comment(&format!(
            "LogLevel not set: {} applies",
            level_name(cfg.effective_log_level())
        )),
    }
}

fn routing(out: &mut Out, cfg: &Config, secrets: Secrets) {
    for rule in &cfg.upstreams {
        out.line("Upstream", upstream(rule, secrets));
    }
    match &cfg.acl {
        None => out.comment("no Allow or Deny: every client is allowed"),
        Some(rules) if rules.is_empty() => {
            out.comment("Allow/Deny lines were given but none is valid: every client is denied")
        }
        Some(rules) => {
            for r in rules {
                let spec = match &r.spec {
                    AclSpec::Net(n) => n.to_string(),
                    AclSpec::Host(h) => h.clone(),
                };
                out.line(if r.allow { "Allow" } else { "Deny" }, spec);
            }
        }
    }
    if cfg.connect_ports.is_empty() {
        out.comment("no ConnectPort: CONNECT to every port is allowed");
    }
    for p in &cfg.connect_ports {
        out.line("ConnectPort", p);
    }
    for (user, pass) in &cfg.basic_auth {
        out.line("BasicAuth", format!("{user} {}", secret(pass, secrets)));
    }
    out.text("BasicAuthRealm", &cfg.basic_auth_realm);
}

fn headers_and_filter(out: &mut Out, cfg: &Config, secrets: Secrets) {
    out.flag("XTinyproxy", cfg.xtinyproxy);
    for (name, value) in &cfg.add_headers {
        let _ = writeln!(out.0, "AddHeader \"{name}\" \"{}\"", secret(value, secrets));
    }
    if let Some(v) = &cfg.via_proxy_name {
        out.text("ViaProxyName", v);
    }
    out.flag("DisableViaHeader", cfg.disable_via_header);
    for a in &cfg.anonymous {
        out.text("Anonymous", a);
    }
    let f = &cfg.filter;
    match &f.file {
        Some(file) => out.path("Filter", file),
        None => out.comment("no Filter: nothing is filtered"),
    }
    out.flag("FilterURLs", f.urls);
    out.line(
        "FilterType",
        match f.kind {
            FilterType::Bre => "bre",
            FilterType::Ere => "ere",
            FilterType::Fnmatch => "fnmatch",
        },
    );
    out.flag("FilterCaseSensitive", f.case_sensitive);
    out.flag("FilterDefaultDeny", f.default_deny);
}

fn reverse(out: &mut Out, cfg: &Config) {
    for r in &cfg.reverse_paths {
        let _ = writeln!(out.0, "ReversePath \"{}\" \"{}\"", r.path, r.url);
    }
    out.flag("ReverseOnly", cfg.reverse_only);
    out.flag("ReverseMagic", cfg.reverse_magic);
    if let Some(u) = &cfg.reverse_base_url {
        out.text("ReverseBaseURL", u);
    }
}

fn level_name(l: LogLevel) -> &'static str {
    match l {
        LogLevel::Critical => "Critical",
        LogLevel::Error => "Error",
        LogLevel::Warning => "Warning",
        LogLevel::Notice => "Notice",
        LogLevel::Connect => "Connect",
        LogLevel::Info => "Info",
    }
}

fn secret(value: &str, secrets: Secrets) -> &str {
    match secrets {
        Secrets::Masked => REDACTED,
        Secrets::Shown => value,
    }
}

/// `none "site"` or `TYPE [user:pass@]host:port ["site"]`.
fn upstream(rule: &UpstreamRule, secrets: Secrets) -> String {
    let site = rule.site.as_ref().map(|s| match s {
        SiteSpec::Exact(name) => format!("\"{name}\""),
        SiteSpec::Domain(d) => format!("\".{d}\""),
        SiteSpec::NoDot => "\".\"".to_string(),
        SiteSpec::Net(n) => format!("\"{n}\""),
    });
    match (&rule.proxy, site) {
        (None, Some(site)) => format!("none {site}"),
        (None, None) => "none".to_string(),
        (Some(p), None) => proxy(p, secrets),
        (Some(p), Some(site)) => format!("{} {site}", proxy(p, secrets)),
    }
}

fn proxy(p: &UpstreamProxy, secrets: Secrets) -> String {
    let creds = p.credentials.as_ref().map_or(String::new(), |c| {
        format!("{}:{}@", c.user, secret(&c.pass, secrets))
    });
    let host = if p.host.contains(':') {
        format!("[{}]", p.host)
    } else {
        p.host.clone()
    };
    format!("{} {creds}{host}:{}", p.kind.as_str(), p.port)
}

/// What [`render`] keeps of `cfg`, for comparing a config with its
/// rendering parsed back (the unit tests and the `config` fuzz target):
/// not the file name nor the line numbers of rules, and paths as shown
/// (bytes that are not UTF-8 become U+FFFD).
#[doc(hidden)]
pub fn as_rendered(mut c: Config) -> Config {
    use std::path::PathBuf;
    let shown = |p: &mut PathBuf| *p = PathBuf::from(p.to_string_lossy().into_owned());
    c.path = PathBuf::from("x");
    c.acl.iter_mut().flatten().for_each(|r| r.line = 0);
    c.upstreams.iter_mut().for_each(|r| r.line = 0);
    for p in [
        &mut c.process.pid_file,
        &mut c.log_file,
        &mut c.stat_file,
        &mut c.default_error_file,
        &mut c.filter.file,
    ]
    .into_iter()
    .flatten()
    {
        shown(p);
    }
    c.error_files.iter_mut().for_each(|(_, p)| shown(p));
    c
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
