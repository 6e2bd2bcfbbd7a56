//! TEMPORARY stub until the pages branch lands.
pub async fn allowed(acl: &Option<Vec<crate::config::AclRule>>, _ip: std::net::IpAddr) -> bool {
    acl.is_none()
}
