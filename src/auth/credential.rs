//! Credentials and preferences as the core keeps them: owned copies, so the
//! caller's buffers need only live for the call that handed them over.

/// What the secret of a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A plain password: serves any digest algorithm.
    Password,
    /// A pre-hashed HA1 in hex, valid only for the algorithm it was made with
    /// (PJSIP's `pjsip_auth_algorithm_type` numbering; 0, not set, means MD5).
    Ha1 { algorithm_type: i32 },
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
