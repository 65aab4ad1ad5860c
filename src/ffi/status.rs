//! Status codes: the one mapping between the core `Error` and `pj_status_t`,
//! and `pj_strerror`.

use super::panic::guard;
use super::types::{pj_size_t, pj_status_t};
use crate::status::Error;
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

/// The status code of an error. The only place this mapping is written.
pub(crate) const fn to_status(e: Error) -> pj_status_t {
    match e {
        Error::Unknown => PJ_EUNKNOWN,
        Error::Pending => PJ_EPENDING,
        Error::InvalidArg => PJ_EINVAL,
        Error::NotFound => PJ_ENOTFOUND,
        Error::NoMemory => PJ_ENOMEM,
        Error::Bug => PJ_EBUG,
        Error::TimedOut => PJ_ETIMEDOUT,
        Error::TooMany => PJ_ETOOMANY,
        Error::Busy => PJ_EBUSY,
        Error::NotSupported => PJ_ENOTSUP,
        Error::InvalidOp => PJ_EINVALIDOP,
        Error::Cancelled => PJ_ECANCELLED,
        Error::Exists => PJ_EEXISTS,
        Error::TooBig => PJ_ETOOBIG,
        Error::Ignored => PJ_EIGNORED,
        Error::Gone => PJ_EGONE,
        Error::InvalidMsg => PJSIP_EINVALIDMSG,
        Error::NotRequestMsg => PJSIP_ENOTREQUESTMSG,
        Error::NotResponseMsg => PJSIP_ENOTRESPONSEMSG,
        Error::MsgTooLong => PJSIP_EMSGTOOLONG,
        Error::InvalidStatus => PJSIP_EINVALIDSTATUS,
        Error::MissingHdr => PJSIP_EMISSINGHDR,
        Error::InvalidHdr => PJSIP_EINVALIDHDR,
        Error::BufDestroyed => PJSIP_EBUFDESTROYED,
        Error::TsxDestroyed => PJSIP_ETSXDESTROYED,
        Error::SipBusy => PJSIP_EBUSY,
        Error::FailedCredential => PJSIP_EFAILEDCREDENTIAL,
        Error::NoCredential => PJSIP_ENOCREDENTIAL,
        Error::InvalidAlgorithm => PJSIP_EINVALIDALGORITHM,
        Error::InvalidQop => PJSIP_EINVALIDQOP,
        Error::InvalidAuthScheme => PJSIP_EINVALIDAUTHSCHEME,
        Error::AuthNoPrevChal => PJSIP_EAUTHNOPREVCHAL,
        Error::AuthNoAuth => PJSIP_EAUTHNOAUTH,
        Error::AuthAccNotFound => PJSIP_EAUTHACCNOTFOUND,
        Error::AuthInvalidRealm => PJSIP_EAUTHINVALIDREALM,
        Error::AuthInvalidDigest => PJSIP_EAUTHINVALIDDIGEST,
        Error::AuthStaleCount => PJSIP_EAUTHSTALECOUNT,
        Error::AuthInNonce => PJSIP_EAUTHINNONCE,
        Error::AuthNoChal => PJSIP_EAUTHNOCHAL,
    }
}

/// The status of a core result: `PJ_SUCCESS` or the error's code.
pub(crate) fn status_of(r: crate::status::Result<()>) -> pj_status_t {
    match r {
        Ok(()) => PJ_SUCCESS,
        Err(e) => to_status(e),
    }
}

/// The error behind a status code, if it is one of ours.
pub(crate) fn from_status(code: pj_status_t) -> Option<Error> {
    Error::ALL.into_iter().find(|e| to_status(*e) == code)
}

/// Writes a human-readable message for `status` into `buf` (at most `size`
/// bytes, always NUL-terminated when `size > 0`, truncated if needed).
///
/// Unknown codes get "Unknown error <code>". Returns `PJ_SUCCESS`, or
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
        let text = match (status, from_status(status)) {
            (PJ_SUCCESS, _) => "Success".to_string(),
            (_, Some(e)) => e.message().to_string(),
            (code, None) => format!("Unknown error {code}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_distinct_code_that_maps_back() {
        for e in Error::ALL {
            assert_eq!(from_status(to_status(e)), Some(e));
        }
        assert_eq!(from_status(PJ_SUCCESS), None);
        assert_eq!(to_status(Error::AuthNoChal), 171114);
    }
}
