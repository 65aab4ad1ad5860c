//! Client nonces: 128 bits, 32 lowercase hex characters.
//!
//! Why this construction: a cnonce must be unpredictable to the server (it
//! defeats chosen-plaintext attacks) and unique; it need not be secret from
//! the client. Each value is SHA-256(seed ‖ pid ‖ counter ‖ time) truncated
//! to 128 bits: a 256-bit seed read once from `/dev/urandom` makes outputs
//! unpredictable (SHA-256 as a PRF), the counter makes them unique within a
//! process, and pid plus time keep a forked child from repeating its
//! parent's sequence. It costs one SHA-256 block (no syscall per call) and
//! adds no dependency. If `/dev/urandom` cannot be read, the seed comes from
//! `std`'s `RandomState` (itself keyed from the OS) mixed with the time.
//!
//! Without std there is no OS randomness: install a source with
//! `hooks::random::set` at start (a hardware RNG, say). Until then cnonces
//! are SHA-256 of a counter: unique within the process, but predictable.

use super::algorithm::{Algorithm, Hasher};
use super::hex::Hex;

/// The inputs that make a cnonce unique and, with std, unpredictable.
#[cfg(feature = "std")]
mod inputs {
    use super::Hasher;
    use std::hash::{BuildHasher, Hasher as _};
    use std::io::Read;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    use std::time::{SystemTime, UNIX_EPOCH};

    static SEED: OnceLock<[u8; 32]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    fn seed() -> &'static [u8; 32] {
        SEED.get_or_init(|| {
            let mut s = [0u8; 32];
            let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut s));
            if read.is_err() {
                for (i, chunk) in s.chunks_mut(8).enumerate() {
                    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                    h.write_usize(i);
                    h.write_u128(now_nanos());
                    chunk.copy_from_slice(&h.finish().to_le_bytes());
                }
            }
            s
        })
    }

    fn now_nanos() -> u128 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    }

    /// seed ‖ pid ‖ counter ‖ time.
    pub(super) fn feed(h: &mut Hasher) {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        h.update(seed())
            .update(&std::process::id().to_le_bytes())
            .update(&n.to_le_bytes())
            .update(&now_nanos().to_le_bytes());
    }
}

#[cfg(not(feature = "std"))]
mod inputs {
    use super::Hasher;
    // 32-bit firmware parts (thumbv7em) have no 64-bit atomics.
    use core::sync::atomic::{AtomicUsize, Ordering};

    static COUNTER: AtomicUsize = AtomicUsize::new(0);

    /// A label ‖ counter: unique, not unpredictable (see the module doc).
    pub(super) fn feed(h: &mut Hasher) {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        h.update(b"pjsip-auth-shim cnonce").update(&n.to_le_bytes());
    }
}

/// A fresh client nonce: 32 lowercase hex characters (128 bits), from the
/// harness's source when one is set (`crate::hooks::random`).
pub fn new_cnonce() -> Hex {
    let mut b = [0u8; 16];
    if crate::hooks::random::fill(&mut b) {
        return Hex::encode(&b);
    }
    let mut h = Hasher::new(Algorithm::Sha256);
    inputs::feed(&mut h);
    let full = h.finish();
    // The first 32 hex characters are the first 128 bits.
    Hex::parse(&full.as_bytes()[..32], 32).unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cnonces_are_32_hex_and_distinct() {
        let a = new_cnonce();
        let b = new_cnonce();
        assert_eq!(a.len(), 32);
        assert!(a.as_bytes().iter().all(u8::is_ascii_hexdigit));
        assert_ne!(a, b);
    }
}
