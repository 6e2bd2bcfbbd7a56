//! Reading the config file and the filter file it names, with tinyproxy's
//! log lines and stderr text around them: shared by start-up (which prints
//! the failure and exits) and reload (which logs it and keeps the old
//! generation).

use crate::app::exit::StartError;
use crate::app::privs;
use crate::config::{self, FilterConfig, Loaded};
use crate::filter::Filter;
use std::sync::Arc;

/// Parse the config file with tinyproxy's log lines around it. The error
/// is kept as it is: start-up prints all of it, a reload logs less.
pub fn load_config(path: &std::path::Path) -> Result<Loaded, config::ConfigError> {
    match config::load(path) {
        Ok(loaded) => {
            for d in loaded.diagnostics.iter().filter(|d| d.to_stderr) {
                eprintln!("{}", d.message);
            }
            for d in loaded.logged(crate::config::LogLevel::Info) {
                crate::log::log(d.level, format_args!("{}", d.message));
            }
            Ok(loaded)
        }
        Err(e) => Err(e),
    }
}

/// For a config we may not read, a line naming who we run as and the
/// usual fix: a Secret or ConfigMap mounted with mode 0400 belongs to
/// root, and the image runs as nobody.
pub(crate) fn unreadable_hint(path: &std::path::Path) -> String {
    if !permission_denied(path) {
        return String::new();
    }
    format!(
        "tinyproxy: {} is not readable by the user the proxy runs as, {}: \
         make it readable to that user or group (for a mounted Secret or \
         ConfigMap: `defaultMode: 0440` with the pod's `securityContext.fsGroup` \
         set to the proxy's group, or `defaultMode: 0444`).\n",
        path.display(),
        privs::current_user()
    )
}

/// Whether opening `path` fails for want of permission (the usual reason:
/// a root-only file, read after the privilege drop or in a pod running as
/// nobody).
pub(crate) fn permission_denied(path: &std::path::Path) -> bool {
    std::fs::File::open(path)
        .err()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
}

/// Load the filter file the config names (if any).
pub fn load_filter(filter: &FilterConfig) -> Result<Option<Arc<Filter>>, StartError> {
    match Filter::load(filter) {
        Ok(f) => Ok(f.map(Arc::new)),
        Err(e) => Err(StartError::Filter(e.stderr_text())),
    }
}
