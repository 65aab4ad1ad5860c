//! Pools for C: pj_caching_pool, pj_pool_factory and pj_pool_t over the core
//! `pool` module.
//!
//! A `pj_pool_t *` is the address of a core `Pool`: owned by the factory's
//! registry for pools made from a factory, or by a `Box` for pools made without
//! one. A `pj_pool_factory` embedded in a C struct holds a pointer to a boxed
//! core `PoolFactory` and a magic word, so that using a factory that was never
//! initialised (zero-filled) or already destroyed fails cleanly.

use super::cast::{cstr_bytes, try_ref};
use super::panic::guard;
use super::types::{pj_size_t, pj_ssize_t, pj_str_t};
use crate::pool::{Pool, PoolFactory};
use crate::status::{Error, Result};
use std::os::raw::{c_char, c_void};
use std::ptr;

/// Marks an initialised pj_pool_factory ("PJPOOLFC").
const FACTORY_MAGIC: u64 = 0x504a_504f_4f4c_4643;

/// A memory pool (opaque). Memory allocated from it lives until
/// pj_pool_release(); all allocations are 16-byte aligned.
///
/// Methods: pj_pool_alloc(), pj_pool_zalloc(), pj_pool_calloc(),
/// pj_pool_getobjname(), pj_pool_release(). Any thread may allocate from a pool
/// at any time (allocation is internally locked).
pub struct pj_pool_t {
    _private: [u8; 0],
}

/// Pool factory policy of pjlib. Accepted for source compatibility and
/// ignored: pass NULL or &pj_pool_factory_default_policy.
#[repr(C)]
pub struct pj_pool_factory_policy {
    /// Private: reserved.
    pub _reserved: [usize; 4],
}

/// The default policy, for PJSIP code that writes
/// `pj_caching_pool_init(&cp, &pj_pool_factory_default_policy, 0)`.
#[no_mangle]
pub static pj_pool_factory_default_policy: pj_pool_factory_policy =
    pj_pool_factory_policy { _reserved: [0; 4] };

/// A pool factory: makes pools with pj_pool_create() and owns them, so that
/// destroying the factory frees pools the application forgot to release.
///
/// Its fields are private to the library. It is normally the `factory` field of
/// a pj_caching_pool (`&cp.factory`).
#[repr(C)]
pub struct pj_pool_factory {
    /// Private: the library's factory (NULL when not initialised).
    pub _impl: *mut c_void,
    /// Private: marks an initialised factory.
    pub _magic: u64,
    /// Private: reserved.
    pub _reserved: [*mut c_void; 6],
}

/// A caching pool, as pjlib: declare it by value, set it up with
/// pj_caching_pool_init(), make pools with pj_pool_create(&cp.factory, ...),
/// and free everything with pj_caching_pool_destroy().
#[repr(C)]
pub struct pj_caching_pool {
    /// The factory to pass to pj_pool_create().
    pub factory: pj_pool_factory,
    /// Private: reserved.
    pub _reserved: [*mut c_void; 8],
}

/// The core factory behind an initialised `pj_pool_factory`.
///
/// # Safety
/// A non-NULL `f` must point to a readable `pj_pool_factory` (initialised or
/// not: the magic word tells), and the factory must not be destroyed during 'a.
unsafe fn factory_ref<'a>(f: *const pj_pool_factory) -> Result<&'a PoolFactory> {
    // SAFETY: the caller promises a non-NULL f is readable.
    let f = unsafe { try_ref(f) }?;
    if f._magic != FACTORY_MAGIC || f._impl.is_null() {
        return Err(Error::InvalidArg);
    }
    // SAFETY: with the magic set, _impl came from Box::into_raw in
    // pj_caching_pool_init and stays valid until pj_caching_pool_destroy.
    Ok(unsafe { &*(f._impl as *const PoolFactory) })
}

/// The core pool behind a `pj_pool_t *`, or `Error::InvalidArg` for NULL.
///
/// # Safety
/// A non-NULL `p` must come from pj_pool_create() and not be released during 'a.
pub(crate) unsafe fn pool_ref<'a>(p: *mut pj_pool_t) -> Result<&'a Pool> {
    // SAFETY: a pj_pool_t pointer is the address of a live core Pool (caller's promise).
    unsafe { try_ref(p.cast::<Pool>()) }
}

/// Copies `bytes` into `pool`, NUL-terminated, and returns a `pj_str_t` of the
/// copy (without the NUL), valid until the pool is released. Empty input gives
/// the empty string (NULL pointer).
///
/// Panics only if the system has no memory left (the export's panic boundary
/// then reports PJ_EBUG).
// For the auth session code (pjsip_cred_info_dup), which lands separately.
#[allow(dead_code)]
pub(crate) fn pool_strdup(pool: &Pool, bytes: &[u8]) -> pj_str_t {
    if bytes.is_empty() {
        return pj_str_t::EMPTY;
    }
    let p = pool.dup(bytes).expect("out of memory copying a string");
    pj_str_t {
        ptr: p.as_ptr().cast::<c_char>(),
        slen: bytes.len() as pj_ssize_t,
    }
}

/// Initialises a caching pool (pool factory).
///
/// `policy` and `max_capacity` are accepted for compatibility and ignored
/// (pass NULL and 0). Every pj_caching_pool_init() must be paired with one
/// pj_caching_pool_destroy(). Does nothing when `cp` is NULL.
/// Not thread-safe with respect to other uses of the same `cp`.
#[no_mangle]
pub unsafe extern "C" fn pj_caching_pool_init(
    cp: *mut pj_caching_pool,
    policy: *const pj_pool_factory_policy,
    max_capacity: pj_size_t,
) {
    let _ = (policy, max_capacity);
    guard((), || {
        if cp.is_null() {
            return;
        }
        let factory = Box::into_raw(Box::new(PoolFactory::new()));
        let value = pj_caching_pool {
            factory: pj_pool_factory {
                _impl: factory.cast::<c_void>(),
                _magic: FACTORY_MAGIC,
                _reserved: [ptr::null_mut(); 6],
            },
            _reserved: [ptr::null_mut(); 8],
        };
        // SAFETY: cp is non-NULL and points to writable storage for a
        // pj_caching_pool (caller's promise); its old content may be garbage,
        // so it is overwritten without being read or dropped.
        unsafe { cp.write(value) };
    })
}

/// Destroys a caching pool: frees every pool made from it that was not
/// released yet (their pj_pool_t pointers become invalid).
///
/// NULL, or a caching pool already destroyed, is ignored. No pool of this
/// factory may be in use on another thread at the time.
#[no_mangle]
pub unsafe extern "C" fn pj_caching_pool_destroy(cp: *mut pj_caching_pool) {
    guard((), || {
        if cp.is_null() {
            return;
        }
        // SAFETY: cp is non-NULL and points to a pj_caching_pool (caller's promise).
        let factory = unsafe { &mut (*cp).factory };
        if factory._magic != FACTORY_MAGIC || factory._impl.is_null() {
            return;
        }
        let boxed = factory._impl.cast::<PoolFactory>();
        factory._magic = 0;
        factory._impl = ptr::null_mut();
        // SAFETY: _impl came from Box::into_raw in pj_caching_pool_init, and was
        // cleared above so it is freed only once.
        drop(unsafe { Box::from_raw(boxed) });
    })
}

/// Creates a pool.
///
/// `factory` is normally `&cp.factory` of an initialised pj_caching_pool; the
/// pool then belongs to it as well, and pj_caching_pool_destroy() frees it if the
/// application did not. `factory` may be NULL: the pool is then on its own and
/// only pj_pool_release() frees it. `name` may be NULL; at most 31 bytes are
/// kept and "%p" is replaced by a unique number. `initial_size` is the first
/// block's size, `increment_size` that of later blocks (0 picks a default); a
/// request larger than that gets a block of its own, so allocation never fails
/// for want of a bigger increment. `callback` is ignored (may be NULL).
///
/// Returns NULL when `factory` is not an initialised factory. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pj_pool_create(
    factory: *mut pj_pool_factory,
    name: *const c_char,
    initial_size: pj_size_t,
    increment_size: pj_size_t,
    callback: Option<unsafe extern "C" fn(pool: *mut pj_pool_t, size: pj_size_t)>,
) -> *mut pj_pool_t {
    let _ = callback;
    guard(ptr::null_mut(), || {
        // SAFETY: a non-NULL name is a NUL-terminated string (caller's promise).
        let name = if name.is_null() {
            None
        } else {
            match unsafe { cstr_bytes(name) } {
                Ok(bytes) => Some(bytes),
                Err(_) => return ptr::null_mut(),
            }
        };
        if factory.is_null() {
            let pool = Box::new(Pool::new(name, initial_size, increment_size));
            return Box::into_raw(pool).cast::<pj_pool_t>();
        }
        // SAFETY: a non-NULL factory points to a pj_pool_factory (caller's promise).
        match unsafe { factory_ref(factory) } {
            Ok(f) => f
                .create_pool(name, initial_size, increment_size)
                .as_ptr()
                .cast::<pj_pool_t>(),
            Err(_) => ptr::null_mut(),
        }
    })
}

/// Releases a pool and all memory allocated from it. NULL is ignored.
///
/// The pool must not be used afterwards, nor be in use on another thread.
/// Releasing a pool twice, or after its factory was destroyed, is undefined
/// behaviour (as in pjlib).
#[no_mangle]
pub unsafe extern "C" fn pj_pool_release(pool: *mut pj_pool_t) {
    guard((), || {
        // SAFETY: a non-NULL pool is a live pool (caller's promise).
        let Ok(p) = (unsafe { pool_ref(pool) }) else {
            return;
        };
        if p.is_from_factory() {
            // The factory is alive: pools die with it, and this one is still here.
            if let Some(factory) = p.factory() {
                let _ = factory.release_pool(pool.cast::<Pool>());
            }
        } else {
            // SAFETY: a pool without factory came from Box::into_raw in
            // pj_pool_create and is released once (caller's promise); `p` is not
            // used after this.
            drop(unsafe { Box::from_raw(pool.cast::<Pool>()) });
        }
    })
}

/// Releases `*ppool` if it is not NULL, then sets it to NULL.
/// NULL `ppool` is ignored.
#[no_mangle]
pub unsafe extern "C" fn pj_pool_safe_release(ppool: *mut *mut pj_pool_t) {
    guard((), || {
        if ppool.is_null() {
            return;
        }
        // SAFETY: ppool is non-NULL and points to a pool pointer (caller's promise).
        let pool = unsafe { ppool.replace(ptr::null_mut()) };
        // SAFETY: as for pj_pool_release.
        unsafe { pj_pool_release(pool) };
    })
}

/// Allocates `size` bytes from `pool`, 16-byte aligned, valid until the pool is
/// released. (This implementation hands out zero-filled memory; use
/// pj_pool_zalloc() when you rely on that.)
///
/// Returns NULL when `pool` is NULL or the memory cannot be had. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pj_pool_alloc(pool: *mut pj_pool_t, size: pj_size_t) -> *mut c_void {
    guard(ptr::null_mut(), || {
        // SAFETY: a non-NULL pool is a live pool (caller's promise).
        match unsafe { pool_ref(pool) }.and_then(|p| p.alloc(size)) {
            Ok(mem) => mem.as_ptr().cast::<c_void>(),
            Err(_) => ptr::null_mut(),
        }
    })
}

/// Allocates `size` zero-filled bytes from `pool`; otherwise as pj_pool_alloc().
#[no_mangle]
pub unsafe extern "C" fn pj_pool_zalloc(pool: *mut pj_pool_t, size: pj_size_t) -> *mut c_void {
    guard(ptr::null_mut(), || {
        // SAFETY: a non-NULL pool is a live pool (caller's promise).
        match unsafe { pool_ref(pool) }.and_then(|p| p.zalloc(size)) {
            Ok(mem) => mem.as_ptr().cast::<c_void>(),
            Err(_) => ptr::null_mut(),
        }
    })
}

/// Allocates `count * elem` zero-filled bytes from `pool`; NULL when the
/// product overflows; otherwise as pj_pool_alloc().
#[no_mangle]
pub unsafe extern "C" fn pj_pool_calloc(
    pool: *mut pj_pool_t,
    count: pj_size_t,
    elem: pj_size_t,
) -> *mut c_void {
    guard(ptr::null_mut(), || {
        // SAFETY: a non-NULL pool is a live pool (caller's promise).
        match unsafe { pool_ref(pool) }.and_then(|p| p.calloc(count, elem)) {
            Ok(mem) => mem.as_ptr().cast::<c_void>(),
            Err(_) => ptr::null_mut(),
        }
    })
}

/// The pool's name, NUL-terminated, owned by the pool (valid until it is
/// released). Returns NULL when `pool` is NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pj_pool_getobjname(pool: *const pj_pool_t) -> *const c_char {
    guard(ptr::null(), || {
        // SAFETY: a non-NULL pool is a live pool (caller's promise).
        match unsafe { pool_ref(pool.cast_mut()) } {
            Ok(p) => p.name().as_ptr(),
            Err(_) => ptr::null(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;

    #[test]
    fn caching_pool_lifecycle_and_forgotten_pools() {
        let mut cp = MaybeUninit::<pj_caching_pool>::uninit();
        // SAFETY: valid pointers; the pool is used only while the factory lives.
        unsafe {
            pj_caching_pool_init(cp.as_mut_ptr(), ptr::null(), 0);
            let f = ptr::addr_of_mut!((*cp.as_mut_ptr()).factory);
            let pool = pj_pool_create(f, c"test".as_ptr(), 512, 512, None);
            assert!(!pool.is_null());
            let kept = pj_pool_create(f, ptr::null(), 0, 0, None);
            let m = pj_pool_alloc(pool, 100) as usize;
            assert!(m != 0 && m % 16 == 0);
            let s = pool_strdup(pool_ref(pool).unwrap(), b"abc");
            assert_eq!(std::slice::from_raw_parts(s.ptr as *const u8, 4), b"abc\0");
            assert_eq!(factory_ref(f).unwrap().pool_count(), 2);
            pj_pool_release(pool);
            assert_eq!(factory_ref(f).unwrap().pool_count(), 1);
            assert!(!pj_pool_alloc(kept, 10).is_null());
            pj_caching_pool_destroy(cp.as_mut_ptr());
            assert!(factory_ref(f).is_err());
            assert!(pj_pool_create(f, ptr::null(), 0, 0, None).is_null());
            pj_caching_pool_destroy(cp.as_mut_ptr());
        }
    }

    #[test]
    fn bad_arguments() {
        // SAFETY: NULL and overflowing arguments only.
        unsafe {
            assert!(pj_pool_alloc(ptr::null_mut(), 1).is_null());
            assert!(pj_pool_getobjname(ptr::null()).is_null());
            let pool = pj_pool_create(ptr::null_mut(), ptr::null(), 0, 0, None);
            assert!(pj_pool_calloc(pool, usize::MAX, 2).is_null());
            assert!(pj_pool_alloc(pool, usize::MAX).is_null());
            let mut p = pool;
            pj_pool_safe_release(&mut p);
            assert!(p.is_null());
            pj_pool_release(ptr::null_mut());
            pj_caching_pool_destroy(ptr::null_mut());
        }
    }
}
