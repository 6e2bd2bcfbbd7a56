//! `--watch-config`: reload when the config file's directory changes.
//!
//! Kubernetes updates a mounted ConfigMap by writing a new `..2026_…`
//! directory and atomically renaming the `..data` symlink onto it, so the
//! file's own inode never changes: we watch the directory (inotify) and
//! reload after a short quiet period, whatever name the event carries.

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long events must stop before a reload (bursts become one reload).
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Start watching the directory holding `config`; each message on the
/// returned channel is one debounced "something changed".
pub fn watch(config: &Path) -> std::io::Result<mpsc::Receiver<()>> {
    let dir = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
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
    let (raw_tx, mut raw_rx) = mpsc::unbounded_channel::<()>();
    std::thread::Builder::new()
        .name("config-watch".into())
        .spawn(move || {
            // Blocking reads: one thread, no polling.
            while let Ok(events) = inotify.read_events() {
                if !events.is_empty() && raw_tx.send(()).is_err() {
                    return;
                }
            }
        })?;
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        while raw_rx.recv().await.is_some() {
            // Swallow the rest of the burst.
            while let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, raw_rx.recv()).await {}
            if tx.send(()).await.is_err() {
                return;
            }
        }
    });
    Ok(rx)
}
