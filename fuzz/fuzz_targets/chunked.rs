//! The chunked body decoder, fed a hostile body.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use tinyproxy_rs::http::framing::{copy_body, Framing};

fuzz_target!(|data: &[u8]| {
    let mut r = data;
    let mut w = Vec::new();
    let _ = common::block_on(copy_body(
        &mut r,
        &mut w,
        Framing::Chunked,
        Duration::from_secs(1),
    ));
});
