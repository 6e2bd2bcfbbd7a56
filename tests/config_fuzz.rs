//! Fuzz-ish property test: random bytes, random token lines and random
//! mutations of valid configs go through `parse_bytes`. It must never
//! panic, and what it returns must be self-consistent (positions inside
//! the file, a port when accepted, tinyproxy's stderr lines first).
//! Deterministic (fixed-seed PRNG), bounded in count and time.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};
use tinyproxy_rs::config::{parse_bytes, SyntaxError};

/// splitmix64: small, deterministic, good enough for test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const NAMES: &[&str] = &[
    "Port",
    "Listen",
    "Bind",
    "BindSame",
    "Timeout",
    "ErrorFile",
    "DefaultErrorFile",
    "StatHost",
    "StatFile",
    "LogFile",
    "Syslog",
    "LogLevel",
    "PidFile",
    "XTinyproxy",
    "Upstream",
    "MaxClients",
    "Allow",
    "Deny",
    "BasicAuth",
    "BasicAuthRealm",
    "AddHeader",
    "ViaProxyName",
    "DisableViaHeader",
    "Filter",
    "FilterURLs",
    "FilterType",
    "FilterExtended",
    "FilterCaseSensitive",
    "FilterDefaultDeny",
    "Anonymous",
    "ConnectPort",
    "ReversePath",
    "ReverseOnly",
    "ReverseMagic",
    "ReverseBaseURL",
    "StartServers",
    "User",
    "Group",
    "upstream",
    "PORT",
    "#",
    "Foo",
];

const TOKENS: &[&str] = &[
    "8888",
    "0",
    "010",
    "08",
    "65536",
    "99999999999999999999",
    "yes",
    "No",
    "ON",
    "off",
    "\"a\"",
    "\"\"",
    "\"/x y\"",
    "\"http://b/\"",
    "\"",
    "127.0.0.1",
    "::1",
    "1.2.3.999",
    "127.1",
    "10.0.0.0/8",
    "10.0.0.0/33",
    "fe80::1%lo",
    "fe80::1%",
    "[::1]:3128",
    "[::1",
    "h:1",
    "h:",
    "u:p@h:80",
    ":@h:0",
    "http",
    "HTTP",
    "socks4",
    "socks5",
    "none",
    "NONE",
    "\"10.0.0.0/255.0.255.0\"",
    "\"a:b\"",
    "\".\"",
    "\"10.0.0.0/8x\"",
    "info",
    "Debug",
    "ere",
    "FNMATCH",
    "nobody",
    "a:b",
    "p@ss",
    "#",
    "# c",
    "\r",
    "\t",
    " ",
    "%",
    "/",
    "@",
    "\u{e9}",
    "\u{feff}",
];

const SEEDS: &[&str] = &[
    "Port 8888\nListen 127.0.0.1\nTimeout 600\nAllow 127.0.0.1\nAllow ::1\nLogLevel Info\n",
    "Port 3128\nUpstream http u:p@127.0.0.1:3128 \".example.com\"\nUpstream none \"10.0.0.0/8\"\nUpstream socks5 [::1]:1080\n",
    "Port 1\nBasicAuth user pass word\nErrorFile 404 \"/e.html\"\nAddHeader \"X\" \"y\"\nReversePath \"/a/\" \"http://b/\"\n",
    "# comment\nPort 8080\nFilter \"/f\"\nFilterURLs On\nFilterType ere\nConnectPort 443\nStartServers 5\n",
];

const SPECIAL: &[u8] = b"\n\n\n\r\t \"#:@/%[].\0\xff\x0b09aZ-_";

fn random_bytes(r: &mut Rng) -> Vec<u8> {
    let len = r.below(600);
    (0..len)
        .map(|_| match r.below(3) {
            0 => r.pick(SPECIAL),
            1 => (r.below(95) + 32) as u8,
            _ => r.next() as u8,
        })
        .collect()
}

fn random_lines(r: &mut Rng) -> Vec<u8> {
    let mut s = String::new();
    for _ in 0..r.below(12) + 1 {
        s.push_str(r.pick(NAMES));
        for _ in 0..r.below(5) {
            s.push_str(r.pick(&[" ", "\t", "  ", ""]));
            s.push_str(r.pick(TOKENS));
        }
        s.push_str(r.pick(&["\n", "\n", "\r\n", " \n", ""]));
    }
    s.into_bytes()
}

fn mutate(r: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..r.below(3) + 1 {
        let at = r.below(v.len() + 1);
        match r.below(12) {
            0 if !v.is_empty() => {
                let k = r.below(v.len());
                v[k] = r.next() as u8;
            }
            1 => v.splice(at..at, r.pick(TOKENS).bytes()).for_each(drop),
            2 if at < v.len() => {
                let end = (at + r.below(20)).min(v.len());
                v.drain(at..end);
            }
            3 => v.splice(at..at, r.pick(NAMES).bytes()).for_each(drop),
            4 => v.insert(at.min(v.len()), r.pick(SPECIAL)),
            5 => v.extend(std::iter::repeat(b'x').take(r.below(3000))),
            _ => {
                // Duplicate a line: mostly keeps the file valid.
                let start = v[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |k| k + 1);
                let line: Vec<u8> = v[start..]
                    .split(|&b| b == b'\n')
                    .next()
                    .unwrap_or(&[])
                    .to_vec();
                v.extend_from_slice(&line);
                v.push(b'\n');
            }
        }
    }
    v
}

/// Parse one input; describe what is wrong with the outcome, if anything.
/// `Ok(true)` when the input was accepted.
fn check(input: &[u8]) -> Result<bool, String> {
    let lines = input.len() / 2047 + input.iter().filter(|&&b| b == b'\n').count() + 1;
    let got = catch_unwind(AssertUnwindSafe(|| {
        parse_bytes(input, Path::new("/f.conf"))
    }));
    match got {
        Err(_) => Err("panicked".into()),
        Ok(Ok(l)) => {
            if l.config.port == 0 {
                return Err("accepted without a port".into());
            }
            match l
                .diagnostics
                .iter()
                .find(|d| d.line > lines || d.message.is_empty())
            {
                Some(d) => Err(format!("bad diagnostic {d:?}")),
                None => Ok(true),
            }
        }
        Ok(Err(e)) => {
            let text = e.stderr_text();
            if e.exit_code() != 70 || !text.ends_with('\n') {
                return Err(format!("bad error text {text:?}"));
            }
            if let Some(SyntaxError {
                line,
                text_column: column,
                text: t,
                ..
            }) = e.syntax()
            {
                let ok = (1..=lines).contains(line) && *column >= 1 && *column <= t.len() + 1;
                if !ok || !text.contains(&format!("ERROR: Syntax error on line {line}\n")) {
                    return Err(format!("bad position {line}:{column} in {text:?}"));
                }
            }
            Ok(false)
        }
    }
}

#[test]
fn parser_never_panics_and_stays_consistent() {
    let mut r = Rng(0x7469_6e79_7072_6f78);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut failures = Vec::new();
    let (mut n, mut accepted) = (0, 0);
    while n < 6000 && Instant::now() < deadline {
        let input = match n % 3 {
            0 => random_bytes(&mut r),
            1 => random_lines(&mut r),
            _ => {
                let seed = r.pick(SEEDS);
                mutate(&mut r, seed.as_bytes())
            }
        };
        match check(&input) {
            Ok(true) if n % 3 == 2 => accepted += 1,
            Ok(true) => {}
            Ok(false) => {}
            Err(why) => failures.push(format!("{why}: {:?}", String::from_utf8_lossy(&input))),
        }
        n += 1;
    }
    assert!(n >= 1000, "only {n} cases ran before the deadline");
    // Enough mutated configs must get past the grammar for the test to
    // reach the directive handlers.
    assert!(
        accepted * 10 >= n / 3,
        "only {accepted} of {} mutated configs were accepted",
        n / 3
    );
    eprintln!("{n} inputs, {accepted} of the mutated configs accepted");
    assert!(
        failures.is_empty(),
        "{} of {n} failed:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );
}

#[test]
fn seeds_are_valid() {
    // The mutation seeds must start out valid, or the mutations test less.
    for s in SEEDS {
        assert!(parse_bytes(s.as_bytes(), Path::new("/s")).is_ok(), "{s}");
    }
}
