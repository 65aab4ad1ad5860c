//! Status codes for C: the `#define`s of the header and `pj_strerror`.
//!
//! The numbers, names and messages live in one table, `crate::status`. The
//! constants below are written out as literals because cbindgen reads
//! source, not macro output; `tests/status_table.rs` checks the header's
//! constants against that table both ways (every row exported with its
//! number, every exported status constant a row) and against API.md.

use super::panic::guard;
use super::types::{pj_size_t, pj_status_t};
use crate::status::{code_of, strerror, Error};
use std::os::raw::c_char;

/// Success.
pub const PJ_SUCCESS: pj_status_t = 0;
/// Unknown error.
pub const PJ_EUNKNOWN: pj_status_t = 70001;
/// Operation pending.
pub const PJ_EPENDING: pj_status_t = 70002;
/// Invalid argument (also: NULL pointer, unknown or used token).
pub const PJ_EINVAL: pj_status_t = 70004;
/// Not found.
pub const PJ_ENOTFOUND: pj_status_t = 70006;
/// Not enough memory.
pub const PJ_ENOMEM: pj_status_t = 70007;
/// Internal error (a caught panic is reported as this).
pub const PJ_EBUG: pj_status_t = 70008;
/// Timed out.
pub const PJ_ETIMEDOUT: pj_status_t = 70009;
/// Too many objects.
pub const PJ_ETOOMANY: pj_status_t = 70010;
/// Busy (for example a group lock held by another thread).
pub const PJ_EBUSY: pj_status_t = 70011;
/// Not supported.
pub const PJ_ENOTSUP: pj_status_t = 70012;
/// Invalid operation.
pub const PJ_EINVALIDOP: pj_status_t = 70013;
/// Cancelled.
pub const PJ_ECANCELLED: pj_status_t = 70014;
/// Already exists.
pub const PJ_EEXISTS: pj_status_t = 70015;
/// Too big (for example a print buffer too small).
pub const PJ_ETOOBIG: pj_status_t = 70017;
/// Ignored (for example a challenge the application declined).
pub const PJ_EIGNORED: pj_status_t = 70020;
/// Gone (for example a group lock destroyed by this call).
pub const PJ_EGONE: pj_status_t = 70023;
/// Object busy (a registration client with a REGISTER in progress).
pub const PJSIP_EBUSY: pj_status_t = 171001;
/// Invalid message or syntax error.
pub const PJSIP_EINVALIDMSG: pj_status_t = 171020;
/// Expecting a request.
pub const PJSIP_ENOTREQUESTMSG: pj_status_t = 171021;
/// Expecting a response.
pub const PJSIP_ENOTRESPONSEMSG: pj_status_t = 171022;
/// Message too long.
pub const PJSIP_EMSGTOOLONG: pj_status_t = 171023;
/// Invalid status code.
pub const PJSIP_EINVALIDSTATUS: pj_status_t = 171030;
/// Missing required header.
pub const PJSIP_EMISSINGHDR: pj_status_t = 171050;
/// Invalid header.
pub const PJSIP_EINVALIDHDR: pj_status_t = 171051;
/// Buffer destroyed (the last reference of a tx_data went).
pub const PJSIP_EBUFDESTROYED: pj_status_t = 171063;
/// Transaction destroyed.
pub const PJSIP_ETSXDESTROYED: pj_status_t = 171070;
/// Credentials failed to authenticate.
pub const PJSIP_EFAILEDCREDENTIAL: pj_status_t = 171100;
/// No suitable credential.
pub const PJSIP_ENOCREDENTIAL: pj_status_t = 171101;
/// Invalid or unsupported digest algorithm.
pub const PJSIP_EINVALIDALGORITHM: pj_status_t = 171102;
/// Invalid or unsupported qop.
pub const PJSIP_EINVALIDQOP: pj_status_t = 171103;
/// Unsupported authentication scheme.
pub const PJSIP_EINVALIDAUTHSCHEME: pj_status_t = 171104;
/// No previous challenge.
pub const PJSIP_EAUTHNOPREVCHAL: pj_status_t = 171105;
/// No suitable authorization header.
pub const PJSIP_EAUTHNOAUTH: pj_status_t = 171106;
/// Account not found.
pub const PJSIP_EAUTHACCNOTFOUND: pj_status_t = 171107;
/// Invalid realm.
pub const PJSIP_EAUTHINVALIDREALM: pj_status_t = 171109;
/// Invalid digest.
pub const PJSIP_EAUTHINVALIDDIGEST: pj_status_t = 171110;
/// Too many stale challenges in a row.
pub const PJSIP_EAUTHSTALECOUNT: pj_status_t = 171111;
/// Invalid nonce.
pub const PJSIP_EAUTHINNONCE: pj_status_t = 171112;
/// No challenge in the response.
pub const PJSIP_EAUTHNOCHAL: pj_status_t = 171114;

/// The status code of an error (the number in `crate::status`'s table).
pub(crate) const fn to_status(e: Error) -> pj_status_t {
    e.code()
}

/// The status of a core result: `PJ_SUCCESS` or the error's code.
pub(crate) const fn status_of(r: crate::status::Result<()>) -> pj_status_t {
    code_of(r)
}

/// The error behind a status code, if it is one of ours.
pub(crate) const fn from_status(code: pj_status_t) -> Option<Error> {
    Error::from_code(code)
}

/// Writes a human-readable message for `status` into `buf` (at most `size`
/// bytes, always NUL-terminated when `size > 0`, truncated if needed).
///
/// Unknown codes get `"Unknown error <code>"`. Returns `PJ_SUCCESS`, or
/// `PJ_EINVAL` when `buf` is NULL or `size` is 0 (nothing written).
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pj_strerror(
    status: pj_status_t,
    buf: *mut c_char,
    size: pj_size_t,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        if buf.is_null() || size == 0 {
            return PJ_EINVAL;
        }
        // "Unknown error " and at most 11 characters of an i32.
        let mut unknown = [0u8; 32];
        let text: &[u8] = match strerror(status) {
            Some(t) => t.as_bytes(),
            None => {
                let prefix = b"Unknown error ";
                unknown[..prefix.len()].copy_from_slice(prefix);
                let n = prefix.len() + write_decimal(status, &mut unknown[prefix.len()..]);
                &unknown[..n]
            }
        };
        let n = text.len().min(size - 1);
        // SAFETY: buf is non-NULL and the caller promises `size` writable bytes; n < size.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
        PJ_SUCCESS
    })
}

/// Writes `v` in decimal at the start of `out` (at least 11 bytes) and
/// returns the number of bytes written.
fn write_decimal(v: i32, out: &mut [u8]) -> usize {
    let mut digits = [0u8; 10];
    let mut n = 0;
    let mut rest = v.unsigned_abs();
    loop {
        digits[n] = b'0' + (rest % 10) as u8;
        n += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut w = 0;
    if v < 0 {
        out[0] = b'-';
        w = 1;
    }
    for &d in digits[..n].iter().rev() {
        out[w] = d;
        w += 1;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strerror_of(code: pj_status_t, size: usize) -> String {
        let mut buf = vec![0x55 as c_char; size.max(1)];
        // SAFETY: buf holds `size` writable bytes.
        assert_eq!(
            unsafe { pj_strerror(code, buf.as_mut_ptr(), size) },
            PJ_SUCCESS
        );
        // SAFETY: pj_strerror NUL-terminated it within `size` bytes.
        unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn every_error_has_a_distinct_code_that_maps_back() {
        for &e in Error::ALL {
            assert_eq!(from_status(to_status(e)), Some(e));
        }
        assert_eq!(from_status(PJ_SUCCESS), None);
        assert_eq!(to_status(Error::AuthNoChal), 171114);
    }

    #[test]
    fn strerror_texts_come_from_the_table() {
        assert_eq!(strerror_of(PJ_SUCCESS, 80), "Success");
        for &e in Error::ALL {
            assert_eq!(strerror_of(e.code(), 80), e.message());
        }
        assert_eq!(strerror_of(12345, 80), "Unknown error 12345");
        assert_eq!(strerror_of(i32::MIN, 80), "Unknown error -2147483648");
        assert_eq!(strerror_of(0, 1), "");
        assert_eq!(strerror_of(PJ_EINVAL, 8), "Invalid");
        // SAFETY: NULL / zero size are refused before any write.
        unsafe {
            assert_eq!(pj_strerror(0, std::ptr::null_mut(), 10), PJ_EINVAL);
            let mut c = 0x55 as c_char;
            assert_eq!(pj_strerror(0, &mut c, 0), PJ_EINVAL);
            assert_eq!(c, 0x55);
        }
    }
}
