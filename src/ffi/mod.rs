//! The C ABI. Every `extern "C"` function lives below this module: each checks
//! its pointers, converts, calls the safe core, maps errors to `pj_status_t`
//! (in `status`, only there) and runs inside the panic boundary.

// Every export documents its C contract (ownership, NULL, threads) in prose;
// a rustdoc "# Safety" heading on each would only repeat it in the header.
#![allow(clippy::missing_safety_doc)]

mod cast;
mod credential;
mod panic;

pub mod async_auth;
pub mod auth_client;
pub mod auth_server;
pub mod auth_types;
pub mod digest;
pub mod endpoint;
pub mod grp_lock;
pub mod hooks;
pub mod msg;
pub mod pjlib;
pub mod pool;
pub mod regc;
pub mod session;
pub mod status;
mod table;
pub mod timer;
pub mod types;
