//! Start-up in tinyproxy's order (parse, filter, listen, log, signals,
//! serve), reload on SIGHUP/SIGUSR1, and drain-then-exit on SIGTERM/SIGINT.

use super::state::{Generation, Shared};
use super::{daemon, listen};
use crate::cli::Options;
use crate::config::{self, Config, Loaded};
use crate::filter::Filter;
use crate::log::Level;
use crate::log_msg;
use futures_util::StreamExt;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use std::sync::Arc;
use std::time::Duration;

/// Exit statuses tinyproxy uses (sysexits.h).
pub const EX_DATAERR: i32 = 65;
pub const EX_OSERR: i32 = 71;

/// Parse the config file with tinyproxy's log lines around it; on failure
/// print tinyproxy's stderr text and return the exit status.
pub fn load_config(path: &std::path::Path) -> Result<Loaded, (i32, String)> {
    match config::load(path) {
        Ok(loaded) => {
            for d in loaded.diagnostics.iter().filter(|d| d.to_stderr) {
                eprintln!("{}", d.message);
            }
            for d in loaded.logged(crate::config::LogLevel::Info) {
                crate::log::log(d.level, format_args!("{}", d.message));
            }
            Ok(loaded)
        }
        Err(e) => Err((e.exit_code(), e.stderr_text())),
    }
}

/// Load the filter file the config names (if any).
pub fn load_filter(cfg: &Config) -> Result<Option<Arc<Filter>>, (i32, String)> {
    match Filter::load(&cfg.filter) {
        Ok(f) => Ok(f.map(Arc::new)),
        Err(e) => Err((e.exit_code(), e.stderr_text())),
    }
}

/// `--check`: every warning with its line, the filter file too, then a
/// one-line verdict; nothing is bound or started.
fn check_report(path: &std::path::Path, loaded: &Loaded) -> i32 {
    for d in loaded.diagnostics.iter().filter(|d| !d.to_stderr) {
        if matches!(d.level, Level::Critical | Level::Error | Level::Warning) {
            eprintln!(
                "{}:{}: {}: {}",
                path.display(),
                d.line,
                d.level.name(),
                d.message
            );
        }
    }
    if let Err((code, text)) = load_filter(&loaded.config) {
        eprint!("{text}");
        return code;
    }
    println!("{}: configuration OK", path.display());
    0
}

/// Run the proxy as `opts` says; returns the process exit status.
pub fn start(opts: Options) -> i32 {
    log_msg!(Level::Notice, "Initializing tinyproxy ...");
    log_msg!(
        Level::Notice,
        "Reloading config file ({})",
        opts.config.display()
    );
    let loaded = match load_config(&opts.config) {
        Ok(l) => {
            log_msg!(Level::Notice, "Reloading config file finished");
            l
        }
        Err((code, text)) => {
            eprint!("{text}");
            return code;
        }
    };
    if opts.check {
        return check_report(&opts.config, &loaded);
    }
    let cfg = Arc::new(loaded.config);
    let filter = match load_filter(&cfg) {
        Ok(f) => f,
        Err((code, text)) => {
            eprint!("{text}");
            return code;
        }
    };
    let ids = match daemon::resolve_ids(&cfg) {
        Ok(ids) => ids,
        Err((code, text)) => {
            eprint!("{text}");
            return code;
        }
    };
    let listeners = match listen::bind_all(&cfg) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tinyproxy: {e}");
            return EX_OSERR;
        }
    };
    // The daemon runs in "/": keep an absolute path so reloads find the file.
    let mut opts = opts;
    if let Ok(abs) = std::path::absolute(&opts.config) {
        opts.config = abs;
    }
    if !opts.foreground {
        if cfg.log_file.is_none() && !cfg.syslog {
            eprintln!("WARNING: logging deactivated (can't log to stdout when daemonized)");
        }
        if let Err(e) = daemon::detach() {
            eprintln!("tinyproxy: Could not daemonize: {e}");
            return EX_OSERR;
        }
    }
    let _pid_file = match &cfg.pid_file {
        None => None,
        Some(path) => match daemon::write_pid_file(path) {
            Ok(p) => Some(p),
            Err(e) => {
                log_msg!(
                    Level::Error,
                    "Could not create PID file {}: {}",
                    path.display(),
                    e
                );
                eprintln!("tinyproxy: Could not create PID file.");
                return EX_OSERR;
            }
        },
    };
    if let Err((code, text)) = daemon::drop_privileges(&ids) {
        eprint!("{text}");
        log_msg!(Level::Critical, "{}", text.trim_end());
        return code;
    }
    if let Err(e) = crate::log::configure(&cfg, opts.foreground) {
        eprintln!("tinyproxy: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tinyproxy: cannot start the runtime: {e}");
            return EX_OSERR;
        }
    };
    let shared = Arc::new(Shared::new(Generation {
        config: Arc::clone(&cfg),
        filter,
    }));
    runtime.block_on(serve(listeners, shared, opts))
}

async fn serve(listeners: Vec<std::net::TcpListener>, shared: Arc<Shared>, opts: Options) -> i32 {
    let mut server = super::Server::new(Arc::clone(&shared));
    for l in listeners {
        match tokio::net::TcpListener::from_std(l) {
            Ok(t) => server.add_listener(t),
            Err(e) => {
                log_msg!(Level::Error, "cannot register listener: {}", e);
                return EX_OSERR;
            }
        }
    }
    log_msg!(Level::Info, "Setting the various signals.");
    let mut signals = match signal_hook_tokio::Signals::new([SIGHUP, SIGUSR1, SIGTERM, SIGINT]) {
        Ok(s) => s,
        Err(e) => {
            log_msg!(Level::Error, "cannot install signal handlers: {}", e);
            return EX_OSERR;
        }
    };
    let mut watcher = if opts.watch_config {
        match super::watch::watch(&opts.config) {
            Ok(rx) => Some(rx),
            Err(e) => {
                log_msg!(Level::Warning, "Cannot watch the config file: {}", e);
                None
            }
        }
    } else {
        None
    };
    log_msg!(Level::Info, "Starting main loop. Accepting connections.");
    loop {
        let changed = async {
            match watcher.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        let do_reload = tokio::select! {
            sig = signals.next() => matches!(sig, Some(SIGHUP) | Some(SIGUSR1)),
            Some(()) = changed => true,
        };
        if !do_reload {
            break;
        }
        if reload(&shared, &opts.config, opts.foreground) {
            server.apply(&shared.current().config);
        }
    }
    log_msg!(Level::Notice, "Shutting down.");
    server.stop_accepting();
    drain(&server, Duration::from_secs(opts.grace_secs), &mut signals).await;
    0
}

/// Wait until every connection has ended, the grace time is over, or a
/// second signal arrives.
async fn drain(server: &super::Server, grace: Duration, signals: &mut signal_hook_tokio::Signals) {
    log_msg!(
        Level::Info,
        "trying to bring down {} threads...",
        server.open_connections()
    );
    let second = async {
        while let Some(sig) = signals.next().await {
            if sig == SIGTERM || sig == SIGINT {
                return;
            }
        }
    };
    tokio::select! {
        _ = server.all_closed() => {}
        _ = tokio::time::sleep(grace) => {}
        _ = second => {}
    }
    let left = server.open_connections();
    if left > 0 {
        log_msg!(Level::Notice, "Drain ended with {} connections cut.", left);
    } else {
        log_msg!(Level::Notice, "Drain finished: no connection cut.");
    }
}

/// Re-read the config; on any failure keep serving with the old one.
/// Returns whether the new config is now in force.
pub fn reload(shared: &Shared, path: &std::path::Path, foreground: bool) -> bool {
    log_msg!(Level::Notice, "Reloading config file ({})", path.display());
    // Parse messages are held back and replayed once the new destination
    // is open (tinyproxy's "sending stored logs" bracket).
    crate::log::suspend();
    let loaded = match load_config(path) {
        Ok(l) => l,
        Err((_, text)) => {
            crate::log::reopen();
            eprint!("{text}");
            for line in text.lines() {
                log_msg!(Level::Error, "{}", line);
            }
            log_msg!(Level::Warning, "Reloading config file failed!");
            return false;
        }
    };
    let cfg = Arc::new(loaded.config);
    if cfg.filter.file.is_some() {
        log_msg!(Level::Notice, "Re-reading filter file.");
    }
    let filter = match load_filter(&cfg) {
        Ok(f) => f,
        Err((_, text)) => {
            crate::log::reopen();
            log_msg!(Level::Error, "{}", text.trim_end());
            log_msg!(Level::Warning, "Reloading config file failed!");
            return false;
        }
    };
    let old = shared.current();
    if let Err(e) = crate::log::configure(&cfg, foreground) {
        log_msg!(Level::Error, "{}", e);
    }
    log_changes(&old.config, &cfg);
    shared.replace(Generation {
        config: cfg,
        filter,
    });
    log_msg!(Level::Notice, "Reloading config file finished");
    true
}

/// Say which settings a reload changed (beyond tinyproxy).
fn log_changes(old: &Config, new: &Config) {
    let mut changed = Vec::new();
    macro_rules! cmp {
        ($($field:ident),*) => {
            $(if old.$field != new.$field { changed.push(stringify!($field)); })*
        };
    }
    cmp!(
        port,
        listen,
        bind,
        bind_same,
        timeout,
        error_files,
        default_error_file,
        stat_host,
        stat_file,
        log_file,
        syslog,
        log_level,
        xtinyproxy,
        upstreams,
        max_clients,
        acl,
        basic_auth,
        basic_auth_realm,
        add_headers,
        via_proxy_name,
        disable_via_header,
        filter,
        anonymous,
        connect_ports,
        reverse_paths,
        reverse_only,
        reverse_magic,
        reverse_base_url
    );
    if old.user != new.user || old.group != new.group || old.pid_file != new.pid_file {
        log_msg!(
            Level::Warning,
            "User, Group and PidFile changes need a restart; they were not applied."
        );
    }
    if changed.is_empty() {
        log_msg!(Level::Info, "Reload changed no setting.");
    } else {
        log_msg!(Level::Info, "Reload changed: {}", changed.join(", "));
    }
}
