//! The C ABI. Every `extern "C"` function lives below this module: each checks
//! its pointers, converts, calls the safe core, maps errors to `pj_status_t`
//! (in `status`, only there) and runs inside the panic boundary.

mod cast;
mod panic;

pub mod auth_types;
pub mod digest;
pub mod grp_lock;
pub mod msg;
pub mod pjlib;
pub mod pool;
pub mod status;
pub mod types;
