//! The `pj_status_t` values this side returns. `glue/auth_client.c` checks
//! each against the user's pjlib headers at compile time (`_Static_assert`),
//! so a mismatch cannot build.

/// `pj_status_t` (C `int`).
pub(crate) type Status = i32;

pub(crate) const PJ_SUCCESS: Status = 0;
pub(crate) const PJ_EINVAL: Status = 70004;
pub(crate) const PJ_EBUG: Status = 70008;
pub(crate) const PJ_ENOTSUP: Status = 70012;
