//! The message seam of the digest client: what it reads from a response and
//! a request (`ResponseView`, `RequestView`), and what it does to a request
//! (`AuthRequest`). The planner (`auth::planner`) works only through these,
//! so the same client drives any message model: our `SipMessage` implements
//! them in `auth::sip_view`; a front end over another model (PJSIP's own
//! `pjsip_tx_data`) implements them over its accessors.
//!
//! Contract for implementers:
//! - Header values are handed over as their text (the value after
//!   `Name:`), one item per header line, in message order; the planner
//!   parses them. A model that keeps headers parsed prints them.
//! - `authorizations(kind)` and `remove_authorizations(kind, positions)`
//!   agree on numbering: position `i` is the `i`-th item `authorizations`
//!   yielded for that kind, counted before any edit.
//! - Values the planner asks to add are UTF-8 (it checks) and contain no
//!   CR or LF (the authorization writer refuses control characters).

#[allow(unused_imports)]
use crate::prelude::*;
use crate::status::Result;

/// Which header pair a challenge and its answer use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// `WWW-Authenticate` (in a 401), answered with `Authorization`.
    Www,
    /// `Proxy-Authenticate` (in a 407), answered with `Proxy-Authorization`.
    Proxy,
}

impl AuthKind {
    /// Both kinds, in the order the client considers them.
    pub const fn both() -> [AuthKind; 2] {
        [AuthKind::Www, AuthKind::Proxy]
    }

    /// The kind of a `proxy` flag (as the session cache stores it).
    pub const fn from_proxy(proxy: bool) -> AuthKind {
        if proxy {
            AuthKind::Proxy
        } else {
            AuthKind::Www
        }
    }

    /// True for `Proxy`.
    pub const fn is_proxy(self) -> bool {
        matches!(self, AuthKind::Proxy)
    }

    /// The challenge header's name.
    pub const fn challenge_header(self) -> &'static str {
        match self {
            AuthKind::Www => "WWW-Authenticate",
            AuthKind::Proxy => "Proxy-Authenticate",
        }
    }

    /// The answering header's name.
    pub const fn authorization_header(self) -> &'static str {
        match self {
            AuthKind::Www => "Authorization",
            AuthKind::Proxy => "Proxy-Authorization",
        }
    }
}

/// A received response, borrowed for the time of one planning.
pub trait ResponseView {
    /// The status code; `None` when the message is not a response.
    fn status(&self) -> Option<u16>;
    /// The values of every challenge header of `kind`, in order.
    fn challenges(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]>;
}

/// A request about to be (re)sent, borrowed for the time of one planning.
pub trait RequestView {
    /// The method (`REGISTER`); `None` when the message is not a request.
    fn method(&self) -> Option<&[u8]>;
    /// The Request-URI as it will be sent; `None` when not a request.
    fn request_uri(&self) -> Option<&[u8]>;
    /// The body (hashed only for `qop=auth-int`).
    fn body(&self) -> &[u8];
    /// The values of every authorization header of `kind` it carries, in
    /// order (see the module doc for the numbering).
    fn authorizations(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]>;
}

/// A request the client may edit: what applying a plan needs.
pub trait AuthRequest: RequestView {
    /// Removes the authorization headers of `kind` at `positions`
    /// (ascending, no duplicates, numbered as `authorizations` yields them
    /// before any edit).
    fn remove_authorizations(&mut self, kind: AuthKind, positions: &[u32]);
    /// Adds one authorization header of `kind` with `value`, after the
    /// others of its kind. An error stops the apply; the session is then
    /// not updated (so an implementation that can fail should fail before
    /// it has edited anything).
    fn add_authorization(&mut self, kind: AuthKind, value: &str) -> Result<()>;
    /// Makes the request a new transaction when sent again (for a SIP
    /// request: clears the top Via branch so that a fresh one is made).
    fn prepare_retry(&mut self);
}
