//! The async challenge functions of `sip_auth.h` (configure,
//! impl_on_challenge, send_req, abandon) over the core's protocol
//! (`auth::async_challenge`) and this front end's session table.
//!
//! Guarantees beyond PJSIP's:
//! - The token the application gets is the core's opaque token value, not
//!   the integrator's impl token address; one CAS claims it, so of any
//!   number of send_req/abandon calls on one token exactly one acts; a
//!   forged, stale or reused token gets PJ_EINVAL and nothing happens.
//!   The session it is presented through must be live, but need not be the
//!   one that issued it: PJSIP accepts any, and pjsua relies on that (its
//!   challenge bridge hands the application the account's session with a
//!   token the regc's session issued).
//! - No library lock is held while the application's callback, send_impl
//!   or abandon_impl run (calling the child session from inside the
//!   callback with a parent set cannot deadlock).
//! - The impl token's signature is "AUTH" while its token is pending and
//!   zero once it ended (sent, abandoned, declined or revoked).
//!
//! The group-lock reference (PJSIP's modules take one on the transaction's
//! group lock before impl_on_challenge, and drop it themselves unless it
//! returned PJ_SUCCESS): on PJ_SUCCESS the token owns it and releases it
//! once when it ends, whichever way.

use std::os::raw::c_void;

use pjsip_auth_shim::auth::async_challenge::Outcome;
use pjsip_auth_shim::status::{Error, Result};
use pjsip_auth_shim::token::Token;

use crate::glue::{self, CFn};
use crate::panic::guard;
use crate::session::{own, Pending, Setting, SESSIONS};
use crate::status::{of, status_of, Status, PJ_EBUG, PJ_SUCCESS};

/// PJSIP's async_configure, on the parent when one is set. `opt` is copied.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `opt` to a valid setting
/// whose callback the glue checked is not NULL.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_async_configure(
    sess: *mut c_void,
    opt: *const c_void,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: contract.
            let id = unsafe { own(sess) }?;
            let (mut cb, mut user_data): (Option<CFn>, *mut c_void) = (None, std::ptr::null_mut());
            // SAFETY: opt is valid (contract); the out-params are ours.
            unsafe { glue::pjshim_glue_async_setting_view(opt, &mut cb, &mut user_data) };
            let setting = Setting {
                cb: cb.ok_or(Error::InvalidArg)?,
                user_data: user_data as usize,
            };
            SESSIONS.configure(id, setting)
        })())
    })
}

/// PJSIP's impl_on_challenge: issues a token on the acting session and
/// runs its callback (which receives the acting session). PJ_SUCCESS: the
/// callback kept the token (or consumed it already) and the token owns the
/// caller's group-lock reference. PJ_EIGNORED: the callback declined, the
/// token is dead, the caller keeps its reference. PJ_EINVALIDOP: async is
/// not configured (as PJSIP). PJ_EINVAL: no send_impl, or a session not live.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `impl_token` to an impl token
/// that stays valid until the token ends; `param` to a valid param with
/// rdata and tdata set (the glue checked).
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_async_impl_on_challenge(
    sess: *mut c_void,
    impl_token: *mut c_void,
    param: *const c_void,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: contract.
            let id = unsafe { own(sess) }?;
            let (mut user_data, mut grp_lock) = (std::ptr::null_mut(), std::ptr::null_mut());
            let (mut send_impl, mut abandon_impl) = (None, None);
            // SAFETY: impl_token is valid (contract); the out-params are ours.
            unsafe {
                glue::pjshim_glue_impl_token_view(
                    impl_token,
                    &mut user_data,
                    &mut send_impl,
                    &mut abandon_impl,
                    &mut grp_lock,
                )
            };
            let pending = Pending {
                user_data: user_data as usize,
                send_impl: send_impl.ok_or(Error::InvalidArg)?,
                abandon_impl,
                grp_lock: grp_lock as usize,
                impl_token: impl_token as usize,
            };
            // "AUTH" before the token exists, so its end (which zeroes it)
            // cannot come first; zeroed again when none is issued.
            pending.sign(true);
            let token_addr = pending.impl_token;
            let outcome = SESSIONS.challenge(id, pending, |issued| {
                let Setting { cb, user_data } = issued.setting;
                // SAFETY: the application's callback with the acting
                // session, a live token and the caller's param; no lock held.
                unsafe {
                    glue::pjshim_glue_call_on_challenge(
                        cb,
                        issued.acting.home as *mut c_void,
                        issued.token.raw() as *mut c_void,
                        param,
                        user_data as *mut c_void,
                    ) != 0
                }
            });
            let outcome = outcome.inspect_err(|_| {
                // SAFETY: no token was issued; the impl token is valid (contract).
                unsafe { glue::pjshim_glue_impl_token_sign(token_addr as *mut c_void, 0) };
            })?;
            match outcome {
                Outcome::Handled => Ok(()),
                Outcome::Declined(p) => {
                    p.sign(false);
                    Err(Error::Ignored)
                }
            }
        })())
    })
}

/// Claims `token` for `sess` (the one claim send_req and abandon share),
/// with the acting session's address (what PJSIP passes the integrator).
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`.
unsafe fn claim(sess: *mut c_void, token: *mut c_void) -> Result<(Pending, *mut c_void)> {
    // The token first, from our own memory: after pjsip_regc_destroy an
    // application may still pass the freed regc's session along with the
    // token its deinit revoked, and that must be refused without reading
    // the session (stock PJSIP reads it there).
    if !SESSIONS.is_pending(Token::from_raw(token as usize)) {
        return Err(Error::InvalidArg);
    }
    // SAFETY: contract.
    let id = unsafe { own(sess) }?;
    let acting = SESSIONS.acting(id)?;
    // Not `claim(id, ..)`: pjsua hands the application its account's
    // session with a token the regc's own session issued, and PJSIP
    // accepts that; so any live session may present a token.
    let (_, p) = SESSIONS.claim_any(Token::from_raw(token as usize))?;
    p.sign(false);
    Ok((p, acting.home as *mut c_void))
}

/// PJSIP's async_send_req: consumes the token, runs send_impl once with
/// `new_request` (no lock held), releases the token's group-lock reference
/// and returns send_impl's status. PJ_EINVAL for a token that is not
/// pending on this session (or its parent): nothing happens then and the
/// caller still owns `new_request`.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `new_request` is a live
/// `pjsip_tx_data` (the glue checked the pointers).
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_async_send_req(
    sess: *mut c_void,
    token: *mut c_void,
    new_request: *mut c_void,
) -> Status {
    guard(PJ_EBUG, || {
        // SAFETY: contract.
        let (p, acting) = match unsafe { claim(sess, token) } {
            Ok(c) => c,
            Err(e) => return of(e),
        };
        // SAFETY: the integrator's function with the values it supplied.
        let status = unsafe {
            glue::pjshim_glue_call_send(
                p.send_impl,
                acting,
                p.user_data as *mut c_void,
                new_request,
            )
        };
        p.drop_reference();
        status
    })
}

/// PJSIP's async_abandon: consumes the token, runs abandon_impl (if any)
/// once, releases the reference. PJ_EINVAL as for send_req.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_async_abandon(
    sess: *mut c_void,
    token: *mut c_void,
) -> Status {
    guard(PJ_EBUG, || {
        // SAFETY: contract.
        let (p, acting) = match unsafe { claim(sess, token) } {
            Ok(c) => c,
            Err(e) => return of(e),
        };
        if let Some(abandon) = p.abandon_impl {
            // SAFETY: the integrator's function with the values it supplied.
            unsafe { glue::pjshim_glue_call_abandon(abandon, acting, p.user_data as *mut c_void) };
        }
        p.drop_reference();
        PJ_SUCCESS
    })
}
