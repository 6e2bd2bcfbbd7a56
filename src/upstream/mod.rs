//! TEMPORARY stub until the upstream branch lands.
use crate::config::{Credentials, UpstreamProxy, UpstreamRule};
pub fn route<'a>(_r: &'a [UpstreamRule], _h: &str) -> Option<&'a UpstreamProxy> {
    None
}
pub fn proxy_authorization(_c: &Credentials) -> String {
    String::new()
}
pub async fn socks5_connect<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    _s: &mut S,
    _h: &str,
    _p: u16,
    _c: Option<&Credentials>,
) -> Result<(), std::io::Error> {
    Ok(())
}
pub async fn socks4a_connect<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    _s: &mut S,
    _h: &str,
    _p: u16,
) -> Result<(), std::io::Error> {
    Ok(())
}
