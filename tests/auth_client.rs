//! The synchronous digest client (`auth::client`): RFC vectors through the
//! whole reinit path, SIP flows, error precedence, and a proptest.

#[path = "common/client.rs"]
mod client;
use client::session;
use pjsip_auth_shim::auth::client::{init, reinit, reinit_with};
use pjsip_auth_shim::auth::credential::{Credential, Prefs, SecretKind};
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::digest::{
    compute_response, parse_authorization, parse_challenges, Algorithm, Answer, Secret,
};
use pjsip_auth_shim::sip::SipMessage;
use pjsip_auth_shim::status::Error;
use proptest::prelude::*;

const RFC_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const RFC_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
const RFC_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

fn cred(realm: &str, user: &str, pass: &str) -> Credential {
    Credential {
        realm: realm.into(),
        scheme: b"digest".to_vec(),
        username: user.into(),
        data: pass.into(),
        kind: SecretKind::Password,
    }
}

fn ha1_cred(realm: &str, user: &str, hex: &str, algorithm: Algorithm) -> Credential {
    Credential {
        kind: SecretKind::Ha1 { algorithm },
        ..cred(realm, user, hex)
    }
}

fn request() -> SipMessage {
    client::register("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKold;rport", "abc")
}

fn response(code: u16, hdrs: &[(&str, &str)]) -> SipMessage {
    let mut text = format!(
        "SIP/2.0 {code} X\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKold\r\n\
         From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n\
         Call-ID: abc\r\nCSeq: 1 REGISTER\r\n"
    );
    for (n, v) in hdrs {
        text.push_str(&format!("{n}: {v}\r\n"));
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    SipMessage::parse(text.as_bytes()).unwrap()
}

fn www(v: &str) -> SipMessage {
    response(401, &[("WWW-Authenticate", v)])
}

fn fixed(c: &'static str) -> impl FnMut() -> Vec<u8> {
    move || c.as_bytes().to_vec()
}

fn auths<'a>(m: &'a SipMessage, name: &'a str) -> Vec<&'a str> {
    m.headers_named(name).collect()
}

/// Recomputes the response of an Authorization value from its own fields.
fn check_response(value: &str, chal: &str, user: &str, pass: &str, req: &SipMessage) {
    let a = parse_authorization(value.as_bytes()).unwrap();
    let ch = parse_challenges(chal.as_bytes())
        .into_iter()
        .find_map(|c| c.ok().filter(|c| c.is_digest()))
        .unwrap()
        .to_digest()
        .unwrap();
    let (resp, _) = compute_response(
        &ch,
        &Answer {
            username: user.as_bytes(),
            secret: Secret::Password(pass.as_bytes()),
            method: req.method().unwrap().as_bytes(),
            uri: req.request_uri().unwrap().as_bytes(),
            body: req.body(),
            nc: a.nc_value().unwrap_or(1),
            cnonce: a.cnonce.as_deref().unwrap_or(b""),
        },
    )
    .unwrap();
    assert_eq!(resp.as_bytes(), &*a.response, "{value}");
    assert_eq!(&*a.uri, req.request_uri().unwrap().as_bytes());
}

/// RFC 7616 §3.9.1 through the whole reinit path (cnonce injected).
fn rfc_vector(alg: &str, expect: &str) {
    let mut s = session(vec![cred(
        "http-auth@example.org",
        "Mufasa",
        "Circle of Life",
    )]);
    let chal = format!(
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={alg}, \
         nonce=\"{RFC_NONCE}\", opaque=\"{RFC_OPAQUE}\""
    );
    let mut req = SipMessage::request("GET", "/dir/index.html");
    reinit_with(&mut s, &www(&chal), &mut req, &mut fixed(RFC_CNONCE)).unwrap();
    let v = auths(&req, "Authorization");
    assert_eq!(
        v,
        [format!(
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", nonce=\"{RFC_NONCE}\", \
             uri=\"/dir/index.html\", response=\"{expect}\", algorithm={alg}, \
             cnonce=\"{RFC_CNONCE}\", opaque=\"{RFC_OPAQUE}\", qop=auth, nc=00000001"
        )]
    );
}

#[test]
fn rfc7616_md5() {
    rfc_vector("MD5", "8ca523f5e9506fed4657c9700eebdbec");
}

#[test]
fn rfc7616_sha256() {
    rfc_vector(
        "SHA-256",
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
    );
}

#[test]
fn rfc7616_sha512_256() {
    rfc_vector(
        "SHA-512-256",
        "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0",
    );
}

#[test]
fn rfc2617_vector_full_header() {
    let mut s = session(vec![cred("testrealm@host.com", "Mufasa", "Circle Of Life")]);
    let chal = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
                nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
    let mut req = SipMessage::request("GET", "/dir/index.html");
    reinit_with(&mut s, &www(chal), &mut req, &mut fixed("0a4f113b")).unwrap();
    assert_eq!(
        auths(&req, "Authorization"),
        ["Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
          nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
          response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", \
          opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001"]
    );
}

const MD5_CHAL: &str = "Digest realm=\"example.com\", nonce=\"n1\", qop=\"auth\"";

#[test]
fn basic_md5_and_via_branch_cleared() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut req = request();
    reinit_with(
        &mut s,
        &www(MD5_CHAL),
        &mut req,
        &mut fixed("abcdef0123456789"),
    )
    .unwrap();
    let v = auths(&req, "Authorization");
    assert_eq!(v.len(), 1);
    assert!(v[0].starts_with(
        "Digest username=\"alice\", realm=\"example.com\", nonce=\"n1\", uri=\"sip:example.com\", response=\""
    ));
    assert!(v[0].ends_with(", cnonce=\"abcdef0123456789\", qop=auth, nc=00000001"));
    check_response(v[0], MD5_CHAL, "alice", "secret", &req);
    assert_eq!(req.top_via_branch(), None);
    assert_eq!(req.header("CSeq", 0), Some("1 REGISTER"));
}

#[test]
fn www_then_proxy_keeps_both() {
    let mut s = session(vec![
        cred("example.com", "alice", "secret"),
        cred("proxy.net", "bob", "pw"),
    ]);
    let mut req = request();
    reinit(&mut s, &www(MD5_CHAL), &mut req).unwrap();
    let pchal = "Digest realm=\"proxy.net\", nonce=\"p1\", algorithm=SHA-256, qop=auth";
    reinit(
        &mut s,
        &response(407, &[("Proxy-Authenticate", pchal)]),
        &mut req,
    )
    .unwrap();
    assert_eq!(auths(&req, "Authorization").len(), 1);
    let p = auths(&req, "Proxy-Authorization");
    assert_eq!(p.len(), 1);
    check_response(p[0], pchal, "bob", "pw", &req);
    assert!(p[0].contains("algorithm=SHA-256"));
}

#[test]
fn two_realms_at_once() {
    let mut s = session(vec![cred("a.com", "ua", "pa"), cred("b.com", "ub", "pb")]);
    let mut req = request();
    let ca = "Digest realm=\"a.com\", nonce=\"na\"";
    let cb = "Digest realm=\"b.com\", nonce=\"nb\", qop=auth";
    reinit(
        &mut s,
        &response(401, &[("WWW-Authenticate", ca), ("WWW-Authenticate", cb)]),
        &mut req,
    )
    .unwrap();
    let v = auths(&req, "Authorization");
    assert_eq!(v.len(), 2);
    check_response(v[0], ca, "ua", "pa", &req);
    check_response(v[1], cb, "ub", "pb", &req);
}

#[test]
fn sha256_and_md5_one_realm_topmost_only() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut req = request();
    let c1 = "Digest realm=\"example.com\", nonce=\"n1\", algorithm=SHA-256, qop=auth";
    let c2 = "Digest realm=\"example.com\", nonce=\"n1\", algorithm=MD5, qop=auth";
    reinit(
        &mut s,
        &response(401, &[("WWW-Authenticate", c1), ("WWW-Authenticate", c2)]),
        &mut req,
    )
    .unwrap();
    let v = auths(&req, "Authorization");
    assert_eq!(v.len(), 1);
    assert!(v[0].contains("algorithm=SHA-256"));
    check_response(v[0], c1, "alice", "secret", &req);
    // Both in one header line.
    let mut req = request();
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    reinit(&mut s, &www(&format!("{c1}, {c2}")), &mut req).unwrap();
    assert_eq!(auths(&req, "Authorization").len(), 1);
}

#[test]
fn ha1_credentials() {
    // MD5("alice:example.com:secret")
    let ha1 = {
        use pjsip_auth_shim::digest::ha1;
        ha1(
            pjsip_auth_shim::digest::Algorithm::Md5,
            b"alice",
            b"example.com",
            b"secret",
            b"",
            b"",
        )
    };
    let mut s = session(vec![ha1_cred(
        "example.com",
        "alice",
        ha1.as_str(),
        Algorithm::Md5,
    )]);
    let mut req = request();
    reinit(&mut s, &www(MD5_CHAL), &mut req).unwrap();
    check_response(
        auths(&req, "Authorization")[0],
        MD5_CHAL,
        "alice",
        "secret",
        &req,
    );
    // An SHA-256 HA1 does not serve an MD5-only challenge.
    let mut s = session(vec![ha1_cred(
        "example.com",
        "alice",
        &"0".repeat(64),
        Algorithm::Sha256,
    )]);
    let mut req = request();
    assert_eq!(
        reinit(&mut s, &www(MD5_CHAL), &mut req),
        Err(Error::NoCredential)
    );
}

#[test]
fn stale_three_times_then_count_error() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut req = request();
    reinit(&mut s, &www(MD5_CHAL), &mut req).unwrap();
    for i in 2..=4 {
        let c = format!("Digest realm=\"example.com\", nonce=\"n{i}\", qop=auth, stale=true");
        reinit(&mut s, &www(&c), &mut req).unwrap();
    }
    let before = req.clone();
    let c = "Digest realm=\"example.com\", nonce=\"n5\", qop=auth, stale=true";
    assert_eq!(
        reinit(&mut s, &www(c), &mut req),
        Err(Error::AuthStaleCount)
    );
    assert_eq!(req, before);
    // init starts a new flow: the counter resets.
    init(&mut s, &mut req).unwrap();
    reinit(&mut s, &www(c), &mut req).unwrap();
}

#[test]
fn same_nonce_twice_is_failed_credential() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut req = request();
    reinit(&mut s, &www(MD5_CHAL), &mut req).unwrap();
    assert_eq!(
        reinit(&mut s, &www(MD5_CHAL), &mut req),
        Err(Error::FailedCredential)
    );
}

/// A registrar may challenge a new request (an unregister, a refresh) with the
/// nonce it used before (Kamailio's are time based): that is not a failure,
/// since the new request did not carry an answer yet.
#[test]
fn same_nonce_on_a_new_request_is_answered_with_next_nc() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut first = request();
    reinit_with(&mut s, &www(MD5_CHAL), &mut first, &mut fixed("aaaa")).unwrap();
    let mut second = request();
    reinit_with(&mut s, &www(MD5_CHAL), &mut second, &mut fixed("bbbb")).unwrap();
    let v = auths(&second, "Authorization");
    assert_eq!(v.len(), 1);
    assert!(
        v[0].ends_with("cnonce=\"aaaa\", qop=auth, nc=00000002"),
        "{}",
        v[0]
    );
    // ...and once that request carries the answer, the same nonce again fails.
    assert_eq!(
        reinit(&mut s, &www(MD5_CHAL), &mut second),
        Err(Error::FailedCredential)
    );
}

#[test]
fn same_nonce_with_stale_reuses_cnonce_and_increments_nc() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut req = request();
    reinit_with(&mut s, &www(MD5_CHAL), &mut req, &mut fixed("aaaa")).unwrap();
    let c = format!("{MD5_CHAL}, stale=true");
    reinit_with(&mut s, &www(&c), &mut req, &mut fixed("bbbb")).unwrap();
    let v = auths(&req, "Authorization");
    assert_eq!(v.len(), 1);
    assert!(
        v[0].ends_with("cnonce=\"aaaa\", qop=auth, nc=00000002"),
        "{}",
        v[0]
    );
}

#[test]
fn error_precedence() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut req = request();
    let before = req.clone();
    let e = |s: &mut ClientSession, r: &SipMessage, req: &mut SipMessage| reinit(s, r, req);
    assert_eq!(
        e(&mut s, &www("Bearer realm=\"x\""), &mut req),
        Err(Error::NoCredential) // a Bearer challenge, no Bearer credential
    );
    assert_eq!(
        e(&mut s, &www("Newauth realm=\"x\""), &mut req),
        Err(Error::InvalidAuthScheme)
    );
    assert_eq!(
        e(
            &mut s,
            &www("Digest realm=\"example.com\", nonce=\"n\", algorithm=AKAv1-MD5"),
            &mut req
        ),
        Err(Error::InvalidAlgorithm)
    );
    assert_eq!(
        e(
            &mut s,
            &www("Bearer x, Digest realm=\"example.com\", nonce=\"n\", algorithm=FOO"),
            &mut req
        ),
        Err(Error::InvalidAlgorithm)
    );
    assert_eq!(
        e(
            &mut s,
            &www("Digest realm=\"example.com\", nonce=\"n\", qop=\"foo\""),
            &mut req
        ),
        Err(Error::InvalidQop)
    );
    assert_eq!(
        e(
            &mut s,
            &www("Digest realm=\"other\", nonce=\"n\""),
            &mut req
        ),
        Err(Error::NoCredential)
    );
    assert_eq!(
        e(&mut s, &response(401, &[]), &mut req),
        Err(Error::AuthNoChal)
    );
    assert_eq!(
        e(&mut s, &response(200, &[]), &mut req),
        Err(Error::InvalidStatus)
    );
    assert_eq!(
        e(
            &mut s,
            &response(403, &[("WWW-Authenticate", MD5_CHAL)]),
            &mut req
        ),
        Err(Error::InvalidStatus)
    );
    let mut empty = session(vec![]);
    assert_eq!(
        e(&mut empty, &www(MD5_CHAL), &mut req),
        Err(Error::NoCredential)
    );
    assert_eq!(req, before);
    // Bearer skipped while Digest can be answered.
    reinit(&mut s, &www(&format!("Bearer abc, {MD5_CHAL}")), &mut req).unwrap();
    assert_eq!(auths(&req, "Authorization").len(), 1);
}

#[test]
fn qop_variants() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    // auth,auth-int -> auth
    let mut req = request();
    let c = "Digest realm=\"example.com\", nonce=\"q1\", qop=\"auth,auth-int\"";
    reinit(&mut s, &www(c), &mut req).unwrap();
    assert!(auths(&req, "Authorization")[0].contains("qop=auth,"));
    // auth-int alone over the body
    let mut req = request();
    req.body = b"v=0\r\n".to_vec();
    let c = "Digest realm=\"example.com\", nonce=\"q2\", qop=\"auth-int\"";
    reinit(&mut s, &www(c), &mut req).unwrap();
    let v = auths(&req, "Authorization")[0].to_owned();
    assert!(v.contains("qop=auth-int"));
    check_response(&v, c, "alice", "secret", &req);
    // no qop: RFC 2069 form
    let mut req = request();
    let c = "Digest realm=\"example.com\", nonce=\"q3\", opaque=\"op\\\"q\"";
    reinit(&mut s, &www(c), &mut req).unwrap();
    let v = auths(&req, "Authorization")[0].to_owned();
    assert!(!v.contains("cnonce") && !v.contains("nc=") && !v.contains("qop"));
    assert!(v.ends_with(", opaque=\"op\\\"q\""), "{v}");
    check_response(&v, c, "alice", "secret", &req);
}

#[test]
fn exotic_quoting() {
    let mut s = session(vec![cred("ex\"am\\ple", "alice", "secret")]);
    let mut req = request();
    let c = "dIgEsT  REALM=\"ex\\\"am\\\\ple\",nonce=\"a,b\\\"c\" , qop=\"auth\"";
    reinit(&mut s, &www(c), &mut req).unwrap();
    let v = auths(&req, "Authorization")[0].to_owned();
    assert!(
        v.contains("realm=\"ex\\\"am\\\\ple\", nonce=\"a,b\\\"c\""),
        "{v}"
    );
    check_response(&v, c, "alice", "secret", &req);
}

#[test]
fn nc_increments_via_init() {
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut req = request();
    reinit(&mut s, &www(MD5_CHAL), &mut req).unwrap();
    let first = auths(&req, "Authorization")[0].to_owned();
    assert!(first.ends_with("nc=00000001"));
    let mut next = SipMessage::request("INVITE", "sip:bob@example.com");
    init(&mut s, &mut next).unwrap();
    let v = auths(&next, "Authorization");
    assert_eq!(v.len(), 1);
    assert!(v[0].ends_with("nc=00000002"), "{}", v[0]);
    assert!(v[0].contains("uri=\"sip:bob@example.com\""));
    check_response(v[0], MD5_CHAL, "alice", "secret", &next);
    let cn = |v: &str| {
        parse_authorization(v.as_bytes())
            .unwrap()
            .cnonce
            .unwrap()
            .into_owned()
    };
    assert_eq!(cn(&first), cn(v[0]));
    let mut third = request();
    init(&mut s, &mut third).unwrap();
    assert!(auths(&third, "Authorization")[0].ends_with("nc=00000003"));
}

#[test]
fn initial_auth_empty_form() {
    let mut s = session(vec![
        cred("example.com", "alice", "secret"),
        cred("*", "any", "x"),
        ha1_cred("sha.com", "carol", &"a".repeat(64), Algorithm::Sha256),
    ]);
    s.prefs = Prefs {
        initial_auth: true,
        algorithm: Vec::new(),
    };
    let mut req = request();
    init(&mut s, &mut req).unwrap();
    assert_eq!(
        auths(&req, "Authorization"),
        [
            "Digest username=\"alice\", realm=\"example.com\", nonce=\"\", uri=\"sip:example.com\", response=\"\"",
            "Digest username=\"carol\", realm=\"sha.com\", nonce=\"\", uri=\"sip:example.com\", response=\"\", algorithm=SHA-256",
        ]
    );
    s.prefs.algorithm = b"SHA-256".to_vec();
    let mut req = request();
    init(&mut s, &mut req).unwrap();
    assert!(auths(&req, "Authorization")[0].ends_with(", algorithm=SHA-256"));
    // Without initial_auth nothing is added.
    let mut s = session(vec![cred("example.com", "alice", "secret")]);
    let mut req = request();
    init(&mut s, &mut req).unwrap();
    assert!(auths(&req, "Authorization").is_empty());
}

#[test]
fn wildcard_and_exact_wins() {
    let mut s = session(vec![cred("*", "wild", "w")]);
    let mut req = request();
    reinit(&mut s, &www(MD5_CHAL), &mut req).unwrap();
    check_response(auths(&req, "Authorization")[0], MD5_CHAL, "wild", "w", &req);
    let mut s = session(vec![
        cred("*", "wild", "w"),
        cred("EXAMPLE.com", "alice", "secret"),
    ]);
    let mut req = request();
    reinit(&mut s, &www(MD5_CHAL), &mut req).unwrap();
    check_response(
        auths(&req, "Authorization")[0],
        MD5_CHAL,
        "alice",
        "secret",
        &req,
    );
}

#[test]
fn new_challenge_replaces_only_its_realm() {
    let mut s = session(vec![cred("a.com", "ua", "pa"), cred("b.com", "ub", "pb")]);
    let mut req = request();
    let ca = "Digest realm=\"a.com\", nonce=\"na\"";
    let cb = "Digest realm=\"b.com\", nonce=\"nb\"";
    reinit(
        &mut s,
        &response(401, &[("WWW-Authenticate", ca), ("WWW-Authenticate", cb)]),
        &mut req,
    )
    .unwrap();
    let ca2 = "Digest realm=\"a.com\", nonce=\"na2\", stale=true";
    reinit(&mut s, &www(ca2), &mut req).unwrap();
    let v = auths(&req, "Authorization");
    assert_eq!(v.len(), 2);
    assert!(v.iter().any(|x| x.contains("nonce=\"nb\"")));
    assert!(v.iter().any(|x| x.contains("nonce=\"na2\"")));
}

proptest! {
    #[test]
    fn reinit_never_panics(v in "\\PC{0,200}", scheme in prop_oneof![Just("Digest "), Just(""), Just("Bearer ")]) {
        let mut s = session(vec![cred("*", "u", "p")]);
        let mut req = request();
        let mut resp = www("Digest realm=\"x\", nonce=\"y\"");
        resp.headers.retain(|h| h.name != "WWW-Authenticate");
        resp.push_header("WWW-Authenticate", format!("{scheme}{v}"));
        let _ = reinit(&mut s, &resp, &mut req);
    }
}
