//! The algorithm lookups, PJSIP's rules: `pjsip_auth_algorithm_type` values
//! index `pjsip_auth_algorithms` (defined in C, `glue/auth_client.c`); these
//! return the index, the glue turns it into the entry's address.

use pjsip_auth_shim::digest::Algorithm;

use crate::glue::Bytes;
use crate::panic::guard;

// pjsip_auth_algorithm_type (PJSIP's ABI; the glue asserts these values).
pub(crate) const NOT_SET: i32 = 0;
pub(crate) const MD5: i32 = 1;
pub(crate) const SHA256: i32 = 2;
pub(crate) const SHA512_256: i32 = 3;
pub(crate) const AKAV1_MD5: i32 = 4;
pub(crate) const AKAV2_MD5: i32 = 5;

/// The IANA names of the table's real entries (index 1..=5), as PJSIP
/// spells them; `tests/c/algorithms.c` checks them against the C table.
const IANA_NAMES: [(i32, &[u8]); 5] = [
    (MD5, b"MD5"),
    (SHA256, b"SHA-256"),
    (SHA512_256, b"SHA-512-256"),
    (AKAV1_MD5, b"AKAv1-MD5"),
    (AKAV2_MD5, b"AKAv2-MD5"),
];

/// What a table entry is for this library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A hash the core computes.
    Hash(Algorithm),
    /// AKAv1/AKAv2-MD5: named by PJSIP, answered (in PJSIP) through the
    /// credential's own AKA callback, never hashed here.
    Aka,
}

/// The entry for a `pjsip_auth_algorithm_type`, `None` for NOT_SET, COUNT
/// and anything out of range.
pub(crate) fn kind(algorithm_type: i32) -> Option<Kind> {
    match algorithm_type {
        MD5 => Some(Kind::Hash(Algorithm::Md5)),
        SHA256 => Some(Kind::Hash(Algorithm::Sha256)),
        SHA512_256 => Some(Kind::Hash(Algorithm::Sha512_256)),
        AKAV1_MD5 | AKAV2_MD5 => Some(Kind::Aka),
        _ => None,
    }
}

/// Index in `pjsip_auth_algorithms` of an algorithm type, or -1 (NOT_SET,
/// COUNT, out of range), as `pjsip_auth_get_algorithm_by_type`.
#[no_mangle]
pub extern "C" fn pjshim_pj_algorithm_by_type(algorithm_type: i32) -> i32 {
    guard(-1, || {
        if kind(algorithm_type).is_some() {
            algorithm_type
        } else {
            -1
        }
    })
}

/// Index of the entry whose IANA name equals `name` case-insensitively, the
/// empty name meaning MD5 (an absent `algorithm=`), or -1, as
/// `pjsip_auth_get_algorithm_by_iana_name` (the `-sess` names are not in
/// PJSIP's table).
///
/// # Safety
/// `name` is NULL or points to a valid `pjshim_bytes`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_algorithm_by_iana_name(name: *const Bytes<'_>) -> i32 {
    guard(-1, || {
        // SAFETY: NULL or a valid pjshim_bytes, per the contract.
        let Some(name) = (unsafe { name.as_ref() }) else {
            return -1;
        };
        by_iana_name(name.as_slice()).unwrap_or(-1)
    })
}

pub(crate) fn by_iana_name(name: &[u8]) -> Option<i32> {
    if name.is_empty() {
        return Some(MD5);
    }
    IANA_NAMES
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|&(t, _)| t)
}

/// 1 for the algorithm types PJSIP 2.17 (built with OpenSSL) reports as
/// supported: the three hashes, which the core computes, and the two AKA
/// types (PJSIP's table gives them no OpenSSL digest to check, so it reports
/// them supported); 0 for NOT_SET, COUNT and anything out of range.
#[no_mangle]
pub extern "C" fn pjshim_pj_algorithm_supported(algorithm_type: i32) -> i32 {
    guard(0, || kind(algorithm_type).is_some() as i32)
}
