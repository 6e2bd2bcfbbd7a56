//! The per-concern settings the lower layers take instead of the whole
//! [`Config`]: each is built from one configuration generation, so the
//! logger and the protocol code never depend on `config`.

use super::types::Config;
use crate::log::LogSettings;

impl From<&Config> for LogSettings {
    fn from(cfg: &Config) -> LogSettings {
        LogSettings {
            syslog: cfg.syslog,
            file: cfg.log_file.clone(),
            level: cfg.log_level,
        }
    }
}
