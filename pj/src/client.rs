//! `pjsip_auth_clt_init_req` and `pjsip_auth_clt_reinit_req` on PJSIP's
//! own messages: the core's client (`auth::client`, planner then apply)
//! over the message seam of `view`, on the session acting for the caller's
//! (its parent when one is set: the parent's credentials and cache, as
//! PJSIP). The session's client lock is held only while the core plans and
//! applies; no application code runs meanwhile.
//!
//! Statuses are PJSIP's: PJSIP_ENOTINITIALIZED for a session not live,
//! PJSIP_ENOTRESPONSEMSG / PJSIP_ENOTREQUESTMSG / PJSIP_EINVALIDSTATUS for
//! the wrong messages, then the planner's (PJSIP_EAUTHNOCHAL,
//! PJSIP_ENOCREDENTIAL, PJSIP_EFAILEDCREDENTIAL, PJSIP_EAUTHSTALECOUNT, ...).
//! On any error the request is unchanged.

use std::os::raw::c_void;

use pjsip_auth_shim::auth::client;
use pjsip_auth_shim::digest;
use pjsip_auth_shim::status::{Error, Result};

use crate::glue;
use crate::panic::guard;
use crate::session::{own, SESSIONS};
use crate::status::{of, status_of, Status, PJSIP_ENOTINITIALIZED, PJ_EBUG, PJ_SUCCESS};
use crate::view::{PjRequest, PjResponse};

/// The status of a call on a session that is not live: PJSIP's for a
/// session never initialised.
fn not_live(_: Error) -> Status {
    PJSIP_ENOTINITIALIZED
}

/// PJSIP's init_req. By default (as PJSIP's defaults) it only restarts the
/// stale counts and, with `initial_auth`, adds an empty Authorization per
/// credential; the next authorization for an answered realm (nc + 1) is
/// sent pre-emptively only when the user's config enables PJSIP's
/// `PJSIP_AUTH_AUTO_SEND_NEXT` or `PJSIP_AUTH_HEADER_CACHING`.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `tdata` is a live
/// `pjsip_tx_data` the caller holds a reference on.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_init_req(sess: *mut c_void, tdata: *mut c_void) -> Status {
    guard(PJ_EBUG, || {
        // SAFETY: contract.
        let id = match unsafe { own(sess) } {
            Ok(id) => id,
            Err(e) => return not_live(e),
        };
        status_of((|| -> Result<()> {
            // SAFETY: contract; the request is not edited by others meanwhile.
            let mut req = unsafe { PjRequest::read(tdata) }?;
            // SAFETY: reads a compile-time constant of the user's config.
            let preemptive = unsafe { glue::pjshim_glue_preemptive_auth() } != 0;
            SESSIONS.with_client(id, |c| {
                if preemptive {
                    client::init_on(c, &mut req)
                } else {
                    client::init_without_cache_on(c, &mut req)
                }
            })??;
            req.commit();
            Ok(())
        })())
    })
}

/// PJSIP's reinit_req: answers the 401/407 in `rdata` into `old_request`
/// itself (new authorization headers, the replaced ones removed, the retry
/// prepared) and hands the same request back in `*new_request` with one
/// more reference, as PJSIP does. PJSIP_EMISSINGHDR for a request with no
/// Via (PJSIP's would crash on it).
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `rdata` is a live
/// `pjsip_rx_data`; `old_request` a live `pjsip_tx_data` the caller holds
/// a reference on; `new_request` is writable.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_reinit_req(
    sess: *mut c_void,
    rdata: *const c_void,
    old_request: *mut c_void,
    new_request: *mut *mut c_void,
) -> Status {
    guard(PJ_EBUG, || {
        // SAFETY: contract.
        let id = match unsafe { own(sess) } {
            Ok(id) => id,
            Err(e) => return not_live(e),
        };
        let run = || -> Result<()> {
            // SAFETY: contract (both live for the call).
            let resp = unsafe { PjResponse::read(rdata) }?;
            // SAFETY: contract; the request is not edited by others meanwhile.
            let mut req = unsafe { PjRequest::read(old_request) }?;
            use pjsip_auth_shim::auth::view::ResponseView;
            if !matches!(resp.status(), Some(401 | 407)) {
                return Err(Error::InvalidStatus);
            }
            if !req.has_via() {
                return Err(Error::MissingHdr);
            }
            SESSIONS.with_client(id, |c| {
                client::reinit_on(c, &resp, &mut req, &mut |out| {
                    out.extend_from_slice(digest::new_cnonce().as_bytes())
                })
            })??;
            req.commit();
            Ok(())
        };
        match run() {
            Ok(()) => {
                // SAFETY: live (contract); the caller gets one more reference.
                unsafe {
                    glue::pjshim_glue_tx_add_ref(old_request);
                    *new_request = old_request;
                }
                PJ_SUCCESS
            }
            Err(e) => of(e),
        }
    })
}
