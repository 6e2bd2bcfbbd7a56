//! The Prometheus metrics (`tinyproxy_` prefix), one registry per proxy
//! instance (in its `ops::state::Ops`). The counters the stats page shows
//! are not duplicated: a collector reads the instance's `counters::Stats`
//! at each scrape, so the page and `/metrics` always agree.

use super::labels;
use crate::counters::Stats;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: &'static str,
    pub status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    pub route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BytesLabels {
    /// `in`: read from clients; `out`: written to clients.
    pub direction: &'static str,
    /// `forward` (plain HTTP) or `tunnel` (CONNECT).
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

/// Every metric the proxy updates.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub denials: Family<ReasonLabel, Counter>,
    pub upstream_requests: Family<RouteLabel, Counter>,
    pub upstream_failures: Family<KindLabel, Counter>,
    pub tunnels_open: Gauge,
    pub tunnels: Counter,
    pub bytes: Family<BytesLabels, Counter>,
    pub connect_seconds: Histogram,
    pub dns_seconds: Histogram,
    pub connection_seconds: Histogram,
    pub max_clients: Gauge,
    pub max_clients_reached: Counter,
    pub reloads: Family<ResultLabel, Counter>,
    pub config_generation: Gauge,
    pub last_reload: Gauge<f64, AtomicU64>,
    pub access_log_dropped: Counter,
}

/// Latency buckets from 1 ms to ~16 s.
fn latency() -> Histogram {
    Histogram::new(buckets(0.001, 2.0, 15))
}

/// `count` buckets from `start`, each `factor` times the one before: the
/// values of prometheus-client's `exponential_buckets` for these factors
/// (powers of two, so each product is exact), without its `powf`, the
/// proxy's only use of libm: not linking libm saves about 0.5 MiB of
/// resident memory at start.
fn buckets(start: f64, factor: f64, count: usize) -> impl Iterator<Item = f64> {
    std::iter::successors(Some(start), move |b| Some(b * factor)).take(count)
}

impl Metrics {
    /// A fresh registry; its stats-page series read `stats`.
    pub fn new(stats: Arc<Stats>) -> Metrics {
        let m = Metrics {
            registry: Registry::with_prefix("tinyproxy"),
            requests: Family::default(),
            denials: Family::default(),
            upstream_requests: Family::default(),
            upstream_failures: Family::default(),
            tunnels_open: Gauge::default(),
            tunnels: Counter::default(),
            bytes: Family::default(),
            connect_seconds: latency(),
            dns_seconds: latency(),
            // Connections last from milliseconds to hours (tunnels).
            connection_seconds: Histogram::new(buckets(0.01, 4.0, 12)),
            max_clients: Gauge::default(),
            max_clients_reached: Counter::default(),
            reloads: Family::default(),
            config_generation: Gauge::default(),
            last_reload: Gauge::default(),
            access_log_dropped: Counter::default(),
        };
        m.config_generation.set(1);
        m.precreate();
        m.with_registered(stats)
    }

    /// Series at zero for every known label value, so that `rate()` and
    /// alerts work before the first event of a kind.
    fn precreate(&self) {
        for reason in labels::DENIAL_REASONS {
            let _ = self.denials.get_or_create(&ReasonLabel { reason });
        }
        for kind in labels::FAILURE_KINDS {
            let _ = self.upstream_failures.get_or_create(&KindLabel { kind });
        }
        for route in ["direct", "http", "socks4", "socks5"] {
            let _ = self.upstream_requests.get_or_create(&RouteLabel { route });
        }
        for result in ["ok", "failed"] {
            let _ = self.reloads.get_or_create(&ResultLabel { result });
        }
        for direction in ["in", "out"] {
            for kind in ["forward", "tunnel"] {
                let _ = self.bytes.get_or_create(&BytesLabels { direction, kind });
            }
        }
    }

    /// Register every metric, in the order a scrape lists them.
    fn with_registered(mut self, stats: Arc<Stats>) -> Metrics {
        self.register_traffic();
        self.register_durations();
        self.register_limits_and_build();
        self.registry
            .register_collector(Box::new(StatsCollector { stats }));
        self
    }

    /// What went through the proxy: requests, denials, outgoing
    /// connections, tunnels and bytes.
    fn register_traffic(&mut self) {
        let r = &mut self.registry;
        r.register(
            "requests",
            "Requests and tunnels ended, by method class and status class",
            self.requests.clone(),
        );
        r.register(
            "denials",
            "Requests refused, by reason (acl, auth, filter, connect-port, loop, max-clients)",
            self.denials.clone(),
        );
        r.register(
            "upstream_requests",
            "Outgoing connections opened, by route (direct, http, socks4, socks5)",
            self.upstream_requests.clone(),
        );
        r.register(
            "upstream_failures",
            "Outgoing connections that failed, by kind",
            self.upstream_failures.clone(),
        );
        r.register(
            "tunnels_open",
            "CONNECT tunnels open now",
            self.tunnels_open.clone(),
        );
        r.register("tunnels", "CONNECT tunnels opened", self.tunnels.clone());
        r.register_with_unit(
            "transferred",
            "Bytes read from (in) and written to (out) clients, by kind",
            Unit::Bytes,
            self.bytes.clone(),
        );
    }

    /// How long connecting, resolving and client connections took.
    fn register_durations(&mut self) {
        let r = &mut self.registry;
        r.register_with_unit(
            "connect_duration",
            "Time to connect to an origin or upstream address",
            Unit::Seconds,
            self.connect_seconds.clone(),
        );
        r.register_with_unit(
            "dns_duration",
            "Time to resolve an origin or upstream name",
            Unit::Seconds,
            self.dns_seconds.clone(),
        );
        r.register_with_unit(
            "connection_duration",
            "Lifetime of client connections",
            Unit::Seconds,
            self.connection_seconds.clone(),
        );
    }

    /// The limits and configuration in force, the access log's losses,
    /// and the build (tinyproxy's stats counters come last, registered by
    /// `with_registered`).
    fn register_limits_and_build(&mut self) {
        let r = &mut self.registry;
        r.register(
            "max_clients",
            "The MaxClients limit in force",
            self.max_clients.clone(),
        );
        r.register(
            "max_clients_reached",
            "Times a new connection had to wait for a MaxClients slot",
            self.max_clients_reached.clone(),
        );
        r.register(
            "reloads",
            "Configuration reloads, by result",
            self.reloads.clone(),
        );
        r.register(
            "config_generation",
            "Configurations loaded since start (1 = the start-up one)",
            self.config_generation.clone(),
        );
        r.register(
            "last_reload_timestamp_seconds",
            "Unix time of the last successful reload (0: none yet)",
            self.last_reload.clone(),
        );
        r.register(
            "access_log_dropped_lines",
            "Access log lines dropped because the writer fell behind",
            self.access_log_dropped.clone(),
        );
        r.register(
            "build",
            "Version of this build",
            Info::new(vec![
                ("version", env!("CARGO_PKG_VERSION")),
                ("tinyproxy", crate::TINYPROXY_VERSION),
            ]),
        );
    }

    pub fn set_max_clients(&self, n: u32) {
        self.max_clients.set(i64::from(n));
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        if prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// The content type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The stats page's counters, read at scrape time.
#[derive(Debug)]
struct StatsCollector {
    stats: Arc<Stats>,
}

impl Collector for StatsCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = self.stats.snapshot();
        let open = ConstGauge::new(s.opens as i64);
        open.encode(enc.encode_descriptor(
            "client_connections_open",
            "Client connections open now (stats page: open connections)",
            None,
            open.metric_type(),
        )?)?;
        let counters = [
            (
                "client_connections",
                "Client connections accepted (stats page: requests)",
                s.reqs,
            ),
            (
                "bad_requests",
                "Malformed or rejected requests (stats page: bad connections)",
                s.badconns,
            ),
            (
                "denied_connections",
                "ACL, filter and auth refusals (stats page: denied connections)",
                s.deniedconns,
            ),
            (
                "refused_connections",
                "Connections refused for load (stats page: refused connections)",
                s.refusedconns,
            ),
        ];
        for (name, help, v) in counters {
            let c = ConstCounter::new(v);
            c.encode(enc.encode_descriptor(name, help, None, c.metric_type())?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod bucket_tests {
    use prometheus_client::metrics::histogram::exponential_buckets;

    #[test]
    fn buckets_are_prometheus_clients_exponential_buckets() {
        for (start, factor, n) in [(0.001, 2.0, 15), (0.01, 4.0, 12)] {
            let ours: Vec<f64> = super::buckets(start, factor, n).collect();
            let theirs: Vec<f64> = exponential_buckets(start, factor, n as u16).collect();
            assert_eq!(ours, theirs);
        }
    }
}
