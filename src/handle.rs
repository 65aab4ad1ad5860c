//! The handle map that tokens and sessions share: generation-checked handles
//! into storage that is never freed.
//!
//! A handle is one pointer-sized value, `((generation ^ key) << HALF) | (index + 1)`
//! with `HALF` = half the pointer width: on 64-bit targets 32 bits of index and
//! 32 of generation, on 32-bit targets 16 and 16. It is never zero and never an
//! address. The key is random per map, so values cannot be guessed from slot
//! numbers. A slot's generation advances each time the slot is reused, so a
//! stale handle stops matching; with `HALF` bits of generation, a stale handle
//! could match again only after its slot has been reused 2^HALF times
//! (4,294,967,296 on 64-bit, 65,536 on 32-bit), and then only while that later
//! use is live and owned by the same session.
//!
//! Storage is a fixed array of lazily allocated chunks. Chunks are never freed
//! while the map lives, so `&T` for any index stays valid without a lock: that
//! is what lets a lookup take no lock at all.

use crate::prelude::*;
use crate::status::{Error, Result};
use crate::sync::Mutex;
use crate::sync::OnceCell;

/// Bits of index (and of generation) in a handle.
pub(crate) const HALF: u32 = usize::BITS / 2;
/// Mask of the index half (also the generation mask: generations wrap there).
pub(crate) const LOW_MASK: usize = (1 << HALF) - 1;

/// Packs `index` and `generation` into a handle value.
#[inline(always)]
pub(crate) fn encode(index: usize, generation: usize, key: usize) -> usize {
    debug_assert!(index < LOW_MASK);
    (((generation ^ key) & LOW_MASK) << HALF) | (index + 1)
}

/// (index, generation) of a handle value, or None for 0-index values, which
/// no map issues.
#[inline(always)]
pub(crate) fn decode(raw: usize, key: usize) -> Option<(usize, usize)> {
    let low = raw & LOW_MASK;
    if low == 0 {
        return None;
    }
    Some((low - 1, ((raw >> HALF) ^ key) & LOW_MASK))
}

/// The generation after `generation`.
pub(crate) fn next_generation(generation: usize) -> usize {
    (generation + 1) & LOW_MASK
}

/// A random value for masking generations (not secret: it only makes handle
/// values unpredictable to careless code).
#[cfg(feature = "std")]
pub(crate) fn random_key() -> usize {
    use std::hash::BuildHasher;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    std::collections::hash_map::RandomState::new().hash_one(seed) as usize & LOW_MASK
}

/// Without std: from the random hook when one is installed, else a fixed
/// odd pattern (handle values are then predictable; validity never rested
/// on the key, only on the slot and generation checks).
#[cfg(not(feature = "std"))]
pub(crate) fn random_key() -> usize {
    let mut b = [0u8; core::mem::size_of::<usize>()];
    if !crate::hooks::random::fill(&mut b) {
        b.fill(0xA5);
    }
    usize::from_le_bytes(b) & LOW_MASK
}

/// Lazily allocated, never freed chunks of `T`.
pub(crate) struct Chunks<T> {
    chunks: Box<[OnceCell<Box<[T]>>]>,
    chunk_size: usize,
    /// log2 of `chunk_size`: lookups shift and mask instead of dividing.
    shift: u32,
}

impl<T> Chunks<T> {
    /// Room for `chunks * chunk_size` items; that must fit a handle's index
    /// half, and `chunk_size` must be a power of two.
    pub(crate) fn new(chunks: usize, chunk_size: usize) -> Self {
        assert!(chunks > 0 && chunk_size.is_power_of_two());
        assert!(chunks.saturating_mul(chunk_size) < LOW_MASK);
        Chunks {
            chunks: (0..chunks).map(|_| OnceCell::new()).collect(),
            chunk_size,
            shift: chunk_size.trailing_zeros(),
        }
    }

    /// How many items fit.
    pub(crate) fn capacity(&self) -> usize {
        self.chunks.len() * self.chunk_size
    }

    /// The item at `index`, if its chunk exists.
    #[inline(always)]
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        let chunk = self.chunks.get(index >> self.shift)?.get()?;
        chunk.get(index & (self.chunk_size - 1))
    }

    /// Allocates every chunk now, with `make` (fixed-capacity tables).
    pub(crate) fn init_all(&self, make: impl Fn() -> T) {
        for at in 0..self.chunks.len() {
            self.get_or_init(at * self.chunk_size, &make);
        }
    }

    /// The item at `index` (< capacity), allocating its chunk with `make`.
    pub(crate) fn get_or_init(&self, index: usize, make: impl Fn() -> T) -> &T {
        let chunk = self.chunks[index >> self.shift]
            .get_or_init(|| (0..self.chunk_size).map(|_| make()).collect());
        &chunk[index & (self.chunk_size - 1)]
    }
}

/// Unused indices of a map: recycled ones first, then fresh ones. Off the hot
/// path: sessions take indices here on open, token slots in batches.
pub(crate) struct IndexPool {
    inner: Mutex<PoolInner>,
}

struct PoolInner {
    free: Vec<u32>,
    /// Indices below this have been handed out at least once.
    high_water: usize,
    capacity: usize,
}

impl IndexPool {
    pub(crate) fn new(capacity: usize) -> Self {
        assert!(capacity <= u32::MAX as usize);
        IndexPool {
            inner: Mutex::new(PoolInner {
                free: Vec::new(),
                high_water: 0,
                capacity,
            }),
        }
    }

    /// A pool of exactly `capacity` indices whose free list never grows
    /// past the room reserved here: giving indices back never allocates.
    pub(crate) fn with_reserved(capacity: usize) -> Self {
        let pool = IndexPool::new(capacity);
        pool.inner.lock().free.reserve_exact(capacity);
        pool
    }

    /// Up to `n` unused indices (at least one, or `TooMany` when none is left).
    pub(crate) fn take(&self, n: usize, out: &mut Vec<u32>) -> Result<()> {
        let mut p = self.inner.lock();
        let start = out.len();
        while out.len() - start < n {
            if let Some(i) = p.free.pop() {
                out.push(i);
            } else if p.high_water < p.capacity {
                out.push(p.high_water as u32);
                p.high_water += 1;
            } else {
                break;
            }
        }
        if out.len() == start {
            Err(Error::TooMany)
        } else {
            Ok(())
        }
    }

    /// Gives indices back.
    pub(crate) fn give(&self, indices: impl IntoIterator<Item = u32>) {
        self.inner.lock().free.extend(indices);
    }

    /// Indices handed out at least once (for scans that are allowed to be
    /// O(map size): diagnostics only).
    pub(crate) fn high_water(&self) -> usize {
        self.inner.lock().high_water
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip_and_never_zero() {
        let key = random_key();
        for (i, g) in [(0, 0), (1, 5), (LOW_MASK - 1, LOW_MASK)] {
            let h = encode(i, g, key);
            assert_ne!(h, 0);
            assert_eq!(decode(h, key), Some((i, g & LOW_MASK)));
        }
        assert_eq!(decode(0, key), None);
        assert_eq!(decode(LOW_MASK << HALF, key), None);
    }

    #[test]
    fn generations_wrap_within_the_half() {
        assert_eq!(next_generation(LOW_MASK), 0);
        assert_eq!(next_generation(7), 8);
    }

    #[test]
    fn pool_recycles_then_grows_then_refuses() {
        let pool = IndexPool::new(3);
        let mut v = Vec::new();
        pool.take(2, &mut v).unwrap();
        assert_eq!(v, [0, 1]);
        pool.give([0]);
        v.clear();
        pool.take(5, &mut v).unwrap();
        assert_eq!(v, [0, 2]);
        v.clear();
        assert_eq!(pool.take(1, &mut v), Err(Error::TooMany));
        assert_eq!(pool.high_water(), 3);
    }

    #[test]
    fn chunks_are_lazy_and_stable() {
        let c: Chunks<u8> = Chunks::new(4, 8);
        assert_eq!(c.capacity(), 32);
        assert!(c.get(9).is_none());
        let a = c.get_or_init(9, || 7) as *const u8;
        assert_eq!(c.get(9), Some(&7));
        assert_eq!(c.get(9).unwrap() as *const u8, a);
        assert!(c.get(32).is_none());
    }
}
