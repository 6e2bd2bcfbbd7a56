//! End-to-end CONNECT: the exact 200 line, bytes through the tunnel, TLS
//! to a real `openssl s_server` with curl and Python, ConnectPort rules,
//! idle timeout.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tinyproxy_test_support::ours;
use tinyproxy_test_support::{curl, free_port, raw, wait_port, Guard, Origin, Proxy};

/// A real TLS server (`openssl s_server -www`) on a free loopback port.
struct TlsServer {
    _child: Guard,
    port: u16,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    fn start() -> TlsServer {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
        let ok = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=localhost", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl req");
        assert!(ok.success());
        let port = free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        wait_port(SocketAddr::from(([127, 0, 0, 1], port)));
        TlsServer {
            _child: Guard::new(child),
            port,
            _dir: dir,
        }
    }
}

#[test]
fn connect_reply_line_and_bytes_through_the_tunnel() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "");
    let mut s = TcpStream::connect(p.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // The in-tunnel request rides in the same write as the CONNECT.
    s.write_all(
        format!(
            "CONNECT 127.0.0.1:{0} HTTP/1.1\r\nHost: 127.0.0.1:{0}\r\nUser-Agent: x\r\n\r\n\
             GET /via-tunnel HTTP/1.1\r\nHost: 127.0.0.1:{0}\r\n\r\n",
            origin.port
        )
        .as_bytes(),
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(
        out.starts_with("HTTP/1.1 200 Connection established\r\nProxy-agent: tinyproxy\r\n\r\nHTTP/1.1 200 OK\r\n"),
        "{out}"
    );
    let seen = origin.wait_requests(1);
    assert_eq!(
        seen[0],
        format!(
            "GET /via-tunnel HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            origin.port
        )
    );
    p.wait_log("Not sending client headers to remote machine");
}

#[test]
fn tls_through_the_tunnel_with_curl_and_python() {
    let tls = TlsServer::start();
    let p = Proxy::start(
        ours!(),
        "ConnectPort 443\nConnectPort 563\nConnectPort 1\nConnectPort 65535",
    );
    // ConnectPort list without the TLS port: refused with 403.
    let url = format!("https://127.0.0.1:{}/", tls.port);
    let (rc, _, err) = curl(&["-k", "-x", &p.addr().to_string(), &url]);
    assert_ne!(rc, 0);
    assert!(err.contains("403"), "{err}");
    p.wait_log(&format!("Refused CONNECT method on port {}", tls.port));
    drop(p);

    let p = Proxy::start(ours!(), "");
    let (rc, body, err) = curl(&["-k", "-x", &p.addr().to_string(), &url]);
    assert_eq!(rc, 0, "{err}");
    assert!(body.contains("s_server"), "{body}");
    let script = format!(
        "import ssl, urllib.request\n\
         ctx = ssl._create_unverified_context()\n\
         h = urllib.request.ProxyHandler({{'https': 'http://{}'}})\n\
         o = urllib.request.build_opener(h, urllib.request.HTTPSHandler(context=ctx))\n\
         print(o.open('{}', timeout=10).read().decode(errors='replace'))\n",
        p.addr(),
        url
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("s_server"));
}

#[test]
fn connect_port_rules_and_port_overflow() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "ConnectPort 443");
    let out = raw(
        p.addr(),
        format!("CONNECT 127.0.0.1:{} HTTP/1.1\r\n\r\n", origin.port).as_bytes(),
    );
    assert!(
        out.starts_with("HTTP/1.1 403 Access violation\r\n"),
        "{out}"
    );
    // tinyproxy <=1.11.2 wrapped 65979 to 443 and let it through (#586).
    let out = raw(p.addr(), b"CONNECT 127.0.0.1:65979 HTTP/1.1\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    drop(p);
    let p = Proxy::start(ours!(), "ConnectPort 0");
    let out = raw(p.addr(), b"CONNECT 127.0.0.1:0 HTTP/1.1\r\n\r\n");
    assert!(
        out.starts_with("HTTP/1.1 403 Access violation\r\n"),
        "{out}"
    );
    p.wait_log("Refused CONNECT method on port 443");
}

#[test]
fn idle_tunnel_is_closed_after_timeout() {
    let origin = Origin::start();
    let p = Proxy::start(ours!(), "Timeout 1");
    let mut s = TcpStream::connect(p.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("CONNECT 127.0.0.1:{} HTTP/1.0\r\n\r\n", origin.port).as_bytes())
        .unwrap();
    let start = Instant::now();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.0 200 Connection established"));
    assert!(start.elapsed() < Duration::from_secs(8));
    p.wait_log("Idle Timeout (after poll)");
}

#[test]
fn tunnel_moves_megabytes_both_ways_byte_exact_and_passes_half_close() {
    use std::net::TcpListener;
    // An echo server that returns every byte, then closes after EOF.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        // Small buffers: a relay that serves one direction at a time would
        // deadlock here (the echo blocks writing back while we block
        // writing to it).
        let sock = socket2::SockRef::from(&s);
        sock.set_recv_buffer_size(32 * 1024).unwrap();
        sock.set_send_buffer_size(32 * 1024).unwrap();
        let mut r = s.try_clone().unwrap();
        let _ = std::io::copy(&mut r, &mut s);
    });
    let p = Proxy::start(ours!(), "");
    let mut s = TcpStream::connect(p.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("CONNECT 127.0.0.1:{port} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let expected = b"HTTP/1.1 200 Connection established\r\nProxy-agent: tinyproxy\r\n\r\n";
    let mut head = vec![0u8; expected.len()];
    s.read_exact(&mut head).unwrap();
    assert_eq!(head, expected);
    // 16 MiB of a non-repeating pattern, written while the echo is read back.
    let data: Vec<u8> = (0..16u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let mut w = s.try_clone().unwrap();
    let sent = data.clone();
    let writer = std::thread::spawn(move || {
        w.write_all(&sent).unwrap();
        // Half-close: the echo server sees EOF and closes its side.
        w.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut back = Vec::with_capacity(data.len());
    s.read_to_end(&mut back).unwrap();
    writer.join().unwrap();
    assert_eq!(back.len(), data.len());
    assert!(back == data, "bytes changed in the tunnel");
}
