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

/// Parse `args` (without argv[0]); `prog` is used in getopt-style errors.
pub fn parse(prog: &str, args: &[String]) -> Command {
    let mut o = Options {
        foreground: false,
        config: PathBuf::from(DEFAULT_CONFIG),
        check: false,
        watch_config: false,
        grace_secs: DEFAULT_GRACE_SECS,
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
            long if long.starts_with("--") => {
                return Command::Usage(format!("{prog}: unrecognized option '{long}'"))
            }
            short if short.starts_with('-') && short.len() > 1 => {
                let chars: Vec<char> = short[1..].chars().collect();
                let mut k = 0;
                while k < chars.len() {
                    match chars[k] {
                        'd' => o.foreground = true,
                        'v' => return Command::Print(version()),
                        'h' => return Command::Print(usage()),
                        'c' => {
                            let rest: String = chars[k + 1..].iter().collect();
                            if !rest.is_empty() {
                                o.config = PathBuf::from(rest);
                            } else if let Some(v) = args.get(i) {
                                o.config = PathBuf::from(v);
                                i += 1;
                            } else {
                                return Command::Usage(format!(
                                    "{prog}: option requires an argument -- 'c'"
                                ));
                            }
                            break;
                        }
                        other => {
                            return Command::Usage(format!("{prog}: invalid option -- '{other}'"))
                        }
                    }
                    k += 1;
                }
            }
            // getopt stops at the first non-option; tinyproxy ignores the rest.
            _ => break,
        }
    }
    Command::Run(o)
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
}
