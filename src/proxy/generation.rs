//! What every connection shares: the current configuration generation,
//! and the instance's runtime context (counters, loop table, ops state;
//! see [`super::context`]).
//!
//! A generation (config + the filter loaded for it) is immutable. Reload
//! builds a new one and swaps the `Arc`; each request takes the generation
//! in force when it arrives and keeps it to its end, so a reload never
//! changes the rules in the middle of a request or tunnel, and the next
//! request on a kept connection meets the new rules.

use super::context::Context;
use crate::config::{Config, Limits, OutboundSettings};
use crate::filter::Filter;
use crate::http::reverse::ReverseRules;
use crate::http::rewrite::HeaderRules;
use std::sync::{Arc, RwLock};

/// One loaded configuration and everything derived from it.
pub struct Generation {
    pub config: Arc<Config>,
    pub filter: Option<Arc<Filter>>,
    /// The header rules the http layer applies, built once from `config`.
    pub headers: HeaderRules,
    /// The reverse-proxy rules, built once from `config`.
    pub reverse: ReverseRules,
    /// What dialling out reads (Timeout, Bind, BindSame, Port, Upstream).
    pub outbound: OutboundSettings,
    /// MaxClients and Timeout.
    pub limits: Limits,
}

impl Generation {
    /// A generation of `config`, with the settings derived from it.
    pub fn new(config: Arc<Config>, filter: Option<Arc<Filter>>) -> Generation {
        Generation {
            headers: HeaderRules::from(&*config),
            reverse: ReverseRules::from(&*config),
            outbound: OutboundSettings::from(&*config),
            limits: Limits::from(&*config),
            config,
            filter,
        }
    }
}

/// The swap point for reloads, and the instance's runtime context.
pub struct Shared {
    current: RwLock<Arc<Generation>>,
    /// Created once by `app`; lives as long as the instance.
    pub ctx: Arc<Context>,
}

impl Shared {
    pub fn new(gen: Generation, ctx: Arc<Context>) -> Shared {
        Shared {
            current: RwLock::new(Arc::new(gen)),
            ctx,
        }
    }

    /// The generation new requests use.
    pub fn current(&self) -> Arc<Generation> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Make `gen` the generation for every request from now on.
    pub fn replace(&self, gen: Generation) {
        let new = Arc::new(gen);
        match self.current.write() {
            Ok(mut g) => *g = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    fn gen(timeout: u64, max_clients: u32) -> Generation {
        let mut cfg = Config::with_defaults(PathBuf::from("t.conf"));
        cfg.timeout = Duration::from_secs(timeout);
        cfg.max_clients = max_clients;
        Generation::new(Arc::new(cfg), None)
    }

    /// A request keeps the settings of the generation it started with; the
    /// next one gets those a reload built.
    #[test]
    fn settings_are_built_per_generation() {
        let shared = Shared::new(gen(5, 10), Arc::new(Context::new()));
        let before = shared.current();
        shared.replace(gen(7, 20));
        let after = shared.current();
        assert_eq!(before.limits.timeout, Duration::from_secs(5));
        assert_eq!(before.outbound.timeout, Duration::from_secs(5));
        assert_eq!(before.limits.max_clients, 10);
        assert_eq!(after.limits.timeout, Duration::from_secs(7));
        assert_eq!(after.outbound.timeout, Duration::from_secs(7));
        assert_eq!(after.limits.max_clients, 20);
    }
}
