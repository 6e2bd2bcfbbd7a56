//! One client connection from accept to close: loop check and ACL before
//! anything is read (as tinyproxy), then requests one after another while
//! the client keeps the connection alive, or a tunnel.

use super::client::{Client, ErrorInfo};
use super::request::{serve_one, Next};
use super::state::Generation;
use crate::log::Level;
use crate::log_msg;
use crate::pages::{self, ErrorKind};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use tokio::net::TcpStream;

/// Serve one accepted connection with the generation it started with.
pub async fn handle(stream: TcpStream, peer: SocketAddr, gen: Arc<Generation>) {
    let _open = pages::stats().open_guard();
    let cfg = &*gen.config;
    let fd = stream.as_raw_fd();
    let _ = stream.set_nodelay(true);
    let mut client = match Client::new(stream, peer, fd, cfg.timeout) {
        Ok(c) => c,
        Err(_) => return,
    };
    if cfg.bind_same {
        log_msg!(
            Level::Connect,
            "Connect (file descriptor {}): {} at [{}]",
            fd,
            client.ip_text,
            client.local.ip()
        );
    } else {
        log_msg!(
            Level::Connect,
            "Connect (file descriptor {}): {}",
            fd,
            client.ip_text
        );
    }
    let peer = SocketAddr::new(client.ip, peer.port());
    if super::opensock::is_own_connection(peer) {
        log_msg!(
            Level::Connect,
            "Prevented endless loop (file descriptor {}): {}",
            fd,
            client.ip_text
        );
        client.drain_request(cfg.timeout, true).await;
        client
            .send_error(cfg, ErrorKind::ProxyLoop, ErrorInfo::default())
            .await;
        return;
    }
    if !crate::acl::allowed(&cfg.acl, client.ip).await {
        log_msg!(
            Level::Notice,
            "Unauthorized connection from \"{}\".",
            client.ip_text
        );
        pages::stats().inc_denied();
        client.drain_request(cfg.timeout, true).await;
        client
            .send_error(cfg, ErrorKind::AccessDenied, ErrorInfo::default())
            .await;
        return;
    }
    loop {
        match serve_one(&mut client, &gen).await {
            Next::KeepAlive => client.served += 1,
            Next::Close => {
                if client.reset_on_close {
                    client.reset();
                }
                return;
            }
            Next::Tunnel(server) => {
                super::connect::run_tunnel(client, server, cfg).await;
                return;
            }
        }
    }
}
