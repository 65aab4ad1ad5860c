//! The state of one client authentication session.

use super::credential::{Credential, Prefs};
use crate::digest::DigestChallenge;

/// The last challenge answered for one realm and header kind (the
/// per-realm challenge cache of the digest client, see `auth::client`).
#[derive(Debug, Clone)]
pub struct CacheEntry {
    /// True for Proxy-Authenticate / Proxy-Authorization.
    pub proxy: bool,
    /// The challenge (owned).
    pub chal: DigestChallenge<'static>,
    /// The last nonce count sent with this nonce.
    pub nc: u32,
    /// The cnonce used with this nonce.
    pub cnonce: Vec<u8>,
    /// Stale retries in a row.
    pub stale_count: u32,
}

/// Credentials, preferences and the challenge cache of a session.
#[derive(Debug, Clone, Default)]
pub struct ClientSession {
    /// Credentials, in the order they were set.
    pub creds: Vec<Credential>,
    /// Preferences.
    pub prefs: Prefs,
    /// One entry per (realm, header kind) answered.
    pub cache: Vec<CacheEntry>,
}

impl ClientSession {
    /// Replaces the credentials.
    pub fn set_credentials(&mut self, creds: Vec<Credential>) {
        self.creds = creds;
    }

    /// The cache entry for `realm` (any case) and header kind.
    pub fn find_entry(&self, realm: &[u8], proxy: bool) -> Option<&CacheEntry> {
        self.cache
            .iter()
            .find(|e| e.proxy == proxy && e.chal.realm.eq_ignore_ascii_case(realm))
    }

    /// Stores `entry`, replacing the one for the same realm and kind.
    pub fn store_entry(&mut self, entry: CacheEntry) {
        match self.cache.iter_mut().find(|e| {
            e.proxy == entry.proxy && e.chal.realm.eq_ignore_ascii_case(&entry.chal.realm)
        }) {
            Some(e) => *e = entry,
            None => self.cache.push(entry),
        }
    }
}
