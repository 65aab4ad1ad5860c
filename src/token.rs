//! The token registry: single-use, generation-checked handles for pending
//! asynchronous challenges.
//!
//! A token is an opaque 64-bit value `(generation << 32) | (slot + 1)`, never
//! an address. Every operation validates it by looking the slot up in storage
//! the registry owns and comparing generations, so a stale, forged or random
//! value is rejected without reading memory through it.
//!
//! Each slot has one state word, `generation << 2 | state`, with states
//! Free -> Pending (issue) -> Claimed (claim) -> Free with generation + 1
//! (release). A claim is a single compare-and-swap from `(g, Pending)` to
//! `(g, Claimed)`: among any number of racing claimers exactly one wins, and it
//! alone takes the payload. Nothing observable happens before that CAS, so a
//! losing claimer has no side effect.
//!
//! Slots live in chunks that are allocated on first use and never freed, so a
//! `&Slot` stays valid for the registry's lifetime without a lock.

use crate::status::{Error, Result};

#[cfg(loom)]
use loom::sync::{
    atomic::{AtomicU64, AtomicUsize, Ordering},
    Mutex,
};
#[cfg(not(loom))]
use parking_lot::Mutex;
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use once_cell::sync::OnceCell;

const FREE: u64 = 0;
const PENDING: u64 = 1;
const CLAIMED: u64 = 2;
const STATE_MASK: u64 = 0b11;
const GEN_MASK: u64 = 0xFFFF_FFFF;

/// An opaque token value as handed to C: never zero, never an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token(u64);

impl Token {
    /// Rebuilds a token from a raw value (any value is accepted; validity is
    /// checked by the registry).
    pub fn from_raw(raw: u64) -> Token {
        Token(raw)
    }

    /// The raw value.
    pub fn raw(self) -> u64 {
        self.0
    }

    /// The low half is `slot + 1` (so a token is never zero); the high half is
    /// the generation masked with a per-registry random key, so that token
    /// values are not guessable from slot numbers.
    fn new(index: usize, generation: u64, key: u64) -> Token {
        Token(((generation ^ key) & GEN_MASK) << 32 | (index as u64 + 1))
    }

    /// (slot index, generation), or None for values no registry ever issues.
    fn decode(self, key: u64) -> Option<(usize, u64)> {
        let low = self.0 & 0xFFFF_FFFF;
        if low == 0 {
            return None;
        }
        Some(((low - 1) as usize, ((self.0 >> 32) ^ key) & GEN_MASK))
    }
}

struct Slot<P> {
    /// `generation << 2 | state`.
    word: AtomicU64,
    /// Owner id (a session), written before the slot is published as Pending.
    owner: AtomicU64,
    /// Present exactly while the slot is Pending or being claimed.
    payload: Mutex<Option<P>>,
}

impl<P> Slot<P> {
    fn new() -> Self {
        Slot {
            word: AtomicU64::new(FREE),
            owner: AtomicU64::new(0),
            payload: Mutex::new(None),
        }
    }
}

struct FreeList {
    free: Vec<usize>,
    /// Slots below this index have been used at least once.
    high_water: usize,
}

/// A lazily allocated, never freed block of slots.
type Chunk<P> = OnceCell<Box<[Slot<P>]>>;

/// A registry of single-use tokens carrying a payload `P`.
pub struct Registry<P> {
    chunks: Box<[Chunk<P>]>,
    chunk_size: usize,
    free: Mutex<FreeList>,
    live: AtomicUsize,
    /// Random 32-bit mask for the generation half of token values.
    key: u64,
}

fn random_key() -> u64 {
    use std::hash::BuildHasher;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    std::collections::hash_map::RandomState::new().hash_one(seed) & GEN_MASK
}

#[cfg(not(loom))]
fn lock<T>(m: &Mutex<T>) -> parking_lot::MutexGuard<'_, T> {
    m.lock()
}
#[cfg(loom)]
fn lock<T>(m: &Mutex<T>) -> loom::sync::MutexGuard<'_, T> {
    m.lock().unwrap()
}

impl<P> Registry<P> {
    /// A registry able to hold `chunks * chunk_size` pending tokens at once.
    pub fn new(chunks: usize, chunk_size: usize) -> Self {
        assert!(chunks > 0 && chunk_size > 0);
        assert!(chunks.saturating_mul(chunk_size) < (1 << 32) - 1);
        Registry {
            chunks: (0..chunks).map(|_| OnceCell::new()).collect(),
            chunk_size,
            free: Mutex::new(FreeList {
                free: Vec::new(),
                high_water: 0,
            }),
            live: AtomicUsize::new(0),
            key: random_key(),
        }
    }

    fn slot(&self, index: usize) -> Option<&Slot<P>> {
        let chunk = self.chunks.get(index / self.chunk_size)?.get()?;
        chunk.get(index % self.chunk_size)
    }

    fn slot_or_create(&self, index: usize) -> &Slot<P> {
        let chunk = self.chunks[index / self.chunk_size]
            .get_or_init(|| (0..self.chunk_size).map(|_| Slot::new()).collect());
        &chunk[index % self.chunk_size]
    }

    /// Issues a pending token owned by `owner`, carrying `payload`.
    /// Fails with `TooMany` when every slot is pending.
    pub fn issue(&self, owner: u64, payload: P) -> Result<Token> {
        let index = {
            let mut fl = lock(&self.free);
            match fl.free.pop() {
                Some(i) => i,
                None if fl.high_water < self.chunks.len() * self.chunk_size => {
                    fl.high_water += 1;
                    fl.high_water - 1
                }
                None => return Err(Error::TooMany),
            }
        };
        let slot = self.slot_or_create(index);
        // The slot is Free and ours alone: it left the free list under the lock.
        let generation = slot.word.load(Ordering::Acquire) >> 2;
        *lock(&slot.payload) = Some(payload);
        slot.owner.store(owner, Ordering::Relaxed);
        self.live.fetch_add(1, Ordering::Relaxed);
        // Release: the payload and owner are visible to whoever sees Pending.
        slot.word
            .store(generation << 2 | PENDING, Ordering::Release);
        Ok(Token::new(index, generation, self.key))
    }

    /// Consumes `token` if it is pending and owned by `owner`, returning its
    /// payload. Exactly one of any number of concurrent claims of one token
    /// succeeds; the rest, and any claim of an unknown, consumed, revoked,
    /// foreign or forged token, get `InvalidArg` and change nothing.
    pub fn claim(&self, token: Token, owner: u64) -> Result<P> {
        let (index, generation) = token.decode(self.key).ok_or(Error::InvalidArg)?;
        let slot = self.slot(index).ok_or(Error::InvalidArg)?;
        let pending = generation << 2 | PENDING;
        if slot.word.load(Ordering::Acquire) != pending {
            return Err(Error::InvalidArg);
        }
        // If the slot is recycled after this read, the CAS below fails.
        if slot.owner.load(Ordering::Relaxed) != owner {
            return Err(Error::InvalidArg);
        }
        slot.word
            .compare_exchange(
                pending,
                generation << 2 | CLAIMED,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .map_err(|_| Error::InvalidArg)?;
        // We won the claim: the payload is ours alone.
        let payload = lock(&slot.payload).take();
        self.release(index, slot, generation);
        payload.ok_or(Error::Bug)
    }

    fn release(&self, index: usize, slot: &Slot<P>, generation: u64) {
        let next = (generation + 1) & GEN_MASK;
        slot.word.store(next << 2 | FREE, Ordering::Release);
        self.live.fetch_sub(1, Ordering::Relaxed);
        lock(&self.free).free.push(index);
    }

    /// Claims every token still pending for `owner` (for revocation when the
    /// owner goes away). Tokens another thread claims meanwhile are left to it.
    pub fn claim_all_of(&self, owner: u64) -> Vec<P> {
        let high_water = lock(&self.free).high_water;
        (0..high_water)
            .filter_map(|index| {
                let slot = self.slot(index)?;
                let word = slot.word.load(Ordering::Acquire);
                if word & STATE_MASK != PENDING {
                    return None;
                }
                self.claim(Token::new(index, word >> 2, self.key), owner)
                    .ok()
            })
            .collect()
    }

    /// Tokens pending for `owner` right now.
    pub fn pending_of(&self, owner: u64) -> usize {
        let high_water = lock(&self.free).high_water;
        (0..high_water)
            .filter(|&index| {
                self.slot(index).is_some_and(|slot| {
                    slot.word.load(Ordering::Acquire) & STATE_MASK == PENDING
                        && slot.owner.load(Ordering::Relaxed) == owner
                })
            })
            .count()
    }

    /// Tokens issued and not yet claimed, over every owner.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[test]
    fn a_token_is_claimed_once() {
        let r = Registry::new(2, 4);
        let t = r.issue(7, "p").unwrap();
        assert_eq!(r.live(), 1);
        assert_eq!(r.pending_of(7), 1);
        assert_eq!(r.claim(t, 7), Ok("p"));
        assert_eq!(r.claim(t, 7), Err(Error::InvalidArg));
        assert_eq!(r.live(), 0);
        assert_eq!(r.pending_of(7), 0);
    }

    #[test]
    fn foreign_owner_is_refused_and_token_stays_valid() {
        let r = Registry::new(1, 4);
        let t = r.issue(1, 10).unwrap();
        assert_eq!(r.claim(t, 2), Err(Error::InvalidArg));
        assert_eq!(r.claim(t, 1), Ok(10));
    }

    #[test]
    fn forged_and_random_values_are_refused() {
        let r: Registry<u32> = Registry::new(2, 8);
        let t = r.issue(1, 5).unwrap();
        for raw in [
            0,
            u64::MAX,
            t.raw() & 0xFFFF_FFFF,
            t.raw() ^ (1 << 32),
            t.raw() + 1,
            0xdead_beef,
        ] {
            assert_eq!(r.claim(Token::from_raw(raw), 1), Err(Error::InvalidArg));
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x != t.raw() {
                assert!(r.claim(Token::from_raw(x), 1).is_err());
            }
        }
        assert_eq!(r.claim(t, 1), Ok(5));
    }

    #[test]
    fn stale_token_of_a_reused_slot_is_refused() {
        let r = Registry::new(1, 1);
        let old = r.issue(1, 'a').unwrap();
        r.claim(old, 1).unwrap();
        let new = r.issue(1, 'b').unwrap();
        assert_ne!(old, new);
        assert_eq!(r.claim(old, 1), Err(Error::InvalidArg));
        assert_eq!(r.claim(new, 1), Ok('b'));
    }

    #[test]
    fn full_registry_reports_too_many() {
        let r = Registry::new(1, 2);
        r.issue(1, ()).unwrap();
        r.issue(1, ()).unwrap();
        assert_eq!(r.issue(1, ()), Err(Error::TooMany));
    }

    #[test]
    fn claim_all_of_takes_only_that_owner() {
        let r = Registry::new(4, 4);
        for i in 0..6 {
            r.issue(i % 2, i).unwrap();
        }
        let mut got = r.claim_all_of(1);
        got.sort();
        assert_eq!(got, vec![1, 3, 5]);
        assert_eq!(r.pending_of(0), 3);
        assert_eq!(r.live(), 3);
    }

    #[test]
    fn racing_claims_have_exactly_one_winner() {
        let r = Arc::new(Registry::new(64, 1024));
        for _round in 0..2_000 {
            let t = r.issue(3, ()).unwrap();
            let wins = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..8)
                .map(|_| {
                    let (r, wins) = (r.clone(), wins.clone());
                    std::thread::spawn(move || {
                        if r.claim(t, 3).is_ok() {
                            wins.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            threads.into_iter().for_each(|h| h.join().unwrap());
            assert_eq!(wins.load(Ordering::Relaxed), 1);
        }
        assert_eq!(r.live(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! Model checking of the claim / revoke protocol:
    //! `RUSTFLAGS="--cfg loom" cargo test --release --lib token::loom_tests`.
    use super::*;
    use loom::sync::atomic::AtomicUsize;
    use loom::sync::Arc;
    use loom::thread;

    #[test]
    fn two_claims_one_winner() {
        loom::model(|| {
            let r = Arc::new(Registry::new(1, 2));
            let t = r.issue(1, 42u32).unwrap();
            let wins = Arc::new(AtomicUsize::new(0));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let (r, wins) = (r.clone(), wins.clone());
                    thread::spawn(move || {
                        if r.claim(t, 1) == Ok(42) {
                            wins.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            hs.into_iter().for_each(|h| h.join().unwrap());
            assert_eq!(wins.load(Ordering::Relaxed), 1);
            assert_eq!(r.live(), 0);
        });
    }

    #[test]
    fn claim_races_revoke_and_reissue() {
        loom::model(|| {
            let r = Arc::new(Registry::new(1, 1));
            let t = r.issue(1, 1u32).unwrap();
            let r2 = r.clone();
            // A sender claims while the owner revokes everything and the slot
            // is re-issued: the payload goes to exactly one of them, and the
            // stale token can never claim the new payload.
            let sender = thread::spawn(move || r2.claim(t, 1).ok());
            let revoked = r.claim_all_of(1);
            let reissued = r.issue(1, 2u32);
            let sent = sender.join().unwrap();
            assert_eq!(revoked.len() + usize::from(sent.is_some()), 1);
            assert!(sent.is_none() || sent == Some(1));
            if let Ok(t2) = reissued {
                assert_ne!(t2, t);
                assert_eq!(r.claim(t, 1), Err(Error::InvalidArg));
                assert_eq!(r.claim(t2, 1), Ok(2));
            }
        });
    }
}
