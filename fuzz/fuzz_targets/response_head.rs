//! Status line + header lines + response framing decision.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use tinyproxy_rs::http::{forward, framing, headers::Headers};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let lines = common::lines(data);
    let Some((first, rest)) = lines.split_first() else {
        return;
    };
    let Some(status) = forward::parse_status_line(first) else {
        return;
    };
    if let Ok(h) = Headers::parse_lines(rest) {
        let _ = framing::response_framing(&h, flags & 1 != 0, status.code);
    }
});
