//! What a reload changes, computed from the two configurations: the
//! directives a reload applies, and whether the restart-only part
//! ([`ProcessSettings`](super::types::ProcessSettings): `User`, `Group`,
//! `PidFile`) differs.
//!
//! `changed_directives` names every `Config` field (no `..` in the
//! pattern), so a new field does not compile until it is either reported
//! here or put in `ProcessSettings`, which is compared as a whole.

use super::types::Config;

impl Config {
    /// The directives whose settings differ from `self` (the old config)
    /// in `new`, in a fixed order. The restart-only settings are not
    /// listed: see [`Config::restart_needed`].
    pub fn changed_directives(&self, new: &Config) -> Vec<&'static str> {
        let Config {
            path: _,
            process: _,
            port,
            listen,
            bind,
            bind_same,
            timeout,
            error_files,
            default_error_file,
            stat_host,
            stat_file,
            log_file,
            syslog,
            log_level,
            xtinyproxy,
            upstreams,
            max_clients,
            acl,
            basic_auth,
            basic_auth_realm,
            add_headers,
            via_proxy_name,
            disable_via_header,
            filter,
            anonymous,
            connect_ports,
            reverse_paths,
            reverse_only,
            reverse_magic,
            reverse_base_url,
        } = self;
        let checks = [
            ("Port", *port != new.port),
            ("Listen", *listen != new.listen),
            ("Bind", *bind != new.bind),
            ("BindSame", *bind_same != new.bind_same),
            ("Timeout", *timeout != new.timeout),
            ("ErrorFile", *error_files != new.error_files),
            (
                "DefaultErrorFile",
                *default_error_file != new.default_error_file,
            ),
            ("StatHost", *stat_host != new.stat_host),
            ("StatFile", *stat_file != new.stat_file),
            ("LogFile", *log_file != new.log_file),
            ("Syslog", *syslog != new.syslog),
            ("LogLevel", *log_level != new.log_level),
            ("XTinyproxy", *xtinyproxy != new.xtinyproxy),
            ("Upstream", *upstreams != new.upstreams),
            ("MaxClients", *max_clients != new.max_clients),
            ("Allow/Deny", *acl != new.acl),
            ("BasicAuth", *basic_auth != new.basic_auth),
            ("BasicAuthRealm", *basic_auth_realm != new.basic_auth_realm),
            ("AddHeader", *add_headers != new.add_headers),
            ("ViaProxyName", *via_proxy_name != new.via_proxy_name),
            (
                "DisableViaHeader",
                *disable_via_header != new.disable_via_header,
            ),
            ("Filter", *filter != new.filter),
            ("Anonymous", *anonymous != new.anonymous),
            ("ConnectPort", *connect_ports != new.connect_ports),
            ("ReversePath", *reverse_paths != new.reverse_paths),
            ("ReverseOnly", *reverse_only != new.reverse_only),
            ("ReverseMagic", *reverse_magic != new.reverse_magic),
            ("ReverseBaseURL", *reverse_base_url != new.reverse_base_url),
        ];
        checks.iter().filter(|c| c.1).map(|c| c.0).collect()
    }

    /// Whether `new` changes a setting that only a restart applies: any
    /// field of [`ProcessSettings`](super::types::ProcessSettings).
    pub fn restart_needed(&self, new: &Config) -> bool {
        self.process != new.process
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn base() -> Config {
        Config::with_defaults(PathBuf::from("a.conf"))
    }

    #[test]
    fn reports_what_differs_in_fixed_order() {
        let old = base();
        let mut new = base();
        assert!(old.changed_directives(&new).is_empty());
        new.reverse_only = true;
        new.port = 8888;
        new.log_level = Some(crate::log::LogLevel::Notice);
        assert_eq!(
            old.changed_directives(&new),
            ["Port", "LogLevel", "ReverseOnly"]
        );
        assert!(!old.restart_needed(&new));
    }

    #[test]
    fn user_group_pidfile_need_a_restart_and_are_not_listed() {
        let old = base();
        let mut new = base();
        new.path = PathBuf::from("b.conf");
        new.process.user = Some("nobody".into());
        assert!(old.changed_directives(&new).is_empty());
        assert!(old.restart_needed(&new));
    }

    #[test]
    fn each_process_setting_needs_a_restart() {
        let old = base();
        let edits: [fn(&mut Config); 3] = [
            |c| c.process.user = Some("nobody".into()),
            |c| c.process.group = Some("nogroup".into()),
            |c| c.process.pid_file = Some(PathBuf::from("/run/t.pid")),
        ];
        for edit in edits {
            let mut new = base();
            edit(&mut new);
            assert!(old.restart_needed(&new), "{:?}", new.process);
            assert!(old.changed_directives(&new).is_empty());
        }
    }

    #[test]
    fn listen_and_log_destination_are_reloadable() {
        let old = base();
        let mut new = base();
        new.listen = vec![crate::config::ScopedAddr {
            ip: std::net::Ipv4Addr::LOCALHOST.into(),
            scope: None,
        }];
        new.log_file = Some(PathBuf::from("/tmp/t.log"));
        new.syslog = true;
        assert!(!old.restart_needed(&new));
        assert_eq!(
            old.changed_directives(&new),
            ["Listen", "LogFile", "Syslog"]
        );
    }
}
