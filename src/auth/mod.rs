//! Client authentication: the state of a client session (credentials,
//! preferences, the challenge cache), the message seam the client works
//! through (`view`), the planner that computes answers (`planner`), their
//! application (`apply`), and the client calls built on them (`client`);
//! plus server-side verification (`server`).

pub mod apply;
pub mod async_challenge;
pub mod bearer;
pub mod client;
pub mod credential;
pub mod planner;
#[cfg(feature = "std")]
pub mod server;
pub mod session;
pub mod sessions;
#[cfg(feature = "std")]
mod sip_view;
pub mod view;
