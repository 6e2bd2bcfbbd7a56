//! The one log-test helper that needs the library (so it cannot live in
//! the tinyproxy-test-support crate, which tests only the binary): a
//! `Config` with only the logging directives set. Everything else the
//! log tests use is in `tinyproxy_test_support::logs`.

use std::path::{Path, PathBuf};
use tinyproxy_rs::config::{Config, LogLevel};

/// A config with only the logging directives set.
pub fn config(log_file: Option<&Path>, syslog: bool, level: Option<LogLevel>) -> Config {
    let mut cfg = Config::with_defaults(PathBuf::from("/nonexistent/test.conf"));
    cfg.log_file = log_file.map(Path::to_path_buf);
    cfg.syslog = syslog;
    cfg.log_level = level;
    cfg
}
