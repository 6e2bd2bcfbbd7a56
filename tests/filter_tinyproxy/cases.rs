//! The table for the differential test: (filter setup, requests).

use super::{Req, Setup};
use tinyproxy_rs::config::types::FilterType::{self, Bre, Ere, Fnmatch};

fn get(host: &'static str) -> Req {
    Req::Get(host, None, "/")
}

fn setup(content: &[u8], kind: FilterType, cs: bool, urls: bool, deny: bool) -> Setup {
    Setup {
        case_sensitive: cs,
        urls,
        default_deny: deny,
        ..Setup::new(content, kind)
    }
}

/// Every configuration with the requests sent through it.
pub fn all() -> Vec<(Setup, Vec<Req>)> {
    let spec_file: &[u8] =
        b"# comment line\n^blocked\\.test$\n  evil   # trailing comment\nBADCASE\n";
    let spec_reqs = vec![
        get("blocked.test"),
        get("www.blocked.test"),
        get("sub.evil.test"),
        get("www.badcase.test"),
        get("www.BADCASE.test"),
        get("good.test"),
        get("comment.test"),
        Req::Connect("sub.evil.test", 443),
        Req::Get("blocked.test", Some(8080), "/x"),
        Req::Get("Blocked.Test", None, "/x"),
    ];
    let bre_specials: &[u8] =
        b"^x\\{2\\}\\.\n^\\(ab\\)*c\\.\nq\\+r\n^m\\?n\\.\n\\(foo\\|bar\\)\\.test$\n^a+b\n";
    let bre_reqs = vec![
        get("xx.test"),
        get("x.test"),
        get("xxx.test"),
        get("c.test"),
        get("ababc.test"),
        get("ac.test"),
        get("qqr.test"),
        get("qr.test"),
        get("r.test"),
        get("n.test"),
        get("mn.test"),
        get("mmn.test"),
        get("foo.test"),
        get("bar.test"),
        get("baz.test"),
        get("ab.test"),
    ];
    let ere: &[u8] = b"^(www|ads)\\.example\\.test$\n^a{2,3}\\.\nb+c\\.\n^x?yz\\.\n";
    let ere_reqs = vec![
        get("www.example.test"),
        get("ads.example.test"),
        get("cdn.example.test"),
        get("aa.test"),
        get("aaaa.test"),
        get("bbc.test"),
        get("c.test"),
        get("yz.test"),
        get("xyz.test"),
        get("xxyz.test"),
    ];
    let classes: &[u8] = b"^[[:digit:]][[:digit:]]*\\.\n^[^a-m.]*\\.test$\n^[[:upper:]]\n[]_]\n";
    let class_reqs = vec![
        get("123.test"),
        get("a123.test"),
        get("xyz.test"),
        get("abc.test"),
        get("Abc.test"),
        get("under_score.test"),
    ];
    let fnm: &[u8] = b"*.example.test\nads?.test\n[a-c]*.test\n[!x]y.test\n";
    let fnm_reqs = vec![
        get("www.example.test"),
        get("WWW.EXAMPLE.TEST"),
        get("example.test"),
        get("ads1.test"),
        get("ads.test"),
        get("b.test"),
        get("xy.test"),
        get("zy.test"),
        Req::Connect("cdn.example.test", 443),
    ];
    let mut long = vec![b'x'; 511];
    long.extend_from_slice(b"longblock\n");
    long.extend_from_slice(&[b'y'; 515]);
    long.extend_from_slice(b"\n\tleadingtab\r\nabc#def\nnul\0blocked\nport8080\n");
    let file_reqs = vec![
        get("longblock.test"),
        get("yyyy.test"),
        get("yyy.test"),
        get("leadingtab.test"),
        get("abc.test"),
        get("def.test"),
        get("nul.test"),
        get("blocked.test"),
        Req::Get("port.test", Some(8080), "/"),
        get("port8080.test"),
    ];
    let url_reqs = vec![
        Req::Get("x.test", None, "/ads/1"),
        Req::Get("x.test", None, "/ok"),
        Req::Get("x.test", None, "/a#b"),
        Req::Get("x.test", None, "/ab"),
        Req::Get("x.test", Some(8443), "/"),
        Req::Connect("ads.test", 443),
        Req::Connect("x.test", 8443),
        Req::Get("private.test", None, "/private/x"),
        Req::Get("port.test", Some(8080), "/"),
    ];
    let quirks: &[u8] = include_bytes!("../fixtures/filter/quirks.txt");
    let quirk_reqs = vec![
        get("leading-tab.test"),
        get("vtab-ff.test"),
        get("abc.test"),
        get("def.test"),
        get("CRLF.test"),
        get("trailing.test"),
        get("space.test"),
        get("inside.test"),
        get("comment.test"),
        Req::Get("x.test", None, "/hash#kept"),
        Req::Get("x.test", None, "/hash"),
    ];
    vec![
        (setup(quirks, Bre, false, false, false), quirk_reqs.clone()),
        (setup(quirks, Ere, true, true, false), quirk_reqs),
        (
            setup(spec_file, Bre, false, false, false),
            spec_reqs.clone(),
        ),
        (setup(spec_file, Bre, true, false, false), spec_reqs.clone()),
        (setup(spec_file, Ere, false, false, true), spec_reqs),
        (
            setup(bre_specials, Bre, false, false, false),
            bre_reqs.clone(),
        ),
        (setup(bre_specials, Ere, false, false, false), bre_reqs),
        (setup(ere, Ere, false, false, false), ere_reqs.clone()),
        (setup(ere, Bre, false, false, false), ere_reqs),
        (setup(classes, Bre, false, false, false), class_reqs.clone()),
        (setup(classes, Bre, true, false, false), class_reqs),
        (setup(fnm, Fnmatch, false, false, false), fnm_reqs.clone()),
        (setup(fnm, Fnmatch, false, false, true), fnm_reqs),
        (setup(&long, Bre, false, false, false), file_reqs.clone()),
        (setup(b"", Bre, false, false, true), file_reqs),
        (
            setup(
                b"/ads/\n:8443$\na\\#b\nprivate\n8080\n",
                Bre,
                false,
                true,
                false,
            ),
            url_reqs.clone(),
        ),
        (
            setup(b"http://*/private*\n*:443\n", Fnmatch, false, true, false),
            url_reqs,
        ),
    ]
}
