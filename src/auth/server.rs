//! Server-side digest authentication (RFC 7616/2617/2069): minting and
//! checking stateless nonces, writing challenges, verifying Authorization
//! headers of requests against a credential lookup. Pure: no C types, so a
//! registrar can be built on it in Rust; `ffi::auth_server` wraps it.
//!
//! Nonce rule: a nonce is `hex(unix seconds, 16 digits)` followed by the
//! first 16 bytes (32 hex digits) of HMAC-SHA-256(process secret,
//! timestamp-hex ":" realm). `verify` accepts only nonces minted here (by
//! any server in this process for the same realm) whose MAC matches (compared
//! in constant time) and which are at most [`NONCE_LIFETIME_SECS`] old; an
//! expired one fails with `AuthInNonce` and the 401/407 status, meaning "re-
//! challenge with stale=true". A nonce the application passed explicitly to
//! a challenge cannot be checked and is therefore rejected the same way.
//! Replays within the lifetime are not detected (nc is not tracked).
//!
//! Bearer mode (`challenge_bearer`, `verify_bearer`): a test registrar
//! for RFC 8898 clients, checking one expected access token; it does not
//! validate tokens the way an authorization server would.
//!
//! `userhash=true` in an Authorization is not supported (the lookup is by
//! real account name): `NotSupported` with 401/407. The `uri` parameter is
//! hashed as sent and not compared with the Request-URI (as PJSIP).

use super::bearer;
use crate::digest::{
    compute, new_cnonce, parse_authorization, Algorithm, DigestCredentials, Hex, ParseError, Qop,
    QopParams, Secret,
};
use crate::sip::SipMessage;
use crate::status::{Error, Result};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// How long a minted nonce is accepted, in seconds.
pub const NONCE_LIFETIME_SECS: u64 = 300;

/// A secret credential as a lookup returns it (owned, so the lookup may
/// build it from any storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredSecret {
    /// A plain password: serves any algorithm.
    Password(Vec<u8>),
    /// `H(user:realm:password)` in hex made with `algorithm` (its base hash).
    Ha1Hex {
        /// The hash the HA1 was made with.
        algorithm: Algorithm,
        /// The hex digest.
        hex: Vec<u8>,
    },
}

/// The server's settings (what `pjsip_auth_srv` holds besides the lookup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAuth {
    /// The realm challenged and accepted.
    pub realm: Vec<u8>,
    /// Proxy authentication: Proxy-Authenticate/Proxy-Authorization and 407.
    pub is_proxy: bool,
}

/// The outcome of [`ServerAuth::verify`]: the result and the SIP status
/// code to answer with (200 on success).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// `Ok` when the request is authenticated.
    pub result: Result<()>,
    /// 200, 400, 401/407, 500 or 513.
    pub status_code: u16,
}

/// Seconds since the Unix epoch (the harness's clock when one is set:
/// `crate::hooks::clock`).
pub fn now_secs() -> u64 {
    crate::hooks::clock::now_secs()
}

// Drawn once, at the first nonce: a harness wanting reproducible nonces
// sets its random source before that.
fn secret() -> &'static [u8] {
    static SECRET: OnceLock<Vec<u8>> = OnceLock::new();
    SECRET.get_or_init(|| {
        let mut s = new_cnonce().as_bytes().to_vec();
        s.extend_from_slice(new_cnonce().as_bytes());
        s
    })
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

fn nonce_mac(ts_hex: &[u8], realm: &[u8]) -> Hex {
    Hex::encode(&hmac_sha256(secret(), &[ts_hex, b":", realm])[..16])
}

/// A fresh nonce for `realm` stamped `now` (seconds).
pub fn mint_nonce(realm: &[u8], now: u64) -> String {
    let ts = format!("{now:016x}");
    let mac = nonce_mac(ts.as_bytes(), realm);
    format!("{ts}{}", mac.as_str())
}

/// Checks a nonce minted by [`mint_nonce`] for `realm`: `AuthInNonce` when
/// it is not one (wrong form, wrong MAC) or older than the lifetime (or
/// from the future by more than the lifetime).
pub fn check_nonce(realm: &[u8], nonce: &[u8], now: u64) -> Result<()> {
    if nonce.len() != 48 {
        return Err(Error::AuthInNonce);
    }
    let (ts_hex, mac) = nonce.split_at(16);
    let ts = std::str::from_utf8(ts_hex)
        .ok()
        .and_then(|s| u64::from_str_radix(s, 16).ok())
        .ok_or(Error::AuthInNonce)?;
    if !nonce_mac(ts_hex, realm).ct_eq(mac) {
        return Err(Error::AuthInNonce);
    }
    if now.abs_diff(ts) > NONCE_LIFETIME_SECS {
        return Err(Error::AuthInNonce);
    }
    Ok(())
}

/// The value of a Digest challenge header, parameters in this order:
/// `Digest realm="..", nonce="..", opaque="..", qop="..", algorithm=..`
/// then `, stale=true` when `stale`. An empty `qop` omits the parameter
/// (RFC 2069 form).
pub fn challenge_value(
    realm: &[u8],
    nonce: &[u8],
    opaque: &[u8],
    qop: &[u8],
    stale: bool,
    algorithm: Algorithm,
) -> String {
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut v = format!(
        "Digest realm=\"{}\", nonce=\"{}\", opaque=\"{}\"",
        s(realm),
        s(nonce),
        s(opaque)
    );
    if !qop.is_empty() {
        v.push_str(&format!(", qop=\"{}\"", s(qop)));
    }
    v.push_str(", algorithm=");
    v.push_str(algorithm.name());
    if stale {
        v.push_str(", stale=true");
    }
    v
}

/// A random opaque value (32 hex digits).
pub fn new_opaque() -> String {
    crate::sip::random_hex(2)
}

impl ServerAuth {
    /// The challenge header name for this server.
    pub fn challenge_header(&self) -> &'static str {
        if self.is_proxy {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        }
    }

    /// The credentials header name for this server.
    pub fn authorization_header(&self) -> &'static str {
        if self.is_proxy {
            "Proxy-Authorization"
        } else {
            "Authorization"
        }
    }

    /// 401, or 407 for a proxy.
    pub fn unauthorized_code(&self) -> u16 {
        if self.is_proxy {
            407
        } else {
            401
        }
    }

    /// Adds a challenge to `response`: `nonce` None mints one (now),
    /// `opaque` None makes a random one, `qop` None means "auth".
    pub fn challenge(
        &self,
        response: &mut SipMessage,
        qop: Option<&[u8]>,
        nonce: Option<&[u8]>,
        opaque: Option<&[u8]>,
        stale: bool,
        algorithm: Algorithm,
    ) {
        let minted;
        let nonce = match nonce {
            Some(n) => n,
            None => {
                minted = mint_nonce(&self.realm, now_secs());
                minted.as_bytes()
            }
        };
        let random;
        let opaque = match opaque {
            Some(o) => o,
            None => {
                random = new_opaque();
                random.as_bytes()
            }
        };
        let value = challenge_value(
            &self.realm,
            nonce,
            opaque,
            qop.unwrap_or(b"auth"),
            stale,
            algorithm,
        );
        response.push_header(self.challenge_header(), value);
    }

    /// Verifies `request` at time `now` (seconds): finds the Digest
    /// credentials for this realm, looks the account up with `lookup`
    /// (`None`: unknown account), and compares the response in constant time.
    ///
    /// Outcomes (result, status): not a request → `NotRequestMsg`, 400;
    /// no credentials for the realm → `AuthNoAuth`, 401/407; malformed
    /// credentials → `InvalidHdr`, 400; an Authorization value over
    /// `digest::authorization::MAX_AUTHORIZATION_LEN` (and none for the
    /// realm that parses) → `MsgTooLong`, 513; unknown algorithm or an HA1 of another
    /// hash → `InvalidAlgorithm`, 401/407; unknown qop → `InvalidQop`, 400;
    /// userhash → `NotSupported`, 401/407; bad or expired nonce →
    /// `AuthInNonce`, 401/407; unknown account → `AuthAccNotFound`, 401/407;
    /// HA1 not hex → `InvalidArg`, 500; wrong response →
    /// `FailedCredential`, 401/407; success → `Ok`, 200.
    pub fn verify(
        &self,
        request: &SipMessage,
        now: u64,
        lookup: impl FnOnce(&[u8]) -> Option<StoredSecret>,
    ) -> Verdict {
        let deny = self.unauthorized_code();
        match self.verify_inner(request, now, lookup) {
            Ok(()) => Verdict {
                result: Ok(()),
                status_code: 200,
            },
            Err(e) => {
                let status_code = match e {
                    Error::NotRequestMsg | Error::InvalidHdr | Error::InvalidQop => 400,
                    // RFC 3261 21.5.7: "the message length exceeded its
                    // capabilities" (413 is for the body alone).
                    Error::MsgTooLong => 513,
                    Error::InvalidArg => 500,
                    _ => deny,
                };
                Verdict {
                    result: Err(e),
                    status_code,
                }
            }
        }
    }

    fn find_credentials<'m>(&self, request: &'m SipMessage) -> Result<DigestCredentials<'m>> {
        // The refusal when no value for this realm parses: an oversized one
        // says more than a malformed one.
        let mut refused: Option<Error> = None;
        for value in request.headers_named(self.authorization_header()) {
            let scheme_digest = value
                .trim_start()
                .get(..6)
                .is_some_and(|s| s.eq_ignore_ascii_case("digest"));
            if !scheme_digest {
                continue;
            }
            match parse_authorization(value.as_bytes()) {
                Ok(c) if c.realm.eq_ignore_ascii_case(&self.realm) => return Ok(c),
                Ok(_) => {}
                Err(ParseError::TooLong) => refused = Some(Error::MsgTooLong),
                Err(_) => {
                    refused.get_or_insert(Error::InvalidHdr);
                }
            }
        }
        Err(refused.unwrap_or(Error::AuthNoAuth))
    }

    fn verify_inner(
        &self,
        request: &SipMessage,
        now: u64,
        lookup: impl FnOnce(&[u8]) -> Option<StoredSecret>,
    ) -> Result<()> {
        let method = request.method().ok_or(Error::NotRequestMsg)?;
        let c = self.find_credentials(request)?;
        let alg = match &c.algorithm {
            None => Algorithm::Md5,
            Some(a) => Algorithm::from_name(a).ok_or(Error::InvalidAlgorithm)?,
        };
        let qop = match &c.qop {
            None => None,
            Some(q) => Some(Qop::from_token(q).ok_or(Error::InvalidQop)?),
        };
        if c.userhash {
            return Err(Error::NotSupported);
        }
        check_nonce(&self.realm, &c.nonce, now)?;
        let stored = lookup(&c.username).ok_or(Error::AuthAccNotFound)?;
        let secret = match &stored {
            StoredSecret::Password(p) => Secret::Password(p),
            StoredSecret::Ha1Hex { algorithm, hex } => Secret::Ha1Hex {
                algorithm: *algorithm,
                hex,
            },
        };
        let cnonce = c.cnonce.as_deref().unwrap_or(b"");
        let nc = c.nc.as_deref().unwrap_or(b"");
        if qop.is_some() && (cnonce.is_empty() || nc.is_empty()) {
            return Err(Error::InvalidHdr);
        }
        let ha1 = match secret {
            Secret::Password(p) => compute::ha1(alg, &c.username, &c.realm, p, &c.nonce, cnonce),
            Secret::Ha1Hex { algorithm, hex } => {
                if algorithm.base() != alg.base() {
                    return Err(Error::InvalidAlgorithm);
                }
                compute::ha1_from_hex(alg, hex, &c.nonce, cnonce).ok_or(Error::InvalidArg)?
            }
        };
        let ha2 = compute::ha2(alg, method.as_bytes(), &c.uri, qop, request.body());
        let qp = qop.map(|qop| QopParams { qop, nc, cnonce });
        let expected = compute::response(alg, &ha1, &c.nonce, qp, &ha2);
        if expected.ct_eq(&c.response) {
            Ok(())
        } else {
            Err(Error::FailedCredential)
        }
    }

    /// Adds a Bearer challenge (RFC 6750 §3, RFC 8898) to `response`:
    /// `Bearer realm=".."`, then `, error=".."` when `error` is given
    /// (`invalid_token` tells the client its token was refused). An error
    /// that is not a plain token (letters, digits, `_`, `-`) is `InvalidArg`.
    pub fn challenge_bearer(&self, response: &mut SipMessage, error: Option<&[u8]>) -> Result<()> {
        let mut v = format!(
            "{} realm=\"{}\"",
            bearer::SCHEME,
            String::from_utf8_lossy(&self.realm)
        );
        if let Some(e) = error {
            let plain = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-';
            if e.is_empty() || !e.iter().all(plain) {
                return Err(Error::InvalidArg);
            }
            v.push_str(&format!(", error=\"{}\"", String::from_utf8_lossy(e)));
        }
        response.push_header(self.challenge_header(), v);
        Ok(())
    }

    /// Verifies the Bearer token of `request` against `expected` (compared
    /// in constant time for equal lengths). Outcomes (result, status): not a
    /// request → `NotRequestMsg`, 400; no `Bearer` authorization header →
    /// `AuthNoAuth`, 401/407; another token → `FailedCredential`, 401/407
    /// (challenge again with error="invalid_token"); the token → `Ok`, 200.
    pub fn verify_bearer(&self, request: &SipMessage, expected: &[u8]) -> Verdict {
        let deny = self.unauthorized_code();
        let result = if !request.is_request() {
            Err(Error::NotRequestMsg)
        } else {
            match request
                .headers_named(self.authorization_header())
                .find_map(|v| bearer::token_of(v.as_bytes()))
            {
                None => Err(Error::AuthNoAuth),
                Some(t) if ct_eq(t, expected) => Ok(()),
                Some(_) => Err(Error::FailedCredential),
            }
        };
        let status_code = match result {
            Ok(()) => 200,
            Err(Error::NotRequestMsg) => 400,
            Err(_) => deny,
        };
        Verdict {
            result,
            status_code,
        }
    }
}

/// Byte equality whose time depends only on the lengths.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
