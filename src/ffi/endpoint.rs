//! The SIP endpoint for C (pjsip_endpoint): creation, pools, the event loop,
//! and the UDP transport, over the core `endpoint` module. Timers are in
//! `ffi::timer`.
//!
//! A `pjsip_endpoint *` is a box holding an `Arc` of the core endpoint, so
//! objects built on it (registration clients, transactions) keep the core
//! alive after pjsip_endpt_destroy(); destroy stops the socket and drops
//! every pending timer.

use super::cast::{cstr_bytes, try_ref, write_out};
use super::panic::guard;
use super::pool::{pj_pool_create, pj_pool_factory, pj_pool_release, pj_pool_t};
use super::status::{status_of, to_status, PJ_EBUG, PJ_SUCCESS};
use super::types::{pj_size_t, pj_status_t, pj_time_val};
use crate::endpoint::Endpoint;
use crate::status::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::raw::{c_char, c_uint};
use std::sync::Arc;
use std::time::Duration;

/// A SIP endpoint (opaque): a timer heap, at most one UDP transport, and the
/// event loop (pjsip_endpt_handle_events()) that runs both.
///
/// Methods: pjsip_endpt_create_pool(), pjsip_endpt_release_pool(),
/// pjsip_endpt_handle_events(), pjsip_endpt_schedule_timer(),
/// pjsip_endpt_cancel_timer(), pjshim_udp_transport_start(),
/// pjshim_endpt_set_request_handler(), pjshim_endpt_respond().
/// To avoid a leak, it must eventually be freed with pjsip_endpt_destroy().
pub struct pjsip_endpoint {
    pub(crate) core: Arc<Endpoint>,
    factory: *mut pj_pool_factory,
}

/// Default wait of pjsip_endpt_handle_events() with a NULL timeout.
const DEFAULT_WAIT: Duration = Duration::from_millis(10);

/// The endpoint behind a C pointer, or `InvalidArg` for NULL.
///
/// # Safety
/// A non-NULL `p` must come from pjsip_endpt_create() and not be destroyed during 'a.
pub(crate) unsafe fn endpt_ref<'a>(p: *const pjsip_endpoint) -> Result<&'a pjsip_endpoint> {
    // SAFETY: forwarded to the caller's promise.
    unsafe { try_ref(p) }
}

/// The core endpoint behind a C one, for Rust code that drives the C API
/// and needs the core's test knobs (`Endpoint::set_fault_plan`). Not a C
/// export. `None` for NULL.
///
/// # Safety
/// A non-NULL `endpt` must come from pjsip_endpt_create() and not be destroyed.
pub unsafe fn core_endpoint(endpt: *const pjsip_endpoint) -> Option<Arc<Endpoint>> {
    // SAFETY: forwarded to the caller's promise.
    unsafe { endpt_ref(endpt) }.ok().map(|e| e.core.clone())
}

/// A duration from a `pj_time_val`; `InvalidArg` when negative.
pub(crate) fn duration_of(t: &pj_time_val) -> Result<Duration> {
    if t.sec < 0 || t.msec < 0 {
        return Err(Error::InvalidArg);
    }
    Ok(Duration::from_secs(t.sec as u64) + Duration::from_millis(t.msec as u64))
}

/// Creates an endpoint. `pf` is the pool factory pools are made from
/// (normally `&cp.factory` of a pj_caching_pool, which must outlive the
/// endpoint); `name` may be NULL. On success writes the endpoint to `*endpt`.
/// Returns PJ_EINVAL when `pf` or `endpt` is NULL (nothing written).
#[no_mangle]
pub unsafe extern "C" fn pjsip_endpt_create(
    pf: *mut pj_pool_factory,
    name: *const c_char,
    endpt: *mut *mut pjsip_endpoint,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        if pf.is_null() || endpt.is_null() {
            return to_status(Error::InvalidArg);
        }
        let name = if name.is_null() {
            "endpt".to_string()
        } else {
            // SAFETY: a non-NULL name is NUL-terminated (caller's promise).
            match unsafe { cstr_bytes(name) } {
                Ok(b) => String::from_utf8_lossy(b).into_owned(),
                Err(e) => return to_status(e),
            }
        };
        let boxed = Box::new(pjsip_endpoint {
            core: Endpoint::new(&name),
            factory: pf,
        });
        // SAFETY: checked non-NULL; writable by the caller's promise.
        unsafe { write_out(endpt, Box::into_raw(boxed)) };
        PJ_SUCCESS
    })
}

/// Destroys an endpoint: closes its transport and drops every pending timer
/// (application timer entries are simply forgotten, not called). Destroy the
/// registration clients made on it first. NULL is ignored. Must not run while
/// another thread is inside pjsip_endpt_handle_events() on it.
#[no_mangle]
pub unsafe extern "C" fn pjsip_endpt_destroy(endpt: *mut pjsip_endpoint) {
    guard((), || {
        if endpt.is_null() {
            return;
        }
        // SAFETY: from Box::into_raw in pjsip_endpt_create, destroyed once
        // (caller's promise).
        let boxed = unsafe { Box::from_raw(endpt) };
        boxed.core.shutdown();
    })
}

/// Creates a pool from the endpoint's pool factory (see pj_pool_create()).
/// Release it with pjsip_endpt_release_pool() or pj_pool_release().
/// Returns NULL when `endpt` is NULL or the factory is gone.
#[no_mangle]
pub unsafe extern "C" fn pjsip_endpt_create_pool(
    endpt: *mut pjsip_endpoint,
    pool_name: *const c_char,
    initial: pj_size_t,
    increment: pj_size_t,
) -> *mut pj_pool_t {
    guard(std::ptr::null_mut(), || {
        // SAFETY: a live endpoint (caller's promise), checked for NULL.
        match unsafe { endpt_ref(endpt) } {
            // SAFETY: the factory given at creation outlives the endpoint (documented).
            Ok(e) => unsafe { pj_pool_create(e.factory, pool_name, initial, increment, None) },
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// Releases a pool made with pjsip_endpt_create_pool(). NULL pool is ignored.
#[no_mangle]
pub unsafe extern "C" fn pjsip_endpt_release_pool(
    endpt: *mut pjsip_endpoint,
    pool: *mut pj_pool_t,
) {
    let _ = endpt;
    guard((), || {
        // SAFETY: a live pool of this endpoint (caller's promise).
        unsafe { pj_pool_release(pool) }
    })
}

/// Runs due timers and received messages on the calling thread, waiting up to
/// `max_timeout` (NULL: 10 ms) for something to happen; returns early once
/// something ran. Callbacks (timers, request handler, registration callbacks)
/// run on this thread, with no library lock held. Several threads may call it.
/// Returns PJ_SUCCESS, or PJ_EINVAL for a NULL endpoint or a negative timeout.
#[no_mangle]
pub unsafe extern "C" fn pjsip_endpt_handle_events(
    endpt: *mut pjsip_endpoint,
    max_timeout: *const pj_time_val,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a live endpoint (caller's promise), checked for NULL.
            let e = unsafe { endpt_ref(endpt) }?;
            // SAFETY: a non-NULL timeout is readable (caller's promise).
            let wait = match unsafe { max_timeout.as_ref() } {
                Some(t) => duration_of(t)?,
                None => DEFAULT_WAIT,
            };
            let core = e.core.clone();
            core.handle_events(wait);
            Ok(())
        })())
    })
}

/// Starts the endpoint's UDP transport on `bind_addr` (an IPv4 or IPv6
/// literal; NULL means 127.0.0.1) and `port` (0: an ephemeral port). On
/// success writes the bound port to `*bound_port` if it is not NULL.
/// Received requests go to the request handler
/// (pjshim_endpt_set_request_handler()), responses to client transactions.
/// Returns PJ_EINVAL for a NULL endpoint, a bad address or a port above
/// 65535; PJ_EEXISTS when the endpoint has a transport already or the address
/// is in use.
#[no_mangle]
pub unsafe extern "C" fn pjshim_udp_transport_start(
    endpt: *mut pjsip_endpoint,
    bind_addr: *const c_char,
    port: c_uint,
    bound_port: *mut c_uint,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        let result = (|| {
            // SAFETY: a live endpoint (caller's promise), checked for NULL.
            let e = unsafe { endpt_ref(endpt) }?;
            let ip = if bind_addr.is_null() {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            } else {
                // SAFETY: a non-NULL address is NUL-terminated (caller's promise).
                let text = unsafe { cstr_bytes(bind_addr) }?;
                std::str::from_utf8(text)
                    .ok()
                    .and_then(|s| s.parse::<IpAddr>().ok())
                    .ok_or(Error::InvalidArg)?
            };
            let port = u16::try_from(port).map_err(|_| Error::InvalidArg)?;
            e.core.start_udp(SocketAddr::new(ip, port))
        })();
        match result {
            Ok(local) => {
                if !bound_port.is_null() {
                    // SAFETY: non-NULL and writable (caller's promise).
                    unsafe { write_out(bound_port, c_uint::from(local.port())) };
                }
                PJ_SUCCESS
            }
            Err(e) => to_status(e),
        }
    })
}

/// Sets the request handler of the server role (NULL `cb` removes it).
///
/// Each received request (one that parses and has Via, From, To, Call-ID and
/// CSeq) is handed to `cb(rdata, user_data)` inside
/// pjsip_endpt_handle_events(), with no library lock held. `rdata` is valid
/// during the call only (keep a copy with pjsip_rx_data_clone()). Return
/// PJ_TRUE when handled; on PJ_FALSE (or without a handler) the endpoint
/// answers 501 Not Implemented (never to ACK). Returns PJ_EINVAL for a NULL
/// endpoint.
#[no_mangle]
pub unsafe extern "C" fn pjshim_endpt_set_request_handler(
    endpt: *mut pjsip_endpoint,
    cb: Option<
        unsafe extern "C" fn(
            rdata: *mut super::msg::pjsip_rx_data,
            user_data: *mut std::os::raw::c_void,
        ) -> super::types::pj_bool_t,
    >,
    user_data: *mut std::os::raw::c_void,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a live endpoint (caller's promise), checked for NULL.
            let e = unsafe { endpt_ref(endpt) }?;
            let handler: Option<crate::endpoint::RequestHandler> = cb.map(|cb| {
                let ud = super::cast::CPtr(user_data);
                let h: crate::endpoint::RequestHandler =
                    Arc::new(move |inc: &crate::endpoint::Incoming| {
                        let ud = ud;
                        let rdata = super::msg::new_rx_data(inc.msg.clone());
                        // SAFETY: the application's handler with a live rdata
                        // and its own user_data; no library lock is held.
                        let handled = unsafe { cb(rdata, ud.0) };
                        // SAFETY: made above, freed once, not used afterwards.
                        let _ = unsafe { super::msg::free_rx_data(rdata) };
                        handled != super::types::PJ_FALSE
                    });
                h
            });
            e.core.set_request_handler(handler);
            Ok(())
        })())
    })
}

/// Sends `response` (for example from pjshim_tx_data_create_response()) to
/// where `request` came from: the source address of a recently received
/// request with the same Via branch, Call-ID and CSeq, else the request's top
/// Via (received/rport, or sent-by). Sent once, without a server transaction
/// (no retransmission). The caller keeps its reference on `response` (drop
/// it with pjsip_tx_data_dec_ref()). Any thread. Returns PJ_EINVAL for NULL
/// arguments, PJSIP_ENOTREQUESTMSG when `request` is a response,
/// PJ_EINVALIDOP when the endpoint has no transport.
#[no_mangle]
pub unsafe extern "C" fn pjshim_endpt_respond(
    endpt: *mut pjsip_endpoint,
    request: *const super::msg::pjsip_rx_data,
    response: *mut super::msg::pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: live objects of the caller, checked for NULL.
            let (e, req, resp) = unsafe {
                (
                    endpt_ref(endpt)?,
                    super::msg::rx_data_ref(request)?,
                    super::msg::tx_data_ref(response)?,
                )
            };
            if !req.msg().is_request() {
                return Err(Error::NotRequestMsg);
            }
            let msg = resp.with_msg(|m| m.clone());
            e.core.respond(req.msg(), &msg)
        })())
    })
}
