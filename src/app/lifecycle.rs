//! Start-up in tinyproxy's order (parse, filter, listen, detach, pid file,
//! privilege drop, log, signals, serve), reload on SIGHUP/SIGUSR1 (see
//! `reload`), and drain-then-exit on SIGTERM/SIGINT.
//!
//! The four lifecycle signals are blocked from the first instruction and
//! unblocked only once their handlers are installed: a signal sent while
//! the process starts (even between "port open" and "handlers set") is
//! held and then handled, never fatal.

use crate::app::daemon::{self, Detached, Ready};
use crate::app::exit::StartError;
use crate::app::load::{load_config, load_filter, unreadable_hint};
use crate::app::privs;
use crate::app::signals::{interruptible, mask_signals};
use crate::cli::Options;
use crate::config::{Config, Loaded};
use crate::filter::Filter;
use crate::log::Level;
use crate::log_msg;
use crate::proxy::context::Context;
use crate::proxy::generation::{Generation, Shared};
use crate::runtime::listen;
use futures_util::StreamExt;
use nix::sys::signal::SigmaskHow;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use std::sync::Arc;
use std::time::Duration;

/// How long tasks still running after the drain get to notice the
/// runtime is going away.
const RUNTIME_SHUTDOWN: Duration = Duration::from_millis(200);

/// argv[0], which tinyproxy puts in front of most of its stderr lines.
pub(crate) fn prog() -> String {
    std::env::args_os()
        .next()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tinyproxy".to_string())
}

/// Everything start-up has resolved before the process detaches.
struct Prepared {
    cfg: Arc<Config>,
    filter: Option<Arc<Filter>>,
    ids: privs::Ids,
    listeners: Vec<std::net::TcpListener>,
}

/// Run the proxy as `opts` says; returns the process exit status.
pub fn start(mut opts: Options) -> i32 {
    mask_signals(SigmaskHow::SIG_BLOCK);
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
    let prog = prog();
    let prepared = match prepare(&opts, &prog) {
        Ok(Some(p)) => p,
        Ok(None) => return 0,
        Err(e) => return fail(e),
    };
    // The daemon runs in "/": keep an absolute path so reloads find the
    // file (tinyproxy's reload fails after `-c relative.conf`).
    if let Ok(abs) = std::path::absolute(&opts.config) {
        opts.config = abs;
    }
    let mut ready = None;
    if !opts.foreground {
        let cfg = &prepared.cfg;
        if cfg.log_file.is_none() && !cfg.syslog {
            eprintln!("WARNING: logging deactivated (can't log to stdout when daemonized)");
        }
        match daemon::detach() {
            Ok(Detached::Launcher(code)) => return code,
            Ok(Detached::Daemon(r)) => ready = Some(r),
            Err(e) => {
                return fail(StartError::Os(format!(
                    "{prog}: Could not daemonize: {e}\n"
                )))
            }
        }
    }
    let code = run(prepared, opts, &prog, &mut ready);
    if let Some(r) = ready.take() {
        r.finish(code);
    }
    code
}

/// Print a start-up failure's text on stderr; its exit status.
fn fail(e: StartError) -> i32 {
    eprint!("{e}");
    e.exit_code()
}

/// `--check`: every warning with its line and the filter file's verdict
/// on stderr, then a one-line verdict; nothing is bound or started.
fn check_report(path: &std::path::Path, loaded: &Loaded) -> Result<(), StartError> {
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
    load_filter(&loaded.config.filter)?;
    println!("{}: configuration OK", path.display());
    Ok(())
}

/// Parse, load the filter, resolve User/Group, bind: everything whose
/// failure must reach the terminal. `None`: `--check` is done.
fn prepare(opts: &Options, prog: &str) -> Result<Option<Prepared>, StartError> {
    log_msg!(Level::Notice, "Initializing tinyproxy ...");
    log_msg!(
        Level::Notice,
        "Reloading config file ({})",
        opts.config.display()
    );
    let loaded = interruptible(|| load_config(&opts.config))
        .map_err(|e| StartError::Config(e.stderr_text() + &unreadable_hint(&opts.config)))?;
    log_msg!(Level::Notice, "Reloading config file finished");
    if opts.check {
        interruptible(|| check_report(&opts.config, &loaded))?;
        return Ok(None);
    }
    let cfg = Arc::new(loaded.config);
    let filter = interruptible(|| load_filter(&cfg.filter))?;
    let ids = privs::ids_for(&cfg.process, prog)?;
    let listeners = listen::bind_all(&cfg).map_err(|e| StartError::Os(format!("{prog}: {e}\n")))?;
    Ok(Some(Prepared {
        cfg,
        filter,
        ids,
        listeners,
    }))
}

/// Write the pid file. A daemon cannot start without it (as tinyproxy);
/// in the foreground (`-d`, the container case) nothing reads it, so a
/// failure is a WARNING with the reason and the start goes on.
fn pid_file(
    path: &std::path::Path,
    foreground: bool,
    prog: &str,
) -> Result<Option<daemon::PidFile>, StartError> {
    match daemon::write_pid_file(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) => {
            let why = crate::sys::strerror(&e);
            if foreground {
                log_msg!(
                    Level::Warning,
                    "Could not create PID file {}: {}; running without one (foreground).",
                    path.display(),
                    why
                );
                return Ok(None);
            }
            log_msg!(
                Level::Error,
                "Could not create PID file {}: {}",
                path.display(),
                why
            );
            Err(StartError::Os(format!(
                "tinyproxy: Could not create file {}: {why}\n{prog}: Could not create PID file.\n",
                path.display()
            )))
        }
    }
}

/// After the detach: pid file, privilege drop, log, runtime, serve.
fn run(p: Prepared, opts: Options, prog: &str, ready: &mut Option<Ready>) -> i32 {
    let _pid_file = match &p.cfg.process.pid_file {
        None => None,
        Some(path) => match pid_file(path, opts.foreground, prog) {
            Ok(f) => f,
            Err(e) => return fail(e),
        },
    };
    if let Err(e) = privs::drop_privileges(&p.ids, prog) {
        let text = e.to_string();
        eprint!("{text}");
        log_msg!(Level::Critical, "{}", text.trim_end());
        return e.exit_code();
    }
    // Created only now, so a new LogFile belongs to `User` (as tinyproxy).
    if let Err(e) = crate::log::configure(&*p.cfg, opts.foreground) {
        eprintln!("{prog}: {e}");
    }
    let runtime = match build_runtime() {
        Ok(r) => r,
        Err(e) => {
            return fail(StartError::Os(format!(
                "{prog}: cannot start the runtime: {e}\n"
            )))
        }
    };
    // The one runtime context of this process's proxy: counters, loop
    // table, ops state, handed down to every connection.
    let ctx = Arc::new(Context::new());
    let shared = Arc::new(Shared::new(
        Generation::new(Arc::clone(&p.cfg), p.filter),
        ctx,
    ));
    let code = match runtime.block_on(serve(p.listeners, shared, opts, ready)) {
        Ok(()) => 0,
        Err(e) => fail(e),
    };
    // Whatever the drain left running is cut here.
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    code
}

/// One core to run on (the CPU affinity mask, e.g. a pinned container or
/// `taskset`): a single-threaded runtime, which serves every connection on
/// the thread that blocks in `epoll_wait` (a multi-threaded runtime with one
/// worker still hands work between that worker and the main thread).
/// More cores: one worker per core, as tokio's default.
fn build_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut b = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    b.enable_all().build()
}

async fn serve(
    listeners: Vec<std::net::TcpListener>,
    shared: Arc<Shared>,
    opts: Options,
    ready: &mut Option<Ready>,
) -> Result<(), StartError> {
    let mut server = crate::runtime::Server::new(Arc::clone(&shared));
    for l in listeners {
        match tokio::net::TcpListener::from_std(l) {
            Ok(t) => server.add_listener(t),
            Err(e) => {
                log_msg!(Level::Error, "cannot register listener: {}", e);
                return Err(StartError::OsLogged);
            }
        }
    }
    log_msg!(Level::Info, "Setting the various signals.");
    let mut signals = match signal_hook_tokio::Signals::new([SIGHUP, SIGUSR1, SIGTERM, SIGINT]) {
        Ok(s) => s,
        Err(e) => {
            log_msg!(Level::Error, "cannot install signal handlers: {}", e);
            return Err(StartError::OsLogged);
        }
    };
    // block_on runs this future on the thread that blocked the signals.
    mask_signals(SigmaskHow::SIG_UNBLOCK);
    let mut watcher = if opts.watch_config {
        match crate::app::watch::watch(&opts.config) {
            Ok(rx) => Some(rx),
            Err(e) => {
                log_msg!(Level::Warning, "Cannot watch the config file: {}", e);
                None
            }
        }
    } else {
        None
    };
    // ops hook: admin listener, access log, readiness.
    let _ops = crate::app::admin::start_ops(&opts, &shared)?;
    log_msg!(Level::Info, "Starting main loop. Accepting connections.");
    if let Some(r) = ready.take() {
        r.finish(0);
    }
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
        let ok = crate::app::reload::reload(&shared, &opts.config, opts.foreground);
        let max_clients = shared.current().config.max_clients;
        if crate::ops::hooks::reloaded(&shared.ctx.ops, ok, max_clients) {
            server.apply(&shared.current().config).await;
        }
    }
    log_msg!(Level::Notice, "Shutting down.");
    // ops hook: not ready at once, keep accepting for --shutdown-delay.
    let delay = Duration::from_secs(opts.shutdown_delay_secs);
    let shutdown = &shared.ctx.ops.shutdown;
    if !shutdown.delay(delay, &mut signals).await {
        return Ok(());
    }
    server.stop_accepting().await;
    shutdown.close_idle(); // ops hook: idle kept connections close now
    drain(&server, Duration::from_secs(opts.grace_secs), &mut signals).await;
    Ok(())
}

/// Wait until every connection has ended, the grace time is over, or a
/// second SIGTERM/SIGINT arrives; log how it ended.
async fn drain(
    server: &crate::runtime::Server,
    grace: Duration,
    signals: &mut signal_hook_tokio::Signals,
) {
    let open = server.open_connections();
    log_msg!(Level::Info, "trying to bring down {} threads...", open);
    if open == 0 {
        log_msg!(Level::Notice, "Drain finished: no connection cut.");
        return;
    }
    log_msg!(
        Level::Notice,
        "Draining {} connections for up to {} s (a second signal ends at once).",
        open,
        grace.as_secs()
    );
    let why = tokio::select! {
        _ = server.all_closed() => "",
        _ = tokio::time::sleep(grace) => " (grace time over)",
        _ = crate::ops::shutdown::second_signal(signals) => " (second signal)",
    };
    match server.open_connections() {
        0 => log_msg!(Level::Notice, "Drain finished: no connection cut."),
        left => log_msg!(
            Level::Notice,
            "Drain ended{}: {} connections cut.",
            why,
            left
        ),
    }
}
