//! `pjsip_auth_create_digest2` (and, through the glue, `_digest` and
//! `_digestSHA256`) with PJSIP 2.17's contract, over the core's hashes.
//!
//! PJSIP's contract, kept because C callers depend on it:
//! - `result->slen` is the buffer's capacity on entry; the buffer is zeroed
//!   first; it must hold the algorithm's hex length, else PJ_EINVAL.
//! - NOT_SET, COUNT or an out-of-range type: PJ_ENOTSUP; a qop argument
//!   without nc and cnonce: PJ_EINVAL; the AKA types: PJ_ENOTSUP (no hash).
//! - `data_type & PJSIP_CRED_DATA_PASSWD_MASK`: plain password (HA1 hashed
//!   from username, the `realm` argument and the password) or digest (the
//!   first hex-length bytes of `data` are HA1 as given; the credential's
//!   algorithm must be NOT_SET or the one asked for); anything else PJ_EINVAL.
//! - qop, nc and cnonce are hashed as given (a non-empty qop selects the
//!   RFC 2617 form); HA2 is H(method:uri) whatever the qop.
//! - On success `result->slen` is the hex length; after the capacity check
//!   a failure leaves it 0.

use pjsip_auth_shim::digest::{self, Algorithm, Hasher};

use crate::algorithm::{self, Kind};
use crate::glue::{Bytes, DigestIn};
use crate::panic::guard;
use crate::status::{Status, PJ_EINVAL, PJ_ENOTSUP, PJ_SUCCESS};

/// `PJSIP_CRED_DATA_PASSWD_MASK` and the two values under it.
const PASSWD_MASK: i32 = 0x0f;
const DATA_PLAIN_PASSWD: i32 = 0;
const DATA_DIGEST: i32 = 1;

/// The arguments, borrowed.
pub(crate) struct Inputs<'a> {
    pub nonce: &'a [u8],
    pub nc: Option<&'a [u8]>,
    pub cnonce: Option<&'a [u8]>,
    pub qop: Option<&'a [u8]>,
    pub uri: &'a [u8],
    pub realm: &'a [u8],
    pub method: &'a [u8],
    pub username: &'a [u8],
    pub data: &'a [u8],
    pub data_type: i32,
    pub cred_algorithm_type: i32,
}

/// Computes into `out` (its length is the capacity). Returns the status and
/// the value `result->slen` takes (`None`: left as it was).
pub(crate) fn create(
    inp: &Inputs<'_>,
    algorithm_type: i32,
    out: &mut [u8],
) -> (Status, Option<usize>) {
    out.fill(0);
    let Some(kind) = algorithm::kind(algorithm_type) else {
        return (PJ_ENOTSUP, None);
    };
    if inp.qop.is_some() && (inp.nc.is_none() || inp.cnonce.is_none()) {
        return (PJ_EINVAL, None);
    }
    let hex_len = match kind {
        Kind::Hash(a) => a.hex_len(),
        Kind::Aka => Algorithm::Md5.hex_len(),
    };
    if out.len() < hex_len {
        return (PJ_EINVAL, None);
    }
    let fail = |s| (s, Some(0));
    let digest_ha1 = match inp.data_type & PASSWD_MASK {
        DATA_PLAIN_PASSWD => false,
        DATA_DIGEST => {
            let cred = inp.cred_algorithm_type;
            if cred != algorithm::NOT_SET && cred != algorithm_type {
                return fail(PJ_EINVAL);
            }
            if inp.data.len() < hex_len {
                return fail(PJ_EINVAL);
            }
            true
        }
        _ => return fail(PJ_EINVAL),
    };
    let Kind::Hash(alg) = kind else {
        return fail(PJ_ENOTSUP);
    };

    let ha1_password;
    let ha1: &[u8] = if digest_ha1 {
        &inp.data[..hex_len]
    } else {
        ha1_password = digest::ha1(alg, inp.username, inp.realm, inp.data, b"", b"");
        ha1_password.as_bytes()
    };
    let ha2 = digest::ha2(alg, inp.method, inp.uri, None, b"");
    let mut h = Hasher::new(alg);
    h.update_joined(&[ha1, inp.nonce]);
    if let Some(qop) = inp.qop.filter(|q| !q.is_empty()) {
        // Checked above: both present with a qop.
        let (nc, cnonce) = (inp.nc.unwrap_or_default(), inp.cnonce.unwrap_or_default());
        h.update(b":").update_joined(&[nc, cnonce, qop]);
    }
    h.update(b":").update(ha2.as_bytes());
    let response = h.finish();
    out[..hex_len].copy_from_slice(response.as_bytes());
    (PJ_SUCCESS, Some(hex_len))
}

/// An optional argument's bytes.
///
/// # Safety
/// `p` is NULL or points to a valid `pjshim_bytes` alive for `'a`.
unsafe fn opt<'a>(p: *const Bytes<'a>) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    unsafe { p.as_ref() }.map(|b| b.as_slice())
}

/// The Rust side of `pjsip_auth_create_digest2` (module doc). `*out_len` is
/// `result->slen`: the capacity of `out` on entry, the new value on return.
///
/// # Safety
/// `inp` and `out_len` are valid; the `pjshim_bytes` of `inp` describe
/// readable memory; `out` is writable for `*out_len` bytes when that is > 0.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_create_digest2(
    inp: *const DigestIn<'_>,
    algorithm_type: i32,
    out: *mut u8,
    out_len: *mut isize,
) -> Status {
    guard(crate::status::PJ_EBUG, || {
        // SAFETY: valid pointers per the contract (the glue passes its locals).
        let (inp, out_len) = unsafe { (&*inp, &mut *out_len) };
        // SAFETY: each pointer is NULL or one of the glue's locals.
        let inputs = unsafe {
            Inputs {
                nonce: opt(inp.nonce).unwrap_or_default(),
                nc: opt(inp.nc),
                cnonce: opt(inp.cnonce),
                qop: opt(inp.qop),
                uri: opt(inp.uri).unwrap_or_default(),
                realm: opt(inp.realm).unwrap_or_default(),
                method: opt(inp.method).unwrap_or_default(),
                username: inp.cred.username.as_slice(),
                data: inp.cred.data.as_slice(),
                data_type: inp.cred.data_type,
                cred_algorithm_type: inp.cred.algorithm_type,
            }
        };
        let cap = (*out_len).max(0) as usize;
        let buf: &mut [u8] = if cap == 0 || out.is_null() {
            &mut []
        } else {
            // SAFETY: out is writable for cap bytes, per the contract.
            unsafe { std::slice::from_raw_parts_mut(out, cap) }
        };
        let (status, len) = create(&inputs, algorithm_type, buf);
        if let Some(len) = len {
            *out_len = len as isize;
        }
        status
    })
}
