//! The deliberate differences of the config differential test, against
//! Debian's 1.11.1 (`KNOWN`) and against the reference build
//! (`KNOWN_VS_REFERENCE`).

/// How a known difference shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Known {
    /// tinyproxy 1.11.1 rejects (exit 70), we accept.
    TpRejects,
    /// tinyproxy 1.11.1 accepts, we reject (exit 70).
    TpAccepts,
    /// tinyproxy fails later in its startup with this status; we reject
    /// the file at parse time.
    TpLaterExit(i32),
    /// Both accept, but the parse-time log differs.
    LogDiffers,
    /// tinyproxy parses the file but cannot listen on its address here
    /// (exit 71); binding is not part of this parse-only comparison.
    TpCannotBind,
}

/// Deliberate differences (file name, how it shows, why).
pub const KNOWN: &[(&str, Known, &str)] = &[
    (
        "diff-upstream-ipv6-bracket.conf",
        Known::TpRejects,
        "[IPv6]:port upstreams (1.11.2)",
    ),
    (
        "diff-basicauth-special-chars.conf",
        Known::TpRejects,
        "BasicAuth character set (1.11.2)",
    ),
    (
        "diff-basicauth-password-spaces.conf",
        Known::TpRejects,
        "BasicAuth password with spaces (1.11.2)",
    ),
    (
        "diff-basicauthrealm.conf",
        Known::TpRejects,
        "BasicAuthRealm (1.11.3)",
    ),
    (
        "diff-listen-scope.conf",
        Known::TpRejects,
        "IPv6 scope ids (1.11.2)",
    ),
    (
        "diff-allow-scope.conf",
        Known::TpRejects,
        "IPv6 scope ids (1.11.2)",
    ),
    (
        "gh-PavelSozonov-http-https-proxy.conf",
        Known::TpRejects,
        "BasicAuth <login> <password> is valid under 1.11.2 rules",
    ),
    (
        "diff-nul-byte.conf",
        Known::TpAccepts,
        "we refuse NUL bytes in directive lines",
    ),
    (
        "diff-bind-not-an-address.conf",
        Known::TpAccepts,
        "Bind must be an address we can bind to",
    ),
    (
        "diff-int-overflow.conf",
        Known::TpAccepts,
        "numbers that do not fit 32 bits are refused, not wrapped",
    ),
    (
        "diff-port-wrap.conf",
        Known::TpAccepts,
        "Port 4294967297 would wrap to port 1",
    ),
    (
        "diff-upstream-port-over-65535.conf",
        Known::TpAccepts,
        "upstream port would wrap",
    ),
    (
        "diff-listen-not-an-address.conf",
        Known::TpLaterExit(71),
        "Listen must be an address (tinyproxy fails to listen)",
    ),
    (
        "diff-upstream-type-caps.conf",
        Known::LogDiffers,
        "Upstream HTTP/Socks5/NONE read ignoring case",
    ),
    (
        "diff-upstream-noncontiguous-mask.conf",
        Known::LogDiffers,
        "non-contiguous dotted masks are dropped",
    ),
];

/// Against the reference build (1.11.3 + security fixes): the rows of
/// `KNOWN` that 1.11.2/1.11.3 made valid are gone (the reference build
/// accepts them as we do); what is left is ours alone, plus what master
/// parses otherwise (COMPATIBILITY.md, "Against the reference build").
pub const KNOWN_VS_REFERENCE: &[(&str, Known, &str)] = &[
    (
        "diff-basicauth-password-spaces.conf",
        Known::LogDiffers,
        "ref-basicauth-split: master reads `user pass word` as user `user pass`",
    ),
    (
        "valid-basicauth-alnum.conf",
        Known::LogDiffers,
        "ref-basicauth-split: master reads `user pass  ` as user `user pass `, empty password",
    ),
    (
        "invalid-basicauth-trailing-blank.conf",
        Known::TpAccepts,
        "ref-basicauth-split: master takes `BasicAuth user ` with an empty password",
    ),
    (
        "diff-allow-scope.conf",
        Known::LogDiffers,
        "ref-allow-scope: master drops `Allow fe80::1%lo` as an invalid address",
    ),
    (
        "diff-listen-scope.conf",
        Known::TpCannotBind,
        "fe80::1%lo is not configured here: master parses it, then cannot listen",
    ),
    (
        "diff-nul-byte.conf",
        Known::TpAccepts,
        "we refuse NUL bytes in directive lines",
    ),
    (
        "diff-bind-not-an-address.conf",
        Known::TpAccepts,
        "Bind must be an address we can bind to",
    ),
    (
        "diff-int-overflow.conf",
        Known::TpAccepts,
        "numbers that do not fit 32 bits are refused, not wrapped",
    ),
    (
        "diff-port-wrap.conf",
        Known::TpAccepts,
        "Port 4294967297 would wrap to port 1",
    ),
    (
        "diff-upstream-port-over-65535.conf",
        Known::TpAccepts,
        "upstream port would wrap",
    ),
    (
        "diff-listen-not-an-address.conf",
        Known::TpLaterExit(71),
        "Listen must be an address (tinyproxy fails to listen)",
    ),
    (
        "diff-upstream-type-caps.conf",
        Known::LogDiffers,
        "Upstream HTTP/Socks5/NONE read ignoring case",
    ),
    (
        "diff-upstream-noncontiguous-mask.conf",
        Known::LogDiffers,
        "non-contiguous dotted masks are dropped",
    ),
];
