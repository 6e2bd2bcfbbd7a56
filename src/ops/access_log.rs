//! The access log: one line per request or tunnel when it ends, as JSON or
//! logfmt, on stdout or in a file. Lines go through a bounded queue to a
//! writer thread, so a slow disk or pipe never stalls the proxy: when the
//! queue is full the line is dropped and counted
//! (`tinyproxy_access_log_dropped_lines_total`).

use super::entry::{Kind, Record};
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};

/// Lines that may wait for the writer.
const QUEUE: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Logfmt,
}

/// `--access-log FORMAT[:PATH]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub format: Format,
    /// `None`: standard output.
    pub path: Option<PathBuf>,
}

impl Spec {
    /// Parse `json`, `logfmt`, `json:/var/log/x.log` (`-` is stdout).
    pub fn parse(s: &str) -> Option<Spec> {
        let (fmt, path) = match s.split_once(':') {
            Some((f, p)) => (f, Some(p)),
            None => (s, None),
        };
        let format = match fmt {
            "json" => Format::Json,
            "logfmt" => Format::Logfmt,
            _ => return None,
        };
        let path = match path {
            None | Some("-") => None,
            Some("") => return None,
            // The daemon runs in "/": resolve a relative path now.
            Some(p) => Some(std::path::absolute(p).unwrap_or_else(|_| PathBuf::from(p))),
        };
        Some(Spec { format, path })
    }
}

/// An open access log: the queue to its writer thread (held by the
/// instance's `ops::state::Ops`).
pub struct Sink {
    format: Format,
    tx: SyncSender<String>,
}

/// Open the destination and start the writer thread.
pub fn open(spec: &Spec) -> std::io::Result<Sink> {
    let out: Box<dyn Write + Send> = match &spec.path {
        None => Box::new(std::io::stdout()),
        Some(p) => Box::new(open_file(p)?),
    };
    let (tx, rx) = sync_channel::<String>(QUEUE);
    std::thread::Builder::new()
        .name("access-log".into())
        .spawn(move || {
            let mut out = std::io::BufWriter::new(out);
            while let Ok(line) = rx.recv() {
                let _ = out.write_all(line.as_bytes());
                // Batch what is queued, flush when caught up.
                while let Ok(more) = rx.try_recv() {
                    let _ = out.write_all(more.as_bytes());
                }
                let _ = out.flush();
            }
        })?;
    Ok(Sink {
        format: spec.format,
        tx,
    })
}

/// Open `path` for appending without waiting: a FIFO with no reader
/// fails at once (ENXIO) instead of holding start-up until one comes.
/// The writer thread then writes in blocking mode: waiting is its job.
fn open_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let fd = file.as_raw_fd();
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags - OFlag::O_NONBLOCK))?;
    Ok(file)
}

impl Sink {
    /// Queue the line for `rec`; `false` when it was dropped because the
    /// writer fell behind (the caller counts it).
    pub fn write(&self, rec: &Record) -> bool {
        let line = format_line(self.format, rec, chrono::Utc::now());
        !matches!(self.tx.try_send(line), Err(TrySendError::Full(_)))
    }
}

/// The fields of a line, in order.
fn fields(rec: &Record) -> Vec<(&'static str, Value)> {
    use Value::{Num, Str};
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Str);
    vec![
        ("client", Str(rec.client.to_string())),
        ("user", opt(&rec.user)),
        ("method", opt(&rec.method)),
        ("host", opt(&rec.host)),
        (
            "port",
            if rec.port == 0 {
                Value::Null
            } else {
                Num(rec.port.into())
            },
        ),
        (
            "resolved",
            rec.resolved.map_or(Value::Null, |a| Str(a.to_string())),
        ),
        ("route", opt(&rec.route)),
        ("status", rec.status.map_or(Value::Null, |s| Num(s.into()))),
        ("bytes_in", Num(rec.bytes_in)),
        ("bytes_out", Num(rec.bytes_out)),
        ("duration_ms", Num(rec.duration().as_millis() as u64)),
        (
            "kind",
            Str(match rec.kind {
                Kind::Forward => "forward".into(),
                Kind::Tunnel => "tunnel".into(),
            }),
        ),
        ("close", Str(rec.close.into())),
    ]
}

enum Value {
    Str(String),
    Num(u64),
    Null,
}

/// One line (with its newline) for `rec`, ended at `now`.
pub fn format_line(format: Format, rec: &Record, now: chrono::DateTime<chrono::Utc>) -> String {
    let time = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut out = String::with_capacity(256);
    match format {
        Format::Json => {
            out.push_str("{\"time\":\"");
            out.push_str(&time);
            out.push('"');
            for (k, v) in fields(rec) {
                out.push_str(",\"");
                out.push_str(k);
                out.push_str("\":");
                match v {
                    Value::Str(s) => json_str(&mut out, &s),
                    Value::Num(n) => out.push_str(&n.to_string()),
                    Value::Null => out.push_str("null"),
                }
            }
            out.push('}');
        }
        Format::Logfmt => {
            out.push_str("time=");
            out.push_str(&time);
            for (k, v) in fields(rec) {
                out.push(' ');
                out.push_str(k);
                out.push('=');
                match v {
                    Value::Str(s) => logfmt_str(&mut out, &s),
                    Value::Num(n) => out.push_str(&n.to_string()),
                    Value::Null => {}
                }
            }
        }
    }
    out.push('\n');
    out
}

/// A JSON string literal; control characters escaped as `\uXXXX`.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A logfmt value: bare when safe, else quoted with JSON-style escapes.
fn logfmt_str(out: &mut String, s: &str) {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '=' && c != '\\');
    if bare {
        out.push_str(s);
    } else {
        json_str(out, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> Record {
        let mut r = super::super::record::tests_record();
        r.method = Some("GET".into());
        r.host = Some("ex\"ample\n.com".into());
        r.port = 80;
        r.status = Some(200);
        r.user = Some("alice smith".into());
        r
    }

    #[test]
    fn spec_forms() {
        assert_eq!(Spec::parse("json").map(|s| s.format), Some(Format::Json));
        let s = Spec::parse("logfmt:/tmp/a.log").expect("spec");
        assert_eq!(s.path, Some(PathBuf::from("/tmp/a.log")));
        assert_eq!(Spec::parse("json:-").and_then(|s| s.path), None);
        assert!(Spec::parse("xml").is_none());
        assert!(Spec::parse("json:").is_none());
    }

    #[test]
    fn lines_escape_hostile_values() {
        let now = chrono::DateTime::from_timestamp(0, 0).expect("time");
        let j = format_line(Format::Json, &rec(), now);
        assert!(
            j.starts_with("{\"time\":\"1970-01-01T00:00:00.000Z\""),
            "{j}"
        );
        assert!(j.contains("\"host\":\"ex\\\"ample\\u000a.com\""), "{j}");
        assert!(j.contains("\"resolved\":null"), "{j}");
        assert_eq!(j.matches('\n').count(), 1);
        let l = format_line(Format::Logfmt, &rec(), now);
        assert!(l.contains(" user=\"alice smith\" method=GET "), "{l}");
        assert!(l.contains(" resolved= "), "{l}");
        assert_eq!(l.matches('\n').count(), 1);
    }
}
