//! Errors of the core, one variant per failure a caller can act on, and the
//! one table that gives each its `pj_status_t` number, its C constant name
//! and its message.
//!
//! Everything numeric about statuses comes from `status_table!` below: the
//! `Error` enum, `Error::ALL`, `Error::code` / `Error::from_code`,
//! `Error::name`, `Error::message`, the `code` module of plain constants
//! (for front ends: the standalone `ffi` and the drop-in `pj/`, which
//! builds this crate without `standalone`) and `strerror`. The C header's
//! `#define`s are written by cbindgen from `ffi::status`;
//! `tests/status_table.rs` checks them against this table both ways and
//! against the values API.md fixes.

#[allow(unused_imports)]
use crate::prelude::*;
use std::fmt;

/// One row per error: `Variant => C_NAME = number, "message";`. (Every
/// public item is made inside the macro, where cbindgen, which reads
/// source, does not look: the header's constants come from `ffi::status`.)
macro_rules! status_table {
    ($( $(#[$doc:meta])* $variant:ident => $name:ident = $code:literal, $msg:literal; )*) => {
        /// `pj_status_t` as a Rust type: C `int`, 32 bits on every supported target.
        pub type Code = i32;

        /// The status of success (not an `Error`).
        pub const SUCCESS: Code = 0;

        /// Every failure the library can report.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Error {
            $( #[doc = $msg] $(#[$doc])* $variant, )*
        }

        impl Error {
            /// All variants, in table order.
            pub const ALL: &'static [Error] = &[$( Error::$variant, )*];

            /// The `pj_status_t` number (as pjlib / PJSIP number it).
            pub const fn code(self) -> Code {
                match self {
                    $( Error::$variant => $code, )*
                }
            }

            /// The C constant's name (`"PJ_EINVAL"`).
            pub const fn name(self) -> &'static str {
                match self {
                    $( Error::$variant => stringify!($name), )*
                }
            }

            /// A short human-readable description.
            pub const fn message(self) -> &'static str {
                match self {
                    $( Error::$variant => $msg, )*
                }
            }

            /// The error whose number is `code`; `None` for `SUCCESS` and
            /// numbers not in the table.
            pub const fn from_code(code: Code) -> Option<Error> {
                match code {
                    $( $code => Some(Error::$variant), )*
                    _ => None,
                }
            }
        }

        /// The table's numbers as plain constants, named as in C, plus
        /// `PJ_SUCCESS`: what a front end returns.
        pub mod code {
            use super::Code;
            /// Success.
            pub const PJ_SUCCESS: Code = super::SUCCESS;
            $(
                #[doc = $msg]
                pub const $name: Code = $code;
            )*
        }
    };
}

status_table! {
    // pjlib (pj/errno.h: PJ_ERRNO_START_STATUS 70000 + n)
    Unknown => PJ_EUNKNOWN = 70001, "Unknown error";
    Pending => PJ_EPENDING = 70002, "Pending operation";
    /// Also: NULL pointer, unknown or used token.
    InvalidArg => PJ_EINVAL = 70004, "Invalid argument";
    NotFound => PJ_ENOTFOUND = 70006, "Not found";
    NoMemory => PJ_ENOMEM = 70007, "Not enough memory";
    /// A caught panic is reported as this.
    Bug => PJ_EBUG = 70008, "Internal error (bug)";
    TimedOut => PJ_ETIMEDOUT = 70009, "Operation timed out";
    TooMany => PJ_ETOOMANY = 70010, "Too many objects of the specified type";
    /// For example a group lock held by another thread.
    Busy => PJ_EBUSY = 70011, "Object is busy";
    NotSupported => PJ_ENOTSUP = 70012, "Option/operation is not supported";
    InvalidOp => PJ_EINVALIDOP = 70013, "Invalid operation";
    Cancelled => PJ_ECANCELLED = 70014, "Operation cancelled";
    Exists => PJ_EEXISTS = 70015, "Object already exists";
    /// For example a print buffer too small.
    TooBig => PJ_ETOOBIG = 70017, "Size is too big";
    /// For example a challenge the application declined.
    Ignored => PJ_EIGNORED = 70020, "Operation is ignored";
    /// For example a group lock destroyed by this call.
    Gone => PJ_EGONE = 70023, "Object no longer exists";
    // pjsip messages (pjsip/sip_errno.h: PJSIP_ERRNO_START 171000 + n)
    InvalidMsg => PJSIP_EINVALIDMSG = 171020, "Invalid message or syntax error";
    NotRequestMsg => PJSIP_ENOTREQUESTMSG = 171021, "Expecting request message";
    NotResponseMsg => PJSIP_ENOTRESPONSEMSG = 171022, "Expecting response message";
    MsgTooLong => PJSIP_EMSGTOOLONG = 171023, "Message too long";
    InvalidStatus => PJSIP_EINVALIDSTATUS = 171030, "Invalid status code (not a 401/407 challenge)";
    MissingHdr => PJSIP_EMISSINGHDR = 171050, "Missing required header(s)";
    InvalidHdr => PJSIP_EINVALIDHDR = 171051, "Invalid header field";
    /// The last reference of a tx_data went.
    BufDestroyed => PJSIP_EBUFDESTROYED = 171063, "Buffer destroyed";
    TsxDestroyed => PJSIP_ETSXDESTROYED = 171070, "Transaction has been destroyed";
    // pjsip-ua
    /// A registration client with a REGISTER in progress.
    SipBusy => PJSIP_EBUSY = 171001, "Object is busy (a request is already in progress)";
    // pjsip authentication
    FailedCredential => PJSIP_EFAILEDCREDENTIAL = 171100, "Credential failed to authenticate";
    NoCredential => PJSIP_ENOCREDENTIAL = 171101, "No suitable credential";
    InvalidAlgorithm => PJSIP_EINVALIDALGORITHM = 171102, "Invalid/unsupported digest algorithm";
    InvalidQop => PJSIP_EINVALIDQOP = 171103, "Invalid/unsupported digest qop";
    InvalidAuthScheme => PJSIP_EINVALIDAUTHSCHEME = 171104, "Unsupported authentication scheme";
    AuthNoPrevChal => PJSIP_EAUTHNOPREVCHAL = 171105, "No previous challenge";
    AuthNoAuth => PJSIP_EAUTHNOAUTH = 171106, "No suitable authorization header";
    AuthAccNotFound => PJSIP_EAUTHACCNOTFOUND = 171107, "Account or credential not found";
    AuthInvalidRealm => PJSIP_EAUTHINVALIDREALM = 171109, "Invalid authorization realm";
    AuthInvalidDigest => PJSIP_EAUTHINVALIDDIGEST = 171110, "Invalid authorization digest";
    AuthStaleCount => PJSIP_EAUTHSTALECOUNT = 171111, "Maximum number of stale retries exceeded";
    AuthInNonce => PJSIP_EAUTHINNONCE = 171112, "Invalid nonce value in authentication challenge";
    AuthNoChal => PJSIP_EAUTHNOCHAL = 171114, "No authentication challenge found";
}

/// Shorthand used across the core.
pub type Result<T> = std::result::Result<T, Error>;

/// The `pj_status_t` of a result: `SUCCESS` or the error's number.
///
/// ```
/// use pjsip_auth_shim::status::{code, code_of, Error};
///
/// assert_eq!(code_of(Ok(())), code::PJ_SUCCESS);
/// assert_eq!(code_of(Err(Error::InvalidArg)), code::PJ_EINVAL);
/// assert_eq!(Error::from_code(code::PJ_EINVAL), Some(Error::InvalidArg));
/// ```
pub const fn code_of(r: Result<()>) -> Code {
    match r {
        Ok(()) => SUCCESS,
        Err(e) => e.code(),
    }
}

/// The text `pj_strerror` gives for `code`: "Success", an error's message,
/// or `None` for a number not in the table (the front end then writes
/// `"Unknown error <code>"`).
pub const fn strerror(code: Code) -> Option<&'static str> {
    if code == SUCCESS {
        return Some("Success");
    }
    match Error::from_code(code) {
        Some(e) => Some(e.message()),
        None => None,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_distinct_and_maps_back() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for &e in Error::ALL {
            assert!(codes.insert(e.code()), "{e:?}: number {} twice", e.code());
            assert!(names.insert(e.name()), "{e:?}: name {} twice", e.name());
            assert!(!e.message().is_empty());
            assert_ne!(e.code(), SUCCESS);
            assert_eq!(Error::from_code(e.code()), Some(e));
            assert_eq!(strerror(e.code()), Some(e.message()));
            assert!(e.name().starts_with("PJ_E") || e.name().starts_with("PJSIP_E"));
        }
        assert_eq!(Error::from_code(SUCCESS), None);
        assert_eq!(Error::from_code(70003), None);
        assert_eq!(strerror(SUCCESS), Some("Success"));
        assert_eq!(strerror(-1), None);
    }

    #[test]
    fn plain_constants_follow_the_table() {
        assert_eq!(code::PJ_SUCCESS, 0);
        assert_eq!(code::PJ_EINVAL, Error::InvalidArg.code());
        assert_eq!(Error::InvalidArg.name(), "PJ_EINVAL");
        assert_eq!(code::PJSIP_EAUTHNOCHAL, 171114);
        assert_eq!(code_of(Err(Error::Bug)), code::PJ_EBUG);
        assert_eq!(code_of(Ok(())), code::PJ_SUCCESS);
    }
}
