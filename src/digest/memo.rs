//! Per-thread memos of the digest formulas' repeating parts: the base HA1
//! `H(user:realm:password)`, HA2 `H(method:uri)`, and for SHA-256 the hash
//! state after a 64-digit HA1 (exactly one block) as the response's prefix.
//! A client answers the same realm with the same credential, and refreshes
//! the same request line, again and again; these three are then the same
//! every time and only the nonce, nc and cnonce change.
//!
//! Honest by construction: each entry's key is the exact byte string that
//! would be hashed (pieces and separators), compared in full, so a hit is
//! what hashing would give, never a stale value, whatever changed in
//! between (credentials replaced, another realm, another session). Bounded:
//! `SLOTS` entries per kind, per hash function, per thread, keys of at most
//! `MAX_KEY` bytes (longer inputs are hashed every time), replaced round
//! robin. Per thread, so no lock and no shared cache line. A key holding a
//! password is zeroed when replaced and when the thread ends.

use super::engine::{self, Engine, Writer};
use super::hex::Hex;
#[allow(unused_imports)]
use crate::prelude::*;
#[cfg(feature = "std")]
use std::cell::RefCell;

/// Entries per kind (HA1, HA2, prefix) per hash function per thread.
const SLOTS: usize = 4;

/// Longest key kept (bytes of the hashed message).
const MAX_KEY: usize = 256;

struct Slot<V> {
    key: Vec<u8>,
    value: V,
}

impl<V> Drop for Slot<V> {
    fn drop(&mut self) {
        wipe(&mut self.key);
    }
}

/// Zeroes `key` (it may hold a password) in a way the optimiser keeps.
fn wipe(key: &mut [u8]) {
    key.fill(0);
    std::hint::black_box(key);
}

/// True when `key` is exactly `pieces` joined with `:`.
fn key_is(key: &[u8], pieces: &[&[u8]]) -> bool {
    let mut rest = key;
    for (i, p) in pieces.iter().enumerate() {
        if i > 0 {
            match rest.split_first() {
                Some((b':', r)) => rest = r,
                _ => return false,
            }
        }
        match rest.strip_prefix(*p) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

fn joined_len(pieces: &[&[u8]]) -> usize {
    pieces.iter().map(|p| p.len()).sum::<usize>() + pieces.len().saturating_sub(1)
}

/// A bounded memo from hashed message to a value.
pub(crate) struct Memo<V> {
    slots: Vec<Slot<V>>,
    next: usize,
}

impl<V: Clone> Memo<V> {
    // Only the thread-local memos (std) construct these.
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    const fn new() -> Self {
        Memo {
            slots: Vec::new(),
            next: 0,
        }
    }

    /// The value for the message `pieces` joined with `:`, if kept.
    #[inline]
    pub(crate) fn find(&self, pieces: &[&[u8]]) -> Option<&V> {
        let len = joined_len(pieces);
        self.slots
            .iter()
            .find(|s| s.key.len() == len && key_is(&s.key, pieces))
            .map(|s| &s.value)
    }

    /// As `find`, by value.
    #[inline]
    pub(crate) fn get(&self, pieces: &[&[u8]]) -> Option<V> {
        self.find(pieces).cloned()
    }

    /// Keeps `value` for the message `pieces` joined with `:` (unless the
    /// message is longer than `MAX_KEY`), replacing the oldest entry when
    /// full. Reuses the replaced key's buffer.
    pub(crate) fn put(&mut self, pieces: &[&[u8]], value: V) {
        if joined_len(pieces) > MAX_KEY {
            return;
        }
        let fill = |key: &mut Vec<u8>| {
            for (i, p) in pieces.iter().enumerate() {
                if i > 0 {
                    key.push(b':');
                }
                key.extend_from_slice(p);
            }
        };
        if self.slots.len() < SLOTS {
            let mut key = Vec::with_capacity(MAX_KEY);
            fill(&mut key);
            self.slots.push(Slot { key, value });
            return;
        }
        let slot = &mut self.slots[self.next];
        self.next = (self.next + 1) % SLOTS;
        wipe(&mut slot.key);
        slot.key.clear();
        fill(&mut slot.key);
        slot.value = value;
    }
}

/// The memos of one hash function on one thread.
pub(crate) struct Memos<E: Engine> {
    /// `H(user:realm:password)`.
    pub(crate) ha1: Memo<Hex>,
    /// `H(method:uri)`.
    pub(crate) ha2: Memo<Hex>,
    /// The settled hash state after an HA1 of at least one block.
    pub(crate) prefix: Memo<Writer<E>>,
}

impl<E: Engine> Memos<E> {
    // Only the thread-local memos (std) construct these.
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    const fn new() -> Self {
        Memos {
            ha1: Memo::new(),
            ha2: Memo::new(),
            prefix: Memo::new(),
        }
    }
}

/// An engine with a per-thread `Memos`.
pub(crate) trait Memoized: Engine + Sized {
    /// Runs `f` on this thread's memos; `None` while the thread is being
    /// torn down (the caller then just computes).
    fn with_memos<R>(f: impl FnOnce(&mut Memos<Self>) -> R) -> Option<R>;
}

macro_rules! memoized {
    ($($e:ty),*) => {$(
        impl Memoized for $e {
            #[inline]
            #[cfg(feature = "std")]
            fn with_memos<R>(f: impl FnOnce(&mut Memos<Self>) -> R) -> Option<R> {
                thread_local! {
                    static MEMOS: RefCell<Memos<$e>> = const { RefCell::new(Memos::new()) };
                }
                MEMOS.try_with(|m| m.try_borrow_mut().ok().map(|mut m| f(&mut m))).ok().flatten()
            }
            // No thread-locals without std: every value is computed.
            #[cfg(not(feature = "std"))]
            #[inline]
            fn with_memos<R>(_f: impl FnOnce(&mut Memos<Self>) -> R) -> Option<R> {
                None
            }
        }
    )*};
}

memoized!(engine::Md5, engine::Sha256, engine::Sha512_256);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_in_full() {
        assert!(key_is(b"a:b:c", &[b"a", b"b", b"c"]));
        assert!(
            key_is(b"a:b:c", &[b"a:b", b"c"]),
            "the same message hashes the same"
        );
        assert!(!key_is(b"a:b:c", &[b"a", b"b"]));
        assert!(!key_is(b"a:b", &[b"a", b"b", b""]));
        assert!(key_is(b"a:b:", &[b"a", b"b", b""]));
        assert!(!key_is(b"ab", &[b"a", b"b"]));
        assert!(key_is(b"", &[]));
    }

    #[test]
    fn bounded_round_robin_and_exact() {
        let mut m = Memo::<u32>::new();
        for i in 0..(SLOTS as u32 + 2) {
            m.put(&[b"user", &i.to_le_bytes()], i);
        }
        assert_eq!(m.slots.len(), SLOTS);
        // The two oldest went; the others are found by their exact key.
        assert_eq!(m.get(&[b"user", &0u32.to_le_bytes()]), None);
        assert_eq!(m.get(&[b"user", &1u32.to_le_bytes()]), None);
        for i in 2..(SLOTS as u32 + 2) {
            assert_eq!(m.get(&[b"user", &i.to_le_bytes()]), Some(i));
        }
        assert_eq!(m.get(&[b"user"]), None);
        // Too long: not kept.
        let long = [b'x'; MAX_KEY + 1];
        m.put(&[&long], 99);
        assert_eq!(m.get(&[&long]), None);
    }
}
