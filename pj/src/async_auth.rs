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
use pjsip_auth_shim::status::Error;
use pjsip_auth_shim::token::Token;

use crate::glue::{self, CFn, Claimed};
use crate::panic::guard;
use crate::session::{handle_in, own, Pending, Setting, SESSIONS};
use crate::status::{status_of, Status, PJ_EBUG};

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
/// The glue read the impl token's fields, wrote its signature before this
/// call and zeroes it again on any status but PJ_SUCCESS.
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
    user_data: *mut c_void,
    send_impl: Option<CFn>,
    abandon_impl: Option<CFn>,
    grp_lock: *mut c_void,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            let pending = Pending {
                user_data: user_data as usize,
                send_impl: send_impl.ok_or(Error::InvalidArg)?,
                abandon_impl,
                grp_lock: grp_lock as usize,
                impl_token: impl_token as usize,
            };
            // SAFETY: contract.
            let id = unsafe { handle_in(sess) }?;
            let outcome = SESSIONS.challenge_at(id, Some(sess as usize), pending, |issued| {
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
            })?;
            match outcome {
                Outcome::Handled => Ok(()),
                // The token is dead; the glue zeroes the signature.
                Outcome::Declined(_) => Err(Error::Ignored),
            }
        })())
    })
}

/// Claims `token` presented with `sess`, the one claim send_req and
/// abandon share; on PJ_SUCCESS `*out` is the token, which the glue
/// finishes (signature zeroed, send_impl or abandon_impl once with the
/// acting session's address, then the group-lock reference). PJ_EINVAL
/// for a token that is not pending, or a session that is not live: nothing
/// happened then.
///
/// The token is checked first, from our own memory: after
/// pjsip_regc_destroy an application may still pass the freed regc's
/// session along with the token its deinit revoked, and that must be
/// refused without reading the session (stock PJSIP reads it there).
/// The session need not be the one that issued the token: pjsua hands the
/// application its account's session with a token the regc's own session
/// issued, and PJSIP accepts that; so any live session may present one.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess` unless `token` is not pending;
/// `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_async_claim(
    sess: *mut c_void,
    token: *mut c_void,
    out: *mut Claimed,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            let found = SESSIONS
                .find_pending(Token::from_raw(token as usize))
                .ok_or(Error::InvalidArg)?;
            // SAFETY: contract (the token is pending, so sess is readable).
            let id = unsafe { handle_in(sess) }?;
            let acting = SESSIONS.acting_at(id, sess as usize)?;
            let (_, p) = SESSIONS.claim_found(found)?;
            // SAFETY: writable (contract).
            unsafe {
                out.write(Claimed {
                    send_impl: Some(p.send_impl),
                    abandon_impl: p.abandon_impl,
                    user_data: p.user_data as *mut c_void,
                    grp_lock: p.grp_lock as *mut c_void,
                    impl_token: p.impl_token as *mut c_void,
                    sess: acting.home as *mut c_void,
                })
            };
            Ok(())
        })())
    })
}
