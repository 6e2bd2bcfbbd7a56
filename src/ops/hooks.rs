//! The calls the proxy's code makes into `ops`, each one line at the
//! place where the fact is decided (status sent, route chosen, bytes
//! moved). They only record; none changes what the proxy does. They
//! record into the ops state of the task they run in (see
//! [`super::state`]): outside a proxy task, nothing.

use super::labels;
use super::metrics::{KindLabel, Metrics, ReasonLabel, ResultLabel, RouteLabel};
use super::record::{self, Kind};
use super::state::{self, Ops};
use crate::config::{UpstreamKind, UpstreamProxy};
use crate::pages::ErrorKind;
use std::future::Future;
use std::time::Instant;

/// Update the current task's metrics.
fn metrics<R>(f: impl FnOnce(&Metrics) -> R) {
    state::with(|ops| f(&ops.metrics));
}

/// An error page is sent: its status, and the denial reason if it is one.
pub fn error_page(kind: ErrorKind) {
    record::with(|r| r.status = Some(kind.code()));
    if let Some(reason) = labels::denial_reason(kind) {
        denied(reason);
    }
}

/// Count a denial (reasons from `labels`).
pub fn denied(reason: &'static str) {
    metrics(|m| m.denials.get_or_create(&ReasonLabel { reason }).inc());
}

/// The request head is read: its method, and the BasicAuth user name
/// the client gives (never the password).
pub fn request_head(method: &str, proxy_auth: Option<&[u8]>) {
    let user = proxy_auth.and_then(basic_user);
    record::with(|r| {
        r.method = Some(method.to_string());
        r.user = user;
    });
}

/// The user name of a `Basic` credential.
fn basic_user(value: &[u8]) -> Option<String> {
    use base64::Engine;
    let text = std::str::from_utf8(value).ok()?.trim();
    let (scheme, b64) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let end = raw.iter().position(|&b| b == b':').unwrap_or(raw.len());
    Some(String::from_utf8_lossy(&raw[..end]).into_owned())
}

/// The request's target.
pub fn target(host: &str, port: u16) {
    record::with(|r| {
        r.host = Some(host.to_string());
        r.port = port;
    });
}

/// The route chosen for an outgoing connection.
pub fn route(proxy: Option<&UpstreamProxy>) {
    let label = match proxy.map(|p| p.kind) {
        None => "direct",
        Some(UpstreamKind::Http) => "http",
        Some(UpstreamKind::Socks4) => "socks4",
        Some(UpstreamKind::Socks5) => "socks5",
    };
    metrics(|m| {
        m.upstream_requests
            .get_or_create(&RouteLabel { route: label })
            .inc();
    });
    let text = match proxy {
        None => "direct".to_string(),
        Some(p) => format!("{}:{}:{}", label, p.host, p.port),
    };
    record::with(|r| r.route = Some(text));
}

/// The origin connection is open: the address it reached (known to the
/// caller, so no `getpeername` per connection).
pub fn connected(peer: std::net::SocketAddr) {
    record::with(|r| r.resolved = Some(peer));
}

/// An outgoing connection failed, by kind (`labels::FAIL_*`).
pub fn upstream_failed(kind: &'static str) {
    metrics(|m| m.upstream_failures.get_or_create(&KindLabel { kind }).inc());
}

/// The status sent to the client (forwarded or a tunnel's answer).
pub fn response(code: u16) {
    record::with(|r| r.status = Some(code));
}

/// Request body bytes read from the client.
pub fn request_body(n: u64) {
    record::with(|r| r.bytes_in += n);
}

/// The response body was relayed (`Ok(bytes)`), or cut.
pub fn forwarded<E>(copied: &Result<u64, E>) {
    if let Ok(n) = copied {
        record::with(|r| r.bytes_out += n);
    }
}

/// Bytes a tunnel passed on before its relay started: sent by the client
/// right behind CONNECT (`up`), or by the upstream behind its answer.
pub fn tunnel_primed(up: usize, down: usize) {
    record::with(|r| {
        r.bytes_in += up as u64;
        r.bytes_out += down as u64;
    });
}

/// Run a tunnel's relay, counting it open while it runs and its bytes
/// when it ends. The relay is pinned by the caller: taken by value, it
/// would be stored twice in the connection's future (an idle tunnel's
/// memory is mostly that future).
pub async fn tunnel<F>(relay: std::pin::Pin<&mut F>) -> F::Output
where
    F: Future<Output = std::io::Result<(crate::tunnel::TunnelEnd, crate::tunnel::Moved)>>,
{
    let ops = state::current();
    if let Some(o) = &ops {
        o.metrics.tunnels.inc();
        o.metrics.tunnels_open.inc();
    }
    let out = relay.await;
    if let Some(o) = &ops {
        o.metrics.tunnels_open.dec();
    }
    record::with(|r| {
        r.kind = Kind::Tunnel;
        if let Ok((end, moved)) = &out {
            r.bytes_in += moved.client_to_server;
            r.bytes_out += moved.server_to_client;
            if *end == crate::tunnel::TunnelEnd::IdleTimeout {
                r.close = "idle-timeout";
            }
        }
    });
    out
}

/// Times a name lookup: the histogram observes it when dropped.
pub struct DnsTimer(Instant);

/// Start timing a name lookup.
pub fn dns_timer() -> DnsTimer {
    DnsTimer(Instant::now())
}

impl Drop for DnsTimer {
    fn drop(&mut self) {
        let took = self.0.elapsed().as_secs_f64();
        metrics(|m| m.dns_seconds.observe(took));
    }
}

/// Time one connect attempt.
pub async fn timed_connect<F: Future>(connect: F) -> F::Output {
    let t = Instant::now();
    let out = connect.await;
    let took = t.elapsed().as_secs_f64();
    metrics(|m| m.connect_seconds.observe(took));
    out
}

/// A new connection had to wait for a MaxClients slot.
pub fn max_clients_reached() {
    metrics(|m| m.max_clients_reached.inc());
}

/// A reload of the instance `ops` belongs to ended (`ok`: the new config,
/// whose `MaxClients` is `max_clients`, is in force); returns `ok`.
pub fn reloaded(ops: &Ops, ok: bool, max_clients: u32) -> bool {
    let m = &ops.metrics;
    let result = if ok { "ok" } else { "failed" };
    m.reloads.get_or_create(&ResultLabel { result }).inc();
    if ok {
        m.config_generation.inc();
        m.set_max_clients(max_clients);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        m.last_reload.set(now);
    }
    ok
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_user_never_the_password() {
        // "alice:s3cret"
        assert_eq!(
            super::basic_user(b"Basic YWxpY2U6czNjcmV0").as_deref(),
            Some("alice")
        );
        assert_eq!(super::basic_user(b"Bearer abc"), None);
        assert_eq!(super::basic_user(b"Basic !!!"), None);
    }
}
