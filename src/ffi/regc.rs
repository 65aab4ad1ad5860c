//! The registration client for C (a pjsip_regc subset, API.md section 6).
//!
//! The logic (REGISTER building, CSeq, one transaction at a time, expiry,
//! refresh) is the core `regc::Client`; this file converts C arguments and
//! implements the client's hooks for C:
//! - requests are `pjsip_tx_data` references (`TxRef`), with the auth
//!   session's pre-emptive authorization added to each new one;
//! - a 401/407 goes to pjsip_auth_clt_async_impl_on_challenge() first, with an
//!   impl token whose send_impl / abandon_impl resolve the core's `Pending`,
//!   as PJSIP's sip_reg.c does; on PJ_EIGNORED or PJ_EINVALIDOP (async not
//!   configured) it falls back to pjsip_auth_clt_reinit_req();
//! - outcomes reach the application's pjsip_regc_cb as a pjsip_regc_cbparam.
//!
//! Each challenge handed to the async API has a context behind a group lock
//! of its own: the token holds the one reference, so the context (the
//! pending answer, the challenged request, the impl token the registry
//! writes the signature of) lives exactly as long as the token.

use super::async_auth::pjsip_auth_clt_async_impl_on_challenge;
use super::auth_client::{pjsip_auth_clt_init_req, pjsip_auth_clt_reinit_req};
use super::auth_types::*;
use super::cast::{str_bytes, try_ref, write_out, CPtr};
use super::endpoint::{endpt_ref, pjsip_endpoint};
use super::grp_lock::{pj_grp_lock_add_ref, pj_grp_lock_create_w_handler, pj_grp_lock_dec_ref};
use super::msg::{
    free_rx_data, new_rx_data, new_tx_data, pjsip_rx_data, pjsip_tx_data, tx_data_dec_ref,
};
use super::panic::guard;
use super::session::{
    pjsip_auth_clt_deinit, pjsip_auth_clt_init, pjsip_auth_clt_set_credentials,
    pjsip_auth_clt_set_prefs,
};
use super::status::*;
use super::types::{pj_bool_t, pj_status_t, pj_str_t, pj_uint32_t, PJ_FALSE, PJ_TRUE};
use crate::regc::{Answer, Binding, Challenge, Client, Hooks, OutgoingRequest, Pending, Report};
use crate::sip::SipMessage;
use crate::status::{Error, Result};
use parking_lot::Mutex;
use std::cell::UnsafeCell;
use std::os::raw::{c_int, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};

/// A registration client (opaque). Made with pjsip_regc_create(), freed with
/// pjsip_regc_destroy().
pub struct pjsip_regc {
    client: Client<CRegc>,
}

/// What the registration callback receives. Valid during the call only.
#[repr(C)]
pub struct pjsip_regc_cbparam {
    /// The client.
    pub regc: *mut pjsip_regc,
    /// The token given to pjsip_regc_create().
    pub token: *mut c_void,
    /// PJ_SUCCESS when a final response came (see `code`); PJ_ETIMEDOUT
    /// (code 408) on timeout; PJ_ECANCELLED when the application abandoned an
    /// auth challenge (code = the 401/407's); another error when the challenge
    /// could not be answered or the answer not sent (code = the 401/407's),
    /// or when an automatic refresh could not be sent (code 400).
    pub status: pj_status_t,
    /// SIP status code.
    pub code: c_int,
    /// Reason phrase.
    pub reason: pj_str_t,
    /// The response, when there is one (else NULL).
    pub rdata: *mut pjsip_rx_data,
    /// Granted expiration in seconds (2xx), else -1.
    pub expiration: i32,
    /// Number of contacts registered (the contact array is omitted).
    pub contact_cnt: c_int,
    /// Whether this was an unregistration.
    pub is_unreg: pj_bool_t,
}

type RegcCb = unsafe extern "C" fn(param: *mut pjsip_regc_cbparam);

/// One owned reference on a tx_data: the core client's request handle.
struct TxRef(CPtr<pjsip_tx_data>);

impl TxRef {
    /// Takes over a reference.
    ///
    /// # Safety
    /// `p` is a live tx_data (from `new_tx_data`) on which the caller owns a
    /// reference, which passes to the returned value.
    unsafe fn adopt(p: *mut pjsip_tx_data) -> TxRef {
        TxRef(CPtr(p))
    }

    fn ptr(&self) -> *mut pjsip_tx_data {
        self.0 .0
    }

    /// Another reference on the same tx_data.
    fn share(&self) -> TxRef {
        self.get().add_ref();
        TxRef(self.0)
    }

    /// Hands the reference to C (not released here any more).
    fn into_raw(self) -> *mut pjsip_tx_data {
        let p = self.ptr();
        std::mem::forget(self);
        p
    }

    fn get(&self) -> &pjsip_tx_data {
        // SAFETY: this value owns a reference, so the tx_data is alive.
        unsafe { &*self.ptr() }
    }
}

impl OutgoingRequest for TxRef {
    fn with_msg<R>(&self, f: impl FnOnce(&mut SipMessage) -> R) -> R {
        self.get().with_msg(f)
    }
}

impl Drop for TxRef {
    fn drop(&mut self) {
        // SAFETY: the reference this value owns, released once.
        let _ = unsafe { tx_data_dec_ref(self.ptr()) };
    }
}

/// The C side of one client: the application's callback and token, and the
/// auth session the client owns.
struct CRegc {
    sess: CPtr<pjsip_auth_clt_sess>,
    token: CPtr<c_void>,
    cb: Option<RegcCb>,
    me: AtomicPtr<pjsip_regc>,
}

impl Drop for CRegc {
    fn drop(&mut self) {
        // SAFETY: from Box::into_raw in pjsip_regc_create; freed once, here,
        // when nothing can use the client any more.
        drop(unsafe { Box::from_raw(self.sess.0) });
    }
}

/// One challenge offered to the async API, owned by its group lock.
struct AuthCtx {
    /// Taken by the one send_impl or abandon_impl the token registry runs.
    pending: Mutex<Option<Pending<CRegc>>>,
    /// The challenged request, alive while the token is (PJSIP keeps its
    /// transaction, and so the request, alive through the group lock).
    _request: TxRef,
    /// Written (the signature) by the token registry through a raw pointer.
    impl_token: UnsafeCell<pjsip_auth_clt_async_impl_token>,
}

unsafe extern "C" fn auth_ctx_destroy(member: *mut c_void) {
    // SAFETY: the member is the context boxed in offer_async, freed once (by
    // the group lock's only destruction, or there when it was never made).
    drop(unsafe { Box::from_raw(member as *mut AuthCtx) });
}

/// The error behind a status from the auth API.
fn error_of(st: pj_status_t) -> Error {
    from_status(st).unwrap_or(Error::Unknown)
}

impl CRegc {
    /// Offers a challenge to the async API. PJ_SUCCESS: the application has
    /// the token, and `pending` with it; otherwise `pending` is dropped.
    fn offer_async(
        &self,
        request: &TxRef,
        rdata: *const pjsip_rx_data,
        pending: Pending<CRegc>,
    ) -> pj_status_t {
        let ctx = Box::into_raw(Box::new(AuthCtx {
            pending: Mutex::new(Some(pending)),
            _request: request.share(),
            impl_token: UnsafeCell::new(pjsip_auth_clt_async_impl_token {
                user_data: null_mut(),
                send_impl: Some(regc_send_impl),
                abandon_impl: Some(regc_abandon_impl),
                grp_lock: null_mut(),
                signature: [0; 4],
            }),
        }));
        let mut glock = null_mut();
        // SAFETY: a valid out-pointer; the handler frees ctx exactly once.
        let st = unsafe {
            pj_grp_lock_create_w_handler(
                null_mut(),
                std::ptr::null(),
                ctx.cast(),
                Some(auth_ctx_destroy),
                &mut glock,
            )
        };
        if st != PJ_SUCCESS {
            // SAFETY: not shared with anything.
            unsafe { auth_ctx_destroy(ctx.cast()) };
            return st;
        }
        // SAFETY: ctx is alive (the lock, at count 0, has never been dropped);
        // nothing else sees the impl token yet.
        let impl_token = unsafe {
            let t = (*ctx).impl_token.get();
            (*t).user_data = ctx.cast();
            (*t).grp_lock = glock;
            pj_grp_lock_add_ref(glock);
            t
        };
        let param = pjsip_auth_clt_async_on_chal_param {
            tdata: request.ptr(),
            rdata,
            user_data: null_mut(),
        };
        // SAFETY: the client's own session (alive as long as the client); the
        // impl token lives in ctx, which the reference taken above keeps alive.
        let st = unsafe { pjsip_auth_clt_async_impl_on_challenge(self.sess.0, impl_token, &param) };
        if st != PJ_SUCCESS {
            // SAFETY: the reference taken above is ours again; dropping it
            // frees ctx (and the pending answer, silently).
            unsafe { pj_grp_lock_dec_ref(glock) };
        }
        st
    }

    /// The synchronous answer, as PJSIP's sip_reg.c: reinit_req on the
    /// challenged request.
    fn reinit(&self, request: &TxRef, rdata: *const pjsip_rx_data) -> Answer<TxRef> {
        let mut new_request = null_mut();
        // SAFETY: the client's session, a live rdata and a request we hold.
        let st = unsafe {
            pjsip_auth_clt_reinit_req(self.sess.0, rdata, request.ptr(), &mut new_request)
        };
        if st == PJ_SUCCESS && !new_request.is_null() {
            // SAFETY: reinit_req gave us one reference on new_request.
            Answer::Retry(unsafe { TxRef::adopt(new_request) })
        } else {
            Answer::Fail(error_of(st))
        }
    }
}

impl Hooks for CRegc {
    type Req = TxRef;

    /// A tx_data with the session's authorization added as PJSIP's regc does
    /// (pjsip_auth_clt_init_req: the next nc for a realm already answered, or
    /// an empty Authorization with `initial_auth`), so a refresh or an
    /// unregister need not be challenged again.
    fn new_request(&self, msg: SipMessage) -> TxRef {
        let tdata = new_tx_data(msg);
        // SAFETY: the client's own session and a fresh tdata. A failure only
        // means no pre-emptive authorization: the request still goes out.
        let _ = unsafe { pjsip_auth_clt_init_req(self.sess.0, tdata) };
        // SAFETY: new_tx_data gave us its one reference.
        unsafe { TxRef::adopt(tdata) }
    }

    fn on_challenge(&self, ch: Challenge<'_, Self>) -> Answer<TxRef> {
        let rdata = new_rx_data(ch.response.clone());
        let st = self.offer_async(ch.request, rdata, ch.pending);
        let answer = match st {
            PJ_SUCCESS => Answer::Deferred,
            PJ_EIGNORED | PJ_EINVALIDOP => self.reinit(ch.request, rdata),
            _ => Answer::Fail(error_of(st)),
        };
        // SAFETY: made above, freed once; the application copied it if it
        // wanted to keep it.
        let _ = unsafe { free_rx_data(rdata) };
        answer
    }

    fn report(&self, r: Report) {
        let Some(cb) = self.cb else { return };
        let rdata = r.response.map_or(null_mut(), new_rx_data);
        let mut p = pjsip_regc_cbparam {
            regc: self.me.load(Ordering::Acquire),
            token: self.token.0,
            status: status_of(r.status),
            code: c_int::from(r.code),
            reason: pj_str_t::borrowing(r.reason.as_bytes()),
            rdata,
            expiration: r
                .expiration
                .map_or(-1, |e| i32::try_from(e).unwrap_or(i32::MAX)),
            contact_cnt: c_int::try_from(r.contact_cnt).unwrap_or(c_int::MAX),
            is_unreg: if r.is_unreg { PJ_TRUE } else { PJ_FALSE },
        };
        // SAFETY: the application's callback; no library lock is held.
        unsafe { cb(&mut p) };
        if !rdata.is_null() {
            // SAFETY: made above, freed once; valid during the callback only.
            let _ = unsafe { free_rx_data(rdata) };
        }
    }
}

unsafe extern "C" fn regc_send_impl(
    _sess: *mut pjsip_auth_clt_sess,
    user_data: *mut c_void,
    new_request: *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        if new_request.is_null() {
            return PJ_EINVAL;
        }
        // SAFETY: send_impl takes over the caller's reference (API.md section 5).
        let req = unsafe { TxRef::adopt(new_request) };
        // SAFETY: user_data is our AuthCtx, kept alive by the token's group
        // lock reference until after this returns.
        let ctx = unsafe { &*(user_data as *const AuthCtx) };
        let pending = ctx.pending.lock().take();
        match pending {
            Some(p) => status_of(p.send(req)),
            None => PJ_EINVALIDOP,
        }
    })
}

unsafe extern "C" fn regc_abandon_impl(_sess: *mut pjsip_auth_clt_sess, user_data: *mut c_void) {
    guard((), || {
        // SAFETY: user_data is our AuthCtx, kept alive by the token's group
        // lock reference until after this returns.
        let ctx = unsafe { &*(user_data as *const AuthCtx) };
        let pending = ctx.pending.lock().take();
        if let Some(p) = pending {
            p.abandon();
        }
    })
}

unsafe fn regc_ref<'a>(p: *mut pjsip_regc) -> Result<&'a Client<CRegc>> {
    // SAFETY: forwarded to the caller's promise.
    unsafe { try_ref(p) }.map(|r| &r.client)
}

/// The client's auth session.
fn sess_of(c: &Client<CRegc>) -> *mut pjsip_auth_clt_sess {
    c.hooks().sess.0
}

/// Creates a registration client on `endpt` (whose transport must be started
/// before registering). `token` is handed back in the callback; `cb` may be
/// NULL. The client owns an auth session (pjsip_regc_get_auth_sess()).
/// Returns PJ_EINVAL for a NULL endpt or p_regc.
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_create(
    endpt: *mut pjsip_endpoint,
    token: *mut c_void,
    cb: Option<unsafe extern "C" fn(param: *mut pjsip_regc_cbparam)>,
    p_regc: *mut *mut pjsip_regc,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a live endpoint, checked for NULL.
            let e = unsafe { endpt_ref(endpt) }?;
            if p_regc.is_null() {
                return Err(Error::InvalidArg);
            }
            let sess = Box::into_raw(Box::new(pjsip_auth_clt_sess {
                _handle: 0,
                _magic: 0,
                _reserved: [0; 6],
            }));
            // SAFETY: a fresh session struct.
            unsafe { pjsip_auth_clt_init(sess, endpt, null_mut(), 0) };
            let hooks = CRegc {
                sess: CPtr(sess),
                token: CPtr(token),
                cb,
                me: AtomicPtr::new(null_mut()),
            };
            let raw = Box::into_raw(Box::new(pjsip_regc {
                client: Client::new(e.core.clone(), hooks),
            }));
            // SAFETY: just made, not shared yet.
            unsafe { (*raw).client.hooks().me.store(raw, Ordering::Release) };
            // SAFETY: checked non-NULL.
            unsafe { write_out(p_regc, raw) };
            Ok(())
        })())
    })
}

/// Sets the registrar URI, From, To, the contacts and the expiry (seconds).
/// Strings are copied. Returns PJ_EINVAL for NULL arguments, a negative
/// count, or a registrar URI whose host cannot be resolved.
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_init(
    regc: *mut pjsip_regc,
    srv_url: *const pj_str_t,
    from_url: *const pj_str_t,
    to_url: *const pj_str_t,
    contact_cnt: c_int,
    contact: *const pj_str_t,
    expires: pj_uint32_t,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: caller's objects, checked for NULL.
            let (r, srv, from, to) = unsafe {
                (
                    regc_ref(regc)?,
                    try_ref(srv_url)?,
                    try_ref(from_url)?,
                    try_ref(to_url)?,
                )
            };
            // SAFETY: caller's strings.
            let s = |p: &pj_str_t| {
                unsafe { str_bytes(p) }.map(|b| String::from_utf8_lossy(b).into_owned())
            };
            if contact_cnt < 0 || (contact_cnt > 0 && contact.is_null()) {
                return Err(Error::InvalidArg);
            }
            let contacts = (0..contact_cnt as usize)
                // SAFETY: the caller passes contact_cnt strings.
                .map(|i| s(unsafe { &*contact.add(i) }))
                .collect::<Result<Vec<_>>>()?;
            r.init(Binding::new(
                &s(srv)?,
                &s(from)?,
                &s(to)?,
                contacts,
                expires,
            )?);
            Ok(())
        })())
    })
}

/// Sets the credentials of the client's auth session (copied).
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_set_credentials(
    regc: *mut pjsip_regc,
    count: c_int,
    cred: *const pjsip_cred_info,
) -> pj_status_t {
    guard(PJ_EBUG, || match unsafe { regc_ref(regc) } {
        // SAFETY: our session; the caller's credentials.
        Ok(r) => unsafe { pjsip_auth_clt_set_credentials(sess_of(r), count, cred) },
        Err(e) => to_status(e),
    })
}

/// Sets the preferences of the client's auth session (copied).
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_set_prefs(
    regc: *mut pjsip_regc,
    pref: *const pjsip_auth_clt_pref,
) -> pj_status_t {
    guard(PJ_EBUG, || match unsafe { regc_ref(regc) } {
        // SAFETY: our session; the caller's preferences.
        Ok(r) => unsafe { pjsip_auth_clt_set_prefs(sess_of(r), pref) },
        Err(e) => to_status(e),
    })
}

/// The client's auth session (configure async auth on it). Valid until
/// pjsip_regc_destroy(). NULL for a NULL regc.
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_get_auth_sess(
    regc: *mut pjsip_regc,
) -> *mut pjsip_auth_clt_sess {
    guard(std::ptr::null_mut(), || match unsafe { regc_ref(regc) } {
        Ok(r) => sess_of(r),
        Err(_) => std::ptr::null_mut(),
    })
}

fn make(
    regc: *mut pjsip_regc,
    p_tdata: *mut *mut pjsip_tx_data,
    build: impl FnOnce(&Client<CRegc>) -> Result<TxRef>,
) -> pj_status_t {
    status_of((|| {
        // SAFETY: a live regc, checked for NULL.
        let r = unsafe { regc_ref(regc) }?;
        if p_tdata.is_null() {
            return Err(Error::InvalidArg);
        }
        let req = build(r)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(p_tdata, req.into_raw()) };
        Ok(())
    })())
}

/// Builds a REGISTER into `*p_tdata` (reference count 1; hand it to
/// pjsip_regc_send(), which gives it the next CSeq: the one it carries now
/// if no other request is sent first). `autoreg`: refresh before expiry
/// after a 2xx. PJ_EINVALIDOP before pjsip_regc_init() or without a
/// transport.
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_register(
    regc: *mut pjsip_regc,
    autoreg: pj_bool_t,
    p_tdata: *mut *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        make(regc, p_tdata, |c| c.register(autoreg != PJ_FALSE))
    })
}

/// Builds an unregistration (Expires: 0) into `*p_tdata`; stops refreshes.
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_unregister(
    regc: *mut pjsip_regc,
    p_tdata: *mut *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || make(regc, p_tdata, Client::unregister))
}

/// Sends `tdata` as a new transaction (fresh Via branch, the next CSeq),
/// taking over its reference whatever the outcome (except PJ_EINVAL for NULL
/// arguments). PJSIP_EBUSY while another REGISTER of this client is in
/// flight (as PJSIP); PJ_EINVALIDOP before pjsip_regc_init(). The callback
/// reports the final result inside pjsip_endpt_handle_events().
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_send(
    regc: *mut pjsip_regc,
    tdata: *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        if tdata.is_null() {
            return PJ_EINVAL;
        }
        // SAFETY: a live regc, checked for NULL.
        match unsafe { regc_ref(regc) } {
            // SAFETY: the caller hands over its reference on a live tdata.
            Ok(r) => status_of(r.send(unsafe { TxRef::adopt(tdata) })),
            Err(e) => to_status(e),
        }
    })
}

/// Destroys the client: no callback runs afterwards; a pending auth token is
/// revoked (pjsip_auth_clt_deinit: abandon_impl once, reference dropped);
/// transactions in flight finish silently and free themselves. Returns
/// PJ_EINVAL for NULL.
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_destroy(regc: *mut pjsip_regc) -> pj_status_t {
    guard(PJ_EBUG, || {
        if regc.is_null() {
            return PJ_EINVAL;
        }
        // SAFETY: from Box::into_raw in pjsip_regc_create, destroyed once.
        let b = unsafe { Box::from_raw(regc) };
        b.client.destroy();
        // SAFETY: the client's session; a token still pending is revoked
        // (abandon_impl runs, and reports nothing: the client is destroyed).
        unsafe { pjsip_auth_clt_deinit(sess_of(&b.client)) };
        PJ_SUCCESS
    })
}
