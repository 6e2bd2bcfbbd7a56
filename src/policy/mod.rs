//! Pure decisions about a client or a request, without sockets: the
//! `Allow`/`Deny` ACL and `BasicAuth`.

pub mod acl;
pub mod auth;
