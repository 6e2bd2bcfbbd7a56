//! Absolute `http://` URLs and `host[:port]` authorities.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinyproxy_rs::http::url;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(Some(t)) = url::parse_absolute_http(&text) {
        let _ = (t.host_header(), t.absolute_url());
    }
    let _ = url::parse_authority(&text, 443);
});
