//! Request line + header lines + request framing decision.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use tinyproxy_rs::http::{framing, headers::Headers, request};

fuzz_target!(|data: &[u8]| {
    let lines = common::lines(data);
    let Some((first, rest)) = lines.split_first() else {
        return;
    };
    let Ok(line) = request::parse_request_line(first) else {
        return;
    };
    if let Ok(h) = Headers::parse_lines(rest) {
        let _ = framing::request_framing(line.version, &h);
    }
});
