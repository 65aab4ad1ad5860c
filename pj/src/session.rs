//! The session functions of `sip_auth.h` (init/deinit/clone, credentials,
//! preferences, parent, init_req/reinit_req, async_*).
//!
//! NOT IMPLEMENTED YET (phase 1 of issue 8): they belong on the core's new
//! session table, async protocol and reinit planner (issue 7), which are
//! being written. Until then each one refuses with PJ_ENOTSUP and touches
//! nothing, so a program linked with this library fails visibly instead of
//! authenticating wrongly. They are defined at all only because all 23
//! symbols must come from one object (glue/auth_client.c), or the stock
//! sip_auth_client.o would be pulled in beside ours.

use std::os::raw::{c_uint, c_void};

use crate::status::{Status, PJ_ENOTSUP};

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_init(
    _sess: *mut c_void,
    _endpt: *mut c_void,
    _pool: *mut c_void,
    _options: c_uint,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_deinit(_sess: *mut c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_clone(
    _pool: *mut c_void,
    _sess: *mut c_void,
    _rhs: *const c_void,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_set_credentials(
    _sess: *mut c_void,
    _count: i32,
    _creds: *const c_void,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_set_prefs(_sess: *mut c_void, _prefs: *const c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_get_prefs(_sess: *mut c_void, _prefs: *mut c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_set_parent(_sess: *mut c_void, _parent: *mut c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_init_req(_sess: *mut c_void, _tdata: *mut c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_reinit_req(
    _sess: *mut c_void,
    _rdata: *const c_void,
    _old_request: *mut c_void,
    _new_request: *mut *mut c_void,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_async_configure(
    _sess: *mut c_void,
    _setting: *const c_void,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_async_send_req(
    _sess: *mut c_void,
    _token: *mut c_void,
    _new_request: *mut c_void,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_async_abandon(_sess: *mut c_void, _token: *mut c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_async_impl_on_challenge(
    _sess: *mut c_void,
    _impl_token: *const c_void,
    _param: *const c_void,
) -> Status {
    PJ_ENOTSUP
}
