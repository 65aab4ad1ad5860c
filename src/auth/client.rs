//! The synchronous digest client: answering a 401/407 (`reinit`) and
//! pre-emptive authorization of a new request (`init`), on the safe core
//! types. The C exports in `ffi::auth_client` are thin wrappers.
//!
//! Choices (API.md §4 leaves them open):
//! - cnonce: one per nonce. A new nonce gets a fresh cnonce and nc 1; every
//!   further use of the same nonce (stale retry, pre-emptive reuse) reuses it
//!   with nc + 1.
//! - Stale counting: per (realm, header kind) cache entry. A challenge for a
//!   realm already answered counts as a stale retry when it says
//!   `stale=true` or carries a new nonce; the 4th in a row is
//!   `AuthStaleCount`. The same nonce without `stale=true` is
//!   `FailedCredential`. There is no success signal in reinit, so `init`
//!   (the start of a new request) resets every counter.
//! - `init` with `initial_auth` skips wildcard-realm credentials: an empty
//!   Authorization with `realm="*"` would tell the server nothing useful.
//! - Nothing changes (request or session) when an error is returned.

use super::credential::{Credential, SecretKind};
use super::session::{CacheEntry, ClientSession};
use crate::digest::{
    authorize, parse_authorization, parse_challenges, write_authorization, Algorithm, Answer,
    AuthorizationFields, DigestChallenge, Secret,
};
use crate::sip::{names_equal, SipMessage};
use crate::status::{Error, Result};

/// Stale retries allowed in a row for one realm.
pub const MAX_STALE: u32 = 3;

const WWW: &str = "WWW-Authenticate";
const PROXY: &str = "Proxy-Authenticate";

/// The authorization header answering a challenge header kind.
fn auth_header_name(proxy: bool) -> &'static str {
    if proxy {
        "Proxy-Authorization"
    } else {
        "Authorization"
    }
}

/// The hash of a pre-hashed credential, from PJSIP's
/// `pjsip_auth_algorithm_type` numbering (0, not set, meaning MD5).
pub fn ha1_algorithm(algorithm_type: i32) -> Option<Algorithm> {
    match algorithm_type {
        0 | 1 => Some(Algorithm::Md5),
        2 => Some(Algorithm::Sha256),
        3 => Some(Algorithm::Sha512_256),
        _ => None,
    }
}

fn cred_serves(c: &Credential, alg: Algorithm) -> bool {
    let scheme_ok = c.scheme.is_empty() || c.scheme.eq_ignore_ascii_case(b"digest");
    scheme_ok
        && match c.kind {
            SecretKind::Password => true,
            SecretKind::Ha1 { algorithm_type } => ha1_algorithm(algorithm_type) == Some(alg.base()),
            SecretKind::Aka => false,
        }
}

/// The credential for `realm` and `alg`: an exact realm (any case) first,
/// else the wildcard `*`.
pub fn find_credential<'a>(
    creds: &'a [Credential],
    realm: &[u8],
    alg: Algorithm,
) -> Option<&'a Credential> {
    let ok = |c: &&Credential| cred_serves(c, alg);
    creds
        .iter()
        .filter(ok)
        .find(|c| c.realm.eq_ignore_ascii_case(realm))
        .or_else(|| creds.iter().filter(ok).find(|c| c.is_wildcard()))
}

fn secret_of(c: &Credential) -> Result<Secret<'_>> {
    match c.kind {
        SecretKind::Password => Ok(Secret::Password(&c.data)),
        SecretKind::Ha1 { algorithm_type } => Ok(Secret::Ha1Hex {
            algorithm: ha1_algorithm(algorithm_type).ok_or(Error::NoCredential)?,
            hex: &c.data,
        }),
        SecretKind::Aka => Err(Error::NoCredential),
    }
}

/// How far an unusable challenge got; the best one decides the error.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Reject {
    Scheme,
    Algorithm,
    Qop,
    Credential,
}

impl Reject {
    fn error(self) -> Error {
        match self {
            Reject::Scheme => Error::InvalidAuthScheme,
            Reject::Algorithm => Error::InvalidAlgorithm,
            Reject::Qop => Error::InvalidQop,
            Reject::Credential => Error::NoCredential,
        }
    }
}

/// One answer, computed but not yet applied.
struct Staged {
    proxy: bool,
    value: String,
    entry: CacheEntry,
}

/// Answers the 401/407 `response` into `request` with fresh cnonces.
pub fn reinit(
    session: &mut ClientSession,
    response: &SipMessage,
    request: &mut SipMessage,
) -> Result<()> {
    reinit_with(session, response, request, &mut || {
        crate::digest::new_cnonce().as_bytes().to_vec()
    })
}

/// `reinit` taking its cnonces from `cnonce` (called once per new nonce);
/// tests use it to reproduce RFC vectors.
pub fn reinit_with(
    session: &mut ClientSession,
    response: &SipMessage,
    request: &mut SipMessage,
    cnonce: &mut dyn FnMut() -> Vec<u8>,
) -> Result<()> {
    match response.status_code() {
        Some(401) | Some(407) => {}
        _ => return Err(Error::InvalidStatus),
    }
    let method = request.method().ok_or(Error::NotRequestMsg)?.to_owned();
    let uri = request
        .request_uri()
        .ok_or(Error::NotRequestMsg)?
        .to_owned();
    let body = request.body().to_vec();

    let mut any_header = false;
    let mut best: Option<Reject> = None;
    let mut staged: Vec<Staged> = Vec::new();
    let reject = |r: Reject, best: &mut Option<Reject>| {
        if best.map_or(true, |b| r > b) {
            *best = Some(r);
        }
    };
    for (name, proxy) in [(WWW, false), (PROXY, true)] {
        for value in response.headers_named(name) {
            any_header = true;
            for ch in parse_challenges(value.as_bytes()) {
                let Ok(ch) = ch else {
                    reject(Reject::Scheme, &mut best);
                    continue;
                };
                if !ch.is_digest() {
                    reject(Reject::Scheme, &mut best);
                    continue;
                }
                let Ok(d) = ch.to_digest() else {
                    reject(Reject::Scheme, &mut best);
                    continue;
                };
                let Some(alg) = d.algorithm() else {
                    reject(Reject::Algorithm, &mut best);
                    continue;
                };
                if d.choose_qop().is_err() {
                    reject(Reject::Qop, &mut best);
                    continue;
                }
                if staged
                    .iter()
                    .any(|s| s.proxy == proxy && s.entry.chal.realm.eq_ignore_ascii_case(&d.realm))
                {
                    continue; // RFC 8760: one answer per realm, the topmost.
                }
                let Some(cred) = find_credential(&session.creds, &d.realm, alg) else {
                    reject(Reject::Credential, &mut best);
                    continue;
                };
                let prev = session.find_entry(&d.realm, proxy);
                let answered = carries_answer(request, proxy, &d.realm);
                let (nc, cn, stale_count) = match prev {
                    None => (1, cnonce(), 0),
                    // A new request challenged again (a registrar may reuse its
                    // nonce for it): no verdict on the credentials yet.
                    Some(p) if !answered => {
                        if p.chal.nonce == d.nonce {
                            (p.nc + 1, p.cnonce.clone(), 0)
                        } else {
                            (1, cnonce(), 0)
                        }
                    }
                    Some(p) => {
                        let same = p.chal.nonce == d.nonce;
                        if same && !d.stale {
                            return Err(Error::FailedCredential);
                        }
                        let count = p.stale_count + 1;
                        if count > MAX_STALE {
                            return Err(Error::AuthStaleCount);
                        }
                        if same {
                            (p.nc + 1, p.cnonce.clone(), count)
                        } else {
                            (1, cnonce(), count)
                        }
                    }
                };
                let mut out = Vec::new();
                authorize(
                    &d,
                    &Answer {
                        username: &cred.username,
                        secret: secret_of(cred)?,
                        method: method.as_bytes(),
                        uri: uri.as_bytes(),
                        body: &body,
                        nc,
                        cnonce: &cn,
                    },
                    &mut out,
                )?;
                let value = String::from_utf8(out).map_err(|_| Error::InvalidArg)?;
                staged.push(Staged {
                    proxy,
                    value,
                    entry: CacheEntry {
                        proxy,
                        chal: d.into_owned(),
                        nc,
                        cnonce: cn,
                        stale_count,
                    },
                });
            }
        }
    }
    if !any_header {
        return Err(Error::AuthNoChal);
    }
    if staged.is_empty() {
        return Err(best.map_or(Error::AuthNoChal, Reject::error));
    }
    for s in &staged {
        remove_auth_for_realm(request, s.proxy, &s.entry.chal.realm);
    }
    for s in staged {
        request.push_header(auth_header_name(s.proxy), s.value);
        session.store_entry(s.entry);
    }
    request.clear_top_via_branch();
    Ok(())
}

/// True when `request` already carries an answer for `realm`: only then does
/// a challenge with the same nonce mean the credentials were wrong.
fn carries_answer(request: &SipMessage, proxy: bool, realm: &[u8]) -> bool {
    request.headers_named(auth_header_name(proxy)).any(|v| {
        parse_authorization(v.as_bytes()).is_ok_and(|c| c.realm.eq_ignore_ascii_case(realm))
    })
}

/// Removes the Authorization (or Proxy-Authorization) headers whose realm is
/// `realm` (any case); others stay.
fn remove_auth_for_realm(request: &mut SipMessage, proxy: bool, realm: &[u8]) {
    let name = auth_header_name(proxy);
    request.headers.retain(|h| {
        !(names_equal(&h.name, name)
            && parse_authorization(h.value.as_bytes())
                .is_ok_and(|c| c.realm.eq_ignore_ascii_case(realm)))
    });
}

/// Prepares a new request: resets the stale counters (a new flow starts),
/// adds the next authorization (nc + 1, same cnonce) for every realm already
/// answered, and, with `prefs.initial_auth`, an empty Authorization for each
/// non-wildcard credential whose realm has no cached answer.
pub fn init(session: &mut ClientSession, request: &mut SipMessage) -> Result<()> {
    let method = request.method().ok_or(Error::NotRequestMsg)?.to_owned();
    let uri = request
        .request_uri()
        .ok_or(Error::NotRequestMsg)?
        .to_owned();
    let body = request.body().to_vec();
    let mut staged: Vec<(bool, Vec<u8>, String, u32)> = Vec::new();
    for (i, e) in session.cache.iter().enumerate() {
        let Some(alg) = e.chal.algorithm() else {
            continue;
        };
        let Some(cred) = find_credential(&session.creds, &e.chal.realm, alg) else {
            continue;
        };
        let mut out = Vec::new();
        let nc = e.nc.wrapping_add(1).max(1);
        authorize(
            &e.chal,
            &Answer {
                username: &cred.username,
                secret: secret_of(cred)?,
                method: method.as_bytes(),
                uri: uri.as_bytes(),
                body: &body,
                nc,
                cnonce: &e.cnonce,
            },
            &mut out,
        )?;
        let value = String::from_utf8(out).map_err(|_| Error::InvalidArg)?;
        staged.push((e.proxy, e.chal.realm.to_vec(), value, i as u32));
    }
    let mut initial: Vec<String> = Vec::new();
    if session.prefs.initial_auth {
        for c in &session.creds {
            if c.is_wildcard() || c.kind == SecretKind::Aka {
                continue;
            }
            if staged
                .iter()
                .any(|(p, r, _, _)| !p && r.eq_ignore_ascii_case(&c.realm))
            {
                continue;
            }
            let alg_name: Option<Vec<u8>> = if !session.prefs.algorithm.is_empty() {
                Some(session.prefs.algorithm.clone())
            } else if let SecretKind::Ha1 { algorithm_type } = c.kind {
                ha1_algorithm(algorithm_type).map(|a| a.name().as_bytes().to_vec())
            } else {
                None
            };
            let mut out = Vec::new();
            write_authorization(
                &mut out,
                &AuthorizationFields {
                    username: &c.username,
                    realm: &c.realm,
                    nonce: b"",
                    uri: uri.as_bytes(),
                    response: b"",
                    algorithm: alg_name.as_deref(),
                    opaque: None,
                    qop: None,
                    userhash: false,
                },
            )?;
            initial.push(String::from_utf8(out).map_err(|_| Error::InvalidArg)?);
        }
    }
    for e in &mut session.cache {
        e.stale_count = 0;
    }
    for (proxy, realm, value, i) in staged {
        remove_auth_for_realm(request, proxy, &realm);
        request.push_header(auth_header_name(proxy), value);
        session.cache[i as usize].nc = session.cache[i as usize].nc.wrapping_add(1).max(1);
    }
    for v in initial {
        request.push_header("Authorization", v);
    }
    Ok(())
}

/// The cached challenge a realm was last answered with (tests, diagnostics).
pub fn cached_challenge<'a>(
    session: &'a ClientSession,
    realm: &[u8],
    proxy: bool,
) -> Option<&'a DigestChallenge<'static>> {
    session.find_entry(realm, proxy).map(|e| &e.chal)
}
