//! Credentials and preferences as the core keeps them: owned copies, so the
//! caller's buffers need only live for the call that handed them over.

use crate::digest::Algorithm;
#[allow(unused_imports)]
use crate::prelude::*;

/// What the secret of a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A plain password: serves any digest algorithm.
    Password,
    /// A pre-hashed HA1 (`H(user:realm:password)`) in hex, valid only for
    /// the hash it was made with (`algorithm`, taken as its base: an HA1
    /// made with MD5 serves MD5 and MD5-sess).
    Ha1 {
        /// The hash the HA1 was made with.
        algorithm: Algorithm,
    },
    /// A pre-hashed HA1 for a hash this library cannot compute (the front
    /// end maps unknown algorithm numbers here): kept, so the credentials
    /// are the ones the application set, but it never answers a challenge.
    Ha1Unsupported,
    /// AKA (accepted for compatibility, never used to answer a challenge).
    Aka,
}

/// One credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Realm, or `*` for any realm.
    pub realm: Vec<u8>,
    /// Scheme, normally `digest`.
    pub scheme: Vec<u8>,
    /// User name.
    pub username: Vec<u8>,
    /// Password or HA1 hex, per `kind`.
    pub data: Vec<u8>,
    /// Kind of secret.
    pub kind: SecretKind,
}

impl Credential {
    /// True for the wildcard realm `*`.
    pub fn is_wildcard(&self) -> bool {
        self.realm == b"*"
    }
}

/// Client preferences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefs {
    /// Send an empty Authorization with the first request.
    pub initial_auth: bool,
    /// Algorithm name for that Authorization (may be empty).
    pub algorithm: Vec<u8>,
}
