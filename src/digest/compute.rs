//! The digest formulas (RFC 7616 §3.4.1–3.4.4, RFC 2617 §3.2.2, RFC 2069).
//!
//! Every function feeds its pieces to the hash engine one by one
//! (separators included) and returns a stack `Hex`: nothing here allocates.

use super::algorithm::{with_hash, Algorithm};
use super::engine::{Engine, Writer};
use super::hex::Hex;
use super::memo::{Memo, Memoized, Memos};
#[allow(unused_imports)]
use crate::prelude::*;

/// Quality of protection used in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qop {
    /// `auth`: HA2 covers method and URI.
    Auth,
    /// `auth-int`: HA2 also covers the hash of the body.
    AuthInt,
}

impl Qop {
    /// `auth` or `auth-int`, compared case-insensitively; `None` otherwise.
    pub fn from_token(token: &[u8]) -> Option<Qop> {
        if token.eq_ignore_ascii_case(b"auth") {
            Some(Qop::Auth)
        } else if token.eq_ignore_ascii_case(b"auth-int") {
            Some(Qop::AuthInt)
        } else {
            None
        }
    }

    /// The token as sent and as hashed.
    pub const fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }
}

/// What a qop response hashes besides HA1, nonce and HA2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QopParams<'a> {
    /// The qop chosen.
    pub qop: Qop,
    /// The nonce count exactly as sent (8 hex digits, see `format_nc`).
    pub nc: &'a [u8],
    /// The client nonce exactly as sent.
    pub cnonce: &'a [u8],
}

/// `nc` as RFC 7616 writes it: 8 lowercase hex digits.
pub fn format_nc(nc: u32) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (i, dst) in out.iter_mut().enumerate() {
        let nibble = (nc >> (28 - 4 * i)) & 0xf;
        *dst = b"0123456789abcdef"[nibble as usize];
    }
    out
}

/// HA1 from a password: `H(user:realm:password)`, and for a `-sess`
/// algorithm `H(H(user:realm:password):nonce:cnonce)` (nonce and cnonce are
/// ignored otherwise).
pub fn ha1(
    alg: Algorithm,
    user: &[u8],
    realm: &[u8],
    password: &[u8],
    nonce: &[u8],
    cnonce: &[u8],
) -> Hex {
    with_hash!(alg, E => {
        let base = memo_joined::<E>(&[user, realm, password], |m| &mut m.ha1);
        sess::<E>(alg, base, nonce, cnonce)
    })
}

/// HA1 from a stored `H(user:realm:password)` in hex (either case, exactly
/// `alg.hex_len()` characters), with the `-sess` step applied on top for a
/// `-sess` algorithm. `None` if `stored` is not such a hex string.
pub fn ha1_from_hex(alg: Algorithm, stored: &[u8], nonce: &[u8], cnonce: &[u8]) -> Option<Hex> {
    let base = Hex::parse(stored, alg.hex_len())?;
    Some(with_hash!(alg, E => sess::<E>(alg, base, nonce, cnonce)))
}

/// `H(p1:p2:...)` in hex.
#[inline]
fn joined<E: Engine>(pieces: &[&[u8]]) -> Hex {
    let mut h = Writer::<E>::default();
    h.update_joined(pieces);
    h.finish()
}

/// `H(p1:p2:...)` through one of this thread's memos (`digest::memo`).
#[inline]
fn memo_joined<E: Memoized>(pieces: &[&[u8]], which: fn(&mut Memos<E>) -> &mut Memo<Hex>) -> Hex {
    if let Some(Some(h)) = E::with_memos(|m| which(m).get(pieces)) {
        return h;
    }
    let h = joined::<E>(pieces);
    E::with_memos(|m| which(m).put(pieces, h));
    h
}

fn sess<E: Memoized>(alg: Algorithm, base: Hex, nonce: &[u8], cnonce: &[u8]) -> Hex {
    if !alg.is_sess() {
        return base;
    }
    joined::<E>(&[base.as_bytes(), nonce, cnonce])
}

/// HA2: `H(method:uri)`, or for `auth-int` `H(method:uri:H(body))`. `body`
/// is used only for `auth-int`.
pub fn ha2(alg: Algorithm, method: &[u8], uri: &[u8], qop: Option<Qop>, body: &[u8]) -> Hex {
    with_hash!(alg, E => {
        if qop == Some(Qop::AuthInt) {
            let hb = joined::<E>(&[body]);
            joined::<E>(&[method, uri, hb.as_bytes()])
        } else {
            memo_joined::<E>(&[method, uri], |m| &mut m.ha2)
        }
    })
}

/// The response: `H(HA1:nonce:nc:cnonce:qop:HA2)` with a qop, or the RFC 2069
/// form `H(HA1:nonce:HA2)` without one.
///
/// RFC 2617's example (section 3.5):
///
/// ```
/// use pjsip_auth_shim::digest::{format_nc, ha1, ha2, response, Algorithm, Qop, QopParams};
///
/// let alg = Algorithm::Md5;
/// let nonce = b"dcd98b7102dd2f0e8b11d0f600bfb0c093";
/// let h1 = ha1(alg, b"Mufasa", b"testrealm@host.com", b"Circle Of Life", nonce, b"");
/// let h2 = ha2(alg, b"GET", b"/dir/index.html", Some(Qop::Auth), b"");
/// let nc = format_nc(1);
/// let qop = QopParams { qop: Qop::Auth, nc: &nc, cnonce: b"0a4f113b" };
/// let r = response(alg, &h1, nonce, Some(qop), &h2);
/// assert_eq!(r.as_str(), "6629fae49393a05397450978507c4ef1");
/// ```
pub fn response(
    alg: Algorithm,
    ha1: &Hex,
    nonce: &[u8],
    qop: Option<QopParams<'_>>,
    ha2: &Hex,
) -> Hex {
    with_hash!(alg, E => {
        let mut h = Writer::<E>::default();
        response_prefix::<E>(&mut h, ha1);
        response_tail(&mut h, nonce, qop, ha2);
        h.finish()
    })
}

/// Feeds HA1 to the fresh writer `h`. When HA1 fills a block (SHA-256's
/// 64 digits), the compressed state is kept per thread: answering the
/// same realm again skips that block.
#[inline]
fn response_prefix<E: Memoized>(h: &mut Writer<E>, ha1: &Hex) {
    let key: &[&[u8]] = &[ha1.as_bytes()];
    if ha1.len() < Writer::<E>::BLOCK {
        h.update(ha1.as_bytes());
        return;
    }
    let hit = E::with_memos(|m| match m.prefix.find(key) {
        Some(w) => {
            h.resume_from(w);
            true
        }
        None => false,
    });
    if hit == Some(true) {
        return;
    }
    h.update(ha1.as_bytes());
    h.settle();
    E::with_memos(|m| m.prefix.put(key, h.clone()));
}

/// Everything of the response after HA1: `:nonce[:nc:cnonce:qop]:HA2`.
#[inline]
fn response_tail<E: Memoized>(
    h: &mut Writer<E>,
    nonce: &[u8],
    qop: Option<QopParams<'_>>,
    ha2: &Hex,
) {
    h.update(b":");
    h.update(nonce);
    if let Some(q) = qop {
        h.update(b":");
        h.update_joined(&[q.nc, q.cnonce, q.qop.as_str().as_bytes()]);
    }
    h.update(b":");
    h.update(ha2.as_bytes());
}

/// The hashed user name of RFC 7616 §3.4.4: `H(user:realm)`.
pub fn userhash(alg: Algorithm, user: &[u8], realm: &[u8]) -> Hex {
    with_hash!(alg, E => joined::<E>(&[user, realm]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nc_is_eight_lowercase_hex_digits() {
        assert_eq!(&format_nc(1), b"00000001");
        assert_eq!(&format_nc(0xab), b"000000ab");
        assert_eq!(&format_nc(u32::MAX), b"ffffffff");
    }

    #[test]
    fn qop_tokens() {
        assert_eq!(Qop::from_token(b"AUTH"), Some(Qop::Auth));
        assert_eq!(Qop::from_token(b"auth-int"), Some(Qop::AuthInt));
        assert_eq!(Qop::from_token(b"auth-conf"), None);
    }

    /// The memoised paths (second and later calls) give what hashing
    /// gives, and a changed input is never answered from the memo.
    #[test]
    fn memo_hits_equal_fresh_hashes() {
        use sha2::Digest;
        fn hex<D: Digest>(s: &str) -> String {
            Hex::encode(&D::digest(s.as_bytes())).as_str().to_owned()
        }
        fn expected<D: Digest>(pass: &str, uri: &str) -> String {
            let ha1 = hex::<D>(&format!("u:r:{pass}"));
            let ha2 = hex::<D>(&format!("GET:{uri}"));
            hex::<D>(&format!("{ha1}:n:00000001:c:auth:{ha2}"))
        }
        let q = QopParams {
            qop: Qop::Auth,
            nc: b"00000001",
            cnonce: b"c",
        };
        for alg in [Algorithm::Md5, Algorithm::Sha256, Algorithm::Sha512_256] {
            let want = |pass: &str, uri: &str| match alg {
                Algorithm::Md5 => expected::<md5::Md5>(pass, uri),
                Algorithm::Sha256 => expected::<sha2::Sha256>(pass, uri),
                _ => expected::<sha2::Sha512_256>(pass, uri),
            };
            for (pass, uri) in [
                ("p", "/a"),
                ("p", "/a"),
                ("q", "/a"),
                ("p", "/b"),
                ("p", "/a"),
            ] {
                let h1 = ha1(alg, b"u", b"r", pass.as_bytes(), b"", b"");
                let h2 = ha2(alg, b"GET", uri.as_bytes(), Some(Qop::Auth), b"");
                let r = response(alg, &h1, b"n", Some(q), &h2);
                assert_eq!(r.as_str(), want(pass, uri), "{alg:?} {pass} {uri}");
            }
        }
    }
}
