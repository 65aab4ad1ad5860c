//! The registration client (RFC 3261 section 10), safe and free of C.
//!
//! - [`request`]: what a client registers ([`Binding`]) and building the
//!   REGISTER / unregister messages, with the CSeq rule.
//! - [`expiry`]: the expiry a 2xx granted (Contact `expires`, `Expires`) and
//!   when to refresh.
//! - [`client`]: the state machine over the endpoint: one REGISTER
//!   transaction at a time, the 401/407 hand-off, the refresh timer, destroy.
//!
//! The client knows nothing of authentication: a 401/407 goes to the
//! [`Hooks`] its owner supplies, which answers "deferred" (the application
//! holds a [`Pending`] and resolves it later), "retry with this request" or
//! "fail". `ffi::regc` implements the hooks with PJSIP's async auth API.

pub mod client;
pub mod expiry;
pub mod request;

pub use client::{Answer, Challenge, Client, Hooks, OutgoingRequest, Pending, Report};
pub use expiry::{granted_expiry, refresh_delay};
pub use request::{build_register, is_unregister, Binding, Identity};
