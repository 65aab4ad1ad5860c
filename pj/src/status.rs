//! The `pj_status_t` values this side returns, and the core's errors as
//! them. `glue/auth_client.c` checks every constant against the user's
//! pjlib/pjsip headers at compile time (`_Static_assert`), so a mismatch
//! cannot build.

use pjsip_auth_shim::status::{Error, Result};

/// `pj_status_t` (C `int`).
pub(crate) type Status = i32;

pub(crate) const PJ_SUCCESS: Status = 0;
pub(crate) const PJ_EUNKNOWN: Status = 70001;
pub(crate) const PJ_EINVAL: Status = 70004;
pub(crate) const PJ_ENOMEM: Status = 70007;
pub(crate) const PJ_EBUG: Status = 70008;
pub(crate) const PJ_ETOOMANY: Status = 70010;
pub(crate) const PJ_ENOTSUP: Status = 70012;
pub(crate) const PJ_EINVALIDOP: Status = 70013;
pub(crate) const PJ_ETOOBIG: Status = 70017;
pub(crate) const PJ_EIGNORED: Status = 70020;
pub(crate) const PJSIP_ENOTINITIALIZED: Status = 171004;
pub(crate) const PJSIP_ENOTREQUESTMSG: Status = 171021;
pub(crate) const PJSIP_ENOTRESPONSEMSG: Status = 171022;
pub(crate) const PJSIP_EINVALIDSTATUS: Status = 171030;
pub(crate) const PJSIP_EMISSINGHDR: Status = 171050;
pub(crate) const PJSIP_EFAILEDCREDENTIAL: Status = 171100;
pub(crate) const PJSIP_ENOCREDENTIAL: Status = 171101;
pub(crate) const PJSIP_EINVALIDALGORITHM: Status = 171102;
pub(crate) const PJSIP_EINVALIDQOP: Status = 171103;
pub(crate) const PJSIP_EINVALIDAUTHSCHEME: Status = 171104;
pub(crate) const PJSIP_EAUTHNOAUTH: Status = 171106;
pub(crate) const PJSIP_EAUTHSTALECOUNT: Status = 171111;
pub(crate) const PJSIP_EAUTHNOCHAL: Status = 171114;

/// The status of a core error. Only the errors the drop-in's paths can meet
/// (session table, planner, apply) are named; anything else is a bug here.
pub(crate) fn of(e: Error) -> Status {
    match e {
        Error::InvalidArg => PJ_EINVAL,
        Error::NoMemory => PJ_ENOMEM,
        Error::Bug => PJ_EBUG,
        Error::TooMany => PJ_ETOOMANY,
        Error::NotSupported => PJ_ENOTSUP,
        Error::InvalidOp => PJ_EINVALIDOP,
        Error::TooBig => PJ_ETOOBIG,
        Error::Ignored => PJ_EIGNORED,
        Error::NotRequestMsg => PJSIP_ENOTREQUESTMSG,
        Error::NotResponseMsg => PJSIP_ENOTRESPONSEMSG,
        Error::InvalidStatus => PJSIP_EINVALIDSTATUS,
        Error::MissingHdr => PJSIP_EMISSINGHDR,
        Error::FailedCredential => PJSIP_EFAILEDCREDENTIAL,
        Error::NoCredential => PJSIP_ENOCREDENTIAL,
        Error::InvalidAlgorithm => PJSIP_EINVALIDALGORITHM,
        Error::InvalidQop => PJSIP_EINVALIDQOP,
        Error::InvalidAuthScheme => PJSIP_EINVALIDAUTHSCHEME,
        Error::AuthNoAuth => PJSIP_EAUTHNOAUTH,
        Error::AuthStaleCount => PJSIP_EAUTHSTALECOUNT,
        Error::AuthNoChal => PJSIP_EAUTHNOCHAL,
        // Not produced on these paths; a wildcard so that a variant added to
        // the core does not break this front end's build.
        _ => PJ_EUNKNOWN,
    }
}

/// `PJ_SUCCESS` or the error's status.
pub(crate) fn status_of(r: Result<()>) -> Status {
    r.map_or_else(of, |()| PJ_SUCCESS)
}
