//! Base pjlib types shared by every C area.

use std::os::raw::{c_char, c_int, c_long};

/// Status code; defined by hand in the header (cbindgen.toml).
pub type pj_status_t = c_int;
/// Boolean; defined by hand in the header.
pub type pj_bool_t = c_int;
/// Signed size; defined by hand in the header.
pub type pj_ssize_t = c_long;
/// Unsigned size; defined by hand in the header.
pub type pj_size_t = usize;
/// Unsigned 8-bit integer; defined by hand in the header.
pub type pj_uint8_t = u8;
/// Unsigned 32-bit integer; defined by hand in the header.
pub type pj_uint32_t = u32;

/// True.
pub const PJ_TRUE: pj_bool_t = 1;
/// False.
pub const PJ_FALSE: pj_bool_t = 0;

/// A string slice: `slen` bytes at `ptr`, not NUL-terminated.
///
/// Strings passed in are only borrowed for the call unless a function says
/// otherwise; strings handed out point into memory owned by the object they
/// came from and live as long as it does.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct pj_str_t {
    /// First byte; may be NULL when `slen` is 0.
    pub ptr: *mut c_char,
    /// Length in bytes; never negative.
    pub slen: pj_ssize_t,
}

impl pj_str_t {
    /// The empty string.
    pub const EMPTY: pj_str_t = pj_str_t {
        ptr: std::ptr::null_mut(),
        slen: 0,
    };

    /// A `pj_str_t` viewing `bytes` (which must outlive every use of it).
    pub fn borrowing(bytes: &[u8]) -> pj_str_t {
        pj_str_t {
            ptr: bytes.as_ptr() as *mut c_char,
            slen: bytes.len() as pj_ssize_t,
        }
    }
}

/// A time interval or delay.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct pj_time_val {
    /// Seconds.
    pub sec: c_long,
    /// Milliseconds (0 to 999 when normalised).
    pub msec: c_long,
}
