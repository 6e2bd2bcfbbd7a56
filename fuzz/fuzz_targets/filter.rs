//! Filter file splitting and pattern translation (BRE, ERE, fnmatch),
//! then one match. The first byte picks the type and flags.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinyproxy_rs::config::{FilterConfig, FilterType};
use tinyproxy_rs::filter::Filter;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, content)) = data.split_first() else {
        return;
    };
    let cfg = FilterConfig {
        kind: [FilterType::Bre, FilterType::Ere, FilterType::Fnmatch][usize::from(flags % 3)],
        case_sensitive: flags & 4 != 0,
        default_deny: flags & 8 != 0,
        urls: flags & 16 != 0,
        ..FilterConfig::default()
    };
    if let Ok(f) = Filter::from_bytes(&cfg, "fuzz.filter", content) {
        let subject = String::from_utf8_lossy(content);
        let _ = f.is_blocked(&subject);
        let _ = f.is_blocked("http://www.example.com/path");
    }
});
