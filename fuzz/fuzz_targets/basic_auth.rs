//! `Proxy-Authorization` / `Authorization` values against BasicAuth users.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;
use tinyproxy_rs::policy::auth::{check_proxy_auth, check_stathost_auth};
use tinyproxy_rs::config::Config;

fn config() -> &'static Config {
    static CFG: OnceLock<Config> = OnceLock::new();
    CFG.get_or_init(|| {
        let mut c = Config::with_defaults(PathBuf::from("fuzz.conf"));
        c.basic_auth = vec![("user".into(), "pass".into()), ("ü".into(), "p:w".into())];
        c
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = check_proxy_auth(config(), Some(data));
    let _ = check_stathost_auth(config(), None, Some(data));
});
