//! Opening a `LogFile` the careful way tinyproxy does: append to an
//! existing regular file with one link, or create a new one with mode 0600;
//! refuse symlinks and hard links, which could point the (root-started)
//! proxy's writes at a file it should not touch.
//!
//! The stderr lines are tinyproxy's, so scripts that watch for them keep
//! working.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// Where `LogFile` names our own stdout or stderr. tinyproxy refuses these
/// (they are symlinks into /proc); containers rely on them (tinyproxy
/// #43), so we write to the stream instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdStream {
    Stdout,
    Stderr,
}

pub fn std_stream(path: &Path) -> Option<StdStream> {
    match path.to_str()? {
        "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(StdStream::Stdout),
        "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(StdStream::Stderr),
        _ => None,
    }
}

/// Open `path` for appending, printing tinyproxy's stderr line on failure.
/// The error's reason goes into the CRITICAL fallback message.
pub fn open_log_file(path: &Path) -> io::Result<File> {
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => create(path).inspect_err(|e| {
            complain(format_args!(
                "Could not create file {shown}: {}",
                crate::sys::strerror(e)
            ));
        }),
        Err(e) => {
            complain(format_args!(
                "Error checking file {shown}: {}",
                crate::sys::strerror(&e)
            ));
            Err(e)
        }
        Ok(before) => open_existing(path, &before),
    }
}

/// Create a new file; `create_new` (O_EXCL) never follows a symlink that
/// appears between our check and the open.
fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

fn open_existing(path: &Path, before: &Metadata) -> io::Result<File> {
    let shown = path.display();
    if before.file_type().is_symlink() {
        complain(format_args!(
            "The file {shown} has been changed before it could be opened"
        ));
        return Err(io::Error::from_raw_os_error(libc::ELOOP));
    }
    // O_NOFOLLOW: a symlink swapped in after the check fails to open;
    // O_NONBLOCK: a FIFO swapped in cannot hang us (it is refused below).
    let file = OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .inspect_err(|e| {
            complain(format_args!(
                "Could not open file {shown}: {}",
                crate::sys::strerror(e)
            ))
        })?;
    let after = file.metadata()?;
    if after.dev() != before.dev() || after.ino() != before.ino() || after.mode() != before.mode() {
        complain(format_args!(
            "The file {shown} has been changed before it could be opened"
        ));
        return Err(io::Error::other("file replaced while it was being opened"));
    }
    if after.nlink() > 1 || !after.file_type().is_file() {
        let e = io::Error::from_raw_os_error(libc::EMLINK);
        complain(format_args!(
            "The file {shown} has too many links, or is not a regular file: {}",
            crate::sys::strerror(&e)
        ));
        return Err(e);
    }
    Ok(file)
}

/// `tinyproxy: MESSAGE` on stderr. A closed stderr is no reason to fail.
fn complain(msg: std::fmt::Arguments<'_>) {
    let line = format!("tinyproxy: {msg}\n");
    let _ = io::stderr().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_streams() {
        assert_eq!(
            std_stream(Path::new("/dev/stdout")),
            Some(StdStream::Stdout)
        );
        assert_eq!(
            std_stream(Path::new("/dev/stderr")),
            Some(StdStream::Stderr)
        );
        assert_eq!(std_stream(Path::new("/var/log/x")), None);
    }
}
