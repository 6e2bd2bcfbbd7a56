//! The tinyproxy.conf grammar: parse, then everything that echoes the file
//! (stderr text of a rejection, stored log diagnostics, password masking),
//! and the admin port's `/config` rendering, which must parse back to the
//! same settings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tinyproxy_rs::config::render::{as_rendered, render, Secrets};
use tinyproxy_rs::config::{mask, parse_bytes, LogLevel};

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n').take(64) {
        let _ = mask::mask_line(line);
    }
    match parse_bytes(data, Path::new("fuzz.conf")) {
        Ok(loaded) => {
            let _ = loaded.logged(LogLevel::Info);
            let cfg = loaded.config;
            let _ = render(&cfg, Secrets::Masked);
            // Allow/Deny lines that were all invalid render as a comment.
            if cfg.acl.as_ref().is_some_and(Vec::is_empty) {
                return;
            }
            let out = render(&cfg, Secrets::Shown);
            // Text that was not UTF-8 is shown with U+FFFD (three bytes for
            // one): a line may then pass the 2,047 bytes tinyproxy reads
            // as one line, and no longer parse back.
            if out.lines().any(|l| l.len() > 2047) {
                return;
            }
            let again = match parse_bytes(out.as_bytes(), Path::new("fuzz.conf")) {
                Ok(l) => l.config,
                Err(e) => panic!("rendered config does not parse: {e}\n{out}"),
            };
            assert_eq!(as_rendered(again), as_rendered(cfg), "{out}");
        }
        Err(e) => {
            let _ = e.stderr_text();
        }
    }
});
