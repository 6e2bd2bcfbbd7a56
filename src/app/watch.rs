//! `--watch-config`: reload when the config file changes.
//!
//! Kubernetes updates a mounted ConfigMap by writing a new `..2026_…`
//! directory, pointing a `..data_tmp` symlink at it and renaming that over
//! `..data`; `tinyproxy.conf` itself is a fixed symlink to
//! `..data/tinyproxy.conf`, so the file's own inode never changes. We
//! therefore watch the *directory* (inotify) and react to events naming
//! the config file or the first component of its symlink target
//! (`..data`). Other names in the directory are ignored — a `LogFile` or
//! stats file next to the config would otherwise make every log line
//! trigger a reload.
//!
//! Events are debounced: a reload starts once events have stopped for
//! [`QUIET`], and never later than [`MAX_DELAY`] after the first one, so a
//! steady stream of events cannot postpone it forever.

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Component, Path};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long events must stop before a reload (bursts become one reload).
pub const QUIET: Duration = Duration::from_millis(200);
/// The longest a reload waits after the first event of a burst.
pub const MAX_DELAY: Duration = Duration::from_secs(1);

/// Start watching the directory holding `config`; each message on the
/// returned channel is one debounced "the config changed".
pub fn watch(config: &Path) -> std::io::Result<mpsc::Receiver<()>> {
    let dir = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let names = interesting_names(config);
    let inotify = Inotify::init(InitFlags::IN_CLOEXEC).map_err(std::io::Error::from)?;
    let mask = AddWatchFlags::IN_CLOSE_WRITE
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_MODIFY
        | AddWatchFlags::IN_ATTRIB;
    inotify
        .add_watch(&dir, mask)
        .map_err(std::io::Error::from)?;
    let (raw_tx, raw_rx) = mpsc::unbounded_channel::<()>();
    std::thread::Builder::new()
        .name("config-watch".into())
        .spawn(move || {
            // Blocking reads: one thread, no polling.
            while let Ok(events) = inotify.read_events() {
                let relevant = events
                    .iter()
                    .any(|e| e.name.as_ref().is_some_and(|n| names.contains(n)));
                if relevant && raw_tx.send(()).is_err() {
                    return;
                }
            }
        })?;
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(debounce(raw_rx, tx));
    Ok(rx)
}

/// The directory entries whose change means the config changed: the
/// file's own name and, when it is a relative symlink (the ConfigMap
/// layout), the first component of its target.
fn interesting_names(config: &Path) -> HashSet<OsString> {
    let mut names = HashSet::new();
    if let Some(n) = config.file_name() {
        names.insert(n.to_os_string());
    }
    if let Ok(target) = std::fs::read_link(config) {
        if let Some(Component::Normal(first)) = target.components().next() {
            names.insert(first.to_os_string());
        }
    }
    names
}

/// Turn raw events into one message per burst.
async fn debounce(mut raw: mpsc::UnboundedReceiver<()>, tx: mpsc::Sender<()>) {
    while raw.recv().await.is_some() {
        let deadline = Instant::now() + MAX_DELAY;
        loop {
            let wait = QUIET.min(deadline.saturating_duration_since(Instant::now()));
            match tokio::time::timeout(wait, raw.recv()).await {
                Ok(Some(())) if Instant::now() < deadline => continue,
                Ok(None) => return,
                _ => break,
            }
        }
        // A reload already pending covers this burst too.
        if let Err(mpsc::error::TrySendError::Closed(())) = tx.try_send(()) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configmap_names() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let conf = dir.path().join("tinyproxy.conf");
        std::os::unix::fs::symlink("..data/tinyproxy.conf", &conf)
            .unwrap_or_else(|e| panic!("{e}"));
        let names = interesting_names(&conf);
        assert!(names.contains(&OsString::from("tinyproxy.conf")));
        assert!(names.contains(&OsString::from("..data")));
        assert_eq!(names.len(), 2);
    }
}
