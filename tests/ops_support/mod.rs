//! Support for the ops tests (admin listener, metrics, rollout): plain
//! HTTP against the admin port, and starting the proxy with `--admin`
//! through the lifecycle harness.
#![allow(dead_code)]

use crate::common;
use crate::lifecycle_support::{local, Running};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The proxy with `--admin` on a free port and `args`; returns once the
/// admin port answers.
pub fn start_with_admin(body: &str, args: &[&str]) -> (Running, SocketAddr) {
    let admin = local(common::free_port());
    let admin_arg = admin.to_string();
    let mut all = vec!["--admin", admin_arg.as_str()];
    all.extend_from_slice(args);
    let p = Running::start(body, &all);
    common::wait_port(admin);
    (p, admin)
}

/// `GET path` on the admin port: (status, body); status 0 when the
/// exchange failed.
pub fn admin_get(admin: SocketAddr, path: &str) -> (u16, String) {
    let attempt = || -> std::io::Result<(u16, String)> {
        let mut s = TcpStream::connect_timeout(&admin, Duration::from_secs(2))?;
        s.set_read_timeout(Some(common::DEADLINE))?;
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: admin\r\n\r\n").as_bytes())?;
        let mut out = Vec::new();
        s.read_to_end(&mut out)?;
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status, body))
    };
    attempt().unwrap_or((0, String::new()))
}
