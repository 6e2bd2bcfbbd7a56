//! The admin listener (`--admin ADDR:PORT`): `/livez`, `/readyz`,
//! `/metrics` and `/config` over plain HTTP/1.x. It is separate from the
//! proxy: no ACL, no BasicAuth, never proxies, logs nothing (probes must
//! not fill tinyproxy's log), and has its own small connection limit and
//! timeouts so a flood on it cannot take proxy capacity.

use crate::app::exit::StartError;
use crate::cli::Options;
use crate::log::Level;
use crate::log_msg;
use crate::ops::metrics;
use crate::proxy::generation::Shared;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// What `start` leaves running; dropping it stops the admin listener.
pub struct Running {
    admin: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = self.admin.take() {
            t.abort();
        }
    }
}

/// Start the ops side the command line asked for (access log writer, admin
/// listener) and mark the process ready. Called once the proxy listeners
/// are registered. Fails (after logging) when the access log cannot be
/// opened or the admin port cannot be bound.
pub fn start_ops(opts: &Options, shared: &Arc<Shared>) -> Result<Running, StartError> {
    let ops = &shared.ctx.ops;
    ops.metrics
        .set_max_clients(shared.current().config.max_clients);
    if let Some(spec) = &opts.access_log {
        if let Err(e) = ops.install_access_log(spec) {
            let what = spec
                .path
                .as_ref()
                .map_or("standard output".to_string(), |p| p.display().to_string());
            log_msg!(Level::Error, "cannot open the access log {}: {}", what, e);
            return Err(StartError::Os(format!(
                "tinyproxy: cannot open the access log {what}: {e}\n"
            )));
        }
    }
    let admin = match opts.admin {
        None => None,
        Some(addr) => match start(addr, Arc::clone(shared)) {
            Ok(t) => Some(t),
            Err(e) => {
                log_msg!(
                    Level::Error,
                    "cannot listen on the admin port {}: {}",
                    addr,
                    e
                );
                return Err(StartError::Os(format!(
                    "tinyproxy: cannot listen on the admin port {addr}: {e}\n"
                )));
            }
        },
    };
    ops.shutdown.set_ready();
    Ok(Running { admin })
}

/// Admin connections served at once. A new one beyond this closes the
/// oldest unfinished exchange: a real probe or scrape finishes in well
/// under a millisecond, so only a connection that sends nothing (or
/// trickles) is ever closed, and silent connections cannot keep the
/// kubelet's probes out (the pod would be restarted).
const MAX_CONNS: usize = 16;
/// The whole exchange (read the request, write the answer) must fit.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest request head read.
const MAX_HEAD: usize = 8 * 1024;

/// Bind `addr` and serve it on the current runtime.
pub fn start(
    addr: SocketAddr,
    shared: Arc<Shared>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let std_listener = crate::runtime::listen::bind_addr(addr)?;
    let listener = TcpListener::from_std(std_listener)?;
    Ok(tokio::spawn(serve(listener, shared)))
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    // Exchanges in accept order; finished ones are dropped on the next
    // accept, so this never holds more than MAX_CONNS.
    let mut live: VecDeque<AbortHandle> = VecDeque::with_capacity(MAX_CONNS);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        live.retain(|h| !h.is_finished());
        if live.len() >= MAX_CONNS {
            if let Some(oldest) = live.pop_front() {
                oldest.abort();
            }
        }
        let shared = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            let _ = tokio::time::timeout(EXCHANGE_TIMEOUT, exchange(stream, &shared)).await;
        });
        live.push_back(task.abort_handle());
    }
}

async fn exchange(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let head = read_head(&mut stream).await?;
    let answer = respond(&head, shared);
    stream.write_all(&answer).await?;
    stream.shutdown().await
}

/// Read up to the end of the request head (bounded).
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && !buf.windows(2).any(|w| w == b"\n\n") {
        if buf.len() >= MAX_HEAD {
            break;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

/// The full HTTP answer to a request head.
pub fn respond(head: &[u8], shared: &Shared) -> Vec<u8> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    let is_head = method == b"HEAD";
    if method != b"GET" && !is_head {
        return reply(405, "text/plain", b"method not allowed\n".to_vec(), is_head);
    }
    match path {
        b"/livez" => reply(200, "text/plain", b"ok\n".to_vec(), is_head),
        b"/readyz" if shared.ctx.ops.shutdown.is_ready() => {
            reply(200, "text/plain", b"ready\n".to_vec(), is_head)
        }
        b"/readyz" => reply(503, "text/plain", b"not ready\n".to_vec(), is_head),
        b"/metrics" => {
            let m = &shared.ctx.ops.metrics;
            m.set_max_clients(shared.current().config.max_clients);
            reply(200, metrics::CONTENT_TYPE, m.encode().into_bytes(), is_head)
        }
        b"/config" => {
            // tinyproxy.conf directives, secrets masked (config::render).
            let cfg = &shared.current().config;
            let text = crate::config::render::render(cfg, crate::config::render::Secrets::Masked);
            reply(200, "text/plain; charset=utf-8", text.into_bytes(), is_head)
        }
        _ => reply(404, "text/plain", b"not found\n".to_vec(), is_head),
    }
}

fn reply(code: u16, ctype: &str, body: Vec<u8>, head_only: bool) -> Vec<u8> {
    let reason = match code {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let mut out = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(&body);
    }
    out
}
