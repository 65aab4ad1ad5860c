//! The asynchronous challenge API for C (API.md section 5): configure,
//! impl_on_challenge, send_req, abandon, and the leak counters.
//!
//! Tokens handed to C are values from the token registry (`crate::token`),
//! never addresses. No library lock is held while the challenge callback,
//! send_impl or abandon_impl run.

use super::auth_types::*;
use super::cast::{try_ref, CPtr};
use super::grp_lock::{pj_grp_lock_dec_ref, pj_grp_lock_t};
use super::msg::pjsip_tx_data;
use super::panic::guard;
use super::session::effective;
use super::status::{status_of, to_status, PJ_EBUG, PJ_EIGNORED, PJ_SUCCESS};
use super::types::{pj_status_t, PJ_FALSE};
use crate::status::Error;
use crate::token::{Registry, Token};
use once_cell::sync::Lazy;
use std::os::raw::{c_uint, c_void};

/// What a pending token carries: copies of the impl token's fields.
struct Pending {
    user_data: CPtr<c_void>,
    send_impl: pjsip_auth_clt_async_impl_send,
    abandon_impl: Option<pjsip_auth_clt_async_impl_abandon>,
    grp_lock: CPtr<pj_grp_lock_t>,
    impl_token: CPtr<pjsip_auth_clt_async_impl_token>,
}

/// Up to 1,048,576 tokens pending at once (chunks are allocated on demand).
static TOKENS: Lazy<Registry<Pending>> = Lazy::new(|| Registry::new(1024, 1024));

const SIGNATURE: [u8; 4] = *b"AUTH";

impl Pending {
    /// Zeroes the impl token's signature: the token has ended.
    fn mark_ended(&self) {
        // SAFETY: the owner keeps the impl token valid until its token ends
        // (documented on pjsip_auth_clt_async_impl_on_challenge); this runs once,
        // by the single claimer, before the group lock reference is dropped.
        unsafe { std::ptr::addr_of_mut!((*self.impl_token.0).signature).write([0; 4]) };
    }

    /// Drops the reference the token held.
    fn drop_reference(&self) {
        if !self.grp_lock.0.is_null() {
            // SAFETY: the owner gave this token one reference on a live group lock.
            unsafe { pj_grp_lock_dec_ref(self.grp_lock.0) };
        }
    }
}

/// Revokes every token pending on session `owner` (at deinit): for each one,
/// abandon_impl runs once with `sess` and its reference is dropped.
pub(crate) fn revoke_all(owner: u64, sess: *mut pjsip_auth_clt_sess) {
    for p in TOKENS.claim_all_of(owner) {
        p.mark_ended();
        if let Some(abandon) = p.abandon_impl {
            // SAFETY: the owner's callback, called with the values it supplied.
            unsafe { abandon(sess, p.user_data.0) };
        }
        p.drop_reference();
    }
}

/// Consumes `token` for `sess` (its parent when one is set): the one claim
/// that send_req and abandon share.
///
/// # Safety
/// A non-NULL `sess` must point to a readable session struct.
unsafe fn claim(
    sess: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
) -> crate::status::Result<Pending> {
    if token.is_null() {
        return Err(Error::InvalidArg);
    }
    // SAFETY: forwarded from the caller (NULL is checked by effective()).
    let (entry, _) = unsafe { effective(sess) }?;
    TOKENS.claim(Token::from_raw(token as usize as u64), entry.id)
}

/// Enables asynchronous challenge handling on `sess` (on its parent when one
/// is set): from now on pjsip_auth_clt_async_impl_on_challenge() calls `opt->cb`.
/// `*opt` is copied. Returns `PJ_EINVAL` if `sess`, `opt` or `opt->cb` is NULL
/// or the session is not initialised.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_async_configure(
    sess: *mut pjsip_auth_clt_sess,
    opt: *const pjsip_auth_clt_async_setting,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: checked for NULL; the caller passes a settings struct.
            let opt = unsafe { try_ref(opt) }?;
            if opt.cb.is_none() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: the caller's session struct, checked for NULL.
            let (entry, _) = unsafe { effective(sess) }?;
            entry.inner.lock().async_opt = Some(*opt);
            Ok(())
        })())
    })
}

/// For code that owns transactions (our regc, or an application's own SIP
/// stack): hands a challenge to the application's callback.
///
/// Issues a token, writes "AUTH" into `impl_token->signature`, and calls the
/// callback configured on `sess` (or its parent, which the callback then
/// receives) with `param->tdata`, `param->rdata` and the setting's user_data.
/// The library copies `user_data`, `send_impl`, `abandon_impl` and `grp_lock`
/// from `*impl_token` now; `*impl_token` itself must stay valid until the token
/// ends (its signature is zeroed then). `grp_lock` may be NULL.
///
/// Take one reference on `impl_token->grp_lock` before the call. On
/// `PJ_SUCCESS` (the callback returned PJ_TRUE, or it consumed the token
/// itself) that reference belongs to the token: it is dropped when the token is
/// sent, abandoned or revoked. Otherwise drop it yourself. `PJ_EIGNORED`: the
/// callback declined; the token is already dead, fall back to
/// pjsip_auth_clt_reinit_req(). `PJ_EINVALIDOP`: async is not configured.
/// `PJ_EINVAL`: a NULL argument, NULL `param->tdata`/`param->rdata`, NULL
/// `send_impl`, or an uninitialised session. `PJ_ETOOMANY`: a million tokens
/// are pending already.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_async_impl_on_challenge(
    sess: *mut pjsip_auth_clt_sess,
    impl_token: *mut pjsip_auth_clt_async_impl_token,
    param: *const pjsip_auth_clt_async_on_chal_param,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        let issued = (|| {
            // SAFETY: checked for NULL; the caller's structs.
            let (it, prm) = unsafe { (try_ref(impl_token)?, try_ref(param)?) };
            if prm.tdata.is_null() || prm.rdata.is_null() {
                return Err(Error::InvalidArg);
            }
            let send_impl = it.send_impl.ok_or(Error::InvalidArg)?;
            // SAFETY: the caller's session struct, checked for NULL.
            let (entry, cb_sess) = unsafe { effective(sess) }?;
            let setting = entry.inner.lock().async_opt.ok_or(Error::InvalidOp)?;
            let pending = Pending {
                user_data: CPtr(it.user_data),
                send_impl,
                abandon_impl: it.abandon_impl,
                grp_lock: CPtr(it.grp_lock),
                impl_token: CPtr(impl_token),
            };
            let token = TOKENS.issue(entry.id, pending)?;
            // SAFETY: checked for NULL above; the caller's writable struct.
            unsafe { std::ptr::addr_of_mut!((*impl_token).signature).write(SIGNATURE) };
            let cb_param = pjsip_auth_clt_async_on_chal_param {
                tdata: prm.tdata,
                rdata: prm.rdata,
                user_data: setting.user_data,
            };
            Ok((entry.id, token, setting, cb_sess, cb_param))
        })();
        let (owner, token, setting, cb_sess, cb_param) = match issued {
            Ok(v) => v,
            Err(e) => return to_status(e),
        };
        let cb = setting.cb.expect("configure rejects a NULL callback");
        // SAFETY: the application's callback, with a live token and param; no lock held.
        let handled = unsafe { cb(cb_sess, token.raw() as usize as *mut c_void, &cb_param) };
        if handled != PJ_FALSE {
            return PJ_SUCCESS;
        }
        match TOKENS.claim(token, owner) {
            // Declined while still pending: the caller keeps its reference.
            Ok(p) => {
                p.mark_ended();
                PJ_EIGNORED
            }
            // Consumed (sent, abandoned or revoked) inside the callback: handled,
            // and the reference was dropped exactly once by that consumer.
            Err(_) => PJ_SUCCESS,
        }
    })
}

/// Sends `new_request` for the challenge behind `token`, consuming the token.
///
/// `PJ_EINVAL` for NULL arguments, or a token that is unknown, consumed,
/// abandoned, revoked or from another session (one not sharing the same
/// parent); the caller then still owns `new_request` and nothing happened.
/// Otherwise the token is consumed whatever happens next: the owner's
/// send_impl runs once (taking over `new_request`), the token's group lock
/// reference is dropped after it, and send_impl's status is returned. Of any
/// number of threads calling this and/or abandon on one token, exactly one
/// succeeds. Any thread; no lock is held while send_impl runs.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_async_send_req(
    sess: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
    new_request: *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        let claimed = if new_request.is_null() {
            Err(Error::InvalidArg)
        } else {
            // SAFETY: forwarded from the caller.
            unsafe { claim(sess, token) }
        };
        let p = match claimed {
            Ok(p) => p,
            Err(e) => return to_status(e),
        };
        p.mark_ended();
        // SAFETY: the owner's callback with the values it supplied; no lock held.
        let status = unsafe { (p.send_impl)(sess, p.user_data.0, new_request) };
        p.drop_reference();
        status
    })
}

/// Abandons the challenge behind `token`, consuming it: the owner's
/// abandon_impl (if not NULL) runs once, then the token's group lock reference
/// is dropped. Returns `PJ_SUCCESS`, or `PJ_EINVAL` as for
/// pjsip_auth_clt_async_send_req() (then nothing happened).
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_async_abandon(
    sess: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: forwarded from the caller.
        let p = match unsafe { claim(sess, token) } {
            Ok(p) => p,
            Err(e) => return to_status(e),
        };
        p.mark_ended();
        if let Some(abandon) = p.abandon_impl {
            // SAFETY: the owner's callback with the values it supplied; no lock held.
            unsafe { abandon(sess, p.user_data.0) };
        }
        p.drop_reference();
        PJ_SUCCESS
    })
}

/// Tokens pending on `sess` (on its parent when one is set): issued and not
/// yet sent, abandoned, declined or revoked. 0 for NULL or an uninitialised
/// session. For test harnesses proving invalidation.
#[no_mangle]
pub unsafe extern "C" fn pjshim_auth_clt_async_pending(sess: *mut pjsip_auth_clt_sess) -> c_uint {
    guard(0, || {
        // SAFETY: the caller's session struct, checked for NULL.
        match unsafe { effective(sess) } {
            Ok((entry, _)) => TOKENS.pending_of(entry.id) as c_uint,
            Err(_) => 0,
        }
    })
}

/// Tokens pending in the whole process, over every session. For test
/// harnesses proving the absence of leaks.
#[no_mangle]
pub extern "C" fn pjshim_async_live_tokens() -> c_uint {
    guard(0, || TOKENS.live() as c_uint)
}
