//! The asynchronous challenge protocol over the session table, for any front
//! end: how a challenge becomes a token, how the application's decision ends
//! it, and who owns the transaction's reference at each step.
//!
//! 1. `challenge`: a token is issued on the acting session (its parent when
//!    set) and the front end's callback runs with no lock held. If the
//!    callback keeps the token (returns true), or consumed it itself, the
//!    challenge is `Handled` and the token owns the caller's reference from
//!    then on. If it declines a still-pending token, the token is taken back
//!    (`Declined`, with its payload) and the reference stays with the caller.
//! 2. `Sessions::claim` (send or abandon): one claim; the winner alone gets the
//!    payload and must finish the challenge (send or abandon, then drop the
//!    reference). Every other caller gets `InvalidArg` and does nothing.
//! 3. `Sessions::close`: every token still pending is claimed by the
//!    closer, which finishes each (abandon, drop the reference); a token being
//!    consumed at that moment is left to its consumer. Nothing can be issued
//!    on the session afterwards.
//!
//! So every token ends exactly once: sent, abandoned, declined or revoked.

use super::sessions::{Issued, SessionId, Sessions};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::status::Result;

/// How a challenge handed to the callback ended, as far as the caller of
/// `challenge` is concerned.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<P> {
    /// The token lives on (or already ended through send, abandon or revoke):
    /// the caller's reference belongs to it.
    Handled,
    /// The callback declined: the token is dead, its payload is back, and the
    /// caller keeps its reference (and typically answers synchronously).
    Declined(P),
}

impl<S: Copy, P> Sessions<S, P> {
    /// Step 1: issue a token for `payload` on the session acting for `id` and
    /// run `callback` with it, no lock held.
    #[inline]
    pub fn challenge(
        &self,
        id: SessionId,
        payload: P,
        callback: impl FnOnce(&Issued<S>) -> bool,
    ) -> Result<Outcome<P>> {
        self.challenge_at(id, None, payload, callback)
    }

    /// `challenge`; with `home`, `id` must have been opened with it
    /// (`Sessions::acting_at`), checked in the same lookup.
    #[inline]
    pub fn challenge_at(
        &self,
        id: SessionId,
        home: Option<usize>,
        payload: P,
        callback: impl FnOnce(&Issued<S>) -> bool,
    ) -> Result<Outcome<P>> {
        let issued = self.issue_at(id, home, payload)?;
        if callback(&issued) {
            return Ok(Outcome::Handled);
        }
        Ok(match self.claim_exact(issued.acting.id, issued.token) {
            Ok(payload) => Outcome::Declined(payload),
            // Consumed inside the callback (or revoked): that consumer
            // finished it and dropped the reference.
            Err(_) => Outcome::Handled,
        })
    }
}
