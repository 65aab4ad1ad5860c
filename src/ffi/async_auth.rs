//! The asynchronous challenge API for C (API.md section 5): configure,
//! impl_on_challenge, send_req, abandon, and the leak counters, over the
//! core protocol (`crate::auth::async_challenge`) and session table.
//!
//! Tokens handed to C are handle values (`crate::token`), never addresses.
//! No library lock is held while the challenge callback, send_impl or
//! abandon_impl run.

use super::auth_types::*;
use super::cast::{try_ref, CPtr};
use super::msg::{pjsip_tx_data, pjsip_tx_data_dec_ref};
use super::panic::guard;
use super::status::{status_of, to_status, PJ_EBUG, PJ_SUCCESS};
use super::table::{clear_signature, session_id, Pending, Setting, SESSIONS};
use super::types::{pj_status_t, PJ_FALSE};
use crate::auth::async_challenge::Outcome;
use crate::hooks::{self, log};
use crate::status::{Error, Result};
use crate::token::Token;
use std::os::raw::{c_uint, c_void};

/// Consumes `token` for `sess` (its parent when one is set): the one claim
/// that send_req and abandon share.
///
/// # Safety
/// A non-NULL `sess` must point to a readable session struct.
unsafe fn claim(sess: *mut pjsip_auth_clt_sess, token: *mut c_void) -> Result<Pending> {
    if token.is_null() {
        return Err(Error::InvalidArg);
    }
    // SAFETY: forwarded from the caller (NULL is checked by session_id()).
    let id = unsafe { session_id(sess) }?;
    SESSIONS.claim(id, Token::from_raw(token as usize))
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
            let id = unsafe { session_id(sess) }?;
            SESSIONS.configure(id, Setting(*opt))
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
        status_of((|| {
            // SAFETY: checked for NULL; the caller's structs.
            let (it, prm) = unsafe { (try_ref(impl_token)?, try_ref(param)?) };
            if prm.tdata.is_null() || prm.rdata.is_null() {
                return Err(Error::InvalidArg);
            }
            let pending = Pending {
                user_data: CPtr(it.user_data),
                send_impl: it.send_impl.ok_or(Error::InvalidArg)?,
                abandon_impl: it.abandon_impl,
                grp_lock: CPtr(it.grp_lock),
                impl_token: CPtr(impl_token),
            };
            // SAFETY: the caller's session struct, checked for NULL.
            let id = unsafe { session_id(sess) }?;
            // "AUTH" goes in before the token exists, so that its end (which
            // zeroes it) cannot come first; zeroed again if none is issued.
            pending.mark_pending();
            let impl_token = pending.impl_token;
            let outcome = SESSIONS.challenge(id, pending, |issued| {
                let Setting(setting) = issued.setting;
                let cb = setting.cb.expect("configure rejects a NULL callback");
                let cb_param = pjsip_auth_clt_async_on_chal_param {
                    tdata: prm.tdata,
                    rdata: prm.rdata,
                    user_data: setting.user_data,
                };
                let cb_sess = issued.acting.home as *mut pjsip_auth_clt_sess;
                let token = issued.token.raw() as *mut c_void;
                log::log(log::DEBUG, || {
                    format!("challenge received: token {token:p} issued")
                });
                // SAFETY: the application's callback, with a live token and param; no lock held.
                unsafe { cb(cb_sess, token, &cb_param) != PJ_FALSE }
            });
            let outcome = outcome.inspect_err(|e| {
                // No token was issued: the signature goes back to zero.
                clear_signature(impl_token);
                log::log(log::WARN, || format!("challenge: no token issued: {e:?}"));
            })?;
            match outcome {
                Outcome::Handled => Ok(()),
                // Declined while still pending: the caller keeps its reference.
                Outcome::Declined(p) => {
                    p.mark_ended();
                    log::log(log::DEBUG, || {
                        "challenge: callback declined, token ended".into()
                    });
                    Err(Error::Ignored)
                }
            }
        })())
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
        let status = match hooks::fault::take() {
            Some(injected) => {
                // As if send_impl had taken the request and its transport failed.
                // SAFETY: new_request is non-NULL and the caller handed its reference over.
                unsafe { pjsip_tx_data_dec_ref(new_request) };
                injected
            }
            // SAFETY: the owner's callback with the values it supplied; no lock held.
            None => unsafe { (p.send_impl)(sess, p.user_data.0, new_request) },
        };
        p.drop_reference();
        if status == PJ_SUCCESS {
            log::log(log::DEBUG, || {
                format!("send_req: token {token:p} claimed, sent")
            });
        } else {
            log::log(log::WARN, || {
                format!("send_req: token {token:p} claimed, send failed with status {status}")
            });
        }
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
        p.abandon(sess);
        log::log(log::DEBUG, || {
            format!("abandon: token {token:p} claimed, abandoned")
        });
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
        match unsafe { session_id(sess) }.and_then(|id| SESSIONS.pending(id)) {
            Ok(n) => c_uint::try_from(n).unwrap_or(c_uint::MAX),
            Err(_) => 0,
        }
    })
}

/// Tokens pending in the whole process, over every session. For test
/// harnesses proving the absence of leaks.
#[no_mangle]
pub extern "C" fn pjshim_async_live_tokens() -> c_uint {
    guard(0, || {
        c_uint::try_from(SESSIONS.live_tokens()).unwrap_or(c_uint::MAX)
    })
}
