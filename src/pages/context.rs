//! What every page shares: the connection facts a page may show
//! ([`PageContext`]), the standard template variables and our `Server:`
//! header. A leaf of `pages`: the error and stats pages both build on it.

use super::template::{self, Vars};
use crate::config::Config;

/// Our `Server:` header: the 1.11.3 form, without a version.
pub(crate) const SERVER_HEADER: &[u8] = b"Server: tinyproxy\r\n";

/// The project's web site, the `{website}` variable.
pub const WEBSITE: &str = "https://tinyproxy.github.io/";

/// What a page may show about the connection.
#[derive(Clone, Copy, Debug)]
pub struct PageContext<'a> {
    pub config: &'a Config,
    /// The client address as logged (`{clientip}`).
    pub client_ip: &'a str,
    /// The raw request line once read (`{request}`); `None` before that,
    /// and the variable then stays verbatim.
    pub request_line: Option<&'a str>,
    /// The client's HTTP/1.x minor version once the request line parsed
    /// with major 1; `None` answers `HTTP/1.0`.
    pub http_minor: Option<u8>,
    /// The request URL for the errors that show one (`{url}`).
    pub url: Option<&'a str>,
    /// The system error text for 500 pages (`{error}`).
    pub error: Option<&'a str>,
}

impl<'a> PageContext<'a> {
    /// A context that knows only the client (e.g. an ACL denial).
    pub fn new(config: &'a Config, client_ip: &'a str) -> PageContext<'a> {
        PageContext {
            config,
            client_ip,
            request_line: None,
            http_minor: None,
            url: None,
            error: None,
        }
    }
}

/// The variables every page has (tinyproxy's standard set): `errno`,
/// `cause` (when given), `request` (once read), `clientip`, `date`,
/// `website`, `version`, `package`. Client-supplied text is HTML-escaped.
pub fn standard_vars(ctx: &PageContext<'_>, errno: i32, cause: Option<&str>) -> Vars {
    let mut vars = Vars::new();
    vars.set("errno", errno.to_string());
    if let Some(cause) = cause {
        vars.set("cause", cause);
    }
    if let Some(line) = ctx.request_line {
        vars.set_escaped("request", line);
    }
    vars.set("clientip", ctx.client_ip);
    vars.set("date", template::http_date());
    vars.set("website", WEBSITE);
    vars.set("version", crate::TINYPROXY_VERSION);
    vars.set("package", "tinyproxy");
    vars
}
