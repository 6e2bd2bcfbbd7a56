//! Two proxy instances in one process, each with its own runtime context:
//! what one counts, records in its loop table or its metrics, the other
//! never sees. In-process, on 127.0.0.1, through the real accept loops.

use super::Server;
use crate::config::Config;
use crate::proxy::context::Context;
use crate::proxy::generation::{Generation, Shared};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The most an exchange with an instance may take.
const DEADLINE: Duration = Duration::from_secs(10);

struct Instance {
    shared: Arc<Shared>,
    server: Server,
    port: u16,
}

/// A proxy instance listening on a free loopback port, with defaults but
/// `Port` (loop prevention compares against it) and a short `Timeout`.
async fn instance() -> Instance {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut cfg = Config::with_defaults("/nonexistent/tinyproxy.conf".into());
    cfg.port = port;
    cfg.timeout = Duration::from_secs(5);
    let gen = Generation::new(Arc::new(cfg), None);
    let shared = Arc::new(Shared::new(gen, Arc::new(Context::new())));
    let mut server = Server::new(Arc::clone(&shared));
    server.add_listener(listener);
    Instance {
        shared,
        server,
        port,
    }
}

/// Send `request` to the instance on `port` and read its answer to the end.
async fn exchange(port: u16, request: &str) -> String {
    let talk = async {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
        s.write_all(request.as_bytes()).await?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).await?;
        std::io::Result::Ok(out)
    };
    let out = tokio::time::timeout(DEADLINE, talk)
        .await
        .expect("answer within the deadline")
        .expect("exchange");
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of the series `name` in a Prometheus scrape.
fn series(scrape: &str, name: &str) -> Option<u64> {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn two_instances_keep_counters_loops_and_metrics_apart() {
    let mut a = instance().await;
    let mut b = instance().await;
    // Through `a` to `a`'s own port: `a` records its outgoing connection
    // in its loop table, then refuses it when it arrives.
    let loop_req = format!("GET http://127.0.0.1:{}/ HTTP/1.0\r\n\r\n", a.port);
    let answer = exchange(a.port, &loop_req).await;
    assert!(
        answer.contains("You tried to connect to the machine the proxy is running on"),
        "{answer}"
    );
    // `b` saw none of it: its stats page counts only this request.
    let page = exchange(b.port, "GET http://tinyproxy.stats/ HTTP/1.0\r\n\r\n").await;
    assert!(page.contains("Number of requests: 1<br />"), "{page}");
    assert_eq!(a.shared.ctx.stats.snapshot().reqs, 2);
    assert_eq!(b.shared.ctx.stats.snapshot().reqs, 1);
    let loops = r#"tinyproxy_denials_total{reason="loop"}"#;
    assert_eq!(series(&a.shared.ctx.ops.metrics.encode(), loops), Some(1));
    assert_eq!(series(&b.shared.ctx.ops.metrics.encode(), loops), Some(0));
    a.server.stop_accepting().await;
    b.server.stop_accepting().await;
}

#[test]
fn loop_tables_and_shutdown_are_per_instance() {
    let (a, b) = (Context::new(), Context::new());
    let src: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    a.loops.remember(src);
    assert!(a.loops.is_own_connection(src));
    assert!(!b.loops.is_own_connection(src));
    a.ops.shutdown.set_ready();
    a.ops.shutdown.close_idle();
    assert!(a.ops.shutdown.is_ready() && a.ops.shutdown.is_closing());
    assert!(!b.ops.shutdown.is_ready() && !b.ops.shutdown.is_closing());
}
