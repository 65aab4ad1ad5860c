//! Timers for C: pj_timer_entry (owned by the application) scheduled on an
//! endpoint's timer heap.
//!
//! An entry is identified by its address while it is scheduled; the library
//! reads `cb` (and passes the entry back) only when the timer fires, inside
//! pjsip_endpt_handle_events(), with no library lock held.

use super::cast::{try_mut, try_ref, CPtr};
use super::endpoint::{duration_of, endpt_ref, pjsip_endpoint};
use super::grp_lock::pj_grp_lock_t;
use super::panic::guard;
use super::status::{status_of, PJ_EBUG};
use super::types::{pj_status_t, pj_time_val};
use crate::endpoint::TimerKey;
use std::os::raw::{c_int, c_void};

/// A timer heap (opaque). Each endpoint has one; callbacks receive it.
pub struct pj_timer_heap_t {
    _private: [u8; 0],
}

/// Timer callback (the C function type `pj_timer_heap_callback` is written by
/// hand in the header).
pub type pj_timer_heap_callback =
    unsafe extern "C" fn(timer_heap: *mut pj_timer_heap_t, entry: *mut pj_timer_entry);

/// A timer entry (written by hand in the header, same layout as pjlib's).
/// The application owns it and must keep it valid while it is scheduled.
#[repr(C)]
pub struct pj_timer_entry {
    /// Free for the application.
    pub user_data: *mut c_void,
    /// Free for the application.
    pub id: c_int,
    /// Called when the timer fires.
    pub cb: Option<pj_timer_heap_callback>,
    /// Private.
    pub _timer_id: c_int,
    /// Private.
    pub _timer_value: pj_time_val,
    /// Private.
    pub _grp_lock: *mut pj_grp_lock_t,
}

fn key_of(entry: *const pj_timer_entry) -> TimerKey {
    TimerKey::External(entry as usize)
}

/// The heap pointer callbacks receive for this endpoint (never dereferenced).
pub(crate) fn heap_of(e: &pjsip_endpoint) -> *mut pj_timer_heap_t {
    std::sync::Arc::as_ptr(&e.core) as *mut pj_timer_heap_t
}

/// Initialises `entry` (private fields zeroed) and returns it, as pjlib.
/// NULL `entry` returns NULL.
#[no_mangle]
pub unsafe extern "C" fn pj_timer_entry_init(
    entry: *mut pj_timer_entry,
    id: c_int,
    user_data: *mut c_void,
    cb: Option<unsafe extern "C" fn(timer_heap: *mut pj_timer_heap_t, entry: *mut pj_timer_entry)>,
) -> *mut pj_timer_entry {
    guard(std::ptr::null_mut(), || {
        if entry.is_null() {
            return entry;
        }
        let value = pj_timer_entry {
            user_data,
            id,
            cb,
            _timer_id: -1,
            _timer_value: pj_time_val::default(),
            _grp_lock: std::ptr::null_mut(),
        };
        // SAFETY: non-NULL and writable (caller's promise); old content is not read.
        unsafe { entry.write(value) };
        entry
    })
}

/// Schedules `entry` to fire after `delay`, inside a later
/// pjsip_endpt_handle_events() on any thread, which then calls `entry->cb`
/// (read at that moment) with the endpoint's heap and `entry`. Any thread may
/// schedule. Returns PJ_SUCCESS; PJ_EINVAL for NULL arguments, a NULL `cb` or
/// a negative delay; PJ_EEXISTS when `entry` is already scheduled.
#[no_mangle]
pub unsafe extern "C" fn pjsip_endpt_schedule_timer(
    endpt: *mut pjsip_endpoint,
    entry: *mut pj_timer_entry,
    delay: *const pj_time_val,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: a live endpoint (caller's promise), checked for NULL.
            let e = unsafe { endpt_ref(endpt) }?;
            // SAFETY: checked for NULL; the caller's entry.
            let ent = unsafe { try_mut(entry) }?;
            // SAFETY: checked for NULL; the caller's delay.
            let delay = duration_of(unsafe { try_ref(delay) }?)?;
            if ent.cb.is_none() {
                return Err(crate::status::Error::InvalidArg);
            }
            let heap = CPtr(heap_of(e));
            let target = CPtr(entry);
            e.core.schedule(
                key_of(entry),
                delay,
                Box::new(move || {
                    let (heap, target) = (heap, target);
                    // SAFETY: the application keeps a scheduled entry valid
                    // until it fires or is cancelled (documented); cb is read now.
                    if let Some(cb) = unsafe { (*target.0).cb } {
                        // SAFETY: the application's callback with its own entry.
                        unsafe { cb(heap.0, target.0) };
                    }
                }),
            )
        })())
    })
}

/// Cancels `entry` if it is scheduled on `endpt`; otherwise does nothing.
/// Any thread. Once it returns, the callback will not start (it may be running
/// already on a thread inside pjsip_endpt_handle_events()). NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn pjsip_endpt_cancel_timer(
    endpt: *mut pjsip_endpoint,
    entry: *mut pj_timer_entry,
) {
    guard((), || {
        // SAFETY: a live endpoint (caller's promise), checked for NULL.
        if let Ok(e) = unsafe { endpt_ref(endpt) } {
            if !entry.is_null() {
                e.core.cancel(&key_of(entry));
            }
        }
    })
}

/// The endpoint's timer heap (the value timer callbacks receive), or NULL for
/// a NULL endpoint.
#[no_mangle]
pub unsafe extern "C" fn pjsip_endpt_get_timer_heap(
    endpt: *mut pjsip_endpoint,
) -> *mut pj_timer_heap_t {
    guard(std::ptr::null_mut(), || {
        // SAFETY: a live endpoint (caller's promise), checked for NULL.
        match unsafe { endpt_ref(endpt) } {
            Ok(e) => heap_of(e),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn layout_matches_pjlib_lp64() {
        assert_eq!(size_of::<pj_timer_entry>(), 56);
        assert_eq!(offset_of!(pj_timer_entry, id), 8);
        assert_eq!(offset_of!(pj_timer_entry, cb), 16);
    }
}
