//! Process-level system facts and errno text, in one place and without
//! `unsafe`: the effective user, the host name, interface indexes (through
//! `nix`), and the `strerror` text tinyproxy prints in log lines and pages.

use std::io;

/// Whether the process runs as root (effective uid 0): tinyproxy warns
/// about a missing `User` only then.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The host name, as `Via` uses it when no ViaProxyName is set;
/// `localhost` when the system will not say.
pub fn hostname() -> String {
    match nix::unistd::gethostname() {
        Ok(name) => name.to_string_lossy().into_owned(),
        Err(_) => "localhost".to_string(),
    }
}

/// The index of a network interface (`eth0`), for an IPv6 scope id.
pub fn if_nametoindex(name: &str) -> io::Result<u32> {
    if name.as_bytes().contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "bad interface name",
        ));
    }
    nix::net::if_::if_nametoindex(name).map_err(io::Error::from)
}

/// The text of an I/O error without Rust's ` (os error N)` suffix, so it
/// reads like C's `strerror` in tinyproxy's log lines and pages.
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(pos) if text.ends_with(')') => text[..pos].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_is_the_c_text() {
        let e = io::Error::from_raw_os_error(libc::EACCES);
        assert_eq!(strerror(&e), "Permission denied");
        let e = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(strerror(&e), "Connection refused");
    }

    #[test]
    fn strerror_keeps_custom_text() {
        let e = io::Error::other("it is a symbolic link");
        assert_eq!(strerror(&e), "it is a symbolic link");
    }

    #[test]
    fn loopback_has_an_index() {
        assert!(if_nametoindex("lo").unwrap() > 0);
        assert!(if_nametoindex("no-such-if0").is_err());
        assert!(if_nametoindex("l\0o").is_err());
    }

    #[test]
    fn hostname_is_not_empty() {
        assert!(!hostname().is_empty());
    }
}
