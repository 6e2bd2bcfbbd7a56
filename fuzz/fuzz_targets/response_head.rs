//! Status line + header lines + response framing decision.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use tinyproxy_rs::http::{framing, headers::Headers, request::Version, status};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let lines = common::lines(data);
    let Some((first, rest)) = lines.split_first() else {
        return;
    };
    let Some(status) = status::parse_status_line(first) else {
        return;
    };
    let Ok(mut h) = Headers::parse_lines(rest) else {
        return;
    };
    let asked = framing::Asked {
        head: flags & 1 != 0,
        connect: flags & 2 != 0,
    };
    if let Ok(rf) = framing::response_framing(asked, status.code, status.http10, &h) {
        rf.apply(&mut h);
        let minor = u32::from(flags >> 2 & 1);
        let _ = rf.may_keep(Version { major: 1, minor });
    }
});
