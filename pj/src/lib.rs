//! pjsip-auth-shim-pj: the drop-in front end for real PJSIP.
//!
//! `libpjsip_auth_shim_pj.{a,so}` replaces PJSIP's `sip_auth_client.o` inside
//! an existing PJSIP application: placed before libpjsip on the link line (or
//! ahead of libpjsip.so), it provides the 23 global symbols of that object
//! and nothing else of pjproject's namespaces, and uses the application's own
//! pjlib/pjsip for everything else.
//!
//! Two halves:
//! - `glue/*.c`, compiled by build.rs against the user's pjproject headers:
//!   the 23 symbols (one object, `glue/auth_client.c`), each only converting
//!   and forwarding here, and the accessors through which this side reads and
//!   edits PJSIP's structs (whose layouts move with config_site.h).
//! - this crate: the `pjshim_pj_*` functions the glue forwards to, over the
//!   safe core of `pjsip-auth-shim` (built without its standalone C front end).
//!
//! Without a pjproject to build against (see build.rs) the crate is empty.

#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(pjshim_pjproject)]
mod algorithm;
#[cfg(pjshim_pjproject)]
mod async_auth;
#[cfg(pjshim_pjproject)]
mod client;
#[cfg(pjshim_pjproject)]
mod cred;
#[cfg(pjshim_pjproject)]
mod digest2;
#[cfg(pjshim_pjproject)]
mod glue;
#[cfg(pjshim_pjproject)]
mod msg;
#[cfg(pjshim_pjproject)]
mod panic;
#[cfg(pjshim_pjproject)]
mod session;
#[cfg(pjshim_pjproject)]
mod status;
#[cfg(pjshim_pjproject)]
mod version;
#[cfg(pjshim_pjproject)]
mod view;
