//! Self-checks the tests call. (`pjshim_pj_version`, the symbol that shows
//! a program contains our client, is defined in `glue/auth_client.c`, in the
//! same object as the 23, so that it is linked whenever they are.)

/// 1 when the Rust side's view of the glue's own structs (`glue.rs`) has the
/// sizes the C compiler gave `pjshim_glue.h`, 0 otherwise. The tests call it.
#[no_mangle]
pub extern "C" fn pjshim_pj_selfcheck() -> std::os::raw::c_int {
    crate::panic::guard(0, || crate::glue::layout_matches() as std::os::raw::c_int)
}
