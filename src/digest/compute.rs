//! The digest formulas (RFC 7616 §3.4.1–3.4.4, RFC 2617 §3.2.2, RFC 2069).
//!
//! Every function feeds its pieces to the hasher one by one (separators
//! included) and returns a stack `Hex`: nothing here allocates.

use super::algorithm::{Algorithm, Hasher};
use super::hex::Hex;

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
    let mut h = Hasher::new(alg);
    h.update_joined(&[user, realm, password]);
    sess(alg, h.finish(), nonce, cnonce)
}

/// HA1 from a stored `H(user:realm:password)` in hex (either case, exactly
/// `alg.hex_len()` characters), with the `-sess` step applied on top for a
/// `-sess` algorithm. `None` if `stored` is not such a hex string.
pub fn ha1_from_hex(alg: Algorithm, stored: &[u8], nonce: &[u8], cnonce: &[u8]) -> Option<Hex> {
    let base = Hex::parse(stored, alg.hex_len())?;
    Some(sess(alg, base, nonce, cnonce))
}

fn sess(alg: Algorithm, base: Hex, nonce: &[u8], cnonce: &[u8]) -> Hex {
    if !alg.is_sess() {
        return base;
    }
    let mut h = Hasher::new(alg);
    h.update_joined(&[base.as_bytes(), nonce, cnonce]);
    h.finish()
}

/// HA2: `H(method:uri)`, or for `auth-int` `H(method:uri:H(body))`. `body`
/// is used only for `auth-int`.
pub fn ha2(alg: Algorithm, method: &[u8], uri: &[u8], qop: Option<Qop>, body: &[u8]) -> Hex {
    let mut h = Hasher::new(alg);
    h.update_joined(&[method, uri]);
    if qop == Some(Qop::AuthInt) {
        let mut hb = Hasher::new(alg);
        hb.update(body);
        h.update(b":").update(hb.finish().as_bytes());
    }
    h.finish()
}

/// The response: `H(HA1:nonce:nc:cnonce:qop:HA2)` with a qop, or the RFC 2069
/// form `H(HA1:nonce:HA2)` without one.
pub fn response(
    alg: Algorithm,
    ha1: &Hex,
    nonce: &[u8],
    qop: Option<QopParams<'_>>,
    ha2: &Hex,
) -> Hex {
    let mut h = Hasher::new(alg);
    h.update_joined(&[ha1.as_bytes(), nonce]);
    if let Some(q) = qop {
        h.update(b":")
            .update_joined(&[q.nc, q.cnonce, q.qop.as_str().as_bytes()]);
    }
    h.update(b":").update(ha2.as_bytes());
    h.finish()
}

/// The hashed user name of RFC 7616 §3.4.4: `H(user:realm)`.
pub fn userhash(alg: Algorithm, user: &[u8], realm: &[u8]) -> Hex {
    let mut h = Hasher::new(alg);
    h.update_joined(&[user, realm]);
    h.finish()
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
}
