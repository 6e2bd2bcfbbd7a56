//! The names most end-to-end tests use, for `use ...::prelude::*`.

pub use crate::client::{
    admin_get, echoes, get, get_from, kept_conn, kept_get, ok_from_origin, open_tunnel, sample,
};
pub use crate::http::{curl, raw, read_message};
pub use crate::origin::{echo_response, echo_server, Origin, SlowOrigin, SLOW_BODY};
pub use crate::ours;
pub use crate::ports::{free_port, local};
pub use crate::process::{conf_text, kill, start_with_admin, write_atomic, Guard, Proxy};
pub use crate::wait::{refused, wait_for, wait_port, DEADLINE};
