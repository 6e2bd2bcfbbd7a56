//! Async (tokio) peers for the upstream tests: echo servers and a
//! one-connection peer that plays a script of reads and writes, every
//! step bounded by `STEP`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
pub const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

/// Bounds every network step of a test.
pub const STEP: Duration = Duration::from_secs(5);

/// Echoes every connection back until EOF; runs until the runtime ends.
fn serve_echo(listener: TcpListener) {
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = conn.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
}

/// An echo server on `ip`, port chosen by the OS.
pub async fn echo_server_on(ip: IpAddr) -> u16 {
    let listener = TcpListener::bind((ip, 0)).await.expect("bind echo");
    let port = listener.local_addr().expect("local_addr").port();
    serve_echo(listener);
    port
}

/// One echo port served on both 127.0.0.1 and ::1, so a `localhost`
/// target works whichever address the resolver returns first.
pub async fn echo_server_dual() -> u16 {
    for _ in 0..20 {
        let v4 = TcpListener::bind((V4, 0)).await.expect("bind echo v4");
        let port = v4.local_addr().expect("local_addr").port();
        if let Ok(v6) = TcpListener::bind((V6, port)).await {
            serve_echo(v4);
            serve_echo(v6);
            return port;
        }
    }
    panic!("no port free on both 127.0.0.1 and ::1 after 20 tries");
}

/// Sends `payload` through an established tunnel and expects it back.
pub async fn assert_round_trip(stream: &mut TcpStream, payload: &[u8]) {
    stream
        .write_all(payload)
        .await
        .expect("write through tunnel");
    let mut back = vec![0u8; payload.len()];
    tokio::time::timeout(STEP, stream.read_exact(&mut back))
        .await
        .expect("echo timed out")
        .expect("read echo");
    assert_eq!(back, payload, "bytes did not round-trip");
}

/// One step of a scripted peer.
#[derive(Clone, Debug)]
pub enum Step {
    /// Read exactly this many bytes (recorded for the test to check).
    Expect(usize),
    /// Write these bytes.
    Send(Vec<u8>),
    /// Echo everything until EOF.
    Echo,
    /// Keep the connection open, silent, until the client goes away.
    Hold,
}

/// A one-connection server on 127.0.0.1 that plays `steps` and returns
/// what it read at each `Expect`. It stops at the first read error and
/// closes the connection when the steps run out.
pub async fn scripted_peer(steps: Vec<Step>) -> (u16, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
    let listener = TcpListener::bind((V4, 0)).await.expect("bind peer");
    let port = listener.local_addr().expect("local_addr").port();
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        let Ok(Ok((mut conn, _))) = tokio::time::timeout(STEP, listener.accept()).await else {
            return seen;
        };
        for step in steps {
            match step {
                Step::Expect(n) => {
                    let mut buf = vec![0u8; n];
                    let read = tokio::time::timeout(STEP, conn.read_exact(&mut buf)).await;
                    if !matches!(read, Ok(Ok(_))) {
                        return seen;
                    }
                    seen.push(buf);
                }
                Step::Send(bytes) => {
                    if conn.write_all(&bytes).await.is_err() {
                        return seen;
                    }
                }
                Step::Echo => {
                    let (mut r, mut w) = conn.split();
                    let _ = tokio::time::timeout(STEP, tokio::io::copy(&mut r, &mut w)).await;
                    return seen;
                }
                Step::Hold => {
                    let mut sink = Vec::new();
                    let _ = tokio::time::timeout(STEP, conn.read_to_end(&mut sink)).await;
                    return seen;
                }
            }
        }
        seen
    });
    (port, task)
}

/// Connects to a scripted peer.
pub async fn connect_peer(port: u16) -> TcpStream {
    TcpStream::connect(crate::local(port))
        .await
        .expect("connect peer")
}
