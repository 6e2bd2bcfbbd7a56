//! `/etc/passwd` and `/etc/group` read directly, never through NSS.
//!
//! The image's binary is static: glibc's `getpwnam` in a static binary
//! still `dlopen`s the NSS modules `nsswitch.conf` names, and a module
//! built for another glibc can crash it (a segfault on an unknown `User`
//! with `passwd: files systemd`). Everything the proxy needs — the names
//! in `User`/`Group` — is in the two files, so we read them ourselves.
//!
//! The files are parsed as bytes; lines that do not have the fields of
//! passwd(5)/group(5), comments and NIS `+`/`-` entries are skipped.

use std::path::Path;

/// The system's account files.
pub const PASSWD: &str = "/etc/passwd";
pub const GROUP: &str = "/etc/group";

/// One passwd(5) entry: the fields the privilege drop needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// One group(5) entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupEntry {
    pub name: String,
    pub gid: u32,
}

/// The first passwd entry named `name` in `path`.
pub fn user_by_name(path: &Path, name: &str) -> Option<UserEntry> {
    users(&read(path)).find(|u| u.name.as_bytes() == name.as_bytes())
}

/// The first passwd entry with uid `uid` in `path`.
pub fn user_by_uid(path: &Path, uid: u32) -> Option<UserEntry> {
    users(&read(path)).find(|u| u.uid == uid)
}

/// The first group entry named `name` in `path`.
pub fn group_by_name(path: &Path, name: &str) -> Option<GroupEntry> {
    groups(&read(path)).find(|g| g.name.as_bytes() == name.as_bytes())
}

/// The first group entry with gid `gid` in `path`.
pub fn group_by_gid(path: &Path, gid: u32) -> Option<GroupEntry> {
    groups(&read(path)).find(|g| g.gid == gid)
}

/// A missing or unreadable file has no entries (as NSS `files` sees it).
fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

/// `name:passwd:uid:gid:gecos:dir:shell` lines.
fn users(text: &[u8]) -> impl Iterator<Item = UserEntry> + '_ {
    entries(text, 7).filter_map(|f| {
        Some(UserEntry {
            name: name(f[0])?,
            uid: number(f[2])?,
            gid: number(f[3])?,
        })
    })
}

/// `name:passwd:gid:members` lines.
fn groups(text: &[u8]) -> impl Iterator<Item = GroupEntry> + '_ {
    entries(text, 4).filter_map(|f| {
        Some(GroupEntry {
            name: name(f[0])?,
            gid: number(f[2])?,
        })
    })
}

/// The colon-separated fields of each line that has exactly `n` of them.
fn entries(text: &[u8], n: usize) -> impl Iterator<Item = Vec<&[u8]>> + '_ {
    text.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty() && !matches!(l[0], b'#' | b'+' | b'-'))
        .map(|l| l.split(|&b| b == b':').collect::<Vec<_>>())
        .filter(move |f| f.len() == n)
}

/// A non-empty UTF-8 name (config names are UTF-8 text).
fn name(field: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(field).ok()?;
    (!s.is_empty()).then(|| s.to_string())
}

/// A decimal id: digits only, fitting in 32 bits.
fn number(field: &[u8]) -> Option<u32> {
    if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(field).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD_TEXT: &[u8] = b"# comment\n\
        root:x:0:0:root:/root:/bin/sh\n\
        +nisuser::::::\n\
        broken:x:12\n\
        bad-uid:x:-1:0::/:/bin/false\n\
        huge:x:4294967296:0::/:/bin/false\n\
        nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\r\n\
        tinyproxy:x:100:101:tinyproxy:/var/run/tinyproxy:/sbin/nologin\n\
        dup:x:100:7::/:\n\
        \xff\xfe:x:5:5::/:\n\
        last:x:7:7::/:";
    const GROUP_TEXT: &[u8] = b"root:x:0:\nnobody:x:65534:\nnogroup:x:65534:\n\
        tinyproxy:x:101:tinyproxy\nmembers:x:9:a,b\nno-gid:x::\n";

    fn file(text: &[u8]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(f.path(), text).expect("write");
        f
    }

    #[test]
    fn users_by_name_and_uid() {
        let f = file(PASSWD_TEXT);
        let p = f.path();
        let tp = user_by_name(p, "tinyproxy").expect("tinyproxy");
        assert_eq!((tp.uid, tp.gid), (100, 101));
        assert_eq!(user_by_name(p, "nobody").map(|u| u.uid), Some(65534));
        // The first entry with a uid wins; CRLF lines and the last line
        // without a newline are read.
        assert_eq!(
            user_by_uid(p, 100).map(|u| u.name),
            Some("tinyproxy".into())
        );
        assert_eq!(user_by_name(p, "last").map(|u| u.gid), Some(7));
        for skipped in ["# comment", "+nisuser", "broken", "bad-uid", "huge", ""] {
            assert_eq!(user_by_name(p, skipped), None, "{skipped}");
        }
        assert_eq!(user_by_uid(p, 5), None, "non-UTF-8 name");
        assert_eq!(user_by_name(p, "tinyprox"), None, "whole names only");
    }

    #[test]
    fn groups_by_name_and_gid() {
        let f = file(GROUP_TEXT);
        let p = f.path();
        assert_eq!(group_by_name(p, "nogroup").map(|g| g.gid), Some(65534));
        assert_eq!(group_by_name(p, "nobody").map(|g| g.gid), Some(65534));
        assert_eq!(
            group_by_gid(p, 65534).map(|g| g.name),
            Some("nobody".into())
        );
        assert_eq!(group_by_name(p, "members").map(|g| g.gid), Some(9));
        assert_eq!(group_by_name(p, "no-gid"), None);
    }

    #[test]
    fn a_missing_file_has_no_entries() {
        let p = Path::new("/nonexistent/passwd");
        assert_eq!(user_by_name(p, "root"), None);
        assert_eq!(group_by_gid(p, 0), None);
    }
}
