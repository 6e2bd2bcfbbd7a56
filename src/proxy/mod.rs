//! One client connection, from the first byte read to close: read the
//! request head, decide (policy), forward it or open a tunnel, keep the
//! connection alive for the next request. Also what all connections share
//! with each other: the configuration generation in force, the runtime
//! context (counters, loop table, ops state) and the `MaxClients` slots.

pub mod client;
pub mod conn;
pub mod connect;
pub mod context;
pub mod error;
pub mod forward;
pub mod generation;
pub mod next;
#[cfg(test)]
mod pipeline_tests;
pub mod relay;
pub mod report;
pub mod request;
pub mod response;
pub mod slots;
pub mod target;
pub mod trace;
