//! Turning a message into text: the message itself (control characters
//! escaped, length bounded) and tinyproxy's file/stdout line around it.

use super::level::Level;
use std::fmt::Write as _;

/// Longest file/stdout line before its `\n`, in bytes. tinyproxy builds
/// the line in an 800-byte buffer and keeps room for `\n` and NUL, so a
/// line never exceeds 798 bytes plus the newline (verified against 1.11.1).
pub const LINE_MAX: usize = 798;

/// Longest message kept on its own (stored messages, syslog): what fits in
/// tinyproxy's 800-byte buffer with its NUL.
pub const MESSAGE_MAX: usize = 799;

/// tinyproxy's timestamp: local time, English month, zero-padded day,
/// milliseconds (`Mar 05 13:36:44.457`).
const TIME_FORMAT: &str = "%b %d %H:%M:%S%.3f";

/// glibc `syslog()`'s timestamp: space-padded day, no milliseconds
/// (`Mar  5 13:36:44`).
const SYSLOG_TIME_FORMAT: &str = "%b %e %H:%M:%S";

pub fn file_stamp<Tz: chrono::TimeZone>(t: &chrono::DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    t.format(TIME_FORMAT).to_string()
}

pub fn syslog_stamp<Tz: chrono::TimeZone>(t: &chrono::DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    t.format(SYSLOG_TIME_FORMAT).to_string()
}

/// Format `args` into the message text.
///
/// Control characters are escaped so that text from a client (a request
/// line, a host name) cannot forge extra log lines or send terminal escape
/// sequences — tinyproxy writes them raw.
pub fn render_message(args: std::fmt::Arguments<'_>) -> String {
    let mut msg = String::new();
    // Only a `Display` impl that reports an error can fail; the text
    // written so far is still worth logging.
    let _ = msg.write_fmt(args);
    let mut msg = escape_controls(msg);
    truncate_at_char(&mut msg, MESSAGE_MAX);
    msg
}

/// `\r`, `\n` and other C0 controls (but tab) and DEL, as `\r`, `\n`, `\xNN`.
fn escape_controls(msg: String) -> String {
    let needs = |c: char| c.is_ascii_control() && c != '\t';
    if !msg.contains(needs) {
        return msg;
    }
    let mut out = String::with_capacity(msg.len() + 8);
    for c in msg.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if needs(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Cut `s` to at most `max` bytes without splitting a character
/// (tinyproxy cuts bytes; a Rust string must stay UTF-8).
pub fn truncate_at_char(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
}

/// The whole line for a file or stdout, `\n` included:
/// `LEVEL     Mon DD HH:MM:SS.mmm [pid]: message`.
pub fn file_line(level: Level, msg: &str) -> String {
    let now = chrono::Local::now();
    let mut line = String::with_capacity(40 + msg.len());
    let _ = write!(
        line,
        "{:<9} {} [{}]: {}",
        level.name(),
        file_stamp(&now),
        std::process::id(),
        msg
    );
    truncate_at_char(&mut line, LINE_MAX);
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_line_breaks_and_escape() {
        let m = render_message(format_args!("a\r\nb\x1b[1m\tc"));
        assert_eq!(m, "a\\r\\nb\\x1b[1m\tc");
    }

    #[test]
    fn stamps_pad_the_day_like_tinyproxy_and_glibc() {
        use chrono::TimeZone;
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 3, 5, 13, 36, 44)
            .unwrap()
            + chrono::Duration::milliseconds(457);
        assert_eq!(file_stamp(&t), "Mar 05 13:36:44.457");
        assert_eq!(syslog_stamp(&t), "Mar  5 13:36:44");
    }

    #[test]
    fn truncation_keeps_utf8() {
        let mut s = "é".repeat(500);
        truncate_at_char(&mut s, 799);
        assert_eq!(s.len(), 798);
    }
}
