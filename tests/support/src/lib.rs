//! The one harness of tinyproxy-rs's integration tests.
//!
//! - [`ports`]: free loopback ports clear of the ephemeral range.
//! - [`wait`]: every wait has a deadline (a port, a log line, n log
//!   lines, a file, any condition); no sleeps as synchronisation.
//! - [`process`]: one builder for the proxy under test, our binary or a
//!   real tinyproxy (the reference build or Debian's): config text, extra
//!   args, env, stdin, log file, retry on a lost port, readiness by port
//!   or log line, signals, reloads, exit.
//! - [`child`]: guards that end any other child by its pid or process
//!   group on drop, signals by pid, die-with-parent.
//! - [`origin`]: loopback origins (recording echo, scripted, slow) and a
//!   TCP echo server.
//! - [`peers`]: scripted SOCKS4a/SOCKS5 and misbehaving upstream peers,
//!   the real upstream daemons (microsocks, danted), and an async
//!   step-by-step peer ([`scripted`]); [`socks`]: the server side of the
//!   SOCKS4a/SOCKS5 handshakes.
//! - [`http`]: raw HTTP I/O: send, read a message / head / response
//!   (chunked decoded), curl; [`client`]: GETs, CONNECT tunnels, the
//!   admin listener.
//! - [`logs`]: log-line shape, a syslog socket, re-running a test in a
//!   child process.
//! - [`repo`]: the repository's files and commands for packaging tests.
//!
//! The binary under test is the caller's: pass
//! `env!("CARGO_BIN_EXE_tinyproxy")`, or use [`ours!`].

pub mod child;
pub mod client;
pub mod http;
pub mod logs;
pub mod origin;
pub mod peers;
pub mod ports;
pub mod prelude;
pub mod process;
pub mod repo;
pub mod scripted;
pub mod socks;
pub mod wait;

pub use http::{curl, raw, read_message, Conn, Response};
pub use origin::{echo_response, echo_server, Origin, RawOrigin, Recorded, Reply, SlowOrigin};
pub use ports::{free_port, local};
pub use process::{kill, Guard, Proxy, ProxyBuilder, Ready};
pub use wait::{wait_for, wait_port, DEADLINE};

/// The path of our binary, from the calling test crate's
/// `CARGO_BIN_EXE_tinyproxy` (only test crates of the main package have it).
#[macro_export]
macro_rules! ours {
    () => {
        env!("CARGO_BIN_EXE_tinyproxy")
    };
}
