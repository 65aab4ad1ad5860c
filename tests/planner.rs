//! The digest client's planner and apply step through the message seam
//! (`auth::view`), with messages made here: the nonce/stale rule as a table
//! of every case, and whole plans against the published examples of
//! RFC 7616 §3.9.1 (MD5 and SHA-256) and RFC 2617 §3.5, with the cnonce
//! injected so that the answers are the RFCs' to the byte.

use md5::Md5;
use pjsip_auth_shim::auth::apply::apply;
use pjsip_auth_shim::auth::client::MAX_STALE;
use pjsip_auth_shim::auth::credential::{Credential, SecretKind};
use pjsip_auth_shim::auth::planner::{nonce_rule, plan_init, plan_reinit, Known, NonceStep, Plan};
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::auth::view::{AuthKind, AuthRequest, RequestView, ResponseView};
use pjsip_auth_shim::status::{Error, Result};
use sha2::{Digest, Sha256};

// ------------------------------------------------------------ the rule table

/// One row: (known, stale, answer_sent) and what the rule must say.
type Row = (Option<Known>, bool, bool, Result<NonceStep>);

const fn known(same_nonce: bool, stale_count: u32) -> Option<Known> {
    Some(Known {
        same_nonce,
        stale_count,
    })
}

const fn fresh(stale_count: u32) -> Result<NonceStep> {
    Ok(NonceStep::Fresh { stale_count })
}

const fn next(stale_count: u32) -> Result<NonceStep> {
    Ok(NonceStep::Next { stale_count })
}

const FAILED: Result<NonceStep> = Err(Error::FailedCredential);
const TOO_STALE: Result<NonceStep> = Err(Error::AuthStaleCount);

/// Every combination of: nothing known / same nonce / new nonce, stale
/// counts 0, MAX_STALE - 1, MAX_STALE and u32::MAX, stale flag, and
/// whether the request already carried an answer for the realm.
fn rule_table() -> Vec<Row> {
    assert_eq!(MAX_STALE, 3, "the table below is written for MAX_STALE = 3");
    let m = u32::MAX;
    vec![
        // Nothing known about the realm: always a fresh answer, count 0.
        (None, false, false, fresh(0)),
        (None, true, false, fresh(0)),
        (None, false, true, fresh(0)),
        (None, true, true, fresh(0)),
        // No answer carried yet (a new request): same nonce continues, a
        // new one starts fresh; the stale count restarts, whatever it was.
        (known(true, 0), false, false, next(0)),
        (known(true, 0), true, false, next(0)),
        (known(true, 2), false, false, next(0)),
        (known(true, 2), true, false, next(0)),
        (known(true, 3), false, false, next(0)),
        (known(true, 3), true, false, next(0)),
        (known(true, m), false, false, next(0)),
        (known(true, m), true, false, next(0)),
        (known(false, 0), false, false, fresh(0)),
        (known(false, 0), true, false, fresh(0)),
        (known(false, 2), false, false, fresh(0)),
        (known(false, 2), true, false, fresh(0)),
        (known(false, 3), false, false, fresh(0)),
        (known(false, 3), true, false, fresh(0)),
        (known(false, m), false, false, fresh(0)),
        (known(false, m), true, false, fresh(0)),
        // An answer was carried: the same nonce, not stale, means the
        // credentials were refused.
        (known(true, 0), false, true, FAILED),
        (known(true, 2), false, true, FAILED),
        (known(true, 3), false, true, FAILED),
        (known(true, m), false, true, FAILED),
        // stale=true on the same nonce: the next nc, one more stale retry,
        // at most MAX_STALE in a row.
        (known(true, 0), true, true, next(1)),
        (known(true, 2), true, true, next(3)),
        (known(true, 3), true, true, TOO_STALE),
        (known(true, m), true, true, TOO_STALE),
        // A new nonce after an answer: a stale retry too, stale flag or not.
        (known(false, 0), false, true, fresh(1)),
        (known(false, 0), true, true, fresh(1)),
        (known(false, 2), false, true, fresh(3)),
        (known(false, 2), true, true, fresh(3)),
        (known(false, 3), false, true, TOO_STALE),
        (known(false, 3), true, true, TOO_STALE),
        (known(false, m), false, true, TOO_STALE),
        (known(false, m), true, true, TOO_STALE),
    ]
}

#[test]
fn nonce_rule_table_covers_every_case_once() {
    let table = rule_table();
    let mut inputs = vec![];
    for stale in [false, true] {
        for sent in [false, true] {
            inputs.push((None, stale, sent));
            for same in [false, true] {
                for count in [0, 2, 3, u32::MAX] {
                    inputs.push((known(same, count), stale, sent));
                }
            }
        }
    }
    assert_eq!(table.len(), inputs.len());
    for input in inputs {
        let n = table
            .iter()
            .filter(|(k, s, a, _)| (*k, *s, *a) == input)
            .count();
        assert_eq!(n, 1, "{input:?} appears {n} times in the table");
    }
}

#[test]
fn nonce_rule_follows_the_table() {
    for (k, stale, sent, expected) in rule_table() {
        assert_eq!(
            nonce_rule(k, stale, sent),
            expected,
            "known {k:?}, stale {stale}, answer sent {sent}"
        );
    }
}

// ------------------------------------------------------ messages for tests

/// A 401 or 407 as the planner sees it.
struct Response {
    status: Option<u16>,
    www: Vec<String>,
    proxy: Vec<String>,
}

impl Response {
    fn unauthorized(challenges: &[&str]) -> Response {
        Response {
            status: Some(401),
            www: challenges.iter().map(|s| s.to_string()).collect(),
            proxy: vec![],
        }
    }
}

impl ResponseView for Response {
    fn status(&self) -> Option<u16> {
        self.status
    }

    fn challenges(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]> {
        let list = match kind {
            AuthKind::Www => &self.www,
            AuthKind::Proxy => &self.proxy,
        };
        list.iter().map(|s| s.as_bytes())
    }
}

/// A request with its authorization headers, editable.
#[derive(Default)]
struct Request {
    method: String,
    uri: String,
    authorization: Vec<String>,
    proxy_authorization: Vec<String>,
    retries_prepared: u32,
    /// Makes `add_authorization` fail (before any edit).
    refuse_add: bool,
}

impl Request {
    fn new(method: &str, uri: &str) -> Request {
        Request {
            method: method.into(),
            uri: uri.into(),
            ..Request::default()
        }
    }

    fn list(&mut self, kind: AuthKind) -> &mut Vec<String> {
        match kind {
            AuthKind::Www => &mut self.authorization,
            AuthKind::Proxy => &mut self.proxy_authorization,
        }
    }
}

impl RequestView for Request {
    fn method(&self) -> Option<&[u8]> {
        Some(self.method.as_bytes())
    }

    fn request_uri(&self) -> Option<&[u8]> {
        Some(self.uri.as_bytes())
    }

    fn body(&self) -> &[u8] {
        b""
    }

    fn authorizations(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]> {
        let list = match kind {
            AuthKind::Www => &self.authorization,
            AuthKind::Proxy => &self.proxy_authorization,
        };
        list.iter().map(|s| s.as_bytes())
    }
}

impl AuthRequest for Request {
    fn remove_authorizations(&mut self, kind: AuthKind, positions: &[u32]) {
        let list = self.list(kind);
        for &p in positions.iter().rev() {
            list.remove(p as usize);
        }
    }

    fn add_authorization(&mut self, kind: AuthKind, value: &str) -> Result<()> {
        if self.refuse_add {
            return Err(Error::NoMemory);
        }
        self.list(kind).push(value.to_owned());
        Ok(())
    }

    fn prepare_retry(&mut self) {
        self.retries_prepared += 1;
    }
}

fn session(realm: &str, user: &str, password: &str) -> ClientSession {
    let mut s = ClientSession::default();
    s.set_credentials(vec![Credential {
        realm: realm.into(),
        scheme: b"digest".to_vec(),
        username: user.into(),
        data: password.into(),
        kind: SecretKind::Password,
    }]);
    s
}

/// A cnonce source that hands out `value` and counts its calls.
fn fixed_cnonce<'a>(value: &'static str, calls: &'a mut u32) -> impl FnMut(&mut Vec<u8>) + 'a {
    move |out: &mut Vec<u8>| {
        *calls += 1;
        out.extend_from_slice(value.as_bytes());
    }
}

fn no_cnonce(out: &mut Vec<u8>) {
    let _ = out;
    panic!("no fresh cnonce may be needed here");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest formula recomputed with the hash crate directly.
fn h<D: Digest>(data: &str) -> String {
    hex(&D::digest(data.as_bytes()))
}

// ------------------------------------------------------ RFC 7616 §3.9.1

const REALM: &str = "http-auth@example.org";
const NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
const CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
const URI: &str = "/dir/index.html";

fn rfc7616_challenge(algorithm: &str) -> String {
    format!(
        "Digest realm=\"{REALM}\", qop=\"auth, auth-int\", algorithm={algorithm}, \
         nonce=\"{NONCE}\", opaque=\"{OPAQUE}\""
    )
}

fn rfc7616_answer(algorithm: &str, response: &str, nc: &str) -> String {
    format!(
        "Digest username=\"Mufasa\", realm=\"{REALM}\", nonce=\"{NONCE}\", uri=\"{URI}\", \
         response=\"{response}\", algorithm={algorithm}, cnonce=\"{CNONCE}\", \
         opaque=\"{OPAQUE}\", qop=auth, nc={nc}"
    )
}

/// The response for nc 2 (no published vector): the RFC 7616 formula over
/// the example's inputs, computed with the hash crate alone.
fn rfc7616_response_nc2<D: Digest>() -> String {
    let ha1 = h::<D>(&format!("Mufasa:{REALM}:Circle of Life"));
    let ha2 = h::<D>(&format!("GET:{URI}"));
    h::<D>(&format!("{ha1}:{NONCE}:00000002:{CNONCE}:auth:{ha2}"))
}

/// The whole flow of the RFC example for one algorithm: first answer (the
/// RFC's response to the byte), applied; a new request for the same nonce
/// (nc 2, same cnonce, no fresh cnonce drawn); the server refusing the
/// answer it was sent (same nonce, not stale: FailedCredential, nothing
/// changed); then stale=true (the carried answer replaced, stale count 1).
fn rfc7616_flow(algorithm: &str, expected: &str, nc2: &str) {
    let mut s = session(REALM, "Mufasa", "Circle of Life");
    let chal = rfc7616_challenge(algorithm);
    let resp = Response::unauthorized(&[&chal]);
    let mut plan = Plan::default();

    // 1. The first answer.
    let mut req = Request::new("GET", URI);
    let mut calls = 0;
    plan_reinit(
        &s,
        &resp,
        &req,
        &mut fixed_cnonce(CNONCE, &mut calls),
        &mut plan,
    )
    .unwrap();
    assert_eq!(calls, 1, "one fresh cnonce for a new nonce");
    assert_eq!(plan.answers().len(), 1);
    let a = &plan.answers()[0];
    assert_eq!(a.kind, AuthKind::Www);
    assert_eq!(
        plan.value(a),
        rfc7616_answer(algorithm, expected, "00000001")
    );
    assert_eq!(plan.realm(a), REALM.as_bytes());
    assert!(plan.removals(AuthKind::Www).is_empty());
    assert!(plan.removals(AuthKind::Proxy).is_empty());
    assert!(plan.prepares_retry());
    assert!(!plan.resets_stale());
    let u = a.update.as_ref().expect("an answer updates the session");
    assert_eq!(u.entry, None, "a realm new to the session");
    assert_eq!(u.nc, 1);
    assert_eq!(plan.new_cnonce(u), Some(CNONCE.as_bytes()));
    assert_eq!(u.stale_count, 0);
    let c = u.challenge.as_ref().expect("a new challenge is kept");
    assert_eq!(&*c.nonce, NONCE.as_bytes());
    assert!(u.ha1.is_some(), "the computed HA1 is remembered");

    apply(&mut plan, &mut req, &mut s).unwrap();
    assert_eq!(
        req.authorization,
        [rfc7616_answer(algorithm, expected, "00000001")]
    );
    assert_eq!(req.retries_prepared, 1);
    assert_eq!(s.cached().len(), 1);
    assert_eq!(
        (s.cached()[0].nc, &s.cached()[0].cnonce[..]),
        (1, CNONCE.as_bytes())
    );
    assert_eq!(s.remembered_hashes().0, 1);

    // 2. A new request challenged with the same nonce: nc 2, same cnonce.
    let mut req2 = Request::new("GET", URI);
    plan_reinit(&s, &resp, &req2, &mut no_cnonce, &mut plan).unwrap();
    let a = &plan.answers()[0];
    assert_eq!(plan.value(a), rfc7616_answer(algorithm, nc2, "00000002"));
    let u = a.update.as_ref().unwrap();
    assert_eq!((u.entry, u.nc, plan.new_cnonce(u)), (Some(0), 2, None));
    assert!(u.challenge.is_none(), "the cached challenge is equal: kept");
    assert!(u.ha1.is_none(), "HA1 came from the session's cache");
    apply(&mut plan, &mut req2, &mut s).unwrap();
    assert_eq!(s.cached()[0].nc, 2);

    // 3. The same nonce again for the request that carried the answer.
    let before = (s.cached()[0].nc, s.cached()[0].stale_count);
    let err = plan_reinit(&s, &resp, &req2, &mut no_cnonce, &mut plan);
    assert_eq!(err, Err(Error::FailedCredential));
    assert_eq!((s.cached()[0].nc, s.cached()[0].stale_count), before);

    // 4. stale=true: the carried answer is replaced, next nc, stale 1.
    let stale = Response::unauthorized(&[&format!("{chal}, stale=true")]);
    plan_reinit(&s, &stale, &req2, &mut no_cnonce, &mut plan).unwrap();
    assert_eq!(plan.removals(AuthKind::Www), [0]);
    let u = plan.answers()[0].update.as_ref().unwrap();
    assert_eq!((u.nc, u.stale_count), (3, 1));
    apply(&mut plan, &mut req2, &mut s).unwrap();
    assert_eq!(req2.authorization.len(), 1, "replaced, not added");
    assert!(req2.authorization[0].ends_with("nc=00000003"));
    assert_eq!(s.cached()[0].stale_count, 1);
}

#[test]
fn rfc7616_md5_example() {
    rfc7616_flow(
        "MD5",
        "8ca523f5e9506fed4657c9700eebdbec",
        &rfc7616_response_nc2::<Md5>(),
    );
}

#[test]
fn rfc7616_sha256_example() {
    rfc7616_flow(
        "SHA-256",
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
        &rfc7616_response_nc2::<Sha256>(),
    );
}

#[test]
fn rfc7616_both_challenges_answer_the_topmost_only() {
    // The RFC's 401 offers SHA-256 first, then MD5, for one realm: one
    // answer (RFC 8760), to the first.
    let s = session(REALM, "Mufasa", "Circle of Life");
    let resp = Response::unauthorized(&[&rfc7616_challenge("SHA-256"), &rfc7616_challenge("MD5")]);
    let req = Request::new("GET", URI);
    let mut plan = Plan::default();
    let mut calls = 0;
    plan_reinit(
        &s,
        &resp,
        &req,
        &mut fixed_cnonce(CNONCE, &mut calls),
        &mut plan,
    )
    .unwrap();
    assert_eq!(plan.answers().len(), 1);
    assert_eq!(
        plan.value(&plan.answers()[0]),
        rfc7616_answer(
            "SHA-256",
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            "00000001"
        )
    );
    assert_eq!(calls, 1);
}

// --------------------------------------------------------- RFC 2617 §3.5

#[test]
fn rfc2617_example() {
    let mut s = session("testrealm@host.com", "Mufasa", "Circle Of Life");
    let resp = Response::unauthorized(&[
        "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    ]);
    let mut req = Request::new("GET", URI);
    let mut plan = Plan::default();
    let mut calls = 0;
    plan_reinit(
        &s,
        &resp,
        &req,
        &mut fixed_cnonce("0a4f113b", &mut calls),
        &mut plan,
    )
    .unwrap();
    // No algorithm in the challenge: MD5, and none echoed.
    let expected = "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
                    nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
                    response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", \
                    opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001";
    assert_eq!(plan.value(&plan.answers()[0]), expected);
    apply(&mut plan, &mut req, &mut s).unwrap();
    assert_eq!(req.authorization, [expected]);
}

// ------------------------------------------------ errors change nothing

#[test]
fn a_failing_request_edit_leaves_the_session_unchanged() {
    let mut s = session(REALM, "Mufasa", "Circle of Life");
    let resp = Response::unauthorized(&[&rfc7616_challenge("MD5")]);
    let mut req = Request::new("GET", URI);
    req.refuse_add = true;
    let mut plan = Plan::default();
    let mut calls = 0;
    plan_reinit(
        &s,
        &resp,
        &req,
        &mut fixed_cnonce(CNONCE, &mut calls),
        &mut plan,
    )
    .unwrap();
    assert_eq!(apply(&mut plan, &mut req, &mut s), Err(Error::NoMemory));
    assert!(s.cached().is_empty() && s.remembered_hashes() == (0, 0));
    assert!(req.authorization.is_empty());
    assert_eq!(req.retries_prepared, 0);
}

#[test]
fn planning_errors() {
    let s = session(REALM, "Mufasa", "Circle of Life");
    let req = Request::new("GET", URI);
    let mut plan = Plan::default();
    let mut run = |resp: &Response| plan_reinit(&s, resp, &req, &mut no_cnonce, &mut plan);
    let mut not_401 = Response::unauthorized(&[&rfc7616_challenge("MD5")]);
    not_401.status = Some(200);
    assert_eq!(run(&not_401), Err(Error::InvalidStatus));
    assert_eq!(run(&Response::unauthorized(&[])), Err(Error::AuthNoChal));
    assert_eq!(
        run(&Response::unauthorized(&["Bearer realm=\"x\""])),
        Err(Error::NoCredential) // a Bearer challenge, no Bearer credential
    );
    assert_eq!(
        run(&Response::unauthorized(&["Newauth realm=\"x\""])),
        Err(Error::InvalidAuthScheme)
    );
    assert_eq!(
        run(&Response::unauthorized(&[&rfc7616_challenge("AKAv1-MD5")])),
        Err(Error::InvalidAlgorithm)
    );
    assert_eq!(
        run(&Response::unauthorized(&[&format!(
            "Digest realm=\"{REALM}\", nonce=\"n\", qop=\"auth-conf\""
        )])),
        Err(Error::InvalidQop)
    );
    assert_eq!(
        run(&Response::unauthorized(&[
            "Digest realm=\"elsewhere\", nonce=\"n\", qop=auth"
        ])),
        Err(Error::NoCredential)
    );
}

// ------------------------------------------------------------------ init

#[test]
fn init_after_the_rfc7616_answer_sends_the_next_nc() {
    let mut s = session(REALM, "Mufasa", "Circle of Life");
    let resp = Response::unauthorized(&[&rfc7616_challenge("MD5")]);
    let mut req = Request::new("GET", URI);
    let mut plan = Plan::default();
    let mut calls = 0;
    plan_reinit(
        &s,
        &resp,
        &req,
        &mut fixed_cnonce(CNONCE, &mut calls),
        &mut plan,
    )
    .unwrap();
    apply(&mut plan, &mut req, &mut s).unwrap();

    let mut fresh_req = Request::new("GET", URI);
    plan_init(&s, &fresh_req, &mut plan).unwrap();
    assert!(plan.resets_stale() && !plan.prepares_retry());
    assert_eq!(plan.answers().len(), 1);
    assert_eq!(
        plan.value(&plan.answers()[0]),
        rfc7616_answer("MD5", &rfc7616_response_nc2::<Md5>(), "00000002")
    );
    apply(&mut plan, &mut fresh_req, &mut s).unwrap();
    assert_eq!(s.cached()[0].nc, 2);
    assert_eq!(fresh_req.retries_prepared, 0);
}

// ------------------------------------------------------------------ Bearer

fn bearer_cred(realm: &str, token: &str) -> Credential {
    Credential {
        realm: realm.into(),
        scheme: b"Bearer".to_vec(),
        username: Vec::new(),
        data: token.into(),
        kind: SecretKind::Password,
    }
}

fn digest_cred(realm: &str) -> Credential {
    Credential {
        realm: realm.into(),
        scheme: b"digest".to_vec(),
        username: b"alice".to_vec(),
        data: b"secret".to_vec(),
        kind: SecretKind::Password,
    }
}

fn with_creds(creds: Vec<Credential>) -> ClientSession {
    let mut s = ClientSession::default();
    s.set_credentials(creds);
    s
}

/// Plans and applies a reinit; the values added to `req` afterwards.
fn reinit_bearer(s: &mut ClientSession, resp: &Response, req: &mut Request) -> Result<()> {
    let mut plan = Plan::default();
    let mut calls = 0;
    plan_reinit(
        s,
        resp,
        req,
        &mut fixed_cnonce("0a4f113b", &mut calls),
        &mut plan,
    )?;
    apply(&mut plan, req, s)
}

const BEARER_CHAL: &str = "Bearer realm=\"example.com\"";
const DIGEST_CHAL: &str = "Digest realm=\"example.com\", nonce=\"n1\", qop=\"auth\"";

#[test]
fn bearer_challenge_answered_with_the_token() {
    let mut s = with_creds(vec![bearer_cred("example.com", "tok.EN-1")]);
    let mut req = Request::new("REGISTER", "sip:example.com");
    reinit_bearer(&mut s, &Response::unauthorized(&[BEARER_CHAL]), &mut req).unwrap();
    assert_eq!(req.authorization, ["Bearer tok.EN-1"]);
    assert_eq!(req.retries_prepared, 1);
    assert!(
        s.cached().is_empty(),
        "a Bearer answer keeps no challenge state"
    );

    // The proxy kind too, answered with Proxy-Authorization.
    let mut req = Request::new("INVITE", "sip:bob@example.com");
    let resp = Response {
        status: Some(407),
        www: vec![],
        proxy: vec![BEARER_CHAL.into()],
    };
    reinit_bearer(&mut s, &resp, &mut req).unwrap();
    assert!(req.authorization.is_empty());
    assert_eq!(req.proxy_authorization, ["Bearer tok.EN-1"]);
}

#[test]
fn bearer_credential_chosen_by_realm_then_wildcard() {
    let creds = vec![bearer_cred("*", "any"), bearer_cred("Example.COM", "exact")];
    let mut s = with_creds(creds);
    let mut req = Request::new("REGISTER", "sip:example.com");
    reinit_bearer(&mut s, &Response::unauthorized(&[BEARER_CHAL]), &mut req).unwrap();
    assert_eq!(req.authorization, ["Bearer exact"]);
    let mut req = Request::new("REGISTER", "sip:example.com");
    let other = Response::unauthorized(&["Bearer realm=\"other.org\""]);
    reinit_bearer(&mut s, &other, &mut req).unwrap();
    assert_eq!(req.authorization, ["Bearer any"]);
    // A challenge naming no realm takes the first Bearer credential.
    let mut req = Request::new("REGISTER", "sip:example.com");
    let bare = Response::unauthorized(&["Bearer scope=\"sip\""]);
    reinit_bearer(&mut s, &bare, &mut req).unwrap();
    assert_eq!(req.authorization, ["Bearer any"]);
}

#[test]
fn digest_when_a_digest_credential_matches_else_bearer() {
    let both = Response::unauthorized(&[BEARER_CHAL, DIGEST_CHAL]);
    // Both credentials: Digest, in either order of the challenges.
    for resp in [&both, &Response::unauthorized(&[DIGEST_CHAL, BEARER_CHAL])] {
        let mut s = with_creds(vec![bearer_cred("*", "tok"), digest_cred("example.com")]);
        let mut req = Request::new("REGISTER", "sip:example.com");
        reinit_bearer(&mut s, resp, &mut req).unwrap();
        assert_eq!(req.authorization.len(), 1);
        assert!(req.authorization[0].starts_with("Digest username=\"alice\""));
    }
    // Only a Bearer credential: Bearer.
    let mut s = with_creds(vec![bearer_cred("*", "tok")]);
    let mut req = Request::new("REGISTER", "sip:example.com");
    reinit_bearer(&mut s, &both, &mut req).unwrap();
    assert_eq!(req.authorization, ["Bearer tok"]);
    // A Digest credential for another realm does not match: Bearer.
    let mut s = with_creds(vec![digest_cred("other.org"), bearer_cred("*", "tok")]);
    let mut req = Request::new("REGISTER", "sip:example.com");
    reinit_bearer(&mut s, &both, &mut req).unwrap();
    assert_eq!(req.authorization, ["Bearer tok"]);
    // Only a Digest credential: Digest, the Bearer challenge skipped.
    let mut s = with_creds(vec![digest_cred("example.com")]);
    let mut req = Request::new("REGISTER", "sip:example.com");
    reinit_bearer(&mut s, &both, &mut req).unwrap();
    assert!(req.authorization[0].starts_with("Digest "));
}

#[test]
fn bearer_errors() {
    let chal = Response::unauthorized(&[BEARER_CHAL]);
    // No Bearer credential (a Digest one does not serve Bearer).
    let mut s = with_creds(vec![digest_cred("example.com")]);
    let mut req = Request::new("REGISTER", "sip:example.com");
    assert_eq!(
        reinit_bearer(&mut s, &chal, &mut req),
        Err(Error::NoCredential)
    );
    assert!(req.authorization.is_empty() && req.retries_prepared == 0);
    let mut s = with_creds(vec![]);
    assert_eq!(
        reinit_bearer(&mut s, &chal, &mut req),
        Err(Error::NoCredential)
    );
    // A Bearer credential does not answer Digest.
    let mut s = with_creds(vec![bearer_cred("*", "tok")]);
    let digest_only = Response::unauthorized(&[DIGEST_CHAL]);
    assert_eq!(
        reinit_bearer(&mut s, &digest_only, &mut req),
        Err(Error::NoCredential)
    );
    // A Digest challenge's own reason outranks the missing Bearer credential.
    let mut s = with_creds(vec![digest_cred("example.com")]);
    let bad_alg = Response::unauthorized(&[
        BEARER_CHAL,
        "Digest realm=\"example.com\", nonce=\"n\", algorithm=FOO",
    ]);
    assert_eq!(
        reinit_bearer(&mut s, &bad_alg, &mut req),
        Err(Error::InvalidAlgorithm)
    );
    // A token that would change the header is refused, nothing edited.
    for bad in ["a b", "tok\r\nX: y", "", "\"q\""] {
        let mut s = with_creds(vec![bearer_cred("*", bad)]);
        let mut req = Request::new("REGISTER", "sip:example.com");
        assert_eq!(
            reinit_bearer(&mut s, &chal, &mut req),
            Err(Error::InvalidArg),
            "{bad:?}"
        );
        assert!(req.authorization.is_empty());
    }
}

#[test]
fn bearer_token_refused_then_a_fresh_one_replaces_it() {
    let mut s = with_creds(vec![bearer_cred("*", "old")]);
    let mut req = Request::new("REGISTER", "sip:example.com");
    let chal = Response::unauthorized(&[BEARER_CHAL]);
    reinit_bearer(&mut s, &chal, &mut req).unwrap();
    assert_eq!(req.authorization, ["Bearer old"]);
    // Challenged again while carrying that token: refused, unchanged.
    let refused =
        Response::unauthorized(&["Bearer realm=\"example.com\", error=\"invalid_token\""]);
    assert_eq!(
        reinit_bearer(&mut s, &refused, &mut req),
        Err(Error::FailedCredential)
    );
    assert_eq!(req.authorization, ["Bearer old"]);
    // The application fetches a new token: it replaces the old header.
    s.set_credentials(vec![bearer_cred("*", "new")]);
    reinit_bearer(&mut s, &refused, &mut req).unwrap();
    assert_eq!(req.authorization, ["Bearer new"]);
    // Digest headers of the request are not Bearer ones: kept.
    let mut req = Request::new("REGISTER", "sip:example.com");
    req.authorization
        .push("Digest username=\"x\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"0\"".into());
    req.authorization.push("Bearer stale".into());
    reinit_bearer(&mut s, &chal, &mut req).unwrap();
    assert_eq!(req.authorization.len(), 2);
    assert!(req.authorization[0].starts_with("Digest "));
    assert_eq!(req.authorization[1], "Bearer new");
}

#[test]
fn initial_auth_sends_the_bearer_token() {
    let mut s = with_creds(vec![bearer_cred("*", "tok"), bearer_cred("x", "second")]);
    s.prefs.initial_auth = true;
    let mut req = Request::new("REGISTER", "sip:example.com");
    let mut plan = Plan::default();
    plan_init(&s, &req, &mut plan).unwrap();
    apply(&mut plan, &mut req, &mut s).unwrap();
    assert_eq!(req.authorization, ["Bearer tok"]);
    // Again on the same request: replaced, not added twice.
    plan_init(&s, &req, &mut plan).unwrap();
    apply(&mut plan, &mut req, &mut s).unwrap();
    assert_eq!(req.authorization, ["Bearer tok"]);
}
