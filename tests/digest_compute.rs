//! The digest formulas against published vectors (RFC 7616 §3.9, RFC 2617
//! §3.5) and against the formulas recomputed here with the hash crates.

use md5::Md5;
use pjsip_auth_shim::digest::{
    self, authorize, compute_response, ha1, ha1_from_hex, ha2, response, userhash, Algorithm,
    Answer, DigestChallenge, Qop, QopParams, Secret,
};
use sha2::{Digest, Sha256, Sha512_256};
use std::borrow::Cow;

const NONCE_7616: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const CNONCE_7616: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
const REALM_7616: &str = "http-auth@example.org";

fn rfc7616_response(alg: Algorithm) -> String {
    let h1 = ha1(
        alg,
        b"Mufasa",
        REALM_7616.as_bytes(),
        b"Circle of Life",
        b"",
        b"",
    );
    let h2 = ha2(alg, b"GET", b"/dir/index.html", Some(Qop::Auth), b"");
    let q = QopParams {
        qop: Qop::Auth,
        nc: b"00000001",
        cnonce: CNONCE_7616.as_bytes(),
    };
    response(alg, &h1, NONCE_7616.as_bytes(), Some(q), &h2)
        .as_str()
        .to_owned()
}

#[test]
fn rfc7616_md5() {
    assert_eq!(
        rfc7616_response(Algorithm::Md5),
        "8ca523f5e9506fed4657c9700eebdbec"
    );
}

#[test]
fn rfc7616_sha256() {
    assert_eq!(
        rfc7616_response(Algorithm::Sha256),
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
}

#[test]
fn rfc7616_sha512_256() {
    assert_eq!(
        rfc7616_response(Algorithm::Sha512_256),
        "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0"
    );
}

#[test]
fn rfc2617_md5() {
    let h1 = ha1(
        Algorithm::Md5,
        b"Mufasa",
        b"testrealm@host.com",
        b"Circle Of Life",
        b"",
        b"",
    );
    let h2 = ha2(
        Algorithm::Md5,
        b"GET",
        b"/dir/index.html",
        Some(Qop::Auth),
        b"",
    );
    let q = QopParams {
        qop: Qop::Auth,
        nc: b"00000001",
        cnonce: b"0a4f113b",
    };
    let r = response(
        Algorithm::Md5,
        &h1,
        b"dcd98b7102dd2f0e8b11d0f600bfb0c093",
        Some(q),
        &h2,
    );
    assert_eq!(r.as_str(), "6629fae49393a05397450978507c4ef1");
}

/// RFC 7616 §3.9.2 as corrected by erratum 4897: the RFC's printed values
/// (username hash 488869477b…) were made with a pre-standard SHA-512/256;
/// the erratum's values are what FIPS 180-4 SHA-512/256 gives (and what other
/// implementations assert).
#[test]
fn rfc7616_userhash_errata_4897() {
    let alg = Algorithm::Sha512_256;
    let (user, realm) = ("J\u{e4}s\u{f8}n Doe".as_bytes(), b"api@example.org");
    let u = userhash(alg, user, realm);
    assert_eq!(
        u.as_str(),
        "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"
    );
    let h1 = ha1(alg, user, realm, b"Secret, or not?", b"", b"");
    let h2 = ha2(alg, b"GET", b"/doe.json", Some(Qop::Auth), b"");
    let q = QopParams {
        qop: Qop::Auth,
        nc: b"00000001",
        cnonce: b"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
    };
    let r = response(
        alg,
        &h1,
        b"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
        Some(q),
        &h2,
    );
    assert_eq!(
        r.as_str(),
        "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
    );
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// H() with the hash crates directly, for independent expectations.
fn h(alg: Algorithm, data: &str) -> String {
    match alg.base() {
        Algorithm::Md5 => hex_of(&Md5::digest(data.as_bytes())),
        Algorithm::Sha256 => hex_of(&Sha256::digest(data.as_bytes())),
        _ => hex_of(&Sha512_256::digest(data.as_bytes())),
    }
}

#[test]
fn sess_and_auth_int_match_the_formulas() {
    let (user, realm, pass) = ("alice", "biloxi.com", "secret");
    let (nonce, cnonce, nc) = ("n0nce", "c0nce", "0000000a");
    let (method, uri, body) = (
        "INVITE",
        "sip:bob@biloxi.com",
        "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
    );
    for alg in Algorithm::all() {
        let base_ha1 = h(alg, &format!("{user}:{realm}:{pass}"));
        let want_ha1 = if alg.is_sess() {
            h(alg, &format!("{base_ha1}:{nonce}:{cnonce}"))
        } else {
            base_ha1.clone()
        };
        let got_ha1 = ha1(
            alg,
            user.as_bytes(),
            realm.as_bytes(),
            pass.as_bytes(),
            nonce.as_bytes(),
            cnonce.as_bytes(),
        );
        assert_eq!(got_ha1.as_str(), want_ha1, "{alg:?} HA1");

        let want_ha2 = h(alg, &format!("{method}:{uri}:{}", h(alg, body)));
        let got_ha2 = ha2(
            alg,
            method.as_bytes(),
            uri.as_bytes(),
            Some(Qop::AuthInt),
            body.as_bytes(),
        );
        assert_eq!(got_ha2.as_str(), want_ha2, "{alg:?} HA2 auth-int");

        let want = h(
            alg,
            &format!("{want_ha1}:{nonce}:{nc}:{cnonce}:auth-int:{want_ha2}"),
        );
        let q = QopParams {
            qop: Qop::AuthInt,
            nc: nc.as_bytes(),
            cnonce: cnonce.as_bytes(),
        };
        let got = response(alg, &got_ha1, nonce.as_bytes(), Some(q), &got_ha2);
        assert_eq!(got.as_str(), want, "{alg:?} response");

        // The pre-hashed path gives the same HA1, with the sess step on top.
        let from_hex = ha1_from_hex(
            alg,
            base_ha1.to_uppercase().as_bytes(),
            nonce.as_bytes(),
            cnonce.as_bytes(),
        )
        .unwrap();
        assert_eq!(from_hex, got_ha1, "{alg:?} HA1 from hex");
    }
}

#[test]
fn rfc2069_form_without_qop() {
    let alg = Algorithm::Sha256;
    let h1 = ha1(alg, b"u", b"r", b"p", b"", b"");
    let h2 = ha2(alg, b"REGISTER", b"sip:r", None, b"ignored body");
    assert_eq!(h2.as_str(), h(alg, "REGISTER:sip:r"));
    let r = response(alg, &h1, b"N", None, &h2);
    assert_eq!(
        r.as_str(),
        h(alg, &format!("{}:N:{}", h(alg, "u:r:p"), h2.as_str()))
    );
}

#[test]
fn ha1_from_hex_rejects_wrong_length_or_non_hex() {
    assert!(ha1_from_hex(Algorithm::Md5, b"abcd", b"", b"").is_none());
    assert!(ha1_from_hex(Algorithm::Md5, &[b'g'; 32], b"", b"").is_none());
    assert!(ha1_from_hex(Algorithm::Sha256, &[b'a'; 32], b"", b"").is_none());
    assert!(ha1_from_hex(Algorithm::Sha256, &[b'a'; 64], b"", b"").is_some());
}

fn chal(alg: Option<&'static str>, qop: Option<Vec<&'static str>>) -> DigestChallenge<'static> {
    DigestChallenge {
        realm: Cow::Borrowed(REALM_7616.as_bytes()),
        nonce: Cow::Borrowed(NONCE_7616.as_bytes()),
        opaque: Some(Cow::Borrowed(
            b"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
        )),
        algorithm: alg.map(|a| Cow::Borrowed(a.as_bytes())),
        qop: qop.map(|l| l.into_iter().map(|t| Cow::Borrowed(t.as_bytes())).collect()),
        ..DigestChallenge::default()
    }
}

fn answer(secret: Secret<'static>) -> Answer<'static> {
    Answer {
        username: b"Mufasa",
        secret,
        method: b"GET",
        uri: b"/dir/index.html",
        body: b"",
        nc: 1,
        cnonce: CNONCE_7616.as_bytes(),
    }
}

#[test]
fn authorize_writes_the_rfc7616_example_in_order() {
    let c = chal(Some("SHA-256"), Some(vec!["auth", "auth-int"]));
    let mut out = Vec::new();
    let r = authorize(&c, &answer(Secret::Password(b"Circle of Life")), &mut out).unwrap();
    assert_eq!(
        r.as_str(),
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", \
         nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", \
         response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", \
         algorithm=SHA-256, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", \
         opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", qop=auth, nc=00000001"
    );
}

#[test]
fn authorize_without_algorithm_or_qop_omits_them() {
    let mut c = chal(None, None);
    c.opaque = None;
    let mut out = Vec::new();
    authorize(&c, &answer(Secret::Password(b"Circle of Life")), &mut out).unwrap();
    let s = String::from_utf8(out).unwrap();
    let h1 = h(
        Algorithm::Md5,
        "Mufasa:http-auth@example.org:Circle of Life",
    );
    let h2 = h(Algorithm::Md5, "GET:/dir/index.html");
    let want = h(Algorithm::Md5, &format!("{h1}:{NONCE_7616}:{h2}"));
    assert_eq!(
        s,
        format!(
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", nonce=\"{NONCE_7616}\", \
             uri=\"/dir/index.html\", response=\"{want}\""
        )
    );
}

#[test]
fn authorize_with_userhash_and_stored_ha1() {
    let mut c = chal(Some("sha-512-256-SESS"), Some(vec!["auth-int"]));
    c.userhash = true;
    let stored = h(
        Algorithm::Sha512_256,
        "Mufasa:http-auth@example.org:Circle of Life",
    );
    let stored: &'static str = Box::leak(stored.into_boxed_str());
    let secret = Secret::Ha1Hex {
        algorithm: Algorithm::Sha512_256,
        hex: stored.as_bytes(),
    };
    let mut out = Vec::new();
    let r = authorize(&c, &answer(secret), &mut out).unwrap();
    let (pw, _) = compute_response(&c, &answer(Secret::Password(b"Circle of Life"))).unwrap();
    assert_eq!(r, pw);
    let s = String::from_utf8(out).unwrap();
    let uh = h(Algorithm::Sha512_256, "Mufasa:http-auth@example.org");
    assert!(s.starts_with(&format!("Digest username=\"{uh}\", ")), "{s}");
    assert!(s.contains(", algorithm=sha-512-256-SESS, "), "{s}");
    assert!(
        s.ends_with(", qop=auth-int, nc=00000001, userhash=true"),
        "{s}"
    );
}

#[test]
fn authorize_errors() {
    let mut out = b"keep".to_vec();
    let pw = answer(Secret::Password(b"x"));
    let e = authorize(&chal(Some("AKAv1-MD5"), None), &pw, &mut out).unwrap_err();
    assert_eq!(e, pjsip_auth_shim::status::Error::InvalidAlgorithm);
    let e = authorize(&chal(None, Some(vec!["auth-conf"])), &pw, &mut out).unwrap_err();
    assert_eq!(e, pjsip_auth_shim::status::Error::InvalidQop);
    let md5_ha1 = Secret::Ha1Hex {
        algorithm: Algorithm::Md5,
        hex: &[b'a'; 32],
    };
    let e = authorize(&chal(Some("SHA-256"), None), &answer(md5_ha1), &mut out).unwrap_err();
    assert_eq!(e, pjsip_auth_shim::status::Error::InvalidAlgorithm);
    let mut bad = answer(Secret::Password(b"x"));
    bad.uri = b"sip:a\r\nVia: evil";
    let e = authorize(&chal(None, None), &bad, &mut out).unwrap_err();
    assert_eq!(e, pjsip_auth_shim::status::Error::InvalidArg);
    assert_eq!(out, b"keep", "out untouched on error");
}

#[test]
fn cnonce_is_128_bit_hex_and_fresh() {
    let a = digest::new_cnonce();
    let b = digest::new_cnonce();
    assert_eq!(a.len(), 32);
    assert!(a
        .as_str()
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_ne!(a, b);
}
