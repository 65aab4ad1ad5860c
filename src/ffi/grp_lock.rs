//! Group locks for C (pj_grp_lock_t) over the core `grp_lock` module.
//!
//! A `pj_grp_lock_t *` is a boxed core `GroupLock`, owned by the library and
//! freed by the call that destroys it (the pj_grp_lock_dec_ref() or
//! pj_grp_lock_release() that drops the last reference, or
//! pj_grp_lock_destroy()). As in pjlib, using the pointer afterwards is the
//! caller's bug: hold a reference for as long as you use it.
//!
//! Rust code in this crate may call these functions directly
//! (`unsafe { pj_grp_lock_dec_ref(p) }`), or borrow the core object with
//! `grp_lock_ref`.

use super::cast::{try_ref, write_out};
use super::panic::guard;
use super::pool::pj_pool_t;
use super::status::{status_of, to_status, PJ_EBUG, PJ_EGONE, PJ_EINVAL, PJ_SUCCESS};
use super::types::pj_status_t;
use crate::grp_lock::{DecRef, GroupLock};
use crate::status::Result;
use std::os::raw::{c_int, c_uint, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Group locks created and not yet freed, process-wide.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Group locks alive in the process (created by the library for C, not yet
/// destroyed): for test harnesses proving that every lock reached zero. Not
/// a C export.
pub fn live_grp_locks() -> usize {
    LIVE.load(Ordering::Acquire)
}

/// A group lock (opaque): an atomic reference count (starting at 0), a
/// recursive lock, and destroy handlers.
///
/// Methods: pj_grp_lock_add_ref(), pj_grp_lock_dec_ref(), pj_grp_lock_get_ref(),
/// pj_grp_lock_acquire(), pj_grp_lock_tryacquire(), pj_grp_lock_release(),
/// pj_grp_lock_add_handler(), pj_grp_lock_del_handler(), pj_grp_lock_destroy().
/// It is freed when the last reference is dropped or by pj_grp_lock_destroy();
/// to avoid a leak, one of them must eventually happen.
pub struct pj_grp_lock_t {
    inner: GroupLock,
}

/// Group lock settings, as pjlib. `flags` is accepted and ignored.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct pj_grp_lock_config {
    /// Flags (none are defined here; use 0).
    pub flags: c_uint,
}

/// A destroy handler as C gives it.
type CHandler = unsafe extern "C" fn(member: *mut c_void);

/// The core group lock behind a `pj_grp_lock_t *`, or `Error::InvalidArg` for NULL.
///
/// # Safety
/// A non-NULL `p` must be a live group lock during 'a (the caller holds a reference).
pub(crate) unsafe fn grp_lock_ref<'a>(p: *mut pj_grp_lock_t) -> Result<&'a GroupLock> {
    // SAFETY: caller's promise.
    unsafe { try_ref(p) }.map(|g| &g.inner)
}

/// Frees a destroyed group lock.
///
/// # Safety
/// `p` came from `Box::into_raw` in `create`, its core lock reported its
/// destruction to this caller (so exactly once), and nothing uses it afterwards.
unsafe fn free(p: *mut pj_grp_lock_t) {
    // SAFETY: caller's promise.
    drop(unsafe { Box::from_raw(p) });
    LIVE.fetch_sub(1, Ordering::AcqRel);
}

/// The handler key and closure for a C handler.
fn c_handler(member: *mut c_void, handler: CHandler) -> ((usize, usize), crate::grp_lock::Handler) {
    let member = member as usize;
    let key = (member, handler as usize);
    let run = Box::new(move || {
        // SAFETY: the application registered this function for this member and
        // promises both stay valid until the lock is destroyed.
        unsafe { handler(member as *mut c_void) }
    });
    (key, run)
}

/// Creates a lock, optionally with a first handler, and writes it out.
///
/// # Safety
/// `p_grp_lock` is non-NULL and writable.
unsafe fn create(
    first: Option<(*mut c_void, CHandler)>,
    p_grp_lock: *mut *mut pj_grp_lock_t,
) -> pj_status_t {
    let lock = GroupLock::new();
    if let Some((member, handler)) = first {
        let (key, run) = c_handler(member, handler);
        if let Err(e) = lock.add_handler(key, run) {
            return to_status(e);
        }
    }
    let raw = Box::into_raw(Box::new(pj_grp_lock_t { inner: lock }));
    LIVE.fetch_add(1, Ordering::AcqRel);
    // SAFETY: caller's promise.
    unsafe { write_out(p_grp_lock, raw) };
    PJ_SUCCESS
}

/// Fills `cfg` with the default settings. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_config_default(cfg: *mut pj_grp_lock_config) {
    guard((), || {
        if !cfg.is_null() {
            // SAFETY: cfg is non-NULL and writable (caller's promise).
            unsafe { cfg.write(pj_grp_lock_config::default()) };
        }
    })
}

/// Creates a group lock with reference count 0 (like pjlib: take a reference
/// with pj_grp_lock_add_ref() before using it; the pj_grp_lock_dec_ref() that
/// brings the count back to 0 destroys it).
///
/// `pool` is ignored (may be NULL): the lock lives on the library's heap.
/// `cfg` may be NULL. On success writes the lock to `*p_grp_lock` and returns
/// PJ_SUCCESS; PJ_EINVAL when `p_grp_lock` is NULL (nothing written).
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_create(
    pool: *mut pj_pool_t,
    cfg: *const pj_grp_lock_config,
    p_grp_lock: *mut *mut pj_grp_lock_t,
) -> pj_status_t {
    let _ = (pool, cfg);
    guard(PJ_EBUG, || {
        if p_grp_lock.is_null() {
            return PJ_EINVAL;
        }
        // SAFETY: checked non-NULL; writable by the caller's promise.
        unsafe { create(None, p_grp_lock) }
    })
}

/// As pj_grp_lock_create(), with `handler(member)` as the first destroy handler.
/// `member` may be NULL; PJ_EINVAL when `handler` or `p_grp_lock` is NULL.
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_create_w_handler(
    pool: *mut pj_pool_t,
    cfg: *const pj_grp_lock_config,
    member: *mut c_void,
    handler: Option<unsafe extern "C" fn(member: *mut c_void)>,
    p_grp_lock: *mut *mut pj_grp_lock_t,
) -> pj_status_t {
    let _ = (pool, cfg);
    guard(PJ_EBUG, || {
        let Some(handler) = handler else {
            return PJ_EINVAL;
        };
        if p_grp_lock.is_null() {
            return PJ_EINVAL;
        }
        // SAFETY: checked non-NULL; writable by the caller's promise.
        unsafe { create(Some((member, handler)), p_grp_lock) }
    })
}

/// Destroys the lock now, whatever its reference count: runs every destroy
/// handler once, in the order added, then frees the lock. The pointer is
/// invalid afterwards, also for threads holding references or the lock.
///
/// Returns PJ_SUCCESS; PJ_EINVAL for NULL; PJ_EGONE when called from one of
/// the lock's own destroy handlers (the destruction already under way finishes).
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_destroy(grp_lock: *mut pj_grp_lock_t) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL grp_lock is live (caller's promise).
        let lock = match unsafe { grp_lock_ref(grp_lock) } {
            Ok(l) => l,
            Err(e) => return to_status(e),
        };
        match lock.destroy() {
            Ok(()) => {
                // SAFETY: destroy() succeeded for this call only; `lock` is not used again.
                unsafe { free(grp_lock) };
                PJ_SUCCESS
            }
            Err(e) => to_status(e),
        }
    })
}

/// Takes the lock, waiting while another thread holds it. Recursive: a thread
/// may take it again and must then release it as many times. While held, the
/// lock keeps a reference of its own (as in pjlib), so it cannot be destroyed
/// under its holder.
///
/// Returns PJ_SUCCESS; PJ_EINVAL for NULL; PJ_EINVALIDOP when the reference
/// count is 0 (take a reference first).
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_acquire(grp_lock: *mut pj_grp_lock_t) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL grp_lock is live (caller's promise).
        status_of(unsafe { grp_lock_ref(grp_lock) }.and_then(|l| l.acquire()))
    })
}

/// Takes the lock if it is free or already held by the calling thread.
/// Returns PJ_SUCCESS; PJ_EBUSY when another thread holds it; otherwise as
/// pj_grp_lock_acquire().
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_tryacquire(grp_lock: *mut pj_grp_lock_t) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL grp_lock is live (caller's promise).
        status_of(unsafe { grp_lock_ref(grp_lock) }.and_then(|l| l.try_acquire()))
    })
}

/// Gives back one hold of the lock taken by the calling thread, and the
/// reference it kept. Returns PJ_SUCCESS, or PJ_EGONE when that was the last
/// reference (the lock was destroyed and freed); PJ_EINVAL for NULL;
/// PJ_EINVALIDOP when the calling thread does not hold the lock.
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_release(grp_lock: *mut pj_grp_lock_t) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL grp_lock is live (caller's promise).
        let result = unsafe { grp_lock_ref(grp_lock) }.and_then(|l| l.release());
        finish_dec_ref(grp_lock, result)
    })
}

/// Maps the outcome of a reference drop, freeing the lock when it died.
#[inline]
fn finish_dec_ref(grp_lock: *mut pj_grp_lock_t, result: Result<DecRef>) -> pj_status_t {
    match result {
        Ok(DecRef::Alive(_)) => PJ_SUCCESS,
        Ok(DecRef::Destroyed) => destroyed(grp_lock),
        Err(e) => to_status(e),
    }
}

#[cold]
fn destroyed(grp_lock: *mut pj_grp_lock_t) -> pj_status_t {
    // SAFETY: the core reported the destruction to this call only, and
    // the borrow that did it has ended.
    unsafe { free(grp_lock) };
    PJ_EGONE
}

/// Adds `handler(member)` to run when the lock is destroyed, after the
/// handlers added before it. `pool` is ignored (may be NULL); `member` may be
/// NULL. Handlers run with no library lock held.
///
/// Returns PJ_SUCCESS; PJ_EINVAL when `grp_lock` or `handler` is NULL; PJ_EGONE
/// during destruction.
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_add_handler(
    grp_lock: *mut pj_grp_lock_t,
    pool: *mut pj_pool_t,
    member: *mut c_void,
    handler: Option<unsafe extern "C" fn(member: *mut c_void)>,
) -> pj_status_t {
    let _ = pool;
    guard(PJ_EBUG, || {
        let Some(handler) = handler else {
            return PJ_EINVAL;
        };
        // SAFETY: a non-NULL grp_lock is live (caller's promise).
        status_of(unsafe { grp_lock_ref(grp_lock) }.and_then(|l| {
            let (key, run) = c_handler(member, handler);
            l.add_handler(key, run)
        }))
    })
}

/// Removes the first handler added with this `member` and `handler`.
/// Returns PJ_SUCCESS; PJ_ENOTFOUND when there is none; PJ_EINVAL when
/// `grp_lock` or `handler` is NULL.
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_del_handler(
    grp_lock: *mut pj_grp_lock_t,
    member: *mut c_void,
    handler: Option<unsafe extern "C" fn(member: *mut c_void)>,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        let Some(handler) = handler else {
            return PJ_EINVAL;
        };
        // SAFETY: a non-NULL grp_lock is live (caller's promise).
        status_of(
            unsafe { grp_lock_ref(grp_lock) }
                .and_then(|l| l.del_handler((member as usize, handler as usize))),
        )
    })
}

/// Adds a reference. Atomic; any thread. Returns PJ_SUCCESS; PJ_EINVAL for
/// NULL; PJ_EGONE during destruction.
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_add_ref(grp_lock: *mut pj_grp_lock_t) -> pj_status_t {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL grp_lock is live (caller's promise).
        status_of(unsafe { grp_lock_ref(grp_lock) }.and_then(|l| l.add_ref().map(drop)))
    })
}

/// Drops a reference. Atomic; any thread. The call that drops the last one
/// runs the destroy handlers (on the calling thread, in order added, once),
/// frees the lock and returns PJ_EGONE; otherwise PJ_SUCCESS. PJ_EINVALIDOP
/// when the count is already 0; PJ_EINVAL for NULL.
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_dec_ref(grp_lock: *mut pj_grp_lock_t) -> pj_status_t {
    // SAFETY: forwarded.
    guard(PJ_EBUG, || unsafe { dec_ref(grp_lock) })
}

/// pj_grp_lock_dec_ref() for this crate's own callers (a token dropping
/// its reference), without a second panic guard or a call through the
/// exported symbol.
///
/// # Safety
/// A non-NULL `grp_lock` is live and the caller owns one of its references.
#[inline]
pub(crate) unsafe fn dec_ref(grp_lock: *mut pj_grp_lock_t) -> pj_status_t {
    // SAFETY: caller's promise.
    let result = unsafe { grp_lock_ref(grp_lock) }.and_then(|l| l.dec_ref());
    finish_dec_ref(grp_lock, result)
}

/// The current reference count (a snapshot), or PJ_EINVAL for NULL (as pjlib).
#[no_mangle]
pub unsafe extern "C" fn pj_grp_lock_get_ref(grp_lock: *mut pj_grp_lock_t) -> c_int {
    guard(PJ_EBUG, || {
        // SAFETY: a non-NULL grp_lock is live (caller's promise).
        match unsafe { grp_lock_ref(grp_lock) } {
            Ok(l) => c_int::try_from(l.ref_count()).unwrap_or(c_int::MAX),
            Err(e) => to_status(e),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::status::{PJ_EINVALIDOP, PJ_ENOTFOUND};
    use std::ptr;
    use std::sync::Mutex;

    static LOG: Mutex<Vec<usize>> = Mutex::new(Vec::new());

    unsafe extern "C" fn record(member: *mut c_void) {
        LOG.lock().unwrap().push(member as usize);
    }

    #[test]
    fn dec_ref_destroys_and_runs_handlers_in_order() {
        let mut g = ptr::null_mut();
        // SAFETY: valid pointers; g is used only while it holds references.
        unsafe {
            assert_eq!(
                pj_grp_lock_create_w_handler(
                    ptr::null_mut(),
                    ptr::null(),
                    1001 as _,
                    Some(record),
                    &mut g
                ),
                PJ_SUCCESS
            );
            assert_eq!(pj_grp_lock_get_ref(g), 0);
            assert_eq!(pj_grp_lock_dec_ref(g), PJ_EINVALIDOP);
            assert_eq!(
                pj_grp_lock_add_handler(g, ptr::null_mut(), 1002 as _, Some(record)),
                PJ_SUCCESS
            );
            assert_eq!(
                pj_grp_lock_add_handler(g, ptr::null_mut(), 1003 as _, Some(record)),
                PJ_SUCCESS
            );
            assert_eq!(
                pj_grp_lock_del_handler(g, 1003 as _, Some(record)),
                PJ_SUCCESS
            );
            assert_eq!(
                pj_grp_lock_del_handler(g, 1003 as _, Some(record)),
                PJ_ENOTFOUND
            );
            assert_eq!(pj_grp_lock_add_ref(g), PJ_SUCCESS);
            assert_eq!(pj_grp_lock_acquire(g), PJ_SUCCESS);
            assert_eq!(pj_grp_lock_get_ref(g), 2);
            assert_eq!(pj_grp_lock_dec_ref(g), PJ_SUCCESS);
            assert!(LOG.lock().unwrap().is_empty());
            assert_eq!(pj_grp_lock_release(g), PJ_EGONE);
        }
        assert_eq!(*LOG.lock().unwrap(), vec![1001, 1002]);
    }

    #[test]
    fn null_arguments() {
        // SAFETY: NULL arguments only.
        unsafe {
            assert_eq!(
                pj_grp_lock_create(ptr::null_mut(), ptr::null(), ptr::null_mut()),
                PJ_EINVAL
            );
            assert_eq!(pj_grp_lock_add_ref(ptr::null_mut()), PJ_EINVAL);
            assert_eq!(pj_grp_lock_dec_ref(ptr::null_mut()), PJ_EINVAL);
            assert_eq!(pj_grp_lock_get_ref(ptr::null_mut()), PJ_EINVAL);
            assert_eq!(pj_grp_lock_release(ptr::null_mut()), PJ_EINVAL);
            assert_eq!(pj_grp_lock_destroy(ptr::null_mut()), PJ_EINVAL);
        }
    }
}
