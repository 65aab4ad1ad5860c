//! pjlib basics for C: library init, threads, strings.
//!
//! Nothing here needs set-up: pj_init() and thread registration exist so that
//! PJSIP-style programs compile and run unchanged, but every function of the
//! library works from any thread without them.

use super::cast::str_bytes;
use super::panic::guard;
use super::status::{PJ_EINVAL, PJ_SUCCESS};
use super::types::{pj_bool_t, pj_ssize_t, pj_status_t, pj_str_t, PJ_TRUE};
use std::cmp::Ordering;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_long, c_uint};

/// `pj_thread_desc` as a parameter: the C type is `long[64]` (written by hand
/// in the header), which a parameter receives as a pointer to its first element.
pub type pj_thread_desc = *mut c_long;

/// A thread handle (opaque), from pj_thread_register() or pj_thread_this().
/// It stays valid while its thread runs.
pub struct pj_thread_t {
    _private: [u8; 0],
}

/// Per-thread storage whose address is the thread's handle.
struct ThreadSlot {
    _byte: std::cell::Cell<u8>,
}

thread_local! {
    static THIS_THREAD: ThreadSlot = const { ThreadSlot { _byte: std::cell::Cell::new(0) } };
}

fn this_thread() -> *mut pj_thread_t {
    THIS_THREAD.with(|slot| slot as *const ThreadSlot as *mut pj_thread_t)
}

/// Initialises the library. Nothing needs initialising: always PJ_SUCCESS, and
/// it may be called any number of times from any thread.
#[no_mangle]
pub extern "C" fn pj_init() -> pj_status_t {
    PJ_SUCCESS
}

/// Counterpart of pj_init(); does nothing. Objects still alive stay usable.
#[no_mangle]
pub extern "C" fn pj_shutdown() {}

/// Always PJ_TRUE: threads never need registering with this library.
#[no_mangle]
pub extern "C" fn pj_thread_is_registered() -> pj_bool_t {
    PJ_TRUE
}

/// Accepts a thread registration, for source compatibility (registration is
/// never required). `name` may be NULL and is not kept; `desc` must not be NULL
/// but its content is neither read nor written.
///
/// On success writes the calling thread's handle (valid while the thread runs)
/// to `*thread` and returns PJ_SUCCESS; PJ_EINVAL when `desc` or `thread` is
/// NULL (nothing written). Any thread, any number of times.
#[no_mangle]
pub unsafe extern "C" fn pj_thread_register(
    name: *const c_char,
    desc: pj_thread_desc,
    thread: *mut *mut pj_thread_t,
) -> pj_status_t {
    let _ = name;
    guard(super::status::PJ_EBUG, || {
        if desc.is_null() || thread.is_null() {
            return PJ_EINVAL;
        }
        // SAFETY: thread is non-NULL and points to a writable pointer (caller's promise).
        unsafe { super::cast::write_out(thread, this_thread()) };
        PJ_SUCCESS
    })
}

/// The calling thread's handle (the one pj_thread_register() gives). NULL only
/// while the thread is being torn down (its thread-local storage is gone).
#[no_mangle]
pub extern "C" fn pj_thread_this() -> *mut pj_thread_t {
    guard(std::ptr::null_mut(), || {
        THIS_THREAD
            .try_with(|slot| slot as *const ThreadSlot as *mut pj_thread_t)
            .unwrap_or(std::ptr::null_mut())
    })
}

/// Sleeps the calling thread for `msec` milliseconds. Returns PJ_SUCCESS.
#[no_mangle]
pub extern "C" fn pj_thread_sleep(msec: c_uint) -> pj_status_t {
    guard(super::status::PJ_EBUG, || {
        std::thread::sleep(std::time::Duration::from_millis(u64::from(msec)));
        PJ_SUCCESS
    })
}

/// A pj_str_t viewing the NUL-terminated string `s` (not copied: it must
/// outlive the result). NULL gives the empty string.
#[no_mangle]
pub unsafe extern "C" fn pj_str(s: *mut c_char) -> pj_str_t {
    guard(pj_str_t::EMPTY, || {
        if s.is_null() {
            return pj_str_t::EMPTY;
        }
        // SAFETY: s is non-NULL and NUL-terminated (caller's promise).
        let len = unsafe { CStr::from_ptr(s) }.to_bytes().len();
        pj_str_t {
            ptr: s,
            slen: len as pj_ssize_t,
        }
    })
}

/// The bytes of `*s`: NULL, a negative length or a NULL pointer with a
/// non-zero length count as the empty string.
///
/// # Safety
/// A non-NULL `s` must point to a valid pj_str_t whose bytes are readable.
unsafe fn str_or_empty<'a>(s: *const pj_str_t) -> &'a [u8] {
    // SAFETY: caller's promise.
    match unsafe { s.as_ref() } {
        Some(s) => unsafe { str_bytes(s) }.unwrap_or(&[]),
        None => &[],
    }
}

/// The bytes of a C string; NULL counts as the empty string.
///
/// # Safety
/// A non-NULL `s` must be NUL-terminated and readable.
unsafe fn cstr_or_empty<'a>(s: *const c_char) -> &'a [u8] {
    // SAFETY: caller's promise.
    unsafe { super::cast::cstr_bytes(s) }.unwrap_or(&[])
}

/// pjlib's order: bytewise over the common length, then the shorter first.
fn order(a: &[u8], b: &[u8], fold_case: bool) -> c_int {
    let ord = if fold_case {
        a.iter()
            .map(u8::to_ascii_lowercase)
            .cmp(b.iter().map(u8::to_ascii_lowercase))
    } else {
        a.cmp(b)
    };
    match ord {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// Compares two strings as strcmp does, with their lengths: negative, 0 or
/// positive (-1, 0, 1). NULL pointers count as empty strings. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pj_strcmp(s1: *const pj_str_t, s2: *const pj_str_t) -> c_int {
    // SAFETY: non-NULL arguments are valid strings (caller's promise).
    guard(0, || {
        order(
            unsafe { str_or_empty(s1) },
            unsafe { str_or_empty(s2) },
            false,
        )
    })
}

/// Compares a pj_str_t with a NUL-terminated string as strcmp does: -1, 0 or 1.
/// NULL `s2` (or `s1`) counts as the empty string, as in pjlib. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn pj_strcmp2(s1: *const pj_str_t, s2: *const c_char) -> c_int {
    // SAFETY: non-NULL arguments are valid strings (caller's promise).
    guard(0, || {
        order(
            unsafe { str_or_empty(s1) },
            unsafe { cstr_or_empty(s2) },
            false,
        )
    })
}

/// Like pj_strcmp(), ignoring ASCII case.
#[no_mangle]
pub unsafe extern "C" fn pj_stricmp(s1: *const pj_str_t, s2: *const pj_str_t) -> c_int {
    // SAFETY: non-NULL arguments are valid strings (caller's promise).
    guard(0, || {
        order(
            unsafe { str_or_empty(s1) },
            unsafe { str_or_empty(s2) },
            true,
        )
    })
}

/// Like pj_strcmp2(), ignoring ASCII case.
#[no_mangle]
pub unsafe extern "C" fn pj_stricmp2(s1: *const pj_str_t, s2: *const c_char) -> c_int {
    // SAFETY: non-NULL arguments are valid strings (caller's promise).
    guard(0, || {
        order(
            unsafe { str_or_empty(s1) },
            unsafe { cstr_or_empty(s2) },
            true,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_follow_pjlib() {
        let abc = pj_str_t::borrowing(b"abc");
        let ab = pj_str_t::borrowing(b"ab");
        // SAFETY: valid strings and NULLs only.
        unsafe {
            assert_eq!(pj_strcmp2(&abc, c"abc".as_ptr()), 0);
            assert_eq!(pj_strcmp2(&abc, c"abd".as_ptr()), -1);
            assert_eq!(pj_strcmp2(&ab, c"abc".as_ptr()), -1);
            assert_eq!(pj_strcmp2(&abc, c"ab".as_ptr()), 1);
            assert_eq!(pj_strcmp2(&abc, std::ptr::null()), 1);
            assert_eq!(pj_strcmp2(&pj_str_t::EMPTY, std::ptr::null()), 0);
            assert_eq!(pj_stricmp2(&abc, c"ABC".as_ptr()), 0);
            assert_eq!(pj_strcmp(&abc, &ab), 1);
            assert_eq!(pj_stricmp(&ab, &abc), -1);
        }
    }

    #[test]
    fn thread_handle_is_per_thread() {
        let mut desc = [0 as c_long; 64];
        let mut me = std::ptr::null_mut();
        // SAFETY: valid pointers.
        let st = unsafe { pj_thread_register(c"t".as_ptr(), desc.as_mut_ptr(), &mut me) };
        assert_eq!(st, PJ_SUCCESS);
        assert_eq!(me, pj_thread_this());
        let other = std::thread::spawn(|| pj_thread_this() as usize)
            .join()
            .unwrap();
        assert_ne!(other, me as usize);
    }
}
