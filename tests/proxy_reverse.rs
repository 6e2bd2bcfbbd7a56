//! End-to-end reverse proxy: every transcript of spec §11.17 against a
//! loopback origin.

use tinyproxy_test_support::ours;
use tinyproxy_test_support::{echo_response, raw, Origin, Proxy};

fn reverse_proxy(origin: &Origin) -> Proxy {
    // The proxy's own port is only known once it runs; ReverseBaseURL
    // just needs to be some public URL.
    Proxy::start(
        ours!(),
        &format!(
            "ViaProxyName \"tp-g\"\n\
         ReversePath \"/ex/\" \"http://127.0.0.1:{0}/real/\"\n\
         ReversePath \"/noslash\" \"http://127.0.0.1:{0}/ns/\"\n\
         ReverseOnly Yes\nReverseMagic Yes\n\
         ReverseBaseURL \"http://public.example:8080/\"",
            origin.port
        ),
    )
}

#[test]
fn mapped_path_is_rewritten_and_gets_the_magic_cookie() {
    let origin = Origin::start();
    let p = reverse_proxy(&origin);
    let out = raw(
        p.addr(),
        b"GET /ex/page?x=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    );
    assert!(
        out.starts_with(
            "HTTP/1.1 200 OK\r\nVia: 1.1 tp-g (tinyproxy)\r\n\
             Set-Cookie: yummy_magical_cookie=/ex/; path=/\r\nServer: echo-origin\r\n"
        ),
        "{out}"
    );
    let seen = origin.wait_requests(1);
    assert!(seen[0].starts_with(&format!(
        "GET /real/page?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n",
        origin.port
    )));
    p.wait_log(&format!(
        "Rewriting URL: /ex/page?x=1 -> http://127.0.0.1:{}/real/page?x=1",
        origin.port
    ));
}

#[test]
fn prefix_without_slash_is_redirected() {
    let origin = Origin::start();
    let p = reverse_proxy(&origin);
    let out = raw(p.addr(), b"GET /noslash HTTP/1.1\r\n\r\n");
    assert!(
        out.starts_with("HTTP/1.1 301 Moved Permanently\r\n"),
        "{out}"
    );
    assert!(out.contains("Location: /noslash/\r\n"), "{out}");
    p.wait_log("Rewriting URL: /noslash -> /noslash/");
}

#[test]
fn reverse_only_refuses_unmapped_and_forward_requests() {
    let origin = Origin::start();
    let p = reverse_proxy(&origin);
    let out = raw(p.addr(), b"GET /other HTTP/1.1\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    assert!(out.contains("No mapping found for requested url"), "{out}");
    p.wait_log("Bad request, no mapping for '/other' found");
    let out = raw(
        p.addr(),
        format!("GET {} HTTP/1.1\r\n\r\n", origin.url("/x")).as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    assert!(origin.requests().is_empty());
}

#[test]
fn redirects_are_rewritten_and_the_cookie_maps_other_paths() {
    let origin = Origin::start_with(|req: &[u8]| {
        let text = String::from_utf8_lossy(req);
        if text.starts_with("GET /real/redir") {
            let port = text
                .split("Host: 127.0.0.1:")
                .nth(1)
                .unwrap()
                .split("\r\n")
                .next()
                .unwrap()
                .to_string();
            format!("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/real/target\r\nContent-Length: 0\r\n\r\n").into_bytes()
        } else {
            echo_response(req)
        }
    });
    let p = reverse_proxy(&origin);
    let out = raw(
        p.addr(),
        b"GET /ex/redir HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(
        out.contains("Location: http://public.example:8080/ex/target\r\n"),
        "{out}"
    );
    p.wait_log("Rewriting HTTP redirect: ");
    let out = raw(
        p.addr(),
        b"GET /img/logo.png HTTP/1.1\r\nCookie: yummy_magical_cookie=/ex/\r\nConnection: close\r\n\r\n",
    );
    assert!(out.contains("GET /real/img/logo.png HTTP/1.1"), "{out}");
    p.wait_log("Magical tracking cookie says: /ex/");
}
