use super::*;
use crate::config::parse_bytes;

/// Rendered unshown, a config parses back to itself; `None` when the
/// file is not a valid config to begin with.
fn round_trip(name: &str, text: &[u8]) -> Option<(Config, String)> {
    let cfg = parse_bytes(text, Path::new(name)).ok()?.config;
    let out = render(&cfg, Secrets::Shown);
    let again = parse_bytes(out.as_bytes(), Path::new(name))
        .unwrap_or_else(|e| panic!("{name}: rendered config does not parse: {e}\n{out}"))
        .config;
    // Allow/Deny lines that were all invalid are a comment: not a rule.
    if cfg.acl.as_ref().is_some_and(Vec::is_empty) {
        return Some((cfg, out));
    }
    assert_eq!(
        as_rendered(again),
        as_rendered(cfg.clone()),
        "{name}:\n{out}"
    );
    Some((cfg, out))
}

/// The test fixtures and, when present beside the repository, the
/// real-world and image configs of `../shared/configs`.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [
        root.join("tests/fixtures/config"),
        root.join("conf"),
        root.join("../shared/configs/real-world"),
        root.join("../shared/configs/images"),
    ];
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "conf") {
                if let Ok(text) = std::fs::read(&p) {
                    out.push((p.display().to_string(), text));
                }
            }
        }
    }
    out
}

#[test]
fn every_valid_config_renders_to_an_equal_one() {
    let files = corpus();
    let valid = files
        .iter()
        .filter_map(|(name, text)| round_trip(name, text))
        .count();
    // The fixtures alone hold about 40 valid configs (../shared adds 30).
    eprintln!("{valid} of {} configs round-trip", files.len());
    assert!(valid >= 35, "only {valid} of {} parsed", files.len());
}

#[test]
fn every_directive_kind_round_trips() {
    let text = b"User nobody\nGroup nogroup\nPidFile \"/run/t.pid\"\nPort 8888\n\
        Listen 127.0.0.1\nListen fe80::1%lo\nBind 127.0.0.2\nBindSame yes\nTimeout 30\n\
        MaxClients 7\nErrorFile 404 \"/e/404.html\"\nDefaultErrorFile \"/e/d.html\"\n\
        StatHost \"stats.local\"\nStatFile \"/e/s.html\"\nLogFile \"/l/t.log\"\nSyslog no\n\
        LogLevel Connect\nUpstream http u:p@[::1]:3128 \".example.com\"\n\
        Upstream socks5 10.0.0.1:1080 \"10.1.2.3/8\"\nUpstream none \"local\"\n\
        Upstream socks4 h:1080 \".\"\nUpstream http proxy:8080\n\
        Allow 10.0.0.0/8\nDeny host.example\nConnectPort 443\nConnectPort 8443\n\
        BasicAuth alice pass word\nBasicAuthRealm \"R\"\nXTinyproxy yes\n\
        AddHeader \"X-A\" \"v 1\"\nViaProxyName \"v\"\nDisableViaHeader yes\n\
        Anonymous \"Host\"\nFilter \"/f\"\nFilterURLs on\nFilterType ere\n\
        FilterCaseSensitive yes\nFilterDefaultDeny yes\nReversePath \"/a/\" \"http://b/\"\n\
        ReverseOnly yes\nReverseMagic yes\nReverseBaseURL \"http://me/\"\n";
    let (_, out) = round_trip("all", text).expect("valid");
    for needle in [
        "Upstream http u:p@[::1]:3128 \".example.com\"",
        "Upstream socks5 10.0.0.1:1080 \"10.0.0.0/8\"",
        "Listen fe80::1%lo",
        "LogLevel Connect",
        "BasicAuth alice pass word",
    ] {
        assert!(out.contains(needle), "{needle}:\n{out}");
    }
}

#[test]
fn masked_output_shows_no_secret() {
    let text = b"Port 8888\nBasicAuth alice s3cret\nUpstream http bob:hunter2@h:1 \"x\"\n\
        AddHeader \"Authorization\" \"Bearer tok\"\n";
    let cfg = parse_bytes(text, Path::new("m")).expect("valid").config;
    let out = render(&cfg, Secrets::Masked);
    for secret in ["s3cret", "hunter2", "Bearer tok"] {
        assert!(!out.contains(secret), "{secret}:\n{out}");
    }
    assert!(out.contains("BasicAuth alice <redacted>"), "{out}");
    assert!(out.contains("bob:<redacted>@h:1"), "{out}");
    assert!(
        out.contains("AddHeader \"Authorization\" \"<redacted>\""),
        "{out}"
    );
}

#[test]
fn unset_and_empty_settings_say_what_applies() {
    let cfg = parse_bytes(b"Port 1\n", Path::new("d"))
        .expect("valid")
        .config;
    let out = render(&cfg, Secrets::Masked);
    assert!(out.contains("# LogLevel not set: Info applies"), "{out}");
    assert!(
        out.contains("# no Allow or Deny: every client is allowed"),
        "{out}"
    );
    assert!(out.contains("Timeout 600\n"), "{out}");
    assert!(out.contains("MaxClients 100\n"), "{out}");
}
