//! TEMPORARY stub until the pages branch lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    NotRequired,
    Ok,
    Missing,
    Bad,
}
pub fn check_proxy_auth(_c: &crate::config::Config, _h: Option<&[u8]>) -> AuthOutcome {
    AuthOutcome::NotRequired
}
pub fn check_stathost_auth(_c: &crate::config::Config, _h: Option<&[u8]>) -> AuthOutcome {
    AuthOutcome::NotRequired
}
