//! Token slots: the single-use state machine behind every asynchronous
//! challenge. This is the part to audit.
//!
//! A token is a handle (`crate::handle`): slot index and generation in one
//! pointer-sized value, never an address. Each slot has one state word,
//! `generation << 2 | state`:
//!
//! ```text
//!   Free(g) --fill--> Pending(g) --claim (one CAS)--> Claimed(g) --release--> Free(g+1)
//! ```
//!
//! A claim is a single compare-and-swap from `Pending(g)` to `Claimed(g)`: of
//! any number of racing claimers exactly one wins, and nothing observable
//! happens before that CAS, so losers have no side effect. A stale, forged or
//! random token fails the generation or state comparison and reads nothing
//! but the slot's own words, which the map owns and never frees.
//!
//! The one invariant that guards the payload (no lock): only the thread that
//! holds a slot touches its payload. The issuer holds it from taking it off a
//! free list until it publishes `Pending` (a Release store); the claimer holds
//! it from its winning CAS (AcqRel, which sees the issuer's writes) until it
//! stores `Free` (Release, so the next issuer sees the payload taken).
//!
//! Which slots are free and which session they are pending on is the session
//! table's business (`auth::sessions`): it keeps each session's own lists in
//! the `next`/`prev` words below, under that session's record lock.

use crate::handle::{self, next_generation};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::sync::{AtomicUsize, Ordering, UnsafeCell};

const FREE: usize = 0;
const PENDING: usize = 1;
const CLAIMED: usize = 2;
const STATE_MASK: usize = 0b11;

/// "No slot" in a list link.
pub(crate) const NIL: usize = usize::MAX;

/// An opaque token value as handed to C: never zero, never an address, and
/// pointer-sized, so it round-trips through `void *` on every target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token(usize);

impl Token {
    /// Rebuilds a token from a raw value (any value is accepted; validity is
    /// checked by the slot it names).
    ///
    /// ```
    /// use pjsip_auth_shim::{ClientSession, Error, Sessions, Token};
    ///
    /// let sessions = Sessions::<(), u32>::new(4, 4);
    /// let id = sessions.open(ClientSession::default(), 0).unwrap();
    /// sessions.configure(id, ()).unwrap();
    /// let real = sessions.issue(id, 7).unwrap().token;
    /// // A forged value (a neighbour of the real one) names no pending token.
    /// let forged = Token::from_raw(real.raw() ^ 1);
    /// assert_eq!(sessions.claim(id, forged), Err(Error::InvalidArg));
    /// assert_eq!(sessions.claim(id, real), Ok(7));
    /// assert_eq!(sessions.claim(id, real), Err(Error::InvalidArg)); // used once
    /// ```
    pub fn from_raw(raw: usize) -> Token {
        Token(raw)
    }

    /// The raw value.
    pub fn raw(self) -> usize {
        self.0
    }
}

/// One token slot.
pub(crate) struct Slot<P> {
    /// `generation << 2 | state`.
    word: AtomicUsize,
    /// Raw handle of the session the token is pending on; written before
    /// `Pending` is published.
    owner: AtomicUsize,
    /// Raw handle of the session the token was issued through (the owner,
    /// or a child acting through it); written with `owner`.
    via: AtomicUsize,
    /// Present exactly while the slot is Pending or being claimed.
    payload: UnsafeCell<Option<P>>,
    /// List links of the owning session's record (Relaxed: only touched under
    /// that record's lock).
    pub(crate) next: AtomicUsize,
    pub(crate) prev: AtomicUsize,
    /// Raw handle of the session whose pending list holds this slot, or 0.
    pub(crate) listed_on: AtomicUsize,
    /// Non-zero for a slot of a session's issuing lane (`auth::sessions`):
    /// set once, before the lane first issues it, and never cleared, so that
    /// a claimer knows to free it in place.
    pub(crate) in_lane: AtomicUsize,
}

// SAFETY: the payload is only reached by the thread that holds the slot
// (module docs), so sharing a Slot shares no unsynchronised access to P.
unsafe impl<P: Send> Sync for Slot<P> {}
// SAFETY: as above; a Slot owns at most one P.
unsafe impl<P: Send> Send for Slot<P> {}

impl<P> Slot<P> {
    pub(crate) fn new() -> Self {
        Slot {
            word: AtomicUsize::new(FREE),
            owner: AtomicUsize::new(0),
            via: AtomicUsize::new(0),
            payload: UnsafeCell::new(None),
            next: AtomicUsize::new(NIL),
            prev: AtomicUsize::new(NIL),
            listed_on: AtomicUsize::new(0),
            in_lane: AtomicUsize::new(0),
        }
    }

    /// Publishes a pending token carrying `payload` for `owner`.
    ///
    /// The caller holds the slot: it took it off a free list, so the slot is
    /// Free and no other thread reaches its payload.
    pub(crate) fn fill(
        &self,
        index: usize,
        owner: usize,
        via: usize,
        payload: P,
        key: usize,
    ) -> Token {
        let generation = self.word.load(Ordering::Relaxed) >> 2;
        debug_assert_eq!(self.word.load(Ordering::Relaxed) & STATE_MASK, FREE);
        // SAFETY: the caller holds the slot (see above), so this thread is the
        // only one touching the payload until the Release store below.
        self.payload.with_mut(|p| unsafe { *p = Some(payload) });
        self.owner.store(owner, Ordering::Relaxed);
        self.via.store(via, Ordering::Relaxed);
        self.word
            .store(generation << 2 | PENDING, Ordering::Release);
        Token(handle::encode(index, generation, key))
    }

    /// Claims the token of generation `generation` if it is pending on
    /// `owner`, returning its payload; the caller then holds the slot and must
    /// `release` it. None for anything else, with no effect.
    pub(crate) fn claim(&self, generation: usize, owner: usize) -> Option<P> {
        let pending = generation << 2 | PENDING;
        if self.word.load(Ordering::Acquire) != pending {
            return None;
        }
        // If the slot is recycled after the load above, the CAS fails.
        if self.owner.load(Ordering::Relaxed) != owner {
            return None;
        }
        self.word
            .compare_exchange(
                pending,
                generation << 2 | CLAIMED,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .ok()?;
        // SAFETY: the CAS made this thread the slot's holder; the Acquire side
        // of it sees the issuer's write of the payload.
        self.payload.with_mut(|p| unsafe { (*p).take() })
    }

    /// The owner and the issuing-through session of the token last
    /// published here (meaningful after `pending_generation` saw it pending;
    /// a stale value only makes a later `claim` fail).
    pub(crate) fn parties(&self) -> (usize, usize) {
        (
            self.owner.load(Ordering::Relaxed),
            self.via.load(Ordering::Relaxed),
        )
    }

    /// True when the slot is Free (a lane's issuer looks for one; Acquire, so
    /// that it sees the last claimer's take of the payload).
    pub(crate) fn is_free(&self) -> bool {
        self.word.load(Ordering::Acquire) & STATE_MASK == FREE
    }

    /// The generation of a pending token in this slot, if one is pending.
    pub(crate) fn pending_generation(&self) -> Option<usize> {
        let word = self.word.load(Ordering::Acquire);
        (word & STATE_MASK == PENDING).then_some(word >> 2)
    }

    /// Frees a claimed slot: its token of `generation` is dead for good.
    pub(crate) fn release(&self, generation: usize) {
        debug_assert_eq!(self.word.load(Ordering::Relaxed), generation << 2 | CLAIMED);
        self.word
            .store(next_generation(generation) << 2 | FREE, Ordering::Release);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_claimed_once_and_advances_its_generation() {
        let s = Slot::new();
        let t = s.fill(3, 9, 9, "p", 0);
        let (i, g) = handle::decode(t.raw(), 0).unwrap();
        assert_eq!(i, 3);
        assert_eq!(s.pending_generation(), Some(g));
        assert_eq!(s.claim(g, 8), None, "foreign owner");
        assert_eq!(s.claim(g + 1, 9), None, "wrong generation");
        assert_eq!(s.claim(g, 9), Some("p"));
        assert_eq!(s.claim(g, 9), None, "claimed already");
        s.release(g);
        assert_eq!(s.pending_generation(), None);
        let t2 = s.fill(3, 9, 9, "q", 0);
        assert_ne!(t, t2);
        assert_eq!(s.claim(g, 9), None, "stale token of the reused slot");
        assert_eq!(s.claim(g + 1, 9), Some("q"));
    }
}
