//! The state of one client authentication session.

use super::credential::{Credential, Prefs};

/// Credentials and preferences of a session. Challenge state (nonces, counts)
/// joins it with the digest client.
#[derive(Debug, Clone, Default)]
pub struct ClientSession {
    /// Credentials, in the order they were set.
    pub creds: Vec<Credential>,
    /// Preferences.
    pub prefs: Prefs,
}

impl ClientSession {
    /// Replaces the credentials.
    pub fn set_credentials(&mut self, creds: Vec<Credential>) {
        self.creds = creds;
    }
}
