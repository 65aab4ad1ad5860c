//! The registration client for C (a pjsip_regc subset, API.md section 6).
//!
//! Each REGISTER runs as a non-INVITE client transaction of the core
//! endpoint. Its context (the request, the async impl token) lives behind a
//! `pj_grp_lock_t` of its own: the transaction holds one reference until it
//! terminates, a pending auth token another; the last one frees the context.
//! A 401/407 goes to pjsip_auth_clt_async_impl_on_challenge() first, as
//! PJSIP's sip_reg.c does. No library lock is held while the callback runs.

use super::async_auth::pjsip_auth_clt_async_impl_on_challenge;
use super::auth_client::{pjsip_auth_clt_init_req, pjsip_auth_clt_reinit_req};
use super::auth_types::*;
use super::cast::{str_bytes, try_ref, write_out, CPtr};
use super::endpoint::{endpt_ref, pjsip_endpoint};
use super::grp_lock::{
    pj_grp_lock_add_ref, pj_grp_lock_create_w_handler, pj_grp_lock_dec_ref, pj_grp_lock_t,
};
use super::msg::{
    free_rx_data, new_rx_data, new_tx_data, pjsip_rx_data, pjsip_tx_data, tx_data_dec_ref,
    tx_data_ref,
};
use super::panic::guard;
use super::session::{
    pjsip_auth_clt_deinit, pjsip_auth_clt_init, pjsip_auth_clt_set_credentials,
    pjsip_auth_clt_set_prefs,
};
use super::status::*;
use super::types::{pj_bool_t, pj_status_t, pj_str_t, pj_uint32_t, PJ_FALSE, PJ_TRUE};
use crate::endpoint::tsx::TsxOutcome;
use crate::endpoint::{uri_destination, Endpoint, TimerKey};
use crate::sip::{random_hex, reason_phrase, SipMessage};
use crate::status::{Error, Result};
use parking_lot::Mutex;
use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A registration client (opaque). Made with pjsip_regc_create(), freed with
/// pjsip_regc_destroy().
pub struct pjsip_regc {
    shared: Arc<Regc>,
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
    /// could not be answered (code = the 401/407's).
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

#[derive(Default)]
struct RegcState {
    srv: String,
    from: String,
    to: String,
    contacts: Vec<String>,
    expires: u32,
    call_id: String,
    from_tag: String,
    cseq: u32,
    dest: Option<std::net::SocketAddr>,
    autoreg: bool,
}

struct Regc {
    endpt: Arc<Endpoint>,
    token: CPtr<c_void>,
    cb: Option<RegcCb>,
    sess: CPtr<pjsip_auth_clt_sess>,
    me: Mutex<CPtr<pjsip_regc>>,
    state: Mutex<RegcState>,
    destroyed: AtomicBool,
    refresh_key: u64,
}

impl Drop for Regc {
    fn drop(&mut self) {
        // SAFETY: from Box::into_raw in pjsip_regc_create; freed once, here.
        drop(unsafe { Box::from_raw(self.sess.0) });
    }
}

/// One REGISTER transaction's context, owned by its group lock.
struct TsxCtx {
    regc: Arc<Regc>,
    tdata: CPtr<pjsip_tx_data>,
    impl_token: pjsip_auth_clt_async_impl_token,
    code: AtomicI32,
    is_unreg: bool,
}

/// Drops a group lock reference when dropped (the transaction's keepalive).
struct GlockRef(CPtr<pj_grp_lock_t>);
impl Drop for GlockRef {
    fn drop(&mut self) {
        // SAFETY: this guard owns one reference on a live group lock.
        unsafe { pj_grp_lock_dec_ref(self.0 .0) };
    }
}

unsafe extern "C" fn ctx_destroy(member: *mut c_void) {
    // SAFETY: the member is the context boxed in send_tdata, freed once (by the
    // group lock's only destruction).
    let ctx = unsafe { Box::from_raw(member as *mut TsxCtx) };
    // SAFETY: the context owned one reference on its request.
    let _ = unsafe { tx_data_dec_ref(ctx.tdata.0) };
}

fn angle(uri: &str) -> String {
    if uri.contains('<') {
        uri.to_string()
    } else {
        format!("<{uri}>")
    }
}

impl Regc {
    fn callback(
        &self,
        status: pj_status_t,
        code: i32,
        reason: &str,
        rdata: *mut pjsip_rx_data,
        expiration: i32,
        is_unreg: bool,
    ) {
        if self.destroyed.load(Ordering::Acquire) {
            return;
        }
        let Some(cb) = self.cb else { return };
        let contact_cnt = self.state.lock().contacts.len() as c_int;
        let mut p = pjsip_regc_cbparam {
            regc: self.me.lock().0,
            token: self.token.0,
            status,
            code,
            reason: pj_str_t::borrowing(reason.as_bytes()),
            rdata,
            expiration,
            contact_cnt,
            is_unreg: if is_unreg { PJ_TRUE } else { PJ_FALSE },
        };
        // SAFETY: the application's callback; no library lock held.
        unsafe { cb(&mut p) };
    }

    /// A new REGISTER (expires 0 for an unregistration).
    fn build(&self, unreg: bool) -> Result<SipMessage> {
        let local = self.endpt.local_addr().ok_or(Error::InvalidOp)?;
        let mut s = self.state.lock();
        if s.srv.is_empty() {
            return Err(Error::InvalidOp);
        }
        s.cseq += 1;
        let mut m = SipMessage::request("REGISTER", s.srv.clone());
        m.push_header("Via", format!("SIP/2.0/UDP {local};rport"));
        m.push_header("Max-Forwards", "70");
        m.push_header("From", format!("{};tag={}", angle(&s.from), s.from_tag));
        m.push_header("To", angle(&s.to));
        m.push_header("Call-ID", s.call_id.clone());
        m.push_header("CSeq", format!("{} REGISTER", s.cseq));
        for c in &s.contacts {
            m.push_header("Contact", angle(c));
        }
        m.push_header("Expires", if unreg { 0 } else { s.expires }.to_string());
        m.push_header("Content-Length", "0");
        Ok(m)
    }
}

fn is_unreg_msg(m: &SipMessage) -> bool {
    m.header("Expires", 0).map(str::trim) == Some("0")
}

/// Sends `tdata` (whose reference this takes over) as a new transaction.
fn send_tdata(regc: &Arc<Regc>, tdata: *mut pjsip_tx_data) -> Result<()> {
    // SAFETY: the caller hands over a live tdata reference.
    let t = unsafe { tx_data_ref(tdata) }?;
    let dest = regc.state.lock().dest;
    let prepared = t.with_msg(|m| Endpoint::prepare_request(m).map(|p| (p, is_unreg_msg(m))));
    let (dest, (prepared, is_unreg)) = match dest
        .ok_or(Error::InvalidOp)
        .and_then(|d| prepared.map(|p| (d, p)))
    {
        Ok(v) => v,
        Err(e) => {
            // SAFETY: we own this reference.
            let _ = unsafe { tx_data_dec_ref(tdata) };
            return Err(e);
        }
    };
    let ctx = Box::into_raw(Box::new(TsxCtx {
        regc: regc.clone(),
        tdata: CPtr(tdata),
        impl_token: pjsip_auth_clt_async_impl_token {
            user_data: std::ptr::null_mut(),
            send_impl: Some(regc_send_impl),
            abandon_impl: Some(regc_abandon_impl),
            grp_lock: std::ptr::null_mut(),
            signature: [0; 4],
        },
        code: AtomicI32::new(0),
        is_unreg,
    }));
    let mut glock = std::ptr::null_mut();
    // SAFETY: valid out-pointer; the handler frees ctx exactly once.
    let st = unsafe {
        pj_grp_lock_create_w_handler(
            std::ptr::null_mut(),
            std::ptr::null(),
            ctx.cast(),
            Some(ctx_destroy),
            &mut glock,
        )
    };
    if st != PJ_SUCCESS {
        // SAFETY: not shared with anything yet.
        unsafe { ctx_destroy(ctx.cast()) };
        return Err(Error::NoMemory);
    }
    // SAFETY: ctx is live (the lock has not been destroyed: count 0, never dropped).
    unsafe {
        (*ctx).impl_token.user_data = ctx.cast();
        (*ctx).impl_token.grp_lock = glock;
        pj_grp_lock_add_ref(glock);
    }
    let keep = GlockRef(CPtr(glock));
    let cctx = CPtr(ctx);
    regc.endpt.send_request(
        prepared,
        dest,
        Box::new(move |o| {
            let cctx = cctx;
            // The transaction's reference keeps ctx alive until it
            // terminates, which happens after this final report.
            on_final(cctx.0, o)
        }),
        Some(Box::new(keep)),
    )
}

fn expiration_of(m: &SipMessage, asked: u32) -> i32 {
    let from_param = m.headers_named("Contact").find_map(|c| {
        let lower = c.to_ascii_lowercase();
        let i = lower.find("expires=")?;
        lower[i + 8..]
            .split(|ch: char| !ch.is_ascii_digit())
            .next()?
            .parse::<i32>()
            .ok()
    });
    from_param
        .or_else(|| m.header("Expires", 0).and_then(|e| e.trim().parse().ok()))
        .unwrap_or(asked as i32)
}

fn on_final(ctx_ptr: *mut TsxCtx, outcome: TsxOutcome) {
    // Shared borrow only: the impl token inside is written through a raw
    // pointer (its signature) by the token registry.
    // SAFETY: see the caller; the context outlives this call.
    let ctx = unsafe { &*ctx_ptr };
    let regc = ctx.regc.clone();
    if regc.destroyed.load(Ordering::Acquire) {
        return;
    }
    let msg = match outcome {
        TsxOutcome::TimedOut => {
            regc.callback(
                PJ_ETIMEDOUT,
                408,
                reason_phrase(408),
                std::ptr::null_mut(),
                -1,
                ctx.is_unreg,
            );
            return;
        }
        TsxOutcome::Response(m) => m,
    };
    let code = i32::from(msg.status_code().unwrap_or(500));
    let reason = msg.reason().unwrap_or("").to_string();
    let rdata = new_rx_data(msg.clone());
    if code == 401 || code == 407 {
        ctx.code.store(code, Ordering::Release);
        let glock = ctx.impl_token.grp_lock;
        let param = pjsip_auth_clt_async_on_chal_param {
            tdata: ctx.tdata.0,
            rdata,
            user_data: std::ptr::null_mut(),
        };
        // SAFETY: live lock (the transaction holds a reference); the session
        // lives as long as the regc; impl_token lives in ctx, which the token's
        // reference keeps alive.
        let st = unsafe {
            pj_grp_lock_add_ref(glock);
            pjsip_auth_clt_async_impl_on_challenge(
                regc.sess.0,
                std::ptr::addr_of_mut!((*ctx_ptr).impl_token),
                &param,
            )
        };
        if st != PJ_SUCCESS {
            // SAFETY: the reference taken above is ours again.
            unsafe { pj_grp_lock_dec_ref(glock) };
            // EIGNORED / EINVALIDOP: the synchronous path, as PJSIP's sip_reg.c.
            // A failure (wrong password, stale count, no credential) ends the
            // registration with the 401/407: never a loop.
            let status = if st == PJ_EIGNORED || st == PJ_EINVALIDOP {
                let mut new_request = std::ptr::null_mut();
                // SAFETY: the regc's session, our rdata and the transaction's request.
                let st = unsafe {
                    pjsip_auth_clt_reinit_req(regc.sess.0, rdata, ctx.tdata.0, &mut new_request)
                };
                if st == PJ_SUCCESS {
                    status_of(resend(&regc, new_request))
                } else {
                    st
                }
            } else {
                st
            };
            if status != PJ_SUCCESS {
                regc.callback(status, code, &reason, rdata, -1, ctx.is_unreg);
            }
        }
    } else if (200..300).contains(&code) {
        let asked = regc.state.lock().expires;
        let exp = if ctx.is_unreg {
            0
        } else {
            expiration_of(&msg, asked)
        };
        regc.callback(PJ_SUCCESS, code, &reason, rdata, exp, ctx.is_unreg);
        schedule_refresh(&regc, exp, ctx.is_unreg);
    } else {
        regc.callback(PJ_SUCCESS, code, &reason, rdata, -1, ctx.is_unreg);
    }
    // SAFETY: made above, freed once.
    let _ = unsafe { free_rx_data(rdata) };
}

fn schedule_refresh(regc: &Arc<Regc>, exp: i32, is_unreg: bool) {
    let key = TimerKey::Internal(regc.refresh_key);
    regc.endpt.cancel(&key);
    if is_unreg || exp <= 0 || !regc.state.lock().autoreg {
        return;
    }
    let delay = Duration::from_secs((exp as u64).saturating_sub(5).max(1));
    let weak = Arc::downgrade(regc);
    let _ = regc.endpt.schedule(
        key,
        delay,
        Box::new(move || {
            if let Some(r) = weak.upgrade() {
                if !r.destroyed.load(Ordering::Acquire) {
                    if let Ok(m) = r.build(false) {
                        let _ = send_tdata(&r, new_request(&r, m));
                    }
                }
            }
        }),
    );
}

unsafe extern "C" fn regc_send_impl(
    _sess: *mut pjsip_auth_clt_sess,
    user_data: *mut c_void,
    new_request: *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: user_data is our ctx, alive while the token holds its reference.
        let ctx = unsafe { &*(user_data as *const TsxCtx) };
        let regc = ctx.regc.clone();
        if regc.destroyed.load(Ordering::Acquire) {
            // SAFETY: send_impl takes over the reference.
            let _ = unsafe { tx_data_dec_ref(new_request) };
            return PJ_EINVALIDOP;
        }
        status_of(resend(&regc, new_request))
    })
}

/// Sends an authenticated request (whose reference this takes over) as a new
/// transaction with the next CSeq.
fn resend(regc: &Arc<Regc>, new_request: *mut pjsip_tx_data) -> Result<()> {
    let cseq = {
        let mut s = regc.state.lock();
        s.cseq += 1;
        s.cseq
    };
    // SAFETY: a live tdata whose reference the caller handed over.
    unsafe { tx_data_ref(new_request) }?.with_msg(|m| m.set_cseq(cseq, "REGISTER"));
    send_tdata(regc, new_request)
}

unsafe extern "C" fn regc_abandon_impl(_sess: *mut pjsip_auth_clt_sess, user_data: *mut c_void) {
    guard((), || {
        // SAFETY: user_data is our ctx, alive while the token holds its reference.
        let ctx = unsafe { &*(user_data as *const TsxCtx) };
        let code = ctx.code.load(Ordering::Acquire);
        ctx.regc.callback(
            PJ_ECANCELLED,
            code,
            reason_phrase(code as u16),
            std::ptr::null_mut(),
            -1,
            ctx.is_unreg,
        );
    })
}

unsafe fn regc_ref<'a>(p: *mut pjsip_regc) -> Result<&'a Arc<Regc>> {
    // SAFETY: forwarded to the caller's promise.
    unsafe { try_ref(p) }.map(|r| &r.shared)
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
            unsafe { pjsip_auth_clt_init(sess, endpt, std::ptr::null_mut(), 0) };
            let shared = Arc::new(Regc {
                endpt: e.core.clone(),
                token: CPtr(token),
                cb,
                sess: CPtr(sess),
                me: Mutex::new(CPtr(std::ptr::null_mut())),
                state: Mutex::new(RegcState {
                    call_id: format!("{}@pjshim", random_hex(2)),
                    from_tag: random_hex(1),
                    ..Default::default()
                }),
                destroyed: AtomicBool::new(false),
                refresh_key: e.core.next_id() | (1 << 62),
            });
            let raw = Box::into_raw(Box::new(pjsip_regc {
                shared: shared.clone(),
            }));
            *shared.me.lock() = CPtr(raw);
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
            let srv = s(srv)?;
            let dest = uri_destination(&srv)?;
            let mut st = r.state.lock();
            st.srv = srv.trim_matches(|c| c == '<' || c == '>').to_string();
            st.from = s(from)?;
            st.to = s(to)?;
            st.contacts = contacts;
            st.expires = expires;
            st.dest = Some(dest);
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
        Ok(r) => unsafe { pjsip_auth_clt_set_credentials(r.sess.0, count, cred) },
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
        Ok(r) => unsafe { pjsip_auth_clt_set_prefs(r.sess.0, pref) },
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
        Ok(r) => r.sess.0,
        Err(_) => std::ptr::null_mut(),
    })
}

/// A new REGISTER as a tx_data, with the session's authorization added as
/// PJSIP's regc does (pjsip_auth_clt_init_req: the next nc for a realm already
/// answered, or an empty Authorization with `initial_auth`), so a refresh or
/// an unregister need not be challenged again.
fn new_request(r: &Regc, m: SipMessage) -> *mut pjsip_tx_data {
    let tdata = new_tx_data(m);
    // SAFETY: the regc's own session and a fresh tdata. A failure only means
    // no pre-emptive authorization: the request still goes out.
    let _ = unsafe { pjsip_auth_clt_init_req(r.sess.0, tdata) };
    tdata
}

fn make(
    regc: *mut pjsip_regc,
    unreg: bool,
    autoreg: Option<bool>,
    p_tdata: *mut *mut pjsip_tx_data,
) -> pj_status_t {
    status_of((|| {
        // SAFETY: a live regc, checked for NULL.
        let r = unsafe { regc_ref(regc) }?;
        if p_tdata.is_null() {
            return Err(Error::InvalidArg);
        }
        if let Some(a) = autoreg {
            r.state.lock().autoreg = a;
        }
        let m = r.build(unreg)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(p_tdata, new_request(r, m)) };
        Ok(())
    })())
}

/// Builds a REGISTER (CSeq incremented) into `*p_tdata` (reference count 1;
/// hand it to pjsip_regc_send()). `autoreg`: refresh before expiry after a 2xx.
/// PJ_EINVALIDOP before pjsip_regc_init() or without a transport.
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_register(
    regc: *mut pjsip_regc,
    autoreg: pj_bool_t,
    p_tdata: *mut *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        make(regc, false, Some(autoreg != PJ_FALSE), p_tdata)
    })
}

/// Builds an unregistration (Expires: 0) into `*p_tdata`; stops refreshes.
#[no_mangle]
pub unsafe extern "C" fn pjsip_regc_unregister(
    regc: *mut pjsip_regc,
    p_tdata: *mut *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || make(regc, true, Some(false), p_tdata))
}

/// Sends `tdata` as a new transaction (fresh Via branch), taking over its
/// reference whatever the outcome (except PJ_EINVAL for NULL arguments). The
/// callback reports the final result inside pjsip_endpt_handle_events().
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
            Ok(r) => status_of(send_tdata(r, tdata)),
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
        b.shared.destroyed.store(true, Ordering::Release);
        b.shared
            .endpt
            .cancel(&TimerKey::Internal(b.shared.refresh_key));
        // SAFETY: our session.
        unsafe { pjsip_auth_clt_deinit(b.shared.sess.0) };
        PJ_SUCCESS
    })
}
