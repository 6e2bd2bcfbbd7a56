//! What one request did, gathered as it goes through the proxy: a
//! task-local record per connection (so the proxy's functions need no new
//! parameter), closed at each request boundary and at the connection's
//! end, where it becomes metrics and an access log line (in the
//! instance's [`Ops`], whose [`state::scope`] the connection runs in).

pub use super::entry::{Kind, Record};
use super::state::{self, Ops};
use super::{labels, metrics};
use std::cell::RefCell;
use std::future::Future;
#[cfg(test)]
use std::net::IpAddr;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

struct ConnState {
    record: Record,
}

tokio::task_local! {
    static CONN: RefCell<ConnState>;
}

/// Change the current request's record; outside a connection task (unit
/// tests, the admin listener) nothing happens.
pub fn with<F: FnOnce(&mut Record)>(f: F) {
    let _ = CONN.try_with(|c| f(&mut c.borrow_mut().record));
}

/// Run one client connection's task with its record, recording into
/// `ops` (its proxy instance's); at the end the last request is accounted
/// and the connection's lifetime observed.
pub async fn conn_scope<F: Future<Output = ()>>(ops: Arc<Ops>, peer: SocketAddr, fut: F) {
    let client = peer.ip().to_canonical();
    let conn = RefCell::new(ConnState {
        record: Record::new(client),
    });
    let started = Instant::now();
    let recorded = CONN.scope(conn, async {
        fut.await;
        finish(None);
    });
    state::scope(Arc::clone(&ops), recorded).await;
    ops.metrics
        .connection_seconds
        .observe(started.elapsed().as_secs_f64());
}

/// Close the current record (metrics, access log) and start a fresh one.
/// `close`: the reason to record, else the one already set.
fn finish(close: Option<&'static str>) {
    let done = CONN.try_with(|c| {
        let mut c = c.borrow_mut();
        let fresh = Record::new(c.record.client);
        std::mem::replace(&mut c.record, fresh)
    });
    let Ok(mut rec) = done else { return };
    if let Some(why) = close {
        rec.close = why;
    }
    if !rec.happened() {
        return;
    }
    state::with(|ops| account(ops, &rec));
}

/// A closed record's metrics and access log line.
fn account(ops: &Ops, rec: &Record) {
    let m = &ops.metrics;
    let method = rec.method.as_deref().map_or("none", labels::method_class);
    m.requests
        .get_or_create(&metrics::RequestLabels {
            method,
            status: labels::status_class(rec.status),
        })
        .inc();
    let kind = match rec.kind {
        Kind::Forward => "forward",
        Kind::Tunnel => "tunnel",
    };
    for (direction, n) in [("in", rec.bytes_in), ("out", rec.bytes_out)] {
        m.bytes
            .get_or_create(&metrics::BytesLabels { direction, kind })
            .inc_by(n);
    }
    ops.log_access(rec);
}

/// The request boundary of a kept-alive connection: account the request
/// just served. `false`: close the connection now, because a shutdown is
/// draining connections. (Waiting for the next request, with the idle
/// limit, the slot eviction and `shutdown::closing`, is the connection
/// loop's.)
pub fn request_boundary() -> bool {
    if state::with(|ops| ops.shutdown.is_closing()).unwrap_or(false) {
        finish(Some("shutdown"));
        return false;
    }
    finish(Some("keep-alive"));
    true
}

/// A record for unit tests elsewhere in `ops`.
#[cfg(test)]
pub(crate) fn tests_record() -> Record {
    Record::new(IpAddr::from([127, 0, 0, 1]))
}
