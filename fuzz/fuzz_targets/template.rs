//! Page template expansion: the input is the template; some variables
//! are defined, one of them with a value taken from the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinyproxy_rs::pages::template::{render, Vars};

fuzz_target!(|data: &[u8]| {
    let mut vars = Vars::new();
    vars.set("cause", "Bad Request");
    vars.set("url", "http://example.com/{cause}");
    vars.set_escaped("request", &String::from_utf8_lossy(data));
    let out = render(data, &vars);
    // Without a `{` there is nothing to replace: the page is the template.
    if !data.contains(&b'{') {
        assert_eq!(out, data);
    }
});
