//! `pjsip_cred_info_dup`, `pjsip_cred_info_cmp`, `pjsip_auth_clt_pref_dup`
//! with PJSIP's semantics: copies are made in the caller's pool (strings
//! NUL-terminated, AKA keys as binary), comparison in `pj_strcmp` order.

use std::cmp::Ordering;
use std::os::raw::{c_int, c_void};

use crate::glue::{self, Bytes, Cred};
use crate::panic::guard;

/// `PJSIP_CRED_DATA_EXT_MASK` / `PJSIP_CRED_DATA_EXT_AKA`.
const EXT_MASK: i32 = 0xf0;
const EXT_AKA: i32 = 0x10;

fn is_aka(data_type: i32) -> bool {
    data_type & EXT_MASK == EXT_AKA
}

/// `pj_strcmp`: an empty string sorts first; otherwise bytes, then length.
fn strcmp(a: &[u8], b: &[u8]) -> c_int {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => 0,
        (true, false) => -1,
        (false, true) => 1,
        _ => match a.cmp(b) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        },
    }
}

/// PJSIP's order: realm, scheme, username, data (each `pj_strcmp`), then
/// data_type and algorithm_type (1 when they differ), then, for an AKA
/// `a`, its k, op and amf.
pub(crate) fn compare(a: &Cred<'_>, b: &Cred<'_>) -> c_int {
    let strings = [
        (a.realm, b.realm),
        (a.scheme, b.scheme),
        (a.username, b.username),
        (a.data, b.data),
    ];
    for (x, y) in strings {
        let r = strcmp(x.as_slice(), y.as_slice());
        if r != 0 {
            return r;
        }
    }
    if a.data_type != b.data_type || a.algorithm_type != b.algorithm_type {
        return 1;
    }
    if is_aka(a.data_type) {
        for (x, y) in [
            (a.aka_k, b.aka_k),
            (a.aka_op, b.aka_op),
            (a.aka_amf, b.aka_amf),
        ] {
            let r = strcmp(x.as_slice(), y.as_slice());
            if r != 0 {
                return r;
            }
        }
    }
    0
}

/// # Safety
/// `a` and `b` point to valid `pjshim_cred` views of live credentials.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_cred_cmp(a: *const Cred<'_>, b: *const Cred<'_>) -> c_int {
    // SAFETY: per the contract (the glue passes its locals).
    guard(1, || compare(unsafe { &*a }, unsafe { &*b }))
}

/// A copy of `s` in `pool`: `len + 1` bytes with a NUL after, like
/// `pj_strdup_with_null` (so an empty string gets a 1-byte buffer).
/// `None` when the pool gives nothing.
///
/// # Safety
/// `pool` is a live `pj_pool_t`.
unsafe fn dup_with_nul<'p>(pool: *mut c_void, s: &[u8]) -> Option<Bytes<'p>> {
    // SAFETY: pool is live; the size is what we write below.
    let p = unsafe { glue::pjshim_glue_pool_alloc(pool, s.len() + 1) } as *mut u8;
    if p.is_null() {
        return None;
    }
    // SAFETY: p has s.len() + 1 writable bytes, fresh from the pool.
    let copy = unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        *p.add(s.len()) = 0;
        std::slice::from_raw_parts(p, s.len())
    };
    Some(Bytes::new(copy))
}

/// A binary copy (no NUL; an empty string stays NULL/0), like PJSIP's AKA keys.
///
/// # Safety
/// As `dup_with_nul`.
unsafe fn dup_binary<'p>(pool: *mut c_void, s: &[u8]) -> Option<Bytes<'p>> {
    if s.is_empty() {
        return Some(Bytes::EMPTY);
    }
    // SAFETY: pool is live; the size is what we write below.
    let p = unsafe { glue::pjshim_glue_pool_alloc(pool, s.len()) } as *mut u8;
    if p.is_null() {
        return None;
    }
    // SAFETY: p has s.len() writable bytes, fresh from the pool.
    let copy = unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        std::slice::from_raw_parts(p, s.len())
    };
    Some(Bytes::new(copy))
}

/// The Rust side of `pjsip_cred_info_dup`: `*dst` becomes a copy of `*src`
/// (every field, as PJSIP's memcpy), its strings copied into `pool`. If the
/// pool runs out (its policy normally aborts first), a string it could not
/// copy is left empty rather than pointing into `src`.
///
/// # Safety
/// `pool` is a live `pj_pool_t`; `dst` and `src` are valid `pjsip_cred_info`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_cred_dup(
    pool: *mut c_void,
    dst: *mut c_void,
    src: *const c_void,
) {
    guard((), || {
        let mut v = Cred::EMPTY;
        // SAFETY: src is a valid pjsip_cred_info; v is our local.
        unsafe { glue::pjshim_glue_cred_view(src, &mut v) };
        // SAFETY: pool is live (contract).
        let nul =
            |b: Bytes<'_>| unsafe { dup_with_nul(pool, b.as_slice()) }.unwrap_or(Bytes::EMPTY);
        // SAFETY: as above.
        let bin = |b: Bytes<'_>| unsafe { dup_binary(pool, b.as_slice()) }.unwrap_or(Bytes::EMPTY);
        let mut copy = Cred {
            realm: nul(v.realm),
            scheme: nul(v.scheme),
            username: nul(v.username),
            data: nul(v.data),
            ..v
        };
        if is_aka(v.data_type) {
            copy.aka_k = bin(v.aka_k);
            copy.aka_op = bin(v.aka_op);
            copy.aka_amf = bin(v.aka_amf);
        }
        // SAFETY: dst and src are valid pjsip_cred_info (contract); the
        // copy's strings live in the pool, as long as the caller's dst.
        unsafe {
            glue::pjshim_glue_cred_copy(dst, src);
            glue::pjshim_glue_cred_store(dst, &copy);
        }
    })
}

/// The Rust side of `pjsip_auth_clt_pref_dup`: `*dst` becomes `*src` with
/// `algorithm` copied (NUL-terminated) into `pool`.
///
/// # Safety
/// `pool` is a live `pj_pool_t`; `dst` and `src` are valid `pjsip_auth_clt_pref`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_pref_dup(
    pool: *mut c_void,
    dst: *mut c_void,
    src: *const c_void,
) {
    guard((), || {
        let mut initial_auth = 0;
        let mut algorithm = Bytes::EMPTY;
        // SAFETY: src is valid (contract); the out-params are our locals.
        unsafe { glue::pjshim_glue_pref_view(src, &mut initial_auth, &mut algorithm) };
        // SAFETY: pool is live (contract).
        let copy = unsafe { dup_with_nul(pool, algorithm.as_slice()) }.unwrap_or(Bytes::EMPTY);
        // SAFETY: dst and src are valid (contract).
        unsafe {
            glue::pjshim_glue_pref_copy(dst, src);
            glue::pjshim_glue_pref_store(dst, initial_auth, &copy);
        }
    })
}
