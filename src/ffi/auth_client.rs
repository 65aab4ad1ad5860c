//! The synchronous client calls of `sip_auth.h`: pjsip_auth_clt_reinit_req
//! and pjsip_auth_clt_init_req, over `auth::client`.
//!
//! Both act on the effective session (the parent when one is set). The
//! session lock is held only while the digest is computed; the request's own
//! lock only while its headers are edited. No C code runs meanwhile.

use super::auth_types::pjsip_auth_clt_sess;
use super::cast::write_out;
use super::msg::{pjsip_rx_data, pjsip_tx_data, rx_data_ref, tx_data_ref};
use super::panic::guard;
use super::status::{status_of, to_status, PJ_EBUG, PJ_SUCCESS};
use super::table::{session_id, SESSIONS};
use super::types::pj_status_t;
use crate::auth::client;
use crate::hooks::log;
use crate::status::{Error, Result};

/// Answers the 401/407 challenge in `rdata` by adding authorization headers
/// to `old_request`, and hands the same request back in `*new_request` with
/// one more reference (the caller then owns one more
/// pjsip_tx_data_dec_ref()).
///
/// Every WWW-Authenticate (answered with Authorization) and
/// Proxy-Authenticate (answered with Proxy-Authorization) is considered; per
/// realm the topmost usable Digest challenge is answered. Authorization
/// headers of the same kind for the answered realms are replaced, others
/// kept; the top Via branch is cleared (a new one is made when printed);
/// CSeq is not touched. Uses the parent session's credentials and state
/// when a parent is set. Any thread; may be called inside the async
/// challenge callback.
///
/// Errors (then `*new_request` and the request are unchanged): PJ_EINVAL
/// for a NULL argument or an uninitialised session; PJSIP_EINVALIDSTATUS
/// when rdata is not a 401/407; PJSIP_EAUTHNOCHAL when it has no challenge;
/// PJSIP_EINVALIDAUTHSCHEME, PJSIP_EINVALIDALGORITHM, PJSIP_EINVALIDQOP,
/// PJSIP_ENOCREDENTIAL when no challenge could be answered (for the best
/// reason found); PJSIP_EFAILEDCREDENTIAL when the server repeats a nonce
/// without stale=true; PJSIP_EAUTHSTALECOUNT after 3 stale retries in a row.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_reinit_req(
    sess: *mut pjsip_auth_clt_sess,
    rdata: *const pjsip_rx_data,
    old_request: *mut pjsip_tx_data,
    new_request: *mut *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        let run = || -> Result<()> {
            if new_request.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: C promises a non-NULL rdata is a live rx_data for this call.
            let rx = unsafe { rx_data_ref(rdata) }?;
            // SAFETY: C promises a non-NULL old_request holds a reference for this call.
            let tx = unsafe { tx_data_ref(old_request) }?;
            // SAFETY: C promises a non-NULL sess points to a readable session struct.
            let id = unsafe { session_id(sess) }?;
            // In place: the core does every fallible step before it edits the
            // request, so an error leaves it as it was. Lock order: session,
            // then tdata (nothing takes them the other way round).
            SESSIONS.with_client(id, |c| tx.with_msg(|m| client::reinit(c, rx.msg(), m)))??;
            tx.add_ref();
            // SAFETY: checked non-NULL above; C promises it is writable.
            unsafe { write_out(new_request, old_request) };
            Ok(())
        };
        match run() {
            Ok(()) => {
                log::log(log::DEBUG, || "reinit_req: challenge answered".into());
                PJ_SUCCESS
            }
            Err(e) => {
                let level = match e {
                    Error::FailedCredential | Error::NoCredential | Error::AuthStaleCount => {
                        log::WARN
                    }
                    _ => log::DEBUG,
                };
                log::log(level, || {
                    format!("reinit_req: challenge not answered: {e:?}")
                });
                to_status(e)
            }
        }
    })
}

/// Prepares `tdata` before it is first sent: for every realm this session
/// (or its parent) has already answered, adds the next authorization for
/// that nonce (nc + 1, pre-emptive reuse), and with `initial_auth` set in
/// the preferences, an empty `Authorization` per credential (wildcard-realm
/// credentials skipped; algorithm from the preferences, else from a
/// pre-hashed credential's type). Also starts a new stale count for every
/// realm. Any thread. PJ_EINVAL for NULL arguments or an uninitialised
/// session; the request is unchanged on error.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_init_req(
    sess: *mut pjsip_auth_clt_sess,
    tdata: *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| -> Result<()> {
            // SAFETY: C promises a non-NULL tdata holds a reference for this call.
            let tx = unsafe { tx_data_ref(tdata) }?;
            // SAFETY: C promises a non-NULL sess points to a readable session struct.
            let id = unsafe { session_id(sess) }?;
            // In place, as reinit_req (the core edits only after every fallible step).
            SESSIONS.with_client(id, |c| tx.with_msg(|m| client::init(c, m)))?
        })())
    })
}
