//! Client authentication: the state of a client session (credentials,
//! preferences) and, later, the challenge/response engine that uses it.

pub mod async_challenge;
pub mod client;
pub mod credential;
pub mod server;
pub mod session;
pub mod sessions;
