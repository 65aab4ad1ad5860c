//! The state of one client authentication session.

use super::credential::{Credential, Prefs};
use super::planner::Plan;
use crate::digest::{Algorithm, DigestChallenge, Hex};
#[allow(unused_imports)]
use crate::prelude::*;
use std::fmt;

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
    /// The header value `chal` was parsed from, when it held that challenge
    /// alone (empty otherwise): the same text again needs no parsing.
    pub raw: Vec<u8>,
    /// Stale retries in a row.
    pub stale_count: u32,
    /// When this entry was last answered or sent pre-emptively (the
    /// session's `clock` then): the least recent is evicted first.
    pub used: u64,
}

/// Most challenges a session keeps, one per (realm, header kind); past it
/// the least recently used entry is replaced. A UA answers one or two
/// realms (a registrar, an outbound proxy), each with 401 or 407, so an
/// honest server never reaches it; a server inventing realms (answered
/// through a wildcard `*` credential) can no longer grow the session
/// without bound. Each entry holds at most about two challenge values
/// (`digest::challenge::MAX_INPUT_LEN`, 8 KiB, each), so the cache stays
/// under about 256 KiB whatever a server sends. A realm evicted and
/// challenged again is answered as new (fresh cnonce, stale count 0).
///
/// cbindgen:ignore
pub const MAX_CACHED_CHALLENGES: usize = 16;

/// Most HA1 values a session remembers (one per user, realm, password and
/// hash; a session normally needs one or two).
pub(crate) const HA1_CACHE_SIZE: usize = 8;

/// A computed `H(user:realm:password)`: it depends on nothing else, so a
/// session computes it once per credential and realm. The key is kept in
/// full and compared exactly, so replacing the credentials (by any path)
/// can never reuse a stale value.
#[derive(Clone)]
pub struct Ha1Entry {
    /// The hash (a base algorithm: MD5, SHA-256 or SHA-512-256).
    pub algorithm: Algorithm,
    /// User name.
    pub username: Vec<u8>,
    /// Realm, exactly as the challenge wrote it (it is hashed as written).
    pub realm: Vec<u8>,
    /// The password.
    pub password: Vec<u8>,
    /// `H(user:realm:password)` in hex.
    pub ha1: Hex,
}

impl Ha1Entry {
    /// True when this entry is the HA1 of exactly these inputs.
    pub fn matches(
        &self,
        algorithm: Algorithm,
        user: &[u8],
        realm: &[u8],
        password: &[u8],
    ) -> bool {
        self.algorithm == algorithm.base()
            && self.realm == realm
            && self.username == user
            && self.password == password
    }
}

/// A computed HA2 `H(method:uri)` (qop auth or none; auth-int also hashes
/// the body and is not kept): one per hash, for the last request line it
/// was computed for. A session answering refreshes of the same request
/// computes it once.
#[derive(Debug, Clone)]
pub struct Ha2Entry {
    /// The hash (a base algorithm).
    pub algorithm: Algorithm,
    /// The method hashed.
    pub method: Vec<u8>,
    /// The Request-URI hashed.
    pub uri: Vec<u8>,
    /// `H(method:uri)` in hex.
    pub ha2: Hex,
}

impl fmt::Debug for Ha1Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password and its hash are secrets: never printed.
        f.debug_struct("Ha1Entry")
            .field("algorithm", &self.algorithm)
            .field("realm", &String::from_utf8_lossy(&self.realm))
            .finish_non_exhaustive()
    }
}

/// Credentials, preferences and the challenge cache of a session.
#[derive(Debug, Clone, Default)]
pub struct ClientSession {
    /// Credentials, in the order they were set.
    pub creds: Vec<Credential>,
    /// Preferences.
    pub prefs: Prefs,
    /// One entry per (realm, header kind) answered, at most
    /// `MAX_CACHED_CHALLENGES` (read with `cached`).
    pub(crate) cache: Vec<CacheEntry>,
    /// Recency counter for `CacheEntry::used` (ticks once per entry use).
    pub(crate) clock: u64,
    /// HA1 values already computed (at most `HA1_CACHE_SIZE`).
    pub(crate) ha1: Vec<Ha1Entry>,
    /// HA2 values already computed (one per hash).
    pub(crate) ha2: Vec<Ha2Entry>,
    /// The planner's reused buffers (no meaning between calls).
    pub(crate) scratch: Plan,
}

impl ClientSession {
    /// A session holding `creds` and default preferences.
    pub fn with_credentials(creds: Vec<Credential>) -> ClientSession {
        ClientSession {
            creds,
            ..ClientSession::default()
        }
    }

    /// The challenges answered so far, one per (realm, header kind), at most
    /// `MAX_CACHED_CHALLENGES`, in no particular order.
    pub fn cached(&self) -> &[CacheEntry] {
        &self.cache
    }

    /// How many HA1 and HA2 values the session remembers (both bounded: at
    /// most 8 HA1, one HA2 per hash).
    pub fn remembered_hashes(&self) -> (usize, usize) {
        (self.ha1.len(), self.ha2.len())
    }

    /// Replaces the credentials (and forgets the HA1 values of the old ones).
    pub fn set_credentials(&mut self, creds: Vec<Credential>) {
        self.creds = creds;
        self.ha1.clear();
    }

    /// The cache entry for `realm` (any case) and header kind.
    pub fn find_entry(&self, realm: &[u8], proxy: bool) -> Option<&CacheEntry> {
        self.cache
            .iter()
            .find(|e| e.proxy == proxy && e.chal.realm.eq_ignore_ascii_case(realm))
    }

    /// Stores `entry`, replacing the one for the same realm and kind; a
    /// new realm goes in through [`insert_entry`](Self::insert_entry).
    pub fn store_entry(&mut self, entry: CacheEntry) {
        let same = self.cache.iter().position(|e| {
            e.proxy == entry.proxy && e.chal.realm.eq_ignore_ascii_case(&entry.chal.realm)
        });
        match same {
            Some(i) => {
                self.cache[i] = entry;
                self.touch(i);
            }
            None => {
                let CacheEntry {
                    proxy,
                    chal,
                    nc,
                    cnonce,
                    raw,
                    stale_count,
                    used: _,
                } = entry;
                self.insert_entry(proxy, chal, nc, &cnonce, &raw, stale_count);
            }
        }
    }

    /// Marks entry `i` as used now.
    pub fn touch(&mut self, i: usize) {
        self.clock = self.clock.wrapping_add(1);
        if let Some(e) = self.cache.get_mut(i) {
            e.used = self.clock;
        }
    }

    /// Adds an entry for a realm and kind not in the cache. When the cache
    /// holds `MAX_CACHED_CHALLENGES` entries, the least recently used one
    /// is overwritten in place (its buffers reused: no allocation beyond
    /// the challenge, which is owned already). Returns the entry's index.
    pub fn insert_entry(
        &mut self,
        proxy: bool,
        chal: DigestChallenge<'static>,
        nc: u32,
        cnonce: &[u8],
        raw: &[u8],
        stale_count: u32,
    ) -> usize {
        self.clock = self.clock.wrapping_add(1);
        let used = self.clock;
        if self.cache.len() < MAX_CACHED_CHALLENGES {
            self.cache.push(CacheEntry {
                proxy,
                chal,
                nc,
                cnonce: cnonce.to_vec(),
                raw: raw.to_vec(),
                stale_count,
                used,
            });
            return self.cache.len() - 1;
        }
        // A linear pass over at most MAX_CACHED_CHALLENGES entries, as every
        // cache lookup is.
        let (i, e) = self
            .cache
            .iter_mut()
            .enumerate()
            .min_by_key(|(_, e)| e.used)
            .expect("the cache is full, so not empty");
        e.proxy = proxy;
        e.chal = chal;
        e.nc = nc;
        e.cnonce.clear();
        e.cnonce.extend_from_slice(cnonce);
        e.raw.clear();
        e.raw.extend_from_slice(raw);
        e.stale_count = stale_count;
        e.used = used;
        i
    }

    /// The HA2 of `method` and `uri` for `algorithm`'s hash, if known.
    pub fn find_ha2(&self, algorithm: Algorithm, method: &[u8], uri: &[u8]) -> Option<Hex> {
        self.ha2
            .iter()
            .find(|e| e.algorithm == algorithm.base() && e.method == method && e.uri == uri)
            .map(|e| e.ha2)
    }

    /// Remembers an HA2, replacing the one of the same hash (in place: no
    /// allocation once the buffers are large enough).
    pub fn store_ha2(&mut self, algorithm: Algorithm, method: &[u8], uri: &[u8], ha2: Hex) {
        let algorithm = algorithm.base();
        match self.ha2.iter_mut().find(|e| e.algorithm == algorithm) {
            Some(e) => {
                e.method.clear();
                e.method.extend_from_slice(method);
                e.uri.clear();
                e.uri.extend_from_slice(uri);
                e.ha2 = ha2;
            }
            None => self.ha2.push(Ha2Entry {
                algorithm,
                method: method.to_vec(),
                uri: uri.to_vec(),
                ha2,
            }),
        }
    }

    /// Remembers an HA1 (replacing the oldest when full).
    pub fn store_ha1(&mut self, entry: Ha1Entry) {
        if self.ha1.len() >= HA1_CACHE_SIZE {
            self.ha1.remove(0);
        }
        self.ha1.push(entry);
    }
}
