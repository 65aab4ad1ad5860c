//! SIP messages for C: pjsip_tx_data, pjsip_rx_data and the pjshim_ message helpers.
//!
//! A `pjsip_tx_data` is a message to send: heap allocated, atomically
//! reference counted, its message behind a mutex because a challenge callback
//! on one thread and a deferred send on another may both touch it. A
//! `pjsip_rx_data` is a received message: immutable once created, freed
//! with `pjsip_rx_data_free_cloned`. Both wrap the safe core `sip::SipMessage`.
//!
//! Crate-internal access for the other C areas (auth, endpoint):
//! `new_tx_data`, `tx_data_ref`, `pjsip_tx_data::with_msg`,
//! `pjsip_tx_data::add_ref`, `tx_data_dec_ref`, `new_rx_data`,
//! `rx_data_ref`, `pjsip_rx_data::msg`, `free_rx_data`.

use super::cast::{buf_bytes, cstr_bytes, try_ref, write_out};
use super::panic::guard;
use super::status::{status_of, to_status, PJ_EBUG, PJ_SUCCESS};
use super::types::{pj_size_t, pj_ssize_t, pj_status_t, pj_str_t};
use crate::sip::SipMessage;
use crate::status::{Error, Result};
use parking_lot::Mutex;
use std::os::raw::{c_char, c_int, c_uint};
use std::sync::atomic::{fence, AtomicUsize, Ordering};

/// A message to send (opaque), reference counted.
///
/// Created with reference count 1 by pjshim_tx_data_parse() or
/// pjshim_tx_data_create_response(); pjsip_tx_data_add_ref() adds one,
/// pjsip_tx_data_dec_ref() drops one and frees it when the last one goes.
/// Every function on it may be called from any thread; its message is
/// protected by an internal lock.
pub struct pjsip_tx_data {
    refs: AtomicUsize,
    msg: Mutex<SipMessage>,
}

/// A received message (opaque), immutable.
///
/// Created by pjshim_rx_data_parse() or pjsip_rx_data_clone(), freed with
/// pjsip_rx_data_free_cloned(). Any number of threads may read it at once;
/// freeing it must not race with any other use.
pub struct pjsip_rx_data {
    msg: SipMessage,
}

// ---- crate-internal API --------------------------------------------------

impl pjsip_tx_data {
    /// Runs `f` on the message with its lock held. Do not call into C (or
    /// anything that may lock this tx_data again) inside `f`.
    pub(crate) fn with_msg<R>(&self, f: impl FnOnce(&mut SipMessage) -> R) -> R {
        f(&mut self.msg.lock())
    }

    /// Adds a reference (the caller then owns one more `tx_data_dec_ref`).
    pub(crate) fn add_ref(&self) {
        self.refs.fetch_add(1, Ordering::Relaxed);
    }

    /// The current reference count (a snapshot, for tests and assertions).
    #[allow(dead_code)]
    pub(crate) fn ref_count(&self) -> usize {
        self.refs.load(Ordering::Relaxed)
    }
}

impl pjsip_rx_data {
    /// The message.
    #[allow(dead_code)]
    pub(crate) fn msg(&self) -> &SipMessage {
        &self.msg
    }
}

/// A new tx_data holding `msg`, reference count 1. Freed by the last
/// [`tx_data_dec_ref`] (or `pjsip_tx_data_dec_ref` from C).
pub(crate) fn new_tx_data(msg: SipMessage) -> *mut pjsip_tx_data {
    Box::into_raw(Box::new(pjsip_tx_data {
        refs: AtomicUsize::new(1),
        msg: Mutex::new(msg),
    }))
}

/// Borrows a tx_data from C; `InvalidArg` for NULL.
///
/// # Safety
/// A non-NULL `p` must come from [`new_tx_data`] and hold a reference for `'a`.
pub(crate) unsafe fn tx_data_ref<'a>(p: *const pjsip_tx_data) -> Result<&'a pjsip_tx_data> {
    // SAFETY: forwarded to the caller's promise.
    unsafe { try_ref(p) }
}

/// Drops one reference; `Ok(true)` when this call freed the tx_data.
/// `InvalidArg` for NULL.
///
/// # Safety
/// A non-NULL `p` must come from [`new_tx_data`], and the caller must own the
/// reference it drops (the pointer must not be used afterwards unless another
/// reference is held).
pub(crate) unsafe fn tx_data_dec_ref(p: *const pjsip_tx_data) -> Result<bool> {
    // SAFETY: forwarded to the caller's promise.
    let t = unsafe { tx_data_ref(p) }?;
    if t.refs.fetch_sub(1, Ordering::Release) != 1 {
        return Ok(false);
    }
    // Every other owner's last use happens before this free.
    fence(Ordering::Acquire);
    // SAFETY: the pointer came from Box::into_raw in new_tx_data, and this was
    // the last reference, so no one else can use it any more.
    drop(unsafe { Box::from_raw(p as *mut pjsip_tx_data) });
    Ok(true)
}

/// A new rx_data holding `msg`; freed by [`free_rx_data`] (or
/// `pjsip_rx_data_free_cloned` from C).
pub(crate) fn new_rx_data(msg: SipMessage) -> *mut pjsip_rx_data {
    Box::into_raw(Box::new(pjsip_rx_data { msg }))
}

/// Borrows an rx_data from C; `InvalidArg` for NULL.
///
/// # Safety
/// A non-NULL `p` must come from [`new_rx_data`] and not be freed during `'a`.
pub(crate) unsafe fn rx_data_ref<'a>(p: *const pjsip_rx_data) -> Result<&'a pjsip_rx_data> {
    // SAFETY: forwarded to the caller's promise.
    unsafe { try_ref(p) }
}

/// Frees an rx_data; `InvalidArg` for NULL.
///
/// # Safety
/// A non-NULL `p` must come from [`new_rx_data`], not already freed, and not
/// be used afterwards.
pub(crate) unsafe fn free_rx_data(p: *mut pjsip_rx_data) -> Result<()> {
    if p.is_null() {
        return Err(Error::InvalidArg);
    }
    // SAFETY: non-NULL and from Box::into_raw in new_rx_data (caller's promise).
    drop(unsafe { Box::from_raw(p) });
    Ok(())
}

// ---- helpers for the exports ---------------------------------------------

/// Copies `bytes` to a C buffer: `TooBig` (with `*len` set to the size
/// needed) if it does not fit, else the bytes, a NUL when there is room, and
/// `*len` = their count.
///
/// # Safety
/// `len` non-NULL and writable; a non-NULL `buf` writable for `size` bytes.
unsafe fn copy_out(
    bytes: &[u8],
    buf: *mut c_char,
    size: pj_size_t,
    len: *mut pj_size_t,
) -> Result<()> {
    // SAFETY: the caller checked len.
    unsafe { write_out(len, bytes.len()) };
    if bytes.len() > size {
        return Err(Error::TooBig);
    }
    if size == 0 {
        return Ok(()); // nothing to copy, and buf may be NULL
    }
    // SAFETY: buf is non-NULL (checked by the callers when size > 0) and
    // writable for size >= bytes.len() bytes; Rust memory never overlaps it.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf as *mut u8, bytes.len());
        if bytes.len() < size {
            *buf.add(bytes.len()) = 0;
        }
    }
    Ok(())
}

/// Checks the arguments of the print functions.
fn check_print_args(buf: *mut c_char, size: pj_size_t, len: *mut pj_size_t) -> Result<()> {
    if len.is_null() || (buf.is_null() && size > 0) {
        return Err(Error::InvalidArg);
    }
    Ok(())
}

/// Looks up a header for the get_hdr functions.
///
/// # Safety
/// A non-NULL `name` must be a NUL-terminated string.
unsafe fn find_hdr(msg: &SipMessage, name: *const c_char, index: c_uint) -> Result<&str> {
    // SAFETY: forwarded to the caller's promise.
    let name = unsafe { cstr_bytes(name) }?;
    let name = std::str::from_utf8(name).map_err(|_| Error::InvalidArg)?;
    msg.header(name, index as usize).ok_or(Error::NotFound)
}

/// A pj_str_t viewing a header value held by a message.
fn view(value: &str) -> pj_str_t {
    pj_str_t {
        ptr: value.as_ptr() as *mut c_char,
        slen: value.len() as pj_ssize_t,
    }
}

// ---- exports: pjsip_tx_data ------------------------------------------------

/// Adds a reference to `tdata`; each reference is released with
/// pjsip_tx_data_dec_ref().
///
/// Returns PJ_SUCCESS, or PJ_EINVAL if `tdata` is NULL. Thread-safe (atomic).
#[no_mangle]
pub unsafe extern "C" fn pjsip_tx_data_add_ref(tdata: *mut pjsip_tx_data) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL tdata is a live tx_data on which the caller holds a reference.
        status_of(unsafe { tx_data_ref(tdata) }.map(pjsip_tx_data::add_ref))
    })
}

/// Releases one reference to `tdata`; the last one frees it (after which
/// `tdata` must not be used).
///
/// Returns PJSIP_EBUFDESTROYED when this call freed it, PJ_SUCCESS when other
/// references remain, PJ_EINVAL if `tdata` is NULL. Thread-safe (atomic).
#[no_mangle]
pub unsafe extern "C" fn pjsip_tx_data_dec_ref(tdata: *mut pjsip_tx_data) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL tdata is a live tx_data and the caller owns the reference dropped.
        match unsafe { tx_data_dec_ref(tdata) } {
            Ok(true) => to_status(Error::BufDestroyed),
            Ok(false) => PJ_SUCCESS,
            Err(e) => to_status(e),
        }
    })
}

/// Parses `len` bytes at `buf` (not NUL-terminated) into a message to send,
/// with reference count 1, stored in `*p`; release it with
/// pjsip_tx_data_dec_ref(). `buf` is only read during the call.
///
/// The required headers are not checked (a message being built may lack
/// them). Returns PJ_SUCCESS; PJ_EINVAL if `p` is NULL or `buf` is NULL with a
/// non-zero `len`; PJSIP_EINVALIDMSG for a bad start line or structure (also
/// for empty input); PJSIP_EINVALIDHDR for a malformed header;
/// PJSIP_EMSGTOOLONG above 64 KiB. `*p` is written only on success.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_tx_data_parse(
    buf: *const c_char,
    len: pj_size_t,
    p: *mut *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            if p.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: the caller promises len readable bytes at a non-NULL buf.
            let bytes = unsafe { buf_bytes(buf, len) }?;
            let msg = SipMessage::parse(bytes)?;
            // SAFETY: p is non-NULL and, by the caller's promise, writable.
            unsafe { write_out(p, new_tx_data(msg)) };
            Ok(())
        })())
    })
}

/// Builds a response to the request `request` with status `code` (100-699)
/// and `reason` (a NUL-terminated string copied; NULL for the standard
/// phrase): its Via headers, From, To (a random `tag` added when it has
/// none), Call-ID and CSeq copied, and `Content-Length: 0`. The new message
/// has reference count 1 and is stored in `*p`; release it with
/// pjsip_tx_data_dec_ref().
///
/// Returns PJ_SUCCESS; PJ_EINVAL if `request` or `p` is NULL, `code` is out of
/// range, or `reason` has control characters or is not UTF-8;
/// PJSIP_ENOTREQUESTMSG if `request` is a response. `*p` is written only on
/// success. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_tx_data_create_response(
    request: *const pjsip_rx_data,
    code: c_int,
    reason: *const c_char,
    p: *mut *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a non-NULL request is a live rx_data (caller's promise).
            let request = unsafe { rx_data_ref(request) }?;
            if p.is_null() {
                return Err(Error::InvalidArg);
            }
            let reason = if reason.is_null() {
                None
            } else {
                // SAFETY: non-NULL, NUL-terminated by the caller's promise.
                let r = unsafe { cstr_bytes(reason) }?;
                Some(std::str::from_utf8(r).map_err(|_| Error::InvalidArg)?)
            };
            let code = u16::try_from(code).map_err(|_| Error::InvalidArg)?;
            let msg = SipMessage::response_to(&request.msg, code, reason)?;
            // SAFETY: p is non-NULL and, by the caller's promise, writable.
            unsafe { write_out(p, new_tx_data(msg)) };
            Ok(())
        })())
    })
}

/// Prints `tdata` as it would be sent: the start line, the headers in order,
/// Content-Length set to the body's length, a blank line and the body.
///
/// If the top Via has no `branch`, a fresh random one (`z9hG4bK...`) is
/// generated and kept in the message, so every later print is the same.
///
/// Writes the bytes to `buf` (room for `size` bytes), followed by a NUL when
/// there is room for it, and their count (without the NUL) to `*len`.
/// Returns PJ_SUCCESS; PJ_ETOOBIG if they do not fit, with `*len` set to the
/// size needed and `buf` untouched (pass `buf` NULL and `size` 0 to ask for
/// the size); PJ_EINVAL if `tdata` or `len` is NULL, or `buf` is NULL with a
/// non-zero `size` (then nothing is written). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_tx_data_print(
    tdata: *const pjsip_tx_data,
    buf: *mut c_char,
    size: pj_size_t,
    len: *mut pj_size_t,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a non-NULL tdata is a live tx_data (caller's promise).
            let tdata = unsafe { tx_data_ref(tdata) }?;
            check_print_args(buf, size, len)?;
            let bytes = tdata.with_msg(|m| {
                m.ensure_top_via_branch();
                m.to_bytes()
            });
            // SAFETY: arguments checked above; the caller promises size bytes at buf.
            unsafe { copy_out(&bytes, buf, size, len) }
        })())
    })
}

/// Finds the `index`-th (from 0) header called `name` (a NUL-terminated
/// string; case-insensitive, compact forms such as "v" match full names such
/// as "Via" and the other way round) and stores its value, without the name
/// and surrounding whitespace, in `*value`.
///
/// `value->ptr` points into the message, not NUL-terminated: valid until the
/// message is modified (by any thread, for example by
/// pjsip_auth_clt_reinit_req(), or by pjshim_tx_data_print() giving the top
/// Via a branch) or freed. Returns PJ_SUCCESS; PJ_ENOTFOUND
/// when there is no such header; PJ_EINVAL if `tdata`, `name` or `value` is
/// NULL or `name` is not UTF-8. `*value` is written only on success.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_tx_data_get_hdr(
    tdata: *const pjsip_tx_data,
    name: *const c_char,
    index: c_uint,
    value: *mut pj_str_t,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a non-NULL tdata is a live tx_data (caller's promise).
            let tdata = unsafe { tx_data_ref(tdata) }?;
            if value.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: a non-NULL name is NUL-terminated (caller's promise).
            let found = tdata.with_msg(|m| unsafe { find_hdr(m, name, index) }.map(view))?;
            // SAFETY: value is non-NULL and writable (caller's promise).
            unsafe { write_out(value, found) };
            Ok(())
        })())
    })
}

/// The status code of `tdata` if it is a response; 0 for a request or NULL.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_tx_data_get_status(tdata: *const pjsip_tx_data) -> c_int {
    guard(0, || {
        // SAFETY: a non-NULL tdata is a live tx_data (caller's promise).
        unsafe { tx_data_ref(tdata) }
            .ok()
            .and_then(|t| t.with_msg(|m| m.status_code()))
            .map_or(0, c_int::from)
    })
}

// ---- exports: pjsip_rx_data ------------------------------------------------

/// Parses `len` bytes at `buf` (not NUL-terminated) as a received request or
/// response, stored in `*p`; free it with pjsip_rx_data_free_cloned(). `buf`
/// is only read during the call.
///
/// Returns PJ_SUCCESS; PJ_EINVAL if `p` is NULL or `buf` is NULL with a
/// non-zero `len`; PJSIP_EINVALIDMSG for a bad start line or structure (also
/// for empty input); PJSIP_EINVALIDHDR for a malformed header;
/// PJSIP_EMISSINGHDR when Via, From, To, Call-ID or CSeq is absent;
/// PJSIP_EMSGTOOLONG above 64 KiB. `*p` is written only on success.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_rx_data_parse(
    buf: *const c_char,
    len: pj_size_t,
    p: *mut *mut pjsip_rx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            if p.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: the caller promises len readable bytes at a non-NULL buf.
            let bytes = unsafe { buf_bytes(buf, len) }?;
            let msg = SipMessage::parse(bytes)?;
            msg.check_mandatory()?;
            // SAFETY: p is non-NULL and, by the caller's promise, writable.
            unsafe { write_out(p, new_rx_data(msg)) };
            Ok(())
        })())
    })
}

/// Makes an independent copy of `src` in `*p_rdata`, to keep a received
/// message beyond a callback; free it with pjsip_rx_data_free_cloned().
/// `flags` is accepted for PJSIP compatibility and ignored (pass 0).
///
/// Returns PJ_SUCCESS, or PJ_EINVAL if `src` or `p_rdata` is NULL (then
/// nothing is written). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjsip_rx_data_clone(
    src: *const pjsip_rx_data,
    flags: c_uint,
    p_rdata: *mut *mut pjsip_rx_data,
) -> pj_status_t {
    let _ = flags;
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a non-NULL src is a live rx_data (caller's promise).
            let src = unsafe { rx_data_ref(src) }?;
            if p_rdata.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: p_rdata is non-NULL and, by the caller's promise, writable.
            unsafe { write_out(p_rdata, new_rx_data(src.msg.clone())) };
            Ok(())
        })())
    })
}

/// Frees an rx_data made by pjshim_rx_data_parse() or pjsip_rx_data_clone();
/// it must not be used afterwards, nor freed twice.
///
/// Returns PJ_SUCCESS, or PJ_EINVAL if `rdata` is NULL. Must not race with
/// another use of the same rx_data.
#[no_mangle]
pub unsafe extern "C" fn pjsip_rx_data_free_cloned(rdata: *mut pjsip_rx_data) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL rdata is a live rx_data the caller gives up (caller's promise).
        status_of(unsafe { free_rx_data(rdata) })
    })
}

/// Like pjshim_tx_data_get_hdr() for a received message; `value->ptr` points
/// into `rdata` and is valid until it is freed. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_rx_data_get_hdr(
    rdata: *const pjsip_rx_data,
    name: *const c_char,
    index: c_uint,
    value: *mut pj_str_t,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a non-NULL rdata is a live rx_data (caller's promise).
            let rdata = unsafe { rx_data_ref(rdata) }?;
            if value.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: a non-NULL name is NUL-terminated (caller's promise).
            let found = view(unsafe { find_hdr(&rdata.msg, name, index) }?);
            // SAFETY: value is non-NULL and writable (caller's promise).
            unsafe { write_out(value, found) };
            Ok(())
        })())
    })
}

/// The status code of `rdata` if it is a response; 0 for a request or NULL.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_rx_data_get_status(rdata: *const pjsip_rx_data) -> c_int {
    guard(0, || {
        // SAFETY: a non-NULL rdata is a live rx_data (caller's promise).
        unsafe { rx_data_ref(rdata) }
            .ok()
            .and_then(|r| r.msg.status_code())
            .map_or(0, c_int::from)
    })
}

/// Prints `rdata` like pjshim_tx_data_print() (Content-Length recomputed,
/// CRLF line ends; nothing is generated or changed). Same buffer rules and
/// status codes; PJ_EINVAL if `rdata` or `len` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pjshim_rx_data_print(
    rdata: *const pjsip_rx_data,
    buf: *mut c_char,
    size: pj_size_t,
    len: *mut pj_size_t,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a non-NULL rdata is a live rx_data (caller's promise).
            let rdata = unsafe { rx_data_ref(rdata) }?;
            check_print_args(buf, size, len)?;
            // SAFETY: arguments checked above; the caller promises size bytes at buf.
            unsafe { copy_out(&rdata.msg.to_bytes(), buf, size, len) }
        })())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::status::PJSIP_EBUFDESTROYED;

    const REQ: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";

    #[test]
    fn refcount_frees_on_last_reference() {
        let t = new_tx_data(SipMessage::parse(REQ).unwrap());
        unsafe {
            assert_eq!(pjsip_tx_data_add_ref(t), PJ_SUCCESS);
            assert_eq!((*t).ref_count(), 2);
            assert_eq!(pjsip_tx_data_dec_ref(t), PJ_SUCCESS);
            assert_eq!(pjsip_tx_data_dec_ref(t), PJSIP_EBUFDESTROYED);
        }
    }

    #[test]
    fn racing_threads_share_one_tx_data() {
        struct Ptr(*mut pjsip_tx_data);
        // SAFETY: pjsip_tx_data is meant to be shared between threads
        // (atomic count, message behind a mutex).
        unsafe impl Send for Ptr {}
        // SAFETY: as above.
        unsafe impl Sync for Ptr {}
        for _ in 0..50 {
            let t = Ptr(new_tx_data(SipMessage::parse(REQ).unwrap()));
            let outputs: Vec<Vec<u8>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        // SAFETY: t is live: main holds a reference until after the scope.
                        unsafe { assert_eq!(pjsip_tx_data_add_ref(t.0), PJ_SUCCESS) };
                        let t = &t;
                        s.spawn(move || {
                            let mut buf = vec![0 as c_char; 1024];
                            let mut len = 0;
                            // SAFETY: this thread owns one reference until its dec_ref.
                            unsafe {
                                let st = pjshim_tx_data_print(
                                    t.0,
                                    buf.as_mut_ptr(),
                                    buf.len(),
                                    &mut len,
                                );
                                assert_eq!(st, PJ_SUCCESS);
                                assert_eq!(pjsip_tx_data_dec_ref(t.0), PJ_SUCCESS);
                            }
                            buf[..len].iter().map(|&c| c as u8).collect::<Vec<u8>>()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            // Every thread saw the same branch, generated once.
            assert!(outputs.windows(2).all(|w| w[0] == w[1]));
            // SAFETY: main's reference is the last one.
            unsafe { assert_eq!(pjsip_tx_data_dec_ref(t.0), PJSIP_EBUFDESTROYED) };
        }
    }

    #[test]
    fn print_generates_a_stable_branch() {
        let t = new_tx_data(SipMessage::parse(REQ).unwrap());
        let mut len = 0;
        unsafe {
            assert_eq!(
                pjshim_tx_data_print(t, std::ptr::null_mut(), 0, &mut len),
                to_status(Error::TooBig)
            );
            let mut a = vec![0 as c_char; len + 1];
            let mut b = vec![0 as c_char; len + 1];
            assert_eq!(
                pjshim_tx_data_print(t, a.as_mut_ptr(), a.len(), &mut len),
                PJ_SUCCESS
            );
            assert_eq!(
                pjshim_tx_data_print(t, b.as_mut_ptr(), b.len(), &mut len),
                PJ_SUCCESS
            );
            assert_eq!(a, b);
            let branch = (*t)
                .with_msg(|m| m.top_via_branch().map(str::to_owned))
                .unwrap();
            assert!(branch.starts_with("z9hG4bK") && branch.len() == 7 + 32);
            tx_data_dec_ref(t).unwrap();
        }
    }
}
