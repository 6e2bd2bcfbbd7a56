//! The server side of SOCKS4a and SOCKS5 handshakes, for scripted
//! upstream peers: read what the proxy sends, answer "granted", and hand
//! every step to the caller to record.

use std::io::{Read, Write};
use std::net::TcpStream;

/// Reads a SOCKS4/4a request, `04 01 port ip userid\0 [host\0]`, up to
/// the second NUL (the user id, then a SOCKS4a host name); the raw bytes.
pub fn socks4_read(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut got = vec![0u8; 8];
    s.read_exact(&mut got).ok()?;
    let mut nuls = 0;
    let mut byte = [0u8; 1];
    while nuls < 2 && got.len() < 600 {
        s.read_exact(&mut byte).ok()?;
        got.push(byte[0]);
        if byte[0] == 0 {
            nuls += 1;
        }
    }
    Some(got)
}

/// Answers a SOCKS4 request: granted (`00 5A`).
pub fn socks4_grant(s: &mut TcpStream) -> Option<()> {
    s.write_all(&[0, 0x5A, 0, 0, 0, 0, 0, 0]).ok()
}

/// One step of a SOCKS5 handshake as the peer saw it.
pub enum Socks5Step<'a> {
    /// Version, method count and methods.
    Greeting(&'a [u8]),
    /// RFC 1929 user name and password.
    Auth(&'a [u8], &'a [u8]),
    /// The CONNECT request (ATYP 3, a host name, as tinyproxy sends).
    Connect(&'a [u8]),
}

/// Plays the server side of a SOCKS5 CONNECT: answers user/pass (any
/// credentials pass) when `offer_auth` and the client offers it, else "no
/// authentication"; then success, bound to 127.0.0.1:`bound_port`.
/// `record` sees each step as it is read.
pub fn socks5_accept(
    s: &mut TcpStream,
    offer_auth: bool,
    bound_port: u16,
    record: &mut dyn FnMut(Socks5Step),
) -> Option<()> {
    let mut head = [0u8; 2];
    s.read_exact(&mut head).ok()?;
    let mut methods = vec![0u8; usize::from(head[1])];
    s.read_exact(&mut methods).ok()?;
    record(Socks5Step::Greeting(&[&head[..], &methods[..]].concat()));
    if offer_auth && methods.contains(&2) {
        s.write_all(&[5, 2]).ok()?;
        let (user, pass) = read_user_pass(s)?;
        record(Socks5Step::Auth(&user, &pass));
        s.write_all(&[1, 0]).ok()?;
    } else {
        s.write_all(&[5, 0]).ok()?;
    }
    let mut req = [0u8; 5];
    s.read_exact(&mut req).ok()?;
    let mut rest = vec![0u8; usize::from(req[4]) + 2];
    s.read_exact(&mut rest).ok()?;
    record(Socks5Step::Connect(&[&req[..], &rest[..]].concat()));
    let [hi, lo] = bound_port.to_be_bytes();
    s.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, hi, lo]).ok()
}

/// An RFC 1929 sub-negotiation: version, user, password.
fn read_user_pass(s: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut v = [0u8; 2];
    s.read_exact(&mut v).ok()?;
    let mut user = vec![0u8; usize::from(v[1])];
    s.read_exact(&mut user).ok()?;
    let mut pl = [0u8; 1];
    s.read_exact(&mut pl).ok()?;
    let mut pass = vec![0u8; usize::from(pl[0])];
    s.read_exact(&mut pass).ok()?;
    Some((user, pass))
}
