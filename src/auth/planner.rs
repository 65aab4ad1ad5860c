//! The digest client's planner: from the session's state and borrowed views
//! of a response and a request (`auth::view`), it computes everything an
//! answer needs (the authorization header values, which headers they
//! replace, the session updates) and changes nothing. `auth::apply` then
//! edits the request and commits the updates, so an error at any step of
//! planning leaves both the request and the session as they were.
//!
//! Promises:
//! - Pure: the only inputs are the arguments (fresh cnonces come from the
//!   `cnonce` callback), the only output is the `Plan`.
//! - The request's authorization headers are parsed once per plan.
//! - Steady state without heap allocation: the plan's buffers are reused
//!   from call to call, an answer for a nonce already known reuses the
//!   cached challenge and cnonce, and `H(user:realm:password)` is computed
//!   once per credential and realm (`ClientSession::ha1`). (Parsing the
//!   challenge header itself is `digest::parse_challenges`' business.)
//! - The nonce/stale rule is one function, `nonce_rule`.
//! - Bearer (`auth::bearer`): per kind, a `Bearer` challenge is answered
//!   only when no Digest challenge of that kind could be; a Bearer answer
//!   keeps no session state, and the token the request already carries
//!   being challenged again means it was refused (`FailedCredential`).

use super::bearer;
use super::client::MAX_STALE;
use super::credential::{Credential, SecretKind};
use super::session::{ClientSession, Ha1Entry};
use super::view::{AuthKind, RequestView, ResponseView};
use crate::digest::{
    self, authorize_with_ha2, parse_authorization, parse_challenges, write_authorization,
    Algorithm, Answer, AuthorizationFields, DigestChallenge, Hex, ParseError, Qop, Secret,
};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::status::{Error, Result};
use std::ops::Range;

/// What the session knows about the realm a challenge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The challenge carries the nonce last answered for this realm.
    pub same_nonce: bool,
    /// Stale retries in a row so far.
    pub stale_count: u32,
}

/// How an answer uses the nonce, and the stale count to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceStep {
    /// A nonce not used before: nc 1 and a fresh cnonce.
    Fresh {
        /// Stale retries in a row, this one included.
        stale_count: u32,
    },
    /// The nonce already in use: the next nc, the same cnonce.
    Next {
        /// Stale retries in a row, this one included.
        stale_count: u32,
    },
}

impl NonceStep {
    /// The stale count to keep.
    pub const fn stale_count(self) -> u32 {
        match self {
            NonceStep::Fresh { stale_count } | NonceStep::Next { stale_count } => stale_count,
        }
    }
}

/// The nonce/stale rule of the client, for one challenge:
/// - nothing known about the realm: a fresh answer;
/// - the request carries no answer for the realm yet (a new request, which
///   a registrar may challenge with the nonce it already gave): no verdict
///   on the credentials; the same nonce continues (next nc), a new one
///   starts fresh; the stale count restarts;
/// - the request already carried an answer: the same nonce without
///   `stale=true` means the credentials were refused
///   (`FailedCredential`); `stale=true` or a new nonce is a stale retry,
///   at most `MAX_STALE` in a row (`AuthStaleCount` after that).
pub fn nonce_rule(known: Option<Known>, stale: bool, answer_sent: bool) -> Result<NonceStep> {
    let Some(k) = known else {
        return Ok(NonceStep::Fresh { stale_count: 0 });
    };
    if !answer_sent {
        return Ok(if k.same_nonce {
            NonceStep::Next { stale_count: 0 }
        } else {
            NonceStep::Fresh { stale_count: 0 }
        });
    }
    if k.same_nonce && !stale {
        return Err(Error::FailedCredential);
    }
    let stale_count = k.stale_count.saturating_add(1);
    if stale_count > MAX_STALE {
        return Err(Error::AuthStaleCount);
    }
    Ok(if k.same_nonce {
        NonceStep::Next { stale_count }
    } else {
        NonceStep::Fresh { stale_count }
    })
}

/// What committing an answer changes in the session.
#[derive(Debug, Clone)]
pub struct SessionUpdate {
    /// The cache entry to update (an index into `ClientSession::cache`);
    /// `None`: add a new entry.
    pub entry: Option<usize>,
    /// The challenge to keep; `None`: keep the cached one (it is equal).
    pub challenge: Option<DigestChallenge<'static>>,
    /// The nonce count sent.
    pub nc: u32,
    /// A new cnonce (a range of the plan's cnonce text); `None`: keep the
    /// cached one.
    cnonce: Option<Range<usize>>,
    /// The header text the challenge came from (a range of the plan's
    /// text; empty when it shared its header); `None`: unchanged.
    raw: Option<Range<usize>>,
    /// Stale retries in a row.
    pub stale_count: u32,
    /// An HA1 computed for this answer, to remember.
    pub ha1: Option<Ha1Entry>,
}

impl SessionUpdate {
    pub(crate) fn cnonce_range(&self) -> Option<Range<usize>> {
        self.cnonce.clone()
    }

    pub(crate) fn raw_range(&self) -> Option<Range<usize>> {
        self.raw.clone()
    }
}

/// One authorization header to add.
#[derive(Debug, Clone)]
pub struct PlannedAnswer {
    /// Authorization or Proxy-Authorization.
    pub kind: AuthKind,
    realm: Range<usize>,
    value: Range<usize>,
    /// The session update; `None` for an initial (empty) Authorization
    /// and for a Bearer answer.
    pub update: Option<SessionUpdate>,
    /// A Bearer answer: it replaces the request's Bearer headers of its kind.
    bearer: bool,
}

/// A realm the request already answers.
#[derive(Debug, Clone)]
struct Carried {
    kind: AuthKind,
    position: u32,
    realm: Range<usize>,
}

/// What to do to a request and a session; also the reused scratch space of
/// the planner (keep one per session: `ClientSession::scratch`).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    answers: Vec<PlannedAnswer>,
    remove: [Vec<u32>; 2],
    prepare_retry: bool,
    reset_stale: bool,
    /// Header values and realms of `answers`.
    text: Vec<u8>,
    /// New cnonces of the updates.
    cnonces: Vec<u8>,
    carried: Vec<Carried>,
    /// Bearer authorizations of the request (the range is the token).
    carried_bearer: Vec<Carried>,
    carried_text: Vec<u8>,
    /// HA2 values computed by this plan, to remember (method and URI are
    /// `line[..method_len]` and `line[method_len..]`).
    ha2_new: Vec<(Algorithm, Hex)>,
    line: Vec<u8>,
    method_len: usize,
}

const fn slot(kind: AuthKind) -> usize {
    match kind {
        AuthKind::Www => 0,
        AuthKind::Proxy => 1,
    }
}

impl Plan {
    fn clear(&mut self) {
        self.answers.clear();
        self.remove[0].clear();
        self.remove[1].clear();
        self.prepare_retry = false;
        self.reset_stale = false;
        self.text.clear();
        self.cnonces.clear();
        self.carried.clear();
        self.carried_bearer.clear();
        self.carried_text.clear();
        self.ha2_new.clear();
        self.line.clear();
        self.method_len = 0;
    }

    /// HA2 for this answer: from the session, from this plan, or computed
    /// (and then kept, unless it covers the body).
    fn ha2(&mut self, inp: &Inputs<'_>, alg: Algorithm, qop: Option<Qop>) -> Hex {
        if qop == Some(Qop::AuthInt) {
            return digest::ha2(alg, inp.method, inp.uri, qop, inp.body);
        }
        if let Some(h) = inp.session.find_ha2(alg, inp.method, inp.uri) {
            return h;
        }
        if let Some((_, h)) = self.ha2_new.iter().find(|(a, _)| *a == alg.base()) {
            return *h;
        }
        let h = digest::ha2(alg, inp.method, inp.uri, qop, inp.body);
        if self.line.is_empty() {
            self.line.extend_from_slice(inp.method);
            self.method_len = self.line.len();
            self.line.extend_from_slice(inp.uri);
        }
        self.ha2_new.push((alg.base(), h));
        h
    }

    /// The HA2 values to remember: (hash, method, uri, HA2).
    pub(crate) fn new_ha2(&self) -> impl Iterator<Item = (Algorithm, &[u8], &[u8], Hex)> + '_ {
        let (m, u) = self.line.split_at(self.method_len);
        self.ha2_new.iter().map(move |(a, h)| (*a, m, u, *h))
    }

    /// The headers to add, in order.
    pub fn answers(&self) -> &[PlannedAnswer] {
        &self.answers
    }

    /// The header value of `a` (an answer of this plan).
    pub fn value(&self, a: &PlannedAnswer) -> &str {
        // Checked to be UTF-8 when planned; the fallback is unreachable.
        std::str::from_utf8(&self.text[a.value.clone()]).unwrap_or_default()
    }

    /// The realm `a` answers.
    pub fn realm(&self, a: &PlannedAnswer) -> &[u8] {
        &self.text[a.realm.clone()]
    }

    /// The new cnonce of `u` (an update of this plan), if it sets one.
    pub fn new_cnonce(&self, u: &SessionUpdate) -> Option<&[u8]> {
        u.cnonce.clone().map(|r| &self.cnonces[r])
    }

    /// The positions of the authorization headers of `kind` to remove
    /// (ascending; see `AuthRequest::remove_authorizations`).
    pub fn removals(&self, kind: AuthKind) -> &[u32] {
        &self.remove[slot(kind)]
    }

    /// Whether the request is to be prepared for a retry (reinit).
    pub fn prepares_retry(&self) -> bool {
        self.prepare_retry
    }

    /// Whether every stale count of the session restarts (init).
    pub fn resets_stale(&self) -> bool {
        self.reset_stale
    }

    pub(crate) fn take_updates(&mut self) -> (&mut [PlannedAnswer], &[u8], &[u8]) {
        (&mut self.answers, &self.cnonces, &self.text)
    }

    /// Parses the request's authorization headers once: the realm of each
    /// Digest one, the token of each Bearer one (others are neither answers
    /// nor replaced).
    fn read_carried<Q: RequestView + ?Sized>(&mut self, request: &Q) {
        for kind in AuthKind::both() {
            for (i, v) in request.authorizations(kind).enumerate() {
                let start = self.carried_text.len();
                let list = if let Ok(c) = parse_authorization(v) {
                    self.carried_text.extend_from_slice(&c.realm);
                    &mut self.carried
                } else if let Some(t) = bearer::token_of(v) {
                    self.carried_text.extend_from_slice(t);
                    &mut self.carried_bearer
                } else {
                    continue;
                };
                list.push(Carried {
                    kind,
                    position: i as u32,
                    realm: start..self.carried_text.len(),
                });
            }
        }
    }

    fn carries_bearer(&self, kind: AuthKind, token: &[u8]) -> bool {
        self.carried_bearer
            .iter()
            .any(|c| c.kind == kind && self.carried_text[c.realm.clone()] == *token)
    }

    /// Plans `Bearer <token>` of `cred` for a challenge of `kind` naming
    /// `realm` (empty: none), replacing the request's Bearer headers of
    /// that kind.
    fn push_bearer(&mut self, kind: AuthKind, cred: &Credential, realm: &[u8]) -> Result<()> {
        if !bearer::valid_token(&cred.data) {
            return Err(Error::InvalidArg);
        }
        let (value, realm) = self.push_value(realm, |out| {
            bearer::write_answer(out, &cred.data);
            Ok(())
        })?;
        self.answers.push(PlannedAnswer {
            kind,
            realm,
            value,
            update: None,
            bearer: true,
        });
        Ok(())
    }

    fn carries(&self, kind: AuthKind, realm: &[u8]) -> bool {
        self.carried.iter().any(|c| {
            c.kind == kind && self.carried_text[c.realm.clone()].eq_ignore_ascii_case(realm)
        })
    }

    fn answers_realm(&self, kind: AuthKind, realm: &[u8]) -> bool {
        self.answers
            .iter()
            .any(|a| a.kind == kind && self.text[a.realm.clone()].eq_ignore_ascii_case(realm))
    }

    /// Marks for removal every carried header replaced by an answer that
    /// updates the session (initial empty ones replace nothing).
    fn plan_removals(&mut self) {
        for a in self.answers.iter().filter(|a| a.bearer) {
            for c in self.carried_bearer.iter().filter(|c| c.kind == a.kind) {
                self.remove[slot(a.kind)].push(c.position);
            }
        }
        for a in self.answers.iter().filter(|a| a.update.is_some()) {
            let realm = &self.text[a.realm.clone()];
            for c in &self.carried {
                if c.kind == a.kind
                    && self.carried_text[c.realm.clone()].eq_ignore_ascii_case(realm)
                {
                    self.remove[slot(a.kind)].push(c.position);
                }
            }
        }
        for r in &mut self.remove {
            r.sort_unstable();
            r.dedup();
        }
    }

    /// Appends `write`'s output and `realm` to the text: the ranges of both.
    /// The output must be UTF-8 (header values are text); nothing is kept
    /// on error.
    fn push_value(
        &mut self,
        realm: &[u8],
        write: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Result<(Range<usize>, Range<usize>)> {
        let start = self.text.len();
        write(&mut self.text)?;
        if std::str::from_utf8(&self.text[start..]).is_err() {
            self.text.truncate(start);
            return Err(Error::InvalidArg);
        }
        let mid = self.text.len();
        self.text.extend_from_slice(realm);
        Ok((start..mid, mid..self.text.len()))
    }
}

fn cred_serves(c: &Credential, alg: Algorithm) -> bool {
    let scheme_ok = c.scheme.is_empty() || c.scheme.eq_ignore_ascii_case(b"digest");
    scheme_ok
        && match c.kind {
            SecretKind::Password => true,
            SecretKind::Ha1 { algorithm } => algorithm.base() == alg.base(),
            SecretKind::Ha1Unsupported | SecretKind::Aka => false,
        }
}

/// The credential for `realm` and `alg`: an exact realm (any case) first,
/// else the wildcard `*`.
pub fn find_credential<'a>(
    creds: &'a [Credential],
    realm: &[u8],
    alg: Algorithm,
) -> Option<&'a Credential> {
    let ok = |c: &&Credential| cred_serves(c, alg);
    creds
        .iter()
        .filter(ok)
        .find(|c| c.realm.eq_ignore_ascii_case(realm))
        .or_else(|| creds.iter().filter(ok).find(|c| c.is_wildcard()))
}

/// `H(user:realm:password)` for a password credential (from the session's
/// HA1 cache, or computed, then also returned to be remembered); `None`
/// for a stored HA1, which is used as it is.
fn base_ha1(
    session: &ClientSession,
    cred: &Credential,
    alg: Algorithm,
    realm: &[u8],
) -> Result<Option<(Hex, Option<Ha1Entry>)>> {
    match cred.kind {
        SecretKind::Password => {
            let base = alg.base();
            let user = &cred.username;
            let pass = &cred.data;
            if let Some(e) = session
                .ha1
                .iter()
                .find(|e| e.matches(base, user, realm, pass))
            {
                return Ok(Some((e.ha1, None)));
            }
            let ha1 = digest::ha1(base, user, realm, pass, b"", b"");
            Ok(Some((
                ha1,
                Some(Ha1Entry {
                    algorithm: base,
                    username: user.clone(),
                    realm: realm.to_vec(),
                    password: pass.clone(),
                    ha1,
                }),
            )))
        }
        SecretKind::Ha1 { .. } => Ok(None),
        SecretKind::Ha1Unsupported | SecretKind::Aka => Err(Error::NoCredential),
    }
}

/// The secret to answer with: the base HA1 when there is one, else the
/// credential's stored HA1.
fn secret<'a>(cred: &'a Credential, alg: Algorithm, base: Option<&'a Hex>) -> Result<Secret<'a>> {
    match (base, cred.kind) {
        (Some(h), _) => Ok(Secret::Ha1Hex {
            algorithm: alg.base(),
            hex: h.as_bytes(),
        }),
        (None, SecretKind::Ha1 { algorithm }) => Ok(Secret::Ha1Hex {
            algorithm,
            hex: &cred.data,
        }),
        (None, _) => Err(Error::NoCredential),
    }
}

/// How far an unusable challenge got; the best one decides the error.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Reject {
    Scheme,
    /// A Bearer challenge and no Bearer credential for it (`NoCredential`,
    /// but any reason a Digest challenge gave is more telling).
    Bearer,
    /// A header value over `digest::challenge::MAX_INPUT_LEN`: not parsed,
    /// so it may have held a Digest challenge (`MsgTooLong`, not a verdict
    /// on its scheme).
    TooLong,
    Algorithm,
    Qop,
    Credential,
}

impl Reject {
    fn error(self) -> Error {
        match self {
            Reject::Scheme => Error::InvalidAuthScheme,
            Reject::Bearer => Error::NoCredential,
            Reject::TooLong => Error::MsgTooLong,
            Reject::Algorithm => Error::InvalidAlgorithm,
            Reject::Qop => Error::InvalidQop,
            Reject::Credential => Error::NoCredential,
        }
    }
}

/// The request-side inputs of every answer in one plan.
struct Inputs<'a> {
    session: &'a ClientSession,
    method: &'a [u8],
    uri: &'a [u8],
    body: &'a [u8],
}

/// Whether `consider` planned an answer, and if so whether the session must
/// keep the challenge (it differs from the cached one).
enum Considered {
    Skipped,
    Answered { store_challenge: bool },
}

/// Plans the answer to one Digest challenge `d` of `kind`, unless the
/// challenge is unusable (then `reject` learns how far it got) or its realm
/// is already answered in this plan. `raw` is the header value when it held
/// `d` alone (remembered so that the same text is not parsed again).
fn consider(
    inp: &Inputs<'_>,
    plan: &mut Plan,
    kind: AuthKind,
    d: &DigestChallenge<'_>,
    raw: Option<&[u8]>,
    cnonce: &mut dyn FnMut(&mut Vec<u8>),
    reject: &mut dyn FnMut(Reject),
) -> Result<Considered> {
    let session = inp.session;
    let Some(alg) = d.algorithm() else {
        reject(Reject::Algorithm);
        return Ok(Considered::Skipped);
    };
    let Ok(qop) = d.choose_qop() else {
        reject(Reject::Qop);
        return Ok(Considered::Skipped);
    };
    if plan.answers_realm(kind, &d.realm) {
        return Ok(Considered::Skipped); // RFC 8760: one answer per realm, the topmost.
    }
    let Some(cred) = find_credential(&session.creds, &d.realm, alg) else {
        reject(Reject::Credential);
        return Ok(Considered::Skipped);
    };
    let entry = session
        .cache
        .iter()
        .position(|e| e.proxy == kind.is_proxy() && e.chal.realm.eq_ignore_ascii_case(&d.realm));
    let prev = entry.map(|i| &session.cache[i]);
    let known = prev.map(|p| Known {
        same_nonce: p.chal.nonce == d.nonce,
        stale_count: p.stale_count,
    });
    let step = nonce_rule(known, d.stale, plan.carries(kind, &d.realm))?;
    let (nc, new_cnonce) = match (step, prev) {
        (NonceStep::Next { .. }, Some(p)) => (p.nc.wrapping_add(1).max(1), None),
        _ => {
            let start = plan.cnonces.len();
            cnonce(&mut plan.cnonces);
            (1, Some(start..plan.cnonces.len()))
        }
    };
    let base = base_ha1(session, cred, alg, &d.realm)?;
    let ha2 = plan.ha2(inp, alg, qop);
    let cn: &[u8] = match (&new_cnonce, prev) {
        (Some(r), _) => &plan.cnonces[r.clone()],
        (None, Some(p)) => &p.cnonce,
        (None, None) => b"",
    };
    let answer = Answer {
        username: &cred.username,
        secret: secret(cred, alg, base.as_ref().map(|(h, _)| h))?,
        method: inp.method,
        uri: inp.uri,
        body: inp.body,
        nc,
        cnonce: cn,
    };
    // The cnonce is read from `plan.cnonces` while the value goes to
    // `plan.text`: two fields, borrowed apart.
    let text = &mut plan.text;
    let start = text.len();
    authorize_with_ha2(d, &answer, Some(&ha2), text)?;
    if std::str::from_utf8(&text[start..]).is_err() {
        text.truncate(start);
        return Err(Error::InvalidArg);
    }
    let mid = text.len();
    text.extend_from_slice(&d.realm);
    let end = text.len();
    let raw_now: &[u8] = raw.unwrap_or_default();
    let raw = match prev {
        Some(p) if p.raw == raw_now => None,
        _ => {
            text.extend_from_slice(raw_now);
            Some(end..text.len())
        }
    };
    let store_challenge = !prev.is_some_and(|p| p.chal == *d);
    plan.answers.push(PlannedAnswer {
        kind,
        realm: mid..end,
        value: start..mid,
        update: Some(SessionUpdate {
            entry,
            challenge: None,
            nc,
            cnonce: new_cnonce,
            raw,
            stale_count: step.stale_count(),
            ha1: base.and_then(|(_, e)| e),
        }),
        bearer: false,
    });
    Ok(Considered::Answered { store_challenge })
}

/// Plans a Bearer answer for a `kind` whose Digest challenges got none:
/// `realm` is that of the topmost Bearer challenge (`None`: it named none).
fn consider_bearer(
    session: &ClientSession,
    plan: &mut Plan,
    kind: AuthKind,
    realm: Option<&[u8]>,
    reject: &mut dyn FnMut(Reject),
) -> Result<()> {
    let Some(cred) = bearer::find(&session.creds, realm) else {
        reject(Reject::Bearer);
        return Ok(());
    };
    if plan.carries_bearer(kind, &cred.data) {
        // The server challenged the token it was given: refused (RFC 6750
        // error="invalid_token"); a fresh one must come from the application.
        return Err(Error::FailedCredential);
    }
    plan.push_bearer(kind, cred, realm.unwrap_or_default())
}

/// Plans the answer to the 401/407 `response` for `request` (reinit).
///
/// Every WWW-Authenticate (answered with Authorization) and
/// Proxy-Authenticate (Proxy-Authorization) challenge is considered in
/// order; per realm and kind the topmost usable Digest challenge is
/// answered (RFC 8760), the others for that realm skipped. A kind whose
/// Digest challenges got no answer and that has a Bearer challenge is
/// answered `Bearer <token>` from the Bearer credential for the topmost
/// Bearer challenge's realm (exact, else `*`; any when it names none):
/// Digest when a Digest credential matches, else Bearer. `cnonce` appends
/// a fresh client nonce to its argument; it is called once per answer with
/// a nonce new to the session. A header value identical to the one a cached
/// challenge was parsed from (the steady state: the same nonce again) is
/// not parsed again: parsing is a function of the text, so the cached
/// challenge is what parsing would give.
///
/// Errors: `InvalidStatus` (not a 401/407), `NotRequestMsg`, `AuthNoChal`
/// (no challenge header), the nonce rule's `FailedCredential` and
/// `AuthStaleCount`, `FailedCredential` for a Bearer challenge to the
/// token the request carries, `InvalidArg` for a Bearer token that is not
/// a b64token, and when nothing could be answered the best reason found:
/// `NoCredential`, `InvalidQop`, `InvalidAlgorithm`, `MsgTooLong` (a
/// challenge header value over 8 KiB), `NoCredential` (a Bearer challenge
/// without a Bearer credential) or `InvalidAuthScheme`.
pub fn plan_reinit<R: ResponseView + ?Sized, Q: RequestView + ?Sized>(
    session: &ClientSession,
    response: &R,
    request: &Q,
    cnonce: &mut dyn FnMut(&mut Vec<u8>),
    plan: &mut Plan,
) -> Result<()> {
    plan.clear();
    match response.status() {
        Some(401) | Some(407) => {}
        _ => return Err(Error::InvalidStatus),
    }
    let inp = Inputs {
        session,
        method: request.method().ok_or(Error::NotRequestMsg)?,
        uri: request.request_uri().ok_or(Error::NotRequestMsg)?,
        body: request.body(),
    };
    plan.read_carried(request);

    let mut any_header = false;
    let mut best: Option<Reject> = None;
    let mut reject = |r: Reject| {
        if best.map_or(true, |b| r > b) {
            best = Some(r);
        }
    };
    for kind in AuthKind::both() {
        // The realm of the topmost Bearer challenge of this kind, if any.
        // (Owned: a quoted realm may have been unescaped. Bearer only.)
        let mut bearer_realm: Option<Option<Vec<u8>>> = None;
        for value in response.challenges(kind) {
            any_header = true;
            let memo = session
                .cache
                .iter()
                .find(|e| e.proxy == kind.is_proxy() && !e.raw.is_empty() && e.raw == value);
            if let Some(e) = memo {
                consider(&inp, plan, kind, &e.chal, Some(value), cnonce, &mut reject)?;
                continue;
            }
            let list = parse_challenges(value);
            let alone = list.len() == 1;
            for ch in list {
                let d = match ch {
                    Err(ParseError::TooLong) => {
                        reject(Reject::TooLong);
                        continue;
                    }
                    Err(_) => None,
                    Ok(c) if c.scheme.eq_ignore_ascii_case(bearer::SCHEME.as_bytes()) => {
                        if bearer_realm.is_none() {
                            bearer_realm = Some(c.param("realm").map(<[u8]>::to_vec));
                        }
                        continue;
                    }
                    Ok(c) => c.to_digest().ok(),
                };
                let Some(d) = d else {
                    reject(Reject::Scheme);
                    continue;
                };
                let raw = alone.then_some(value);
                if let Considered::Answered {
                    store_challenge: true,
                } = consider(&inp, plan, kind, &d, raw, cnonce, &mut reject)?
                {
                    if let Some(u) = plan.answers.last_mut().and_then(|a| a.update.as_mut()) {
                        u.challenge = Some(d.into_owned());
                    }
                }
            }
        }
        if let Some(realm) = bearer_realm {
            if !plan.answers.iter().any(|a| a.kind == kind) {
                consider_bearer(session, plan, kind, realm.as_deref(), &mut reject)?;
            }
        }
    }
    if !any_header {
        return Err(Error::AuthNoChal);
    }
    if plan.answers.is_empty() {
        return Err(best.map_or(Error::AuthNoChal, Reject::error));
    }
    plan.plan_removals();
    plan.prepare_retry = true;
    Ok(())
}

/// Plans the preparation of a new request (init): for every realm already
/// answered, the next authorization for that nonce (nc + 1, same cnonce)
/// replacing the request's own for that realm; with `prefs.initial_auth`,
/// an empty Authorization for each credential that is neither the
/// wildcard nor AKA nor Bearer and whose realm got none of the former, and
/// `Bearer <token>` of the first Bearer credential (replacing the
/// request's Bearer Authorization); and every stale
/// count restarts (a new request starts a new flow). Errors:
/// `NotRequestMsg`, `InvalidArg` for a value that cannot be written.
pub fn plan_init<Q: RequestView + ?Sized>(
    session: &ClientSession,
    request: &Q,
    plan: &mut Plan,
) -> Result<()> {
    plan.clear();
    let inp = Inputs {
        session,
        method: request.method().ok_or(Error::NotRequestMsg)?,
        uri: request.request_uri().ok_or(Error::NotRequestMsg)?,
        body: request.body(),
    };
    // Carried headers matter to cached realms and to an initial Bearer
    // answer (which replaces the request's own).
    if !session.cache.is_empty() || session.prefs.initial_auth {
        plan.read_carried(request);
    }
    for (i, e) in session.cache.iter().enumerate() {
        let Some(alg) = e.chal.algorithm() else {
            continue;
        };
        let Some(cred) = find_credential(&session.creds, &e.chal.realm, alg) else {
            continue;
        };
        let nc = e.nc.wrapping_add(1).max(1);
        let base = base_ha1(session, cred, alg, &e.chal.realm)?;
        let qop = e.chal.choose_qop()?;
        let ha2 = plan.ha2(&inp, alg, qop);
        let answer = Answer {
            username: &cred.username,
            secret: secret(cred, alg, base.as_ref().map(|(h, _)| h))?,
            method: inp.method,
            uri: inp.uri,
            body: inp.body,
            nc,
            cnonce: &e.cnonce,
        };
        let (value, realm) = plan.push_value(&e.chal.realm, |out| {
            authorize_with_ha2(&e.chal, &answer, Some(&ha2), out).map(drop)
        })?;
        plan.answers.push(PlannedAnswer {
            kind: AuthKind::from_proxy(e.proxy),
            realm,
            value,
            update: Some(SessionUpdate {
                entry: Some(i),
                challenge: None,
                nc,
                cnonce: None,
                raw: None,
                stale_count: 0,
                ha1: base.and_then(|(_, e)| e),
            }),
            bearer: false,
        });
    }
    if session.prefs.initial_auth {
        for c in &session.creds {
            if bearer::is_bearer(c) {
                // The token itself, whatever the realm (it names none).
                if !plan.answers.iter().any(|a| a.bearer) {
                    plan.push_bearer(AuthKind::Www, c, &c.realm)?;
                }
                continue;
            }
            if c.is_wildcard() || c.kind == SecretKind::Aka {
                continue;
            }
            if plan.answers_realm(AuthKind::Www, &c.realm) {
                continue;
            }
            let algorithm: Option<&[u8]> = if !session.prefs.algorithm.is_empty() {
                Some(&session.prefs.algorithm)
            } else if let SecretKind::Ha1 { algorithm } = c.kind {
                Some(algorithm.name().as_bytes())
            } else {
                None
            };
            let fields = AuthorizationFields {
                username: &c.username,
                realm: &c.realm,
                nonce: b"",
                uri: inp.uri,
                response: b"",
                algorithm,
                opaque: None,
                qop: None,
                userhash: false,
            };
            let (value, realm) =
                plan.push_value(&c.realm, |out| write_authorization(out, &fields))?;
            plan.answers.push(PlannedAnswer {
                kind: AuthKind::Www,
                realm,
                value,
                update: None,
                bearer: false,
            });
        }
    }
    plan.plan_removals();
    plan.reset_stale = true;
    Ok(())
}
