//! `pjshim_pj_version`: a symbol only this library defines, so that a
//! relinked program can be shown to contain our client (`nm prog | grep
//! pjshim_pj_version`) and not PJSIP's.

use std::os::raw::c_char;

/// "pjsip-auth-shim-pj <version>", NUL-terminated, static.
#[no_mangle]
pub extern "C" fn pjshim_pj_version() -> *const c_char {
    concat!("pjsip-auth-shim-pj ", env!("CARGO_PKG_VERSION"), "\0")
        .as_ptr()
        .cast()
}

/// 1 when the Rust side's view of the glue's own structs (`glue.rs`) has the
/// sizes the C compiler gave `pjshim_glue.h`, 0 otherwise. The tests call it.
#[no_mangle]
pub extern "C" fn pjshim_pj_selfcheck() -> std::os::raw::c_int {
    crate::panic::guard(0, || crate::glue::layout_matches() as std::os::raw::c_int)
}
