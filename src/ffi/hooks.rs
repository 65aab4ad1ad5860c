//! Harness hooks for C test harnesses (`crate::hooks`): a random source and a
//! clock for byte-identical messages, send fault injection, and a log sink.
//! None is active by default; each is process-wide and may be set from any
//! thread, also while other threads use the library.

use super::cast::CPtr;
use super::panic::guard;
use super::status::PJ_SUCCESS;
use super::types::{pj_size_t, pj_status_t};
use crate::hooks;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::sync::Arc;

/// Fills `buf` with `len` bytes; `user_data` is the value given to
/// pjshim_set_random_source(). Called from any thread, with no library lock
/// held; it must fill every byte.
pub type pjshim_random_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, buf: *mut u8, len: pj_size_t)>;

/// Returns the time in seconds since the Unix epoch; `user_data` is the value
/// given to pjshim_set_time_source().
pub type pjshim_time_cb = Option<unsafe extern "C" fn(user_data: *mut c_void) -> u64>;

/// Receives one log event: `level` 1 (error) .. 6 (trace), `data` the message
/// (`len` bytes, also NUL-terminated, no trailing newline; valid only during
/// the call). Called from any thread, with no library lock held.
pub type pjshim_log_cb =
    Option<unsafe extern "C" fn(level: c_int, data: *const c_char, len: c_int)>;

/// Makes every random byte that reaches a message come from `cb`: client
/// nonces, Via branches, From/To tags, Call-IDs, and the embedded server's
/// opaque values and nonce key (drawn once, at the first server challenge of
/// the process: set the source before it). With pjshim_set_time_source() as
/// well, two runs of the same exchange print byte-identical messages.
/// A NULL `cb` restores the default source. Thread-safe; the default path
/// costs one atomic load per draw. Returns PJ_SUCCESS.
#[no_mangle]
pub extern "C" fn pjshim_set_random_source(
    cb: pjshim_random_cb,
    user_data: *mut c_void,
) -> pj_status_t {
    guard(PJ_SUCCESS, || {
        let ud = CPtr(user_data);
        hooks::random::set(cb.map(|f| {
            Arc::new(move |buf: &mut [u8]| {
                let ud = ud;
                // SAFETY: the harness's callback with its own user_data and a buffer of len bytes.
                unsafe { f(ud.0, buf.as_mut_ptr(), buf.len()) }
            }) as hooks::random::Source
        }));
        PJ_SUCCESS
    })
}

/// Makes the wall-clock time the library puts in messages (the embedded
/// server's nonce timestamps, and the age check of those nonces in
/// pjsip_auth_srv_verify()) come from `cb`. NULL restores the system clock.
/// Thread-safe. Returns PJ_SUCCESS.
#[no_mangle]
pub extern "C" fn pjshim_set_time_source(
    cb: pjshim_time_cb,
    user_data: *mut c_void,
) -> pj_status_t {
    guard(PJ_SUCCESS, || {
        let ud = CPtr(user_data);
        hooks::clock::set(cb.map(|f| {
            Arc::new(move || {
                let ud = ud;
                // SAFETY: the harness's callback with its own user_data.
                unsafe { f(ud.0) }
            }) as hooks::clock::Clock
        }));
        PJ_SUCCESS
    })
}

/// Makes the next `n` sends fail as if the transport had refused them with
/// `status`: each of the next `n` calls of pjsip_auth_clt_async_send_req()
/// with a live token consumes the token, does not call the owner's send_impl,
/// releases `new_request` (which send_impl would have taken over), drops the
/// token's group lock reference, and returns `status`. `n` 0 disarms.
/// Process-wide; `PJ_EINVAL` for a `status` of PJ_SUCCESS with `n` > 0.
#[no_mangle]
pub extern "C" fn pjshim_transport_fail_next(n: c_uint, status: pj_status_t) -> pj_status_t {
    guard(PJ_SUCCESS, || {
        if n > 0 && status == PJ_SUCCESS {
            return super::status::to_status(crate::status::Error::InvalidArg);
        }
        hooks::fault::fail_next(n, status);
        PJ_SUCCESS
    })
}

/// Sends still armed to fail by pjshim_transport_fail_next().
#[no_mangle]
pub extern "C" fn pjshim_transport_fail_pending() -> c_uint {
    guard(0, hooks::fault::pending)
}

/// Sends the library's notable events up to `level` to `cb`, with PJ_LOG's
/// levels: 1 error, 2 warning (credentials refused, send failures),
/// 3 info, 4 debug (challenge received, token issued, sent, abandoned,
/// declined or revoked), 5 detail, 6 trace. Nothing is logged by default;
/// a NULL `cb` or `level` <= 0 turns logging off. Thread-safe. Returns
/// PJ_SUCCESS.
#[no_mangle]
pub extern "C" fn pjshim_set_log_cb(level: c_int, cb: pjshim_log_cb) -> pj_status_t {
    guard(PJ_SUCCESS, || {
        let level = u8::try_from(level.clamp(0, 6)).unwrap_or(0);
        hooks::log::set(
            level,
            cb.map(|f| {
                Arc::new(move |lvl: u8, msg: &str| {
                    let mut text = Vec::with_capacity(msg.len() + 1);
                    text.extend_from_slice(msg.as_bytes());
                    text.push(0);
                    let len = c_int::try_from(msg.len()).unwrap_or(c_int::MAX);
                    // SAFETY: the harness's callback; text is NUL-terminated and outlives the call.
                    unsafe { f(c_int::from(lvl), text.as_ptr() as *const c_char, len) }
                }) as hooks::log::Sink
            }),
        );
        PJ_SUCCESS
    })
}
