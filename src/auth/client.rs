//! The synchronous digest client: answering a 401/407 (`reinit`) and
//! pre-emptive authorization of a new request (`init`), each a plan
//! (`auth::planner`, pure) then its application (`auth::apply`) through the
//! message seam (`auth::view`). The C exports in `ffi::auth_client` are thin
//! wrappers over these for our own `SipMessage`; any other message model
//! implementing the seam's traits works the same way (`reinit_on`,
//! `init_on`).
//!
//! Choices (API.md §4 leaves them open):
//! - cnonce: one per nonce. A new nonce gets a fresh cnonce and nc 1; every
//!   further use of the same nonce (stale retry, pre-emptive reuse, a new
//!   request challenged with it) reuses it with nc + 1.
//! - Stale counting: per (realm, header kind) cache entry, by
//!   `planner::nonce_rule`. There is no success signal in reinit, so `init`
//!   (the start of a new request) resets every counter.
//! - `init` with `initial_auth` skips wildcard-realm credentials: an empty
//!   Authorization with `realm="*"` would tell the server nothing useful.
//! - Nothing changes (request or session) when an error is returned.

use super::planner::{plan_init, plan_reinit};
use super::session::ClientSession;
use super::view::{AuthRequest, ResponseView};
use crate::digest::DigestChallenge;
#[allow(unused_imports)]
use crate::prelude::*;
#[cfg(feature = "std")]
use crate::sip::SipMessage;
use crate::status::Result;

pub use super::planner::find_credential;

/// Stale retries allowed in a row for one realm.
pub const MAX_STALE: u32 = 3;

/// Answers the 401/407 `response` into `request` with fresh cnonces.
#[cfg(feature = "std")]
pub fn reinit(
    session: &mut ClientSession,
    response: &SipMessage,
    request: &mut SipMessage,
) -> Result<()> {
    reinit_on(session, response, request, &mut |out| {
        out.extend_from_slice(crate::digest::new_cnonce().as_bytes())
    })
}

/// `reinit` taking its cnonces from `cnonce` (called once per new nonce);
/// tests use it to reproduce RFC vectors.
#[cfg(feature = "std")]
pub fn reinit_with(
    session: &mut ClientSession,
    response: &SipMessage,
    request: &mut SipMessage,
    cnonce: &mut dyn FnMut() -> Vec<u8>,
) -> Result<()> {
    reinit_on(session, response, request, &mut |out| {
        out.extend_from_slice(&cnonce())
    })
}

/// `reinit` over any message model: plans with the session's scratch
/// space, applies, commits. `cnonce` appends one fresh client nonce.
pub fn reinit_on<R: ResponseView + ?Sized, Q: AuthRequest + ?Sized>(
    session: &mut ClientSession,
    response: &R,
    request: &mut Q,
    cnonce: &mut dyn FnMut(&mut Vec<u8>),
) -> Result<()> {
    // Moving the scratch out is a few pointer copies, not an allocation.
    let mut plan = std::mem::take(&mut session.scratch);
    let r = plan_reinit(session, response, request, cnonce, &mut plan)
        .and_then(|()| super::apply::apply(&mut plan, request, session));
    session.scratch = plan;
    r
}

/// Prepares a new request: resets the stale counters (a new flow starts),
/// adds the next authorization (nc + 1, same cnonce) for every realm already
/// answered, and, with `prefs.initial_auth`, an empty Authorization for each
/// non-wildcard credential whose realm has no cached answer.
#[cfg(feature = "std")]
pub fn init(session: &mut ClientSession, request: &mut SipMessage) -> Result<()> {
    init_on(session, request)
}

/// `init` over any message model.
pub fn init_on<Q: AuthRequest + ?Sized>(
    session: &mut ClientSession,
    request: &mut Q,
) -> Result<()> {
    let mut plan = std::mem::take(&mut session.scratch);
    let r = plan_init(session, request, &mut plan)
        .and_then(|()| super::apply::apply(&mut plan, request, session));
    session.scratch = plan;
    r
}

/// `init` for a stack configured without pre-emptive authorization (PJSIP's
/// `PJSIP_AUTH_AUTO_SEND_NEXT` off): the stale counters restart and an
/// empty `initial_auth` Authorization is still added, but no cached
/// challenge is answered ahead of the server asking.
pub fn init_without_cache_on<Q: AuthRequest + ?Sized>(
    session: &mut ClientSession,
    request: &mut Q,
) -> Result<()> {
    let cache = std::mem::take(&mut session.cache);
    let r = init_on(session, request);
    session.cache = cache;
    for e in &mut session.cache {
        e.stale_count = 0;
    }
    r
}

/// The cached challenge a realm was last answered with (tests, diagnostics).
pub fn cached_challenge<'a>(
    session: &'a ClientSession,
    realm: &[u8],
    proxy: bool,
) -> Option<&'a DigestChallenge<'static>> {
    session.find_entry(realm, proxy).map(|e| &e.chal)
}
