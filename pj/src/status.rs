//! The `pj_status_t` values this side returns: the core's one status table
//! (`pjsip_auth_shim::status`), plus the one PJSIP status only this front
//! end produces. `glue/auth_client.c` checks the values it relies on against
//! the user's pjlib/pjsip headers at compile time (`_Static_assert`), so a
//! mismatch cannot build.

use pjsip_auth_shim::status::{Error, Result};

pub(crate) use pjsip_auth_shim::status::code::{PJ_EBUG, PJ_EINVAL, PJ_ENOTSUP, PJ_SUCCESS};
/// `pj_status_t` (C `int`).
pub(crate) use pjsip_auth_shim::status::Code as Status;

/// init_req/reinit_req on a session that was never initialised (PJSIP's
/// sip_errno.h; the standalone front end reports that as PJ_EINVAL).
pub(crate) const PJSIP_ENOTINITIALIZED: Status = 171004;

/// The status of a core error: its row in the table.
pub(crate) fn of(e: Error) -> Status {
    e.code()
}

/// `PJ_SUCCESS` or the error's status.
pub(crate) fn status_of(r: Result<()>) -> Status {
    r.map_or_else(of, |()| PJ_SUCCESS)
}
