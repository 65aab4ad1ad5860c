//! Digest algorithms (RFC 7616 §6.1 / RFC 8760) and a hasher over the three
//! hash functions they use (`engine`).

use super::engine::{self, Writer};
use super::hex::Hex;
#[allow(unused_imports)]
use crate::prelude::*;

/// A digest algorithm as named in the `algorithm` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// "MD5" (also the meaning of an absent `algorithm`).
    Md5,
    /// "MD5-sess".
    Md5Sess,
    /// "SHA-256".
    Sha256,
    /// "SHA-256-sess".
    Sha256Sess,
    /// "SHA-512-256" (SHA-512/256, FIPS 180-4).
    Sha512_256,
    /// "SHA-512-256-sess".
    Sha512_256Sess,
}

impl Algorithm {
    /// Every algorithm, in IANA registry order. (A function rather than an
    /// associated const: cbindgen would put a const into the C header.)
    pub const fn all() -> [Algorithm; 6] {
        [
            Algorithm::Md5,
            Algorithm::Md5Sess,
            Algorithm::Sha256,
            Algorithm::Sha256Sess,
            Algorithm::Sha512_256,
            Algorithm::Sha512_256Sess,
        ]
    }

    /// The algorithm with IANA name `name`, compared case-insensitively;
    /// `None` for anything else (including AKAv1-MD5 and the empty string).
    pub fn from_name(name: &[u8]) -> Option<Algorithm> {
        Algorithm::all()
            .into_iter()
            .find(|a| a.name().as_bytes().eq_ignore_ascii_case(name))
    }

    /// The IANA name, in its registered spelling.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// The non-session algorithm with the same hash function.
    pub const fn base(self) -> Algorithm {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => Algorithm::Md5,
            Algorithm::Sha256 | Algorithm::Sha256Sess => Algorithm::Sha256,
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => Algorithm::Sha512_256,
        }
    }

    /// True for the `-sess` variants (HA1 also covers nonce and cnonce).
    pub const fn is_sess(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }

    /// Digest length in bytes (16 or 32).
    pub const fn digest_len(self) -> usize {
        match self.base() {
            Algorithm::Md5 => 16,
            _ => 32,
        }
    }

    /// Digest length in hex characters (32 or 64).
    pub const fn hex_len(self) -> usize {
        self.digest_len() * 2
    }
}

/// Runs `$body` with `$E` the hash engine (`digest::engine`) of `$alg`'s
/// hash function: each formula is written once, generic over the engine,
/// and dispatched here once, so the hash state lives on the stack in its
/// own type.
macro_rules! with_hash {
    ($alg:expr, $E:ident => $body:expr) => {
        match $alg.base() {
            $crate::digest::Algorithm::Md5 => {
                type $E = $crate::digest::engine::Md5;
                $body
            }
            $crate::digest::Algorithm::Sha256 => {
                type $E = $crate::digest::engine::Sha256;
                $body
            }
            _ => {
                type $E = $crate::digest::engine::Sha512_256;
                $body
            }
        }
    };
}
pub(crate) use with_hash;

/// An incremental hash for one algorithm's hash function, chosen at run
/// time. Feeding pieces with `update` (separators included) is how callers
/// avoid building strings. (The formulas in `compute` use the engine's
/// `Writer` directly.)
#[derive(Clone)]
pub struct Hasher(Inner);

#[derive(Clone)]
enum Inner {
    Md5(Writer<engine::Md5>),
    Sha256(Writer<engine::Sha256>),
    Sha512_256(Writer<engine::Sha512_256>),
}

impl Hasher {
    /// A fresh hasher for `alg`'s hash function.
    pub fn new(alg: Algorithm) -> Hasher {
        Hasher(match alg.base() {
            Algorithm::Md5 => Inner::Md5(Writer::default()),
            Algorithm::Sha256 => Inner::Sha256(Writer::default()),
            _ => Inner::Sha512_256(Writer::default()),
        })
    }

    /// Feeds `data`.
    #[inline]
    pub fn update(&mut self, data: &[u8]) -> &mut Hasher {
        match &mut self.0 {
            Inner::Md5(w) => w.update(data),
            Inner::Sha256(w) => w.update(data),
            Inner::Sha512_256(w) => w.update(data),
        }
        self
    }

    /// Feeds each piece in turn, with a `:` between consecutive pieces.
    #[inline]
    pub fn update_joined(&mut self, pieces: &[&[u8]]) -> &mut Hasher {
        match &mut self.0 {
            Inner::Md5(w) => w.update_joined(pieces),
            Inner::Sha256(w) => w.update_joined(pieces),
            Inner::Sha512_256(w) => w.update_joined(pieces),
        }
        self
    }

    /// The digest in lowercase hex.
    pub fn finish(self) -> Hex {
        match self.0 {
            Inner::Md5(mut w) => w.finish(),
            Inner::Sha256(mut w) => w.finish(),
            Inner::Sha512_256(mut w) => w.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for a in Algorithm::all() {
            assert_eq!(Algorithm::from_name(a.name().as_bytes()), Some(a));
            assert_eq!(
                Algorithm::from_name(a.name().to_ascii_lowercase().as_bytes()),
                Some(a)
            );
        }
        assert_eq!(Algorithm::from_name(b"md5-SESS"), Some(Algorithm::Md5Sess));
        assert_eq!(Algorithm::from_name(b"AKAv1-MD5"), None);
        assert_eq!(Algorithm::from_name(b"SHA256"), None);
        assert_eq!(Algorithm::from_name(b""), None);
    }

    #[test]
    fn base_sess_and_lengths() {
        assert_eq!(Algorithm::Sha512_256Sess.base(), Algorithm::Sha512_256);
        assert!(Algorithm::Md5Sess.is_sess() && !Algorithm::Md5.is_sess());
        assert_eq!(Algorithm::Md5Sess.hex_len(), 32);
        assert_eq!(Algorithm::Sha256.hex_len(), 64);
        assert_eq!(Algorithm::Sha512_256Sess.digest_len(), 32);
    }

    #[test]
    fn known_hashes_of_empty_input() {
        let h = |a| Hasher::new(a).finish().as_str().to_owned();
        assert_eq!(h(Algorithm::Md5), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            h(Algorithm::Sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            h(Algorithm::Sha512_256),
            "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"
        );
    }
}
