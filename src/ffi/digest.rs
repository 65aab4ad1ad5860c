//! Digest functions for C: the algorithm table, its lookups, and
//! `pjsip_auth_create_digest*`. Also the crate-internal mapping between
//! `pjsip_auth_algorithm_type` values and the core `Algorithm`.

use super::auth_types::{
    pjsip_auth_algorithm, pjsip_auth_algorithm_type, pjsip_cred_data_type, pjsip_cred_info,
};
use super::cast::{str_bytes, try_mut, try_ref};
use super::panic::guard;
use super::status::{status_of, PJ_EBUG};
use super::types::{pj_bool_t, pj_ssize_t, pj_status_t, pj_str_t, PJ_FALSE, PJ_TRUE};
use crate::digest::{self, Algorithm, Hex, Qop, QopParams};
use crate::status::{Error, Result};
use std::ffi::CStr;
use std::os::raw::{c_char, c_uint};
use std::ptr;

// The C enum values (the enums themselves are written in cbindgen.toml;
// these stay crate-private so that cbindgen does not emit them again).
pub(crate) const ALGORITHM_NOT_SET: pjsip_auth_algorithm_type = 0;
pub(crate) const ALGORITHM_MD5: pjsip_auth_algorithm_type = 1;
pub(crate) const ALGORITHM_SHA256: pjsip_auth_algorithm_type = 2;
pub(crate) const ALGORITHM_SHA512_256: pjsip_auth_algorithm_type = 3;
pub(crate) const ALGORITHM_AKAV1_MD5: pjsip_auth_algorithm_type = 4;
pub(crate) const ALGORITHM_AKAV2_MD5: pjsip_auth_algorithm_type = 5;
pub(crate) const CRED_DATA_PLAIN_PASSWD: pjsip_cred_data_type = 0;
pub(crate) const CRED_DATA_DIGEST: pjsip_cred_data_type = 1;

/// The one mapping between `pjsip_auth_algorithm_type` numbers and the core
/// `Algorithm`: the C enum has no `-sess` values, so each type names a hash
/// (its base algorithm). Every conversion below goes through it.
const TYPE_MAP: [(pjsip_auth_algorithm_type, Algorithm); 3] = [
    (ALGORITHM_MD5, Algorithm::Md5),
    (ALGORITHM_SHA256, Algorithm::Sha256),
    (ALGORITHM_SHA512_256, Algorithm::Sha512_256),
];

/// The supported algorithm of a `pjsip_auth_algorithm_type` (its hash):
/// MD5, SHA256, SHA512_256; `None` for NOT_SET, AKA and anything else.
pub(crate) fn algorithm_from_type(t: pjsip_auth_algorithm_type) -> Option<Algorithm> {
    TYPE_MAP.iter().find(|(n, _)| *n == t).map(|(_, a)| *a)
}

/// As `algorithm_from_type`, with NOT_SET meaning MD5: PJSIP's rule where a
/// default is needed (a pre-hashed HA1 credential, a server challenge).
pub(crate) fn cred_algorithm(t: pjsip_auth_algorithm_type) -> Option<Algorithm> {
    if t == ALGORITHM_NOT_SET {
        Some(Algorithm::Md5)
    } else {
        algorithm_from_type(t)
    }
}

/// The `pjsip_auth_algorithm_type` of an algorithm's hash (`-sess` variants
/// map to their base).
// Not yet called outside tests: the C front end needs it only for output.
#[allow(dead_code)]
pub(crate) fn type_of_algorithm(a: Algorithm) -> pjsip_auth_algorithm_type {
    TYPE_MAP
        .iter()
        .find(|(_, x)| *x == a.base())
        .map_or(ALGORITHM_NOT_SET, |(n, _)| *n)
}

/// The algorithm table: immutable, pointing only at static literals.
struct AlgorithmTable([pjsip_auth_algorithm; 5]);

// SAFETY: the table is never written after compile time, and its pointers
// refer to `'static` read-only literals, so sharing it between threads only
// ever reads immutable memory.
unsafe impl Sync for AlgorithmTable {}

const fn entry(
    algorithm_type: pjsip_auth_algorithm_type,
    iana: &'static [u8],
    openssl: &'static CStr,
    digest_length: c_uint,
) -> pjsip_auth_algorithm {
    pjsip_auth_algorithm {
        algorithm_type,
        iana_name: pj_str_t {
            ptr: iana.as_ptr().cast_mut() as *mut c_char,
            slen: iana.len() as pj_ssize_t,
        },
        openssl_name: openssl.as_ptr(),
        digest_length,
        digest_str_length: digest_length * 2,
    }
}

static ALGORITHMS: AlgorithmTable = AlgorithmTable([
    entry(ALGORITHM_MD5, b"MD5", c"MD5", 16),
    entry(ALGORITHM_SHA256, b"SHA-256", c"SHA256", 32),
    entry(ALGORITHM_SHA512_256, b"SHA-512-256", c"SHA512-256", 32),
    entry(ALGORITHM_AKAV1_MD5, b"AKAv1-MD5", c"", 16),
    entry(ALGORITHM_AKAV2_MD5, b"AKAv2-MD5", c"", 16),
]);

fn table_entry(t: pjsip_auth_algorithm_type) -> Option<&'static pjsip_auth_algorithm> {
    ALGORITHMS.0.iter().find(|a| a.algorithm_type == t)
}

fn iana_bytes(a: &'static pjsip_auth_algorithm) -> &'static [u8] {
    // SAFETY: every table entry's iana_name was built by `entry` from a
    // `'static` byte literal of exactly `slen` bytes.
    unsafe { std::slice::from_raw_parts(a.iana_name.ptr as *const u8, a.iana_name.slen as usize) }
}

/// Returns the description of a digest algorithm: MD5, SHA256, SHA512_256,
/// and (named for compatibility, not supported) AKAV1_MD5 and AKAV2_MD5.
///
/// The result points into a table the library owns for the whole process;
/// do not modify or free it. NOT_SET, COUNT and out-of-range values give NULL.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_get_algorithm_by_type(
    algorithm_type: pjsip_auth_algorithm_type,
) -> *const pjsip_auth_algorithm {
    guard(ptr::null(), || {
        table_entry(algorithm_type).map_or(ptr::null(), |a| a as *const _)
    })
}

/// Returns the algorithm whose IANA name ("MD5", "SHA-256", "SHA-512-256",
/// "AKAv1-MD5", "AKAv2-MD5") equals `iana_name`, compared case-insensitively.
///
/// The result points into a table the library owns for the whole process.
/// NULL when `iana_name` is NULL, invalid (NULL ptr with a non-zero length,
/// negative length), or names no algorithm. The `-sess` names are not in the
/// table (as in PJSIP). `iana_name` is only read during the call. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_get_algorithm_by_iana_name(
    iana_name: *const pj_str_t,
) -> *const pjsip_auth_algorithm {
    guard(ptr::null(), || {
        // SAFETY: the caller passes NULL or a valid pj_str_t whose bytes are
        // readable for the call; both helpers reject NULL and bad lengths.
        let name = match unsafe { try_ref(iana_name).and_then(|s| str_bytes(s)) } {
            Ok(n) => n,
            Err(_) => return ptr::null(),
        };
        ALGORITHMS
            .0
            .iter()
            .find(|a| iana_bytes(a).eq_ignore_ascii_case(name))
            .map_or(ptr::null(), |a| a as *const _)
    })
}

/// PJ_TRUE for the algorithms this library can compute: MD5, SHA256 and
/// SHA512_256 (their `-sess` variants are handled by the client session
/// from the challenge); PJ_FALSE for anything else. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_is_algorithm_supported(
    algorithm_type: pjsip_auth_algorithm_type,
) -> pj_bool_t {
    guard(PJ_FALSE, || {
        if algorithm_from_type(algorithm_type).is_some() {
            PJ_TRUE
        } else {
            PJ_FALSE
        }
    })
}

/// The borrowed inputs of one digest computation.
struct DigestInput<'a> {
    nonce: &'a [u8],
    nc: Option<&'a [u8]>,
    cnonce: Option<&'a [u8]>,
    qop: Option<&'a [u8]>,
    uri: &'a [u8],
    realm: &'a [u8],
    method: &'a [u8],
    data_type: pjsip_cred_data_type,
    cred_algorithm: pjsip_auth_algorithm_type,
    username: &'a [u8],
    data: &'a [u8],
}

/// The safe part of pjsip_auth_create_digest2 (rules in its doc comment).
fn compute_digest(alg_type: pjsip_auth_algorithm_type, d: &DigestInput<'_>) -> Result<Hex> {
    let alg = algorithm_from_type(alg_type).ok_or(Error::InvalidAlgorithm)?;
    let qop = match d.qop {
        None | Some(b"") => None,
        Some(q) => Some(Qop::from_token(q).ok_or(Error::InvalidQop)?),
    };
    let qop_params = match qop {
        None => None,
        Some(qop) => Some(QopParams {
            qop,
            nc: d.nc.ok_or(Error::InvalidArg)?,
            cnonce: d.cnonce.ok_or(Error::InvalidArg)?,
        }),
    };
    let ha1 = match d.data_type {
        CRED_DATA_PLAIN_PASSWD => digest::ha1(alg, d.username, d.realm, d.data, b"", b""),
        CRED_DATA_DIGEST => {
            if cred_algorithm(d.cred_algorithm) != Some(alg) {
                return Err(Error::InvalidAlgorithm);
            }
            digest::ha1_from_hex(alg, d.data, b"", b"").ok_or(Error::InvalidArg)?
        }
        _ => return Err(Error::InvalidArg),
    };
    let ha2 = digest::ha2(alg, d.method, d.uri, qop, b"");
    Ok(digest::response(alg, &ha1, d.nonce, qop_params, &ha2))
}

/// Bytes of an optional `pj_str_t` argument: `None` for NULL.
///
/// # Safety
/// A non-NULL `p` must point to a valid `pj_str_t` whose bytes stay readable for `'a`.
unsafe fn opt_str<'a>(p: *const pj_str_t) -> Result<Option<&'a [u8]>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, and the caller promises validity.
    unsafe { str_bytes(try_ref(p)?) }.map(Some)
}

/// Bytes of a required `pj_str_t` argument: NULL is `Error::InvalidArg`.
///
/// # Safety
/// As `opt_str`.
unsafe fn req_str<'a>(p: *const pj_str_t) -> Result<&'a [u8]> {
    // SAFETY: forwarded contract.
    unsafe { opt_str(p) }?.ok_or(Error::InvalidArg)
}

#[allow(clippy::too_many_arguments)]
unsafe fn create_digest(
    result: *mut pj_str_t,
    nonce: *const pj_str_t,
    nc: *const pj_str_t,
    cnonce: *const pj_str_t,
    qop: *const pj_str_t,
    uri: *const pj_str_t,
    realm: *const pj_str_t,
    cred_info: *const pjsip_cred_info,
    method: *const pj_str_t,
    algorithm_type: pjsip_auth_algorithm_type,
) -> Result<()> {
    // SAFETY: the caller passes NULL or valid, unaliased pointers, readable
    // (result: writable) for the call; NULL is rejected by the helpers.
    let out = unsafe { try_mut(result) }?;
    if out.ptr.is_null() {
        return Err(Error::InvalidArg);
    }
    // SAFETY: as above, for every string and the credential.
    let input = unsafe {
        let cred = try_ref(cred_info)?;
        DigestInput {
            nonce: req_str(nonce)?,
            nc: opt_str(nc)?,
            cnonce: opt_str(cnonce)?,
            qop: opt_str(qop)?,
            uri: req_str(uri)?,
            realm: req_str(realm)?,
            method: req_str(method)?,
            data_type: cred.data_type,
            cred_algorithm: cred.algorithm_type,
            username: str_bytes(&cred.username)?,
            data: str_bytes(&cred.data)?,
        }
    };
    let hex = compute_digest(algorithm_type, &input)?;
    // SAFETY: out.ptr is non-NULL and the caller promises room for the
    // algorithm's digest_str_length bytes, which is hex.len().
    unsafe { ptr::copy_nonoverlapping(hex.as_bytes().as_ptr(), out.ptr as *mut u8, hex.len()) };
    out.slen = hex.len() as pj_ssize_t;
    Ok(())
}

/// Computes one digest response with `algorithm_type` (MD5, SHA256 or
/// SHA512_256) and writes it, in lowercase hex, to `result`.
///
/// `result->ptr` is a buffer the caller provides: it must hold at least the
/// algorithm's `digest_str_length` characters (32 for MD5, 64 otherwise);
/// on success the hex (not NUL-terminated) is written there and
/// `result->slen` set to its length. On error `result` is left untouched.
///
/// - `qop` NULL or empty: the RFC 2069 form H(HA1:nonce:HA2), and `nc`,
///   `cnonce` are ignored (may be NULL). `qop` "auth" (or "auth-int", taken
///   over an empty body since there is no body argument):
///   H(HA1:nonce:nc:cnonce:qop:HA2), with `nc` and `cnonce` used as given;
///   any other qop is PJSIP_EINVALIDQOP.
/// - HA2 is H(method:uri); for auth-int H(method:uri:H("")).
/// - `cred_info->data_type` PJSIP_CRED_DATA_PLAIN_PASSWD: HA1 is
///   H(username:realm:data), with `realm` the argument (the challenge's
///   realm), not `cred_info->realm`. PJSIP_CRED_DATA_DIGEST: `data` is HA1
///   in hex (either case, exactly digest_str_length characters, else
///   PJ_EINVAL) and `cred_info->algorithm_type` must be `algorithm_type`
///   (NOT_SET counts as MD5), else PJSIP_EINVALIDALGORITHM. Any other
///   data_type, EXT_AKA included (AKA is not supported): PJ_EINVAL.
/// - An algorithm this library cannot compute: PJSIP_EINVALIDALGORITHM.
/// - NULL `result`, `result->ptr`, `nonce`, `uri`, `realm`, `cred_info` or
///   `method` (or NULL `nc`/`cnonce` with a qop, or a string with a negative
///   length or a NULL ptr with a non-zero length): PJ_EINVAL.
///
/// Inputs are only read during the call. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_create_digest2(
    result: *mut pj_str_t,
    nonce: *const pj_str_t,
    nc: *const pj_str_t,
    cnonce: *const pj_str_t,
    qop: *const pj_str_t,
    uri: *const pj_str_t,
    realm: *const pj_str_t,
    cred_info: *const pjsip_cred_info,
    method: *const pj_str_t,
    algorithm_type: pjsip_auth_algorithm_type,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: the C caller's contract (documented above) is forwarded.
        status_of(unsafe {
            create_digest(
                result,
                nonce,
                nc,
                cnonce,
                qop,
                uri,
                realm,
                cred_info,
                method,
                algorithm_type,
            )
        })
    })
}

/// pjsip_auth_create_digest2() with PJSIP_AUTH_ALGORITHM_MD5: `result->ptr`
/// must hold 32 characters. Same rules and statuses.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_create_digest(
    result: *mut pj_str_t,
    nonce: *const pj_str_t,
    nc: *const pj_str_t,
    cnonce: *const pj_str_t,
    qop: *const pj_str_t,
    uri: *const pj_str_t,
    realm: *const pj_str_t,
    cred_info: *const pjsip_cred_info,
    method: *const pj_str_t,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: the C caller's contract is forwarded unchanged.
        status_of(unsafe {
            create_digest(
                result,
                nonce,
                nc,
                cnonce,
                qop,
                uri,
                realm,
                cred_info,
                method,
                ALGORITHM_MD5,
            )
        })
    })
}

/// pjsip_auth_create_digest2() with PJSIP_AUTH_ALGORITHM_SHA256:
/// `result->ptr` must hold 64 characters. Same rules and statuses.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_create_digestSHA256(
    result: *mut pj_str_t,
    nonce: *const pj_str_t,
    nc: *const pj_str_t,
    cnonce: *const pj_str_t,
    qop: *const pj_str_t,
    uri: *const pj_str_t,
    realm: *const pj_str_t,
    cred_info: *const pjsip_cred_info,
    method: *const pj_str_t,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: the C caller's contract is forwarded unchanged.
        status_of(unsafe {
            create_digest(
                result,
                nonce,
                nc,
                cnonce,
                qop,
                uri,
                realm,
                cred_info,
                method,
                ALGORITHM_SHA256,
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_mapping_round_trips() {
        for a in [Algorithm::Md5, Algorithm::Sha256, Algorithm::Sha512_256] {
            assert_eq!(algorithm_from_type(type_of_algorithm(a)), Some(a));
        }
        assert_eq!(type_of_algorithm(Algorithm::Sha256Sess), ALGORITHM_SHA256);
        assert_eq!(algorithm_from_type(ALGORITHM_NOT_SET), None);
        assert_eq!(cred_algorithm(ALGORITHM_NOT_SET), Some(Algorithm::Md5));
        assert_eq!(algorithm_from_type(ALGORITHM_AKAV1_MD5), None);
        assert_eq!(cred_algorithm(ALGORITHM_AKAV2_MD5), None);
        assert_eq!(cred_algorithm(99), None);
        for t in [ALGORITHM_MD5, ALGORITHM_SHA256, ALGORITHM_SHA512_256] {
            assert_eq!(cred_algorithm(t), algorithm_from_type(t));
            assert_eq!(type_of_algorithm(algorithm_from_type(t).unwrap()), t);
        }
    }

    #[test]
    fn table_lengths_match_the_core() {
        for t in [ALGORITHM_MD5, ALGORITHM_SHA256, ALGORITHM_SHA512_256] {
            let e = table_entry(t).unwrap();
            let a = algorithm_from_type(t).unwrap();
            assert_eq!(e.digest_length as usize, a.digest_len());
            assert_eq!(e.digest_str_length as usize, a.hex_len());
            assert_eq!(iana_bytes(e), a.name().as_bytes());
        }
    }
}
