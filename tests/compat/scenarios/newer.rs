//! Config features of 1.11.2 and later (BasicAuthRealm, the wider BasicAuth
//! character set, bracketed IPv6 upstreams): 1.11.1 refuses these configs
//! (config_differential pins that), so they run against the reference
//! build only.

use super::{auth_accepted, newer};
use crate::harness::Ctx;
use crate::obs::Obs;
use crate::peers::{Peer, Reply};
use crate::{Expect, Scenario};

pub fn scenarios() -> Vec<Scenario> {
    vec![
        newer("new_basicauthrealm", "BasicAuthRealm is 1.11.3", realm),
        newer(
            "new_basicauth_special_chars",
            "1.11.1 allows [-a-z0-9._] only",
            special_chars,
        ),
        newer(
            "new_upstream_ipv6_bracket",
            "[IPv6]:port is 1.11.2",
            upstream_v6,
        ),
        newer(
            "new_basicauth_password_with_space",
            "1.11.1 allows [-a-z0-9._] only",
            password_space,
        )
        .vs_reference(Expect::Differs("ref-basicauth-split", split_lift)),
    ]
}

/// Wrong credentials: 407 names the configured realm.
fn realm(c: &mut Ctx) {
    c.origin();
    c.start("BasicAuth user pass\nBasicAuthRealm \"Staff only\"\nViaProxyName \"tp-c\"");
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjp3cm9uZw==\r\n\r\n",
    );
}

/// `BasicAuth alice s3cr3t!$%&*` and those credentials: proxied.
fn special_chars(c: &mut Ctx) {
    c.origin();
    c.start("BasicAuth alice s3cr3t!$%&*\nViaProxyName \"tp-c\"");
    // base64("alice:s3cr3t!$%&*")
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nProxy-Authorization: Basic YWxpY2U6czNjcjN0ISQlJio=\r\n\r\n",
    );
}

fn upstream_echo(_req: &[u8]) -> Reply {
    Reply::close("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nupstream\n")
}

/// `Upstream http [::1]:PORT`: the request goes to the upstream on ::1.
fn upstream_v6(c: &mut Ctx) {
    c.upstream(Peer::http_v6(upstream_echo));
    c.start("ViaProxyName \"tp-d\"\nUpstream http [::1]:{UP} \".v6up.test\"");
    c.exchange("GET http://www.v6up.test/p HTTP/1.1\r\nHost: www.v6up.test\r\n\r\n");
}

/// `BasicAuth user pass word`, client `user` / `pass word`.
fn password_space(c: &mut Ctx) {
    c.origin();
    c.start("BasicAuth user pass word\nViaProxyName \"tp-c\"");
    // base64("user:pass word")
    c.exchange(
        "GET http://127.0.0.1:{ORIGIN}/a HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNzIHdvcmQ=\r\n\r\n",
    );
}

/// Master reads the line as user `user pass`, password `word`, so these
/// credentials get 407 there; we read user `user`, password `pass word`
/// and proxy the request.
fn split_lift(o: &mut Obs) {
    auth_accepted(o);
}
