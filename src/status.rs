//! Errors of the core, one variant per failure a caller can act on.
//!
//! The core never speaks in numbers; `ffi::status` is the one place that maps
//! each variant to its `pj_status_t` value (and back, for `pj_strerror`).

use std::fmt;

/// Every failure the library can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    // pjlib
    Unknown,
    Pending,
    InvalidArg,
    NotFound,
    NoMemory,
    Bug,
    TimedOut,
    TooMany,
    Busy,
    NotSupported,
    InvalidOp,
    Cancelled,
    Exists,
    TooBig,
    Ignored,
    Gone,
    // pjsip messages
    InvalidMsg,
    NotRequestMsg,
    NotResponseMsg,
    MsgTooLong,
    InvalidStatus,
    MissingHdr,
    InvalidHdr,
    BufDestroyed,
    TsxDestroyed,
    // pjsip-ua
    SipBusy,
    // pjsip authentication
    FailedCredential,
    NoCredential,
    InvalidAlgorithm,
    InvalidQop,
    InvalidAuthScheme,
    AuthNoPrevChal,
    AuthNoAuth,
    AuthAccNotFound,
    AuthInvalidRealm,
    AuthInvalidDigest,
    AuthStaleCount,
    AuthInNonce,
    AuthNoChal,
}

/// Shorthand used across the core.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// All variants, so that tables (status codes, messages) can be checked for completeness.
    pub const ALL: [Error; 39] = [
        Error::Unknown,
        Error::Pending,
        Error::InvalidArg,
        Error::NotFound,
        Error::NoMemory,
        Error::Bug,
        Error::TimedOut,
        Error::TooMany,
        Error::Busy,
        Error::NotSupported,
        Error::InvalidOp,
        Error::Cancelled,
        Error::Exists,
        Error::TooBig,
        Error::Ignored,
        Error::Gone,
        Error::InvalidMsg,
        Error::NotRequestMsg,
        Error::NotResponseMsg,
        Error::MsgTooLong,
        Error::InvalidStatus,
        Error::MissingHdr,
        Error::InvalidHdr,
        Error::BufDestroyed,
        Error::TsxDestroyed,
        Error::SipBusy,
        Error::FailedCredential,
        Error::NoCredential,
        Error::InvalidAlgorithm,
        Error::InvalidQop,
        Error::InvalidAuthScheme,
        Error::AuthNoPrevChal,
        Error::AuthNoAuth,
        Error::AuthAccNotFound,
        Error::AuthInvalidRealm,
        Error::AuthInvalidDigest,
        Error::AuthStaleCount,
        Error::AuthInNonce,
        Error::AuthNoChal,
    ];

    /// A short human-readable description.
    pub const fn message(self) -> &'static str {
        match self {
            Error::Unknown => "Unknown error",
            Error::Pending => "Pending operation",
            Error::InvalidArg => "Invalid argument",
            Error::NotFound => "Not found",
            Error::NoMemory => "Not enough memory",
            Error::Bug => "Internal error (bug)",
            Error::TimedOut => "Operation timed out",
            Error::TooMany => "Too many objects of the specified type",
            Error::Busy => "Object is busy",
            Error::NotSupported => "Option/operation is not supported",
            Error::InvalidOp => "Invalid operation",
            Error::Cancelled => "Operation cancelled",
            Error::Exists => "Object already exists",
            Error::TooBig => "Size is too big",
            Error::Ignored => "Operation is ignored",
            Error::Gone => "Object no longer exists",
            Error::InvalidMsg => "Invalid message or syntax error",
            Error::NotRequestMsg => "Expecting request message",
            Error::NotResponseMsg => "Expecting response message",
            Error::MsgTooLong => "Message too long",
            Error::InvalidStatus => "Invalid status code (not a 401/407 challenge)",
            Error::MissingHdr => "Missing required header(s)",
            Error::InvalidHdr => "Invalid header field",
            Error::BufDestroyed => "Buffer destroyed",
            Error::TsxDestroyed => "Transaction has been destroyed",
            Error::SipBusy => "Object is busy (a request is already in progress)",
            Error::FailedCredential => "Credential failed to authenticate",
            Error::NoCredential => "No suitable credential",
            Error::InvalidAlgorithm => "Invalid/unsupported digest algorithm",
            Error::InvalidQop => "Invalid/unsupported digest qop",
            Error::InvalidAuthScheme => "Unsupported authentication scheme",
            Error::AuthNoPrevChal => "No previous challenge",
            Error::AuthNoAuth => "No suitable authorization header",
            Error::AuthAccNotFound => "Account or credential not found",
            Error::AuthInvalidRealm => "Invalid authorization realm",
            Error::AuthInvalidDigest => "Invalid authorization digest",
            Error::AuthStaleCount => "Maximum number of stale retries exceeded",
            Error::AuthInNonce => "Invalid nonce value in authentication challenge",
            Error::AuthNoChal => "No authentication challenge found",
        }
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
    fn all_lists_every_variant_once() {
        let mut seen = std::collections::HashSet::new();
        for e in Error::ALL {
            assert!(seen.insert(e), "{e:?} listed twice");
            assert!(!e.message().is_empty());
        }
    }
}
