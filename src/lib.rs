//! pjsip-auth-shim: PJSIP-compatible SIP client digest authentication, above
//! all its asynchronous challenge API, with single-use thread-safe tokens.
//!
//! The core modules are safe Rust and know nothing of C; `ffi` is the thin C
//! layer (see `include/pjsip_auth_shim.h`), present with the default
//! `standalone` feature; the drop-in for real PJSIP (`pj/`) uses the core
//! without it.

#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod auth;
pub mod digest;
pub mod endpoint;
#[cfg(feature = "standalone")]
pub mod ffi;
pub mod grp_lock;
mod handle;
pub mod hooks;
pub mod pool;
pub mod regc;
pub mod sip;
pub mod status;
mod sync;
pub mod token;
