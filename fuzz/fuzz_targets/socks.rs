//! A hostile SOCKS4a or SOCKS5 proxy: the input is everything it answers.
//! The first byte picks the protocol and whether we offer credentials.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use tinyproxy_rs::config::Credentials;
use tinyproxy_rs::upstream::{socks4a_connect, socks5_connect};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, replies)) = data.split_first() else {
        return;
    };
    let mut peer = tokio::io::join(replies, tokio::io::sink());
    let creds = Credentials {
        user: "user".into(),
        pass: "pass".into(),
    };
    let creds = (flags & 2 != 0).then_some(&creds);
    let _ = common::block_on(async {
        if flags & 1 == 0 {
            socks4a_connect(&mut peer, "example.com", 443).await
        } else {
            socks5_connect(&mut peer, "example.com", 443, creds).await
        }
    });
});
