//! Random identifiers (Via branches, To tags, nonces): unpredictable, not
//! cryptographic keys.
//!
//! Each value is SipHash, keyed by `RandomState` (whose keys come from the
//! operating system's random source once per thread), over a process-wide
//! counter, the time and a stack address. No extra crate is needed, and two
//! calls never hash the same input.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// 64 random bits (from the harness's source when one is set:
/// `crate::hooks::random`).
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    if crate::hooks::random::fill(&mut b) {
        return u64::from_le_bytes(b);
    }
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(now);
    let local = 0u8;
    h.write_usize(std::ptr::addr_of!(local) as usize);
    h.finish()
}

/// `words` x 64 random bits as lowercase hex (16 digits per word).
pub fn random_hex(words: usize) -> String {
    (0..words)
        .map(|_| format!("{:016x}", random_u64()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_differ_and_are_hex() {
        let a = random_hex(2);
        let b = random_hex(2);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
