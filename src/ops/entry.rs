//! One request's record, as the access log and the metrics see it: plain
//! data, filled in by `record` as the request goes through the proxy and
//! written by `access_log` (a leaf, so neither depends on the other).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Plain HTTP forwarding or a CONNECT tunnel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Forward,
    Tunnel,
}

/// One request (or tunnel) as the access log shows it.
#[derive(Clone, Debug)]
pub struct Record {
    pub start: Instant,
    pub client: IpAddr,
    pub user: Option<String>,
    pub method: Option<String>,
    pub host: Option<String>,
    pub port: u16,
    pub resolved: Option<SocketAddr>,
    /// `direct`, or `KIND:HOST:PORT` of the upstream proxy.
    pub route: Option<String>,
    pub status: Option<u16>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub kind: Kind,
    /// Why it ended: `keep-alive`, `close`, `shutdown`, `idle-timeout`.
    pub close: &'static str,
}

impl Record {
    pub(super) fn new(client: IpAddr) -> Record {
        Record {
            start: Instant::now(),
            client,
            user: None,
            method: None,
            host: None,
            port: 0,
            resolved: None,
            route: None,
            status: None,
            bytes_in: 0,
            bytes_out: 0,
            kind: Kind::Forward,
            close: "close",
        }
    }

    /// Whether anything happened worth a line: a request line was read or
    /// an answer was sent (an ACL denial answers before any read).
    pub(super) fn happened(&self) -> bool {
        self.method.is_some() || self.status.is_some()
    }

    pub fn duration(&self) -> Duration {
        self.start.elapsed()
    }
}
