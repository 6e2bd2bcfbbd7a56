//! Reload (SIGHUP, SIGUSR1, `--watch-config`): parse the file anew into a
//! fresh generation and swap it in only when everything loaded. Any
//! failure is logged (file, line and column included) and the old
//! configuration keeps serving.
//!
//! The reload runs with the privileges the process has *now*: after a
//! drop to `User`, a file only root can read cannot be re-read, so that
//! reload fails (tinyproxy #417) and the running config stays.

use crate::app::load::{load_config, load_filter};
use crate::config::Config;
use crate::log::Level;
use crate::log_msg;
use crate::proxy::generation::{Generation, Shared};
use std::path::Path;
use std::sync::Arc;

/// Re-read the config; on any failure keep serving with the old one.
/// Returns whether the new config is now in force.
pub fn reload(shared: &Shared, path: &Path, foreground: bool) -> bool {
    log_msg!(Level::Notice, "Reloading config file ({})", path.display());
    // Parse messages are held back and replayed once the (re)opened
    // destination is ready: tinyproxy's "sending stored logs" bracket.
    crate::log::suspend();
    if is_fifo(path) {
        crate::log::reopen();
        log_msg!(
            Level::Error,
            "{} is a FIFO: a reload would wait for a writer and hold up the signals; \
             the old configuration stays in force.",
            path.display()
        );
        log_msg!(Level::Warning, "Reloading config file failed!");
        return false;
    }
    let loaded = match load_config(path) {
        Ok(l) => l,
        Err(e) => {
            crate::log::reopen();
            // stderr gets the offending line (passwords masked); the log,
            // often readable by more people, only where it is and why.
            eprint!("{}", e.stderr_text());
            for line in e.log_text().lines() {
                log_msg!(Level::Error, "{}", line);
            }
            unreadable_hint(path);
            log_msg!(Level::Warning, "Reloading config file failed!");
            return false;
        }
    };
    let cfg = Arc::new(loaded.config);
    if cfg.filter.file.is_some() {
        log_msg!(Level::Notice, "Re-reading filter file.");
    }
    let filter = match load_filter(&cfg.filter) {
        Ok(f) => f,
        Err(e) => {
            // tinyproxy exits here; we keep the old config and filter.
            crate::log::reopen();
            log_msg!(Level::Error, "{}", e.to_string().trim_end());
            log_msg!(Level::Warning, "Reloading config file failed!");
            return false;
        }
    };
    let old = shared.current();
    // Opens the new destination (a rotated LogFile is created anew), sets
    // the level (back to the default when LogLevel was removed) and
    // replays the stored parse messages.
    if let Err(e) = crate::log::configure(&*cfg, foreground) {
        log_msg!(Level::Error, "{}", e);
    }
    log_changes(&old.config, &cfg);
    shared.replace(Generation::new(cfg, filter));
    log_msg!(Level::Notice, "Reloading config file finished");
    true
}

/// A FIFO (or socket) config can be read once, at start-up, where SIGTERM
/// still ends a read that never finishes; the reload runs in the signal
/// loop itself, so it must not block on one.
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
}

/// After the privilege drop a root-only file is the usual reason a reload
/// cannot open the config: say so.
fn unreadable_hint(path: &Path) {
    if crate::app::load::permission_denied(path) {
        log_msg!(
            Level::Error,
            "The config file is not readable by uid {}, which the proxy runs as now; \
             the old configuration stays in force.",
            nix::unistd::Uid::effective()
        );
    }
}

/// Say which settings a reload changed (beyond tinyproxy), by directive.
fn log_changes(old: &Config, new: &Config) {
    if old.restart_needed(new) {
        log_msg!(
            Level::Warning,
            "User, Group and PidFile changes need a restart; they were not applied."
        );
    }
    let changed = old.changed_directives(new);
    if changed.is_empty() {
        log_msg!(Level::Info, "Reload changed no setting.");
    } else {
        log_msg!(Level::Info, "Reload changed: {}", changed.join(", "));
    }
}
