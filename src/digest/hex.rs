//! `Hex`: a lowercase hex string of at most 64 characters (a SHA-256 or
//! SHA-512/256 digest), held by value on the stack so that computing a
//! response never allocates.

#[allow(unused_imports)]
use crate::prelude::*;
use std::fmt;

/// The longest hex string a `Hex` holds: 32 bytes (SHA-256, SHA-512/256).
pub(crate) const MAX_HEX_LEN: usize = 64;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The two hex digits of every byte value: one load per byte.
static PAIRS: [[u8; 2]; 256] = {
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [DIGITS[i >> 4], DIGITS[i & 0x0f]];
        i += 1;
    }
    t
};

/// A lowercase hex string (a digest, a cnonce). `Copy`, no heap.
///
/// Invariant: `buf[..len]` holds ASCII lowercase hex digits only, so
/// `as_str` never fails.
#[derive(Clone, Copy)]
pub struct Hex {
    buf: [u8; MAX_HEX_LEN],
    len: u8,
}

impl Hex {
    /// The hex encoding of `bytes`; only the first 32 bytes are used.
    #[inline]
    pub fn encode(bytes: &[u8]) -> Hex {
        let mut h = Hex {
            buf: [0; MAX_HEX_LEN],
            len: 0,
        };
        let bytes = &bytes[..bytes.len().min(MAX_HEX_LEN / 2)];
        for (pair, &b) in h.buf.chunks_exact_mut(2).zip(bytes) {
            pair.copy_from_slice(&PAIRS[usize::from(b)]);
        }
        h.len = (bytes.len() * 2) as u8;
        h
    }

    /// Validates a hex string (either case) of exactly `expected_len`
    /// characters and returns it lowercased; `None` if the length differs,
    /// exceeds 64, or a character is not a hex digit.
    ///
    /// Lowercasing matters: the digest formulas hash the *text* of HA1, and
    /// every server computes it in lowercase.
    pub fn parse(text: &[u8], expected_len: usize) -> Option<Hex> {
        if text.len() != expected_len || text.len() > MAX_HEX_LEN {
            return None;
        }
        let mut h = Hex {
            buf: [0; MAX_HEX_LEN],
            len: text.len() as u8,
        };
        // Checked and lowercased in one pass without early exit (it
        // vectorises); digits are unchanged by `| 0x20`, letters lowered.
        let mut ok = true;
        for (dst, &c) in h.buf.iter_mut().zip(text) {
            let digit = c.wrapping_sub(b'0') < 10;
            let lower = c | 0x20;
            ok &= digit | (lower.wrapping_sub(b'a') < 6);
            *dst = if digit { c } else { lower };
        }
        ok.then_some(h)
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        // The invariant (ASCII hex digits only) makes this infallible; the
        // fallback is unreachable but keeps the function total without `unsafe`.
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    /// The hex text as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// Number of hex characters.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Constant-time equality with `other` (for the server side: comparing a
    /// received response must not leak how many leading characters matched).
    /// The length is not secret.
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        if other.len() != self.as_bytes().len() {
            return false;
        }
        let diff = self
            .as_bytes()
            .iter()
            .zip(other)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b.to_ascii_lowercase()));
        std::hint::black_box(diff) == 0
    }
}

impl PartialEq for Hex {
    fn eq(&self, other: &Hex) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Hex {}

impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hex({})", self.as_str())
    }
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<[u8]> for Hex {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_lowercase() {
        assert_eq!(Hex::encode(&[0x00, 0xab, 0xff, 0x10]).as_str(), "00abff10");
        assert_eq!(Hex::encode(&[0u8; 40]).len(), 64);
        assert!(Hex::encode(&[]).is_empty());
    }

    #[test]
    fn parse_checks_length_and_digits_and_lowercases() {
        assert_eq!(Hex::parse(b"ABcd", 4).unwrap().as_str(), "abcd");
        assert!(Hex::parse(b"abc", 4).is_none());
        assert!(Hex::parse(b"abcg", 4).is_none());
        assert!(Hex::parse(&[b'a'; 66], 66).is_none());
    }

    #[test]
    fn ct_eq_compares_case_insensitively_on_the_other_side() {
        let h = Hex::encode(&[0xab, 0xcd]);
        assert!(h.ct_eq(b"abcd"));
        assert!(h.ct_eq(b"ABCD"));
        assert!(!h.ct_eq(b"abce"));
        assert!(!h.ct_eq(b"abc"));
    }
}
