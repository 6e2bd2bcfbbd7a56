//! tinyproxy's log lines that more than one code path writes, one
//! function each, so the text (which log parsers and the compat suite
//! match) is written once.

use super::level::Level;
use std::fmt::Display;

/// The end of a forwarded exchange or tunnel, as tinyproxy's
/// `relay_connection` caller logs it.
pub fn closed_connection(client_fd: i32, server_fd: i32) {
    super::log(
        Level::Info,
        format_args!(
            "Closed connection between local client (fd:{client_fd}) and remote client (fd:{server_fd})"
        ),
    );
}

/// No usable response head from the server (`reason`: tinyproxy prints
/// `strerror(errno)`, "Success" when the server just closed).
pub fn server_headers_failed(reason: &dyn Display, host: &str, server_fd: i32) {
    super::log(
        Level::Info,
        format_args!(
            "process_server_headers failed: {reason}. host \"{host}\" using file descriptor {server_fd}."
        ),
    );
}

/// The request head could not be sent to the server.
pub fn client_headers_failed(reason: &dyn Display, host: &str, server_fd: i32) {
    super::log(
        Level::Info,
        format_args!(
            "process_client_headers failed: {reason}. host \"{host}\" using file descriptor {server_fd}."
        ),
    );
}
