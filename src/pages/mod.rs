//! TEMPORARY stub until the pages branch lands.
use crate::config::Config;
use std::sync::atomic::{AtomicU64, Ordering};
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    BadUrl,
    NoMapping,
    HeadersIncomplete,
    EntityFailed,
    ProxyLoop,
    UnknownDestination,
    Unauthorized,
    AccessDenied,
    ConnectPortDenied,
    Filtered,
    AuthRequired,
    UnableToConnect,
    NotImplemented,
    UpstreamUnreachable,
    SendFailed,
    ResponseHeadersFailed,
    Internal,
}
pub struct PageContext<'a> {
    pub config: &'a Config,
    pub client_ip: String,
    pub request_line: Option<&'a str>,
    pub http_minor: Option<u8>,
    pub url: Option<&'a str>,
    pub error: Option<&'a str>,
}
pub fn error_response(ctx: &PageContext, kind: ErrorKind) -> Vec<u8> {
    format!(
        "HTTP/1.{} 400 {:?}\r\nConnection: close\r\n\r\n",
        ctx.http_minor.unwrap_or(0),
        kind
    )
    .into_bytes()
}
#[derive(Default)]
pub struct Stats {
    o: AtomicU64,
}
pub struct StatsSnapshot;
impl Stats {
    pub fn inc_opens(&self) {
        self.o.fetch_add(1, Ordering::Relaxed);
    }
    pub fn dec_opens(&self) {}
    pub fn inc_reqs(&self) {}
    pub fn inc_bad(&self) {}
    pub fn inc_denied(&self) {}
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot
    }
}
pub fn stats() -> &'static Stats {
    static S: std::sync::OnceLock<Stats> = std::sync::OnceLock::new();
    S.get_or_init(Stats::default)
}
pub fn stats_response(_ctx: &PageContext, _s: &StatsSnapshot) -> Vec<u8> {
    b"HTTP/1.0 200 OK\r\n\r\n".to_vec()
}
