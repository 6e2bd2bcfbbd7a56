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
            for d in &loaded.diagnostics {
                if d.to_stderr {
                    eprintln!("{}", d.message);
                } else {
                    crate::log::log(d.level, format_args!("{}", d.message));
                }
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
    let cfg = Arc::new(loaded.config);
    if opts.check {
        return 0;
    }
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
    let mut tokio_listeners = Vec::new();
    for l in listeners {
        match tokio::net::TcpListener::from_std(l) {
            Ok(t) => tokio_listeners.push(t),
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
    let max = shared.current().config.max_clients as usize;
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
    let shutdown = {
        let shared = Arc::clone(&shared);
        let path = opts.config.clone();
        let signals = &mut signals;
        async move {
            loop {
                let changed = async {
                    match watcher.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    sig = signals.next() => match sig {
                        Some(SIGHUP) | Some(SIGUSR1) => reload(&shared, &path, opts.foreground),
                        _ => return,
                    },
                    Some(()) = changed => reload(&shared, &path, opts.foreground),
                }
            }
        }
    };
    let limit = super::run(tokio_listeners, Arc::clone(&shared), shutdown).await;
    log_msg!(Level::Notice, "Shutting down.");
    drain(
        &limit,
        max,
        Duration::from_secs(opts.grace_secs),
        &mut signals,
    )
    .await;
    0
}

/// Wait until every connection has ended, the grace time is over, or a
/// second signal arrives.
async fn drain(
    limit: &tokio::sync::Semaphore,
    max: usize,
    grace: Duration,
    signals: &mut signal_hook_tokio::Signals,
) {
    let open = max.saturating_sub(limit.available_permits());
    log_msg!(Level::Info, "trying to bring down {} threads...", open);
    let all_done = async {
        if max > 0 {
            let _ = limit.acquire_many(max as u32).await;
        }
    };
    let second = async {
        while let Some(sig) = signals.next().await {
            if sig == SIGTERM || sig == SIGINT {
                return;
            }
        }
    };
    tokio::select! {
        _ = all_done => {}
        _ = tokio::time::sleep(grace) => {}
        _ = second => {}
    }
    let left = max.saturating_sub(limit.available_permits());
    if left > 0 {
        log_msg!(Level::Notice, "Drain ended with {} connections cut.", left);
    }
}

/// Re-read the config; on any failure keep serving with the old one.
pub fn reload(shared: &Shared, path: &std::path::Path, foreground: bool) {
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
            return;
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
            return;
        }
    };
    if let Err(e) = crate::log::configure(&cfg, foreground) {
        log_msg!(Level::Error, "{}", e);
    }
    log_msg!(Level::Notice, "Reloading config file finished");
    shared.replace(Generation {
        config: cfg,
        filter,
    });
}
