//! Command line: tinyproxy's `-d -c FILE -v -h` (getopt semantics, so
//! `-dc FILE` and `-cFILE` work) plus our long options.

use std::path::PathBuf;

/// tinyproxy's compiled-in default configuration path (Debian's).
pub const DEFAULT_CONFIG: &str = "/etc/tinyproxy/tinyproxy.conf";
/// Exit status for usage errors (EX_USAGE).
pub const EX_USAGE: i32 = 64;

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub foreground: bool,
    pub config: PathBuf,
    /// `--check`: parse the config, report, exit (beyond tinyproxy).
    pub check: bool,
    /// `--watch-config`: reload when the config file's directory changes.
    pub watch_config: bool,
    /// `--grace SECS`: how long SIGTERM waits for open connections.
    pub grace_secs: u64,
    /// `--admin ADDR:PORT`: health probes and metrics (see `ops`).
    pub admin: Option<std::net::SocketAddr>,
    /// `--access-log FORMAT[:PATH]`: one line per request.
    pub access_log: Option<crate::ops::access_log::Spec>,
    /// `--shutdown-delay SECS`: keep accepting this long after SIGTERM.
    pub shutdown_delay_secs: u64,
}

/// The outcome of parsing the command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(Options),
    /// Print this to stdout and exit 0 (`-v`, `-h`).
    Print(String),
    /// Print the message to stderr, the usage to stdout, exit 64.
    Usage(String),
}

/// Default drain time on SIGTERM, in seconds.
pub const DEFAULT_GRACE_SECS: u64 = 10;

/// Parse `args` (without `argv[0]`); `prog` is used in getopt-style errors.
pub fn parse(prog: &str, args: &[String]) -> Command {
    let mut o = Options {
        foreground: false,
        config: PathBuf::from(DEFAULT_CONFIG),
        check: false,
        watch_config: false,
        grace_secs: DEFAULT_GRACE_SECS,
        admin: None,
        access_log: None,
        shutdown_delay_secs: 0,
    };
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        match arg.as_str() {
            "--" => break,
            "--check" => o.check = true,
            "--watch-config" => o.watch_config = true,
            "--help" => return Command::Print(usage()),
            "--version" => return Command::Print(version()),
            "--grace" => match args.get(i).and_then(|v| v.parse().ok()) {
                Some(v) => {
                    o.grace_secs = v;
                    i += 1;
                }
                None => return grace_usage(prog),
            },
            long if long.starts_with("--grace=") => match long["--grace=".len()..].parse() {
                Ok(v) => o.grace_secs = v,
                Err(_) => return grace_usage(prog),
            },
            long if is_ops_option(long) => {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => {
                        i += 1;
                        (long, args.get(i - 1).cloned())
                    }
                };
                if let Err(msg) = ops_option(&mut o, name, value.as_deref()) {
                    return Command::Usage(format!("{prog}: {msg}"));
                }
            }
            long if long.starts_with("--") => {
                return Command::Usage(format!("{prog}: unrecognized option '{long}'"))
            }
            short if short.starts_with('-') && short.len() > 1 => {
                if let Some(done) = short_options(prog, &mut o, &short[1..], args, &mut i) {
                    return done;
                }
            }
            // getopt stops at the first non-option; tinyproxy ignores the rest.
            _ => break,
        }
    }
    Command::Run(o)
}

/// One getopt cluster of short options without its `-` (`dc` of `-dc
/// FILE`, `cFILE`): `-c` takes the rest of the cluster, or else the next
/// argument (`i` moves past it). `Some`: parsing ends with this outcome.
fn short_options(
    prog: &str,
    o: &mut Options,
    cluster: &str,
    args: &[String],
    i: &mut usize,
) -> Option<Command> {
    let chars: Vec<char> = cluster.chars().collect();
    for (k, c) in chars.iter().enumerate() {
        match c {
            'd' => o.foreground = true,
            'v' => return Some(Command::Print(version())),
            'h' => return Some(Command::Print(usage())),
            'c' => {
                let rest: String = chars[k + 1..].iter().collect();
                if !rest.is_empty() {
                    o.config = PathBuf::from(rest);
                } else if let Some(v) = args.get(*i) {
                    o.config = PathBuf::from(v);
                    *i += 1;
                } else {
                    return Some(Command::Usage(format!(
                        "{prog}: option requires an argument -- 'c'"
                    )));
                }
                return None;
            }
            other => {
                return Some(Command::Usage(format!(
                    "{prog}: invalid option -- '{other}'"
                )))
            }
        }
    }
    None
}

/// The options of the admin listener, access log and shutdown delay.
const OPS_OPTIONS: [&str; 3] = ["--admin", "--access-log", "--shutdown-delay"];

fn is_ops_option(arg: &str) -> bool {
    let name = arg.split_once('=').map_or(arg, |(n, _)| n);
    OPS_OPTIONS.contains(&name)
}

/// Apply one of [`OPS_OPTIONS`] with its value.
fn ops_option(o: &mut Options, name: &str, value: Option<&str>) -> Result<(), String> {
    let Some(v) = value else {
        return Err(format!("{name} needs a value"));
    };
    match name {
        "--admin" => {
            o.admin = Some(
                v.parse()
                    .map_err(|_| format!("--admin needs ADDR:PORT, not '{v}'"))?,
            )
        }
        "--access-log" => {
            o.access_log =
                Some(crate::ops::access_log::Spec::parse(v).ok_or_else(|| {
                    format!("--access-log needs json or logfmt[:PATH], not '{v}'")
                })?)
        }
        _ => {
            o.shutdown_delay_secs = v
                .parse()
                .map_err(|_| "--shutdown-delay needs a number of seconds".to_string())?
        }
    }
    Ok(())
}

fn grace_usage(prog: &str) -> Command {
    Command::Usage(format!("{prog}: --grace needs a number of seconds"))
}

/// The `-v` line: the tinyproxy version we behave as, then our own.
pub fn version() -> String {
    format!(
        "tinyproxy {} (tinyproxy-rs {})\n",
        crate::TINYPROXY_VERSION,
        env!("CARGO_PKG_VERSION")
    )
}

/// The `-h` text (our wording; the feature names are tinyproxy's).
pub fn usage() -> String {
    "Usage: tinyproxy [options]\n\
     \n\
     Options are:\n\
     \x20 -d              Stay in the foreground (do not daemonize).\n\
     \x20 -c FILE         Read the configuration from FILE\n\
     \x20                 (default /etc/tinyproxy/tinyproxy.conf).\n\
     \x20 -h              Show this help and exit.\n\
     \x20 -v              Show the version and exit.\n\
     \x20 --check         Check the configuration, print every problem, exit.\n\
     \x20 --watch-config  Reload when the configuration file changes.\n\
     \x20 --grace SECS    On SIGTERM, wait up to SECS for open connections (10).\n\
     \x20 --admin ADDR:PORT  Serve /livez, /readyz, /metrics, /config there.\n\
     \x20 --access-log json|logfmt[:PATH]  One line per request (stdout).\n\
     \x20 --shutdown-delay SECS  After SIGTERM, keep accepting for SECS (0).\n\
     \n\
     Features compiled in:\n\
     \x20   XTinyproxy header\n\
     \x20   Filtering\n\
     \x20   Transparent proxy support\n\
     \x20   Reverse proxy support\n\
     \x20   Upstream proxy support\n\
     \n\
     tinyproxy-rs: a memory-safe drop-in replacement for tinyproxy.\n"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Command {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse("tinyproxy", &v)
    }

    #[test]
    fn getopt_forms() {
        let Command::Run(o) = p(&["-dc", "/x.conf"]) else {
            panic!()
        };
        assert!(o.foreground);
        assert_eq!(o.config, PathBuf::from("/x.conf"));
        let Command::Run(o) = p(&["-c/y.conf", "--check"]) else {
            panic!()
        };
        assert_eq!(o.config, PathBuf::from("/y.conf"));
        assert!(o.check && !o.foreground);
        assert_eq!(
            p(&["-x"]),
            Command::Usage("tinyproxy: invalid option -- 'x'".into())
        );
        assert_eq!(
            p(&["-c"]),
            Command::Usage("tinyproxy: option requires an argument -- 'c'".into())
        );
        assert!(matches!(p(&["-v", "-x"]), Command::Print(v) if v.starts_with("tinyproxy 1.11")));
    }

    #[test]
    fn long_options() {
        let Command::Run(o) = p(&["--grace", "3", "--watch-config", "-d"]) else {
            panic!()
        };
        assert_eq!(
            (o.grace_secs, o.watch_config, o.foreground),
            (3, true, true)
        );
        let Command::Run(o) = p(&["--grace=7"]) else {
            panic!()
        };
        assert_eq!(o.grace_secs, 7);
        assert_eq!(
            p(&["--grace=x"]),
            Command::Usage("tinyproxy: --grace needs a number of seconds".into())
        );
        assert_eq!(
            p(&["--grace"]),
            Command::Usage("tinyproxy: --grace needs a number of seconds".into())
        );
        assert_eq!(
            p(&["--frobnicate"]),
            Command::Usage("tinyproxy: unrecognized option '--frobnicate'".into())
        );
    }

    #[test]
    fn ops_options() {
        let Command::Run(o) = p(&[
            "--admin",
            "127.0.0.1:9000",
            "--access-log=logfmt:/tmp/a.log",
            "--shutdown-delay",
            "5",
        ]) else {
            panic!()
        };
        assert_eq!(o.admin, Some("127.0.0.1:9000".parse().expect("addr")));
        assert_eq!(o.shutdown_delay_secs, 5);
        assert!(o.access_log.is_some());
        assert!(
            matches!(p(&["--admin", "localhost"]), Command::Usage(m) if m.contains("ADDR:PORT"))
        );
        assert!(matches!(p(&["--access-log", "xml"]), Command::Usage(m) if m.contains("json")));
        assert!(matches!(p(&["--shutdown-delay"]), Command::Usage(m) if m.contains("value")));
    }
}
