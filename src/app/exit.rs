//! Why start-up failed, and the exit status tinyproxy gives each reason
//! (sysexits.h), mapped in one place: scripts and service managers match
//! on these numbers, so they must stay tinyproxy's.
//!
//! Each variant carries the exact text for stderr (newline-terminated,
//! tinyproxy's wording), which `lifecycle::start` prints before exiting.

/// The filter file cannot be loaded.
pub const EX_DATAERR: i32 = 65;
/// `User` or `Group` names no account.
pub const EX_NOUSER: i32 = 67;
/// Any configuration failure (tinyproxy exits with this for all of them).
pub const EX_SOFTWARE: i32 = 70;
/// A system failure: bind, detach, pid file, runtime, signals, admin port.
pub const EX_OSERR: i32 = 71;
/// Switching to `User`/`Group` failed.
pub const EX_NOPERM: i32 = 77;

/// A failure that stops the process before (or while) it starts serving.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The config file cannot be read or has an error.
    #[error("{0}")]
    Config(String),
    /// The filter file the config names cannot be loaded.
    #[error("{0}")]
    Filter(String),
    /// `User` or `Group` is not found.
    #[error("{0}")]
    NoUser(String),
    /// `setgid`/`setuid` to `Group`/`User` failed.
    #[error("{0}")]
    NoPerm(String),
    /// A system call failed; the text is for stderr.
    #[error("{0}")]
    Os(String),
    /// A system call failed after the log was set up: already logged,
    /// nothing goes to stderr.
    #[error("")]
    OsLogged,
}

impl StartError {
    /// tinyproxy's exit status for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            StartError::Config(_) => EX_SOFTWARE,
            StartError::Filter(_) => EX_DATAERR,
            StartError::NoUser(_) => EX_NOUSER,
            StartError::NoPerm(_) => EX_NOPERM,
            StartError::Os(_) | StartError::OsLogged => EX_OSERR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_tinyproxys() {
        let t = String::new;
        assert_eq!(StartError::Config(t()).exit_code(), 70);
        assert_eq!(StartError::Filter(t()).exit_code(), 65);
        assert_eq!(StartError::NoUser(t()).exit_code(), 67);
        assert_eq!(StartError::NoPerm(t()).exit_code(), 77);
        assert_eq!(StartError::Os(t()).exit_code(), 71);
        assert_eq!(StartError::OsLogged.exit_code(), 71);
        assert_eq!(StartError::OsLogged.to_string(), "");
    }

    /// The config and filter modules name their own statuses; they must
    /// agree with the mapping here.
    #[test]
    fn config_and_filter_statuses_agree() {
        let cfg = crate::config::load(std::path::Path::new("/nonexistent/tinyproxy.conf"));
        assert_eq!(cfg.err().map(|e| e.exit_code()), Some(EX_SOFTWARE));
        assert_eq!(crate::filter::EXIT_DATAERR, EX_DATAERR);
    }
}
