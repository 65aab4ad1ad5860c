//! Checked conversions from C arguments: NULL and bad lengths become
//! `Error::InvalidArg`, never a crash.

use super::types::pj_str_t;
use crate::status::{Error, Result};
use std::ffi::CStr;
use std::os::raw::c_char;

/// Borrows `*p`, or fails on NULL.
///
/// # Safety
/// A non-NULL `p` must point to a valid `T` for `'a`.
pub(crate) unsafe fn try_ref<'a, T>(p: *const T) -> Result<&'a T> {
    // SAFETY: the caller promises a non-NULL p is valid; NULL is rejected here.
    unsafe { p.as_ref() }.ok_or(Error::InvalidArg)
}

/// Mutably borrows `*p`, or fails on NULL.
///
/// # Safety
/// A non-NULL `p` must point to a valid `T`, not aliased, for `'a`.
pub(crate) unsafe fn try_mut<'a, T>(p: *mut T) -> Result<&'a mut T> {
    // SAFETY: the caller promises a non-NULL p is valid and unaliased.
    unsafe { p.as_mut() }.ok_or(Error::InvalidArg)
}

/// The bytes of a `pj_str_t`: empty for `slen == 0`, an error for a NULL
/// pointer with a non-zero length or a negative length.
///
/// # Safety
/// A non-NULL `s.ptr` must point to `s.slen` readable bytes for `'a`.
pub(crate) unsafe fn str_bytes<'a>(s: &pj_str_t) -> Result<&'a [u8]> {
    if s.slen == 0 {
        return Ok(&[]);
    }
    if s.slen < 0 || s.ptr.is_null() {
        return Err(Error::InvalidArg);
    }
    // SAFETY: non-NULL, positive length; the caller promises the bytes are readable.
    Ok(unsafe { std::slice::from_raw_parts(s.ptr as *const u8, s.slen as usize) })
}

/// The bytes of a NUL-terminated C string, or an error for NULL.
///
/// # Safety
/// A non-NULL `p` must point to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn cstr_bytes<'a>(p: *const c_char) -> Result<&'a [u8]> {
    if p.is_null() {
        return Err(Error::InvalidArg);
    }
    // SAFETY: non-NULL; the caller promises NUL termination and validity.
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// The bytes of a (pointer, length) buffer; NULL is allowed only with length 0.
///
/// # Safety
/// A non-NULL `p` must point to `len` readable bytes for `'a`.
pub(crate) unsafe fn buf_bytes<'a>(p: *const c_char, len: usize) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() || len > isize::MAX as usize {
        return Err(Error::InvalidArg);
    }
    // SAFETY: non-NULL, length in range; the caller promises the bytes are readable.
    Ok(unsafe { std::slice::from_raw_parts(p as *const u8, len) })
}

/// Writes an out-parameter (callers have already checked it is not NULL).
///
/// # Safety
/// `p` must be valid for writes of one `T`.
pub(crate) unsafe fn write_out<T>(p: *mut T, value: T) {
    // SAFETY: the caller checked p; `write` does not drop the old (possibly uninitialised) value.
    unsafe { p.write(value) }
}

/// A C pointer the library stores and hands back to C but never dereferences
/// on its own behalf (except where a use site says so, with its own SAFETY line).
#[derive(Debug)]
pub(crate) struct CPtr<T>(pub(crate) *mut T);

impl<T> Clone for CPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for CPtr<T> {}

// SAFETY: a CPtr is an opaque value to Rust: moving it between threads moves a
// number. Whatever it points to is owned by C code, which chose to hand it to a
// library documented as calling back from any thread.
unsafe impl<T> Send for CPtr<T> {}
// SAFETY: as for Send; a shared CPtr is never dereferenced through `&self`.
unsafe impl<T> Sync for CPtr<T> {}
