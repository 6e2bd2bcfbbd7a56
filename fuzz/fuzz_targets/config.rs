//! The tinyproxy.conf grammar: parse, then everything that echoes the file
//! (stderr text of a rejection, stored log diagnostics, password masking).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tinyproxy_rs::config::{mask, parse_bytes, LogLevel};

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n').take(64) {
        let _ = mask::mask_line(line);
    }
    match parse_bytes(data, Path::new("fuzz.conf")) {
        Ok(loaded) => {
            let _ = loaded.logged(LogLevel::Info);
        }
        Err(e) => {
            let _ = e.stderr_text();
        }
    }
});
