//! Server-side digest authentication: challenges, nonces, verification.

use pjsip_auth_shim::auth::server::{
    challenge_value, check_nonce, mint_nonce, now_secs, ServerAuth, StoredSecret,
    NONCE_LIFETIME_SECS,
};
use pjsip_auth_shim::digest::{compute, Algorithm, Hex, Qop, QopParams};
use pjsip_auth_shim::sip::SipMessage;
use pjsip_auth_shim::status::Error;

const REALM: &[u8] = b"example.com";
const USER: &[u8] = b"alice";
const PASS: &[u8] = b"secret";
const URI: &str = "sip:example.com";

fn srv(is_proxy: bool) -> ServerAuth {
    ServerAuth {
        realm: REALM.to_vec(),
        is_proxy,
    }
}

fn request(auth: Option<(&str, String)>, body: &str) -> SipMessage {
    let mut text = format!(
        "REGISTER {URI} SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n"
    );
    if let Some((name, value)) = auth {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    SipMessage::parse(text.as_bytes()).unwrap()
}

/// The Authorization value a correct client sends.
fn answer(alg: Algorithm, nonce: &str, qop: Option<Qop>, password: &[u8], body: &[u8]) -> String {
    let ha1 = compute::ha1(alg, USER, REALM, password, nonce.as_bytes(), b"0a4f113b");
    let ha2 = compute::ha2(alg, b"REGISTER", URI.as_bytes(), qop, body);
    let qp = qop.map(|qop| QopParams {
        qop,
        nc: b"00000001",
        cnonce: b"0a4f113b",
    });
    let resp = compute::response(alg, &ha1, nonce.as_bytes(), qp, &ha2);
    let mut v = format!(
        "Digest username=\"alice\", realm=\"example.com\", nonce=\"{nonce}\", uri=\"{URI}\", response=\"{}\", algorithm={}",
        resp.as_str(),
        alg.name()
    );
    if let Some(q) = qop {
        v.push_str(&format!(
            ", cnonce=\"0a4f113b\", qop={}, nc=00000001",
            q.as_str()
        ));
    }
    v
}

fn password(name: &[u8]) -> Option<StoredSecret> {
    (name == USER).then(|| StoredSecret::Password(PASS.to_vec()))
}

#[test]
fn challenge_header_text_is_exact() {
    let mut resp = SipMessage::parse(b"SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n").unwrap();
    srv(false).challenge(
        &mut resp,
        None,
        Some(b"abc"),
        Some(b"xyz"),
        false,
        Algorithm::Md5,
    );
    assert_eq!(
        resp.header("WWW-Authenticate", 0),
        Some("Digest realm=\"example.com\", nonce=\"abc\", opaque=\"xyz\", qop=\"auth\", algorithm=MD5")
    );
    srv(true).challenge(
        &mut resp,
        None,
        Some(b"n"),
        Some(b"o"),
        true,
        Algorithm::Sha256,
    );
    assert_eq!(
        resp.header("Proxy-Authenticate", 0),
        Some("Digest realm=\"example.com\", nonce=\"n\", opaque=\"o\", qop=\"auth\", algorithm=SHA-256, stale=true")
    );
    assert_eq!(
        challenge_value(b"r", b"n", b"o", b"", false, Algorithm::Sha512_256),
        "Digest realm=\"r\", nonce=\"n\", opaque=\"o\", algorithm=SHA-512-256"
    );
}

#[test]
fn nonce_round_trip_tamper_and_expiry() {
    let now = 1_700_000_000;
    let n = mint_nonce(REALM, now);
    assert_eq!(check_nonce(REALM, n.as_bytes(), now), Ok(()));
    assert_eq!(
        check_nonce(REALM, n.as_bytes(), now + NONCE_LIFETIME_SECS),
        Ok(())
    );
    assert_eq!(
        check_nonce(REALM, n.as_bytes(), now + NONCE_LIFETIME_SECS + 1),
        Err(Error::AuthInNonce)
    );
    assert_eq!(
        check_nonce(b"other", n.as_bytes(), now),
        Err(Error::AuthInNonce)
    );
    let mut t = n.clone().into_bytes();
    t[20] = if t[20] == b'0' { b'1' } else { b'0' };
    assert_eq!(check_nonce(REALM, &t, now), Err(Error::AuthInNonce));
    // Moving the timestamp without the MAC is detected.
    let mut t = n.into_bytes();
    t[15] = if t[15] == b'0' { b'1' } else { b'0' };
    assert_eq!(check_nonce(REALM, &t, now), Err(Error::AuthInNonce));
    assert_eq!(check_nonce(REALM, b"abc", now), Err(Error::AuthInNonce));
}

#[test]
fn verifies_every_algorithm_from_password_and_ha1() {
    let now = now_secs();
    for alg in [Algorithm::Md5, Algorithm::Sha256, Algorithm::Sha512_256] {
        let nonce = mint_nonce(REALM, now);
        let req = request(
            Some((
                "Authorization",
                answer(alg, &nonce, Some(Qop::Auth), PASS, b""),
            )),
            "",
        );
        let v = srv(false).verify(&req, now, password);
        assert_eq!((v.result, v.status_code), (Ok(()), 200), "{alg:?}");
        let ha1 = compute::ha1(alg, USER, REALM, PASS, b"", b"");
        let v = srv(false).verify(&req, now, |_| {
            Some(StoredSecret::Ha1Hex {
                algorithm: alg,
                hex: ha1.as_bytes().to_ascii_uppercase(),
            })
        });
        assert_eq!(v.result, Ok(()), "{alg:?} HA1");
        // An HA1 made with another hash cannot serve.
        let other: Hex = compute::ha1(Algorithm::Md5, USER, REALM, PASS, b"", b"");
        if alg != Algorithm::Md5 {
            let v = srv(false).verify(&req, now, |_| {
                Some(StoredSecret::Ha1Hex {
                    algorithm: Algorithm::Md5,
                    hex: other.as_bytes().to_vec(),
                })
            });
            assert_eq!(v.result, Err(Error::InvalidAlgorithm));
        }
    }
}

#[test]
fn failures_have_their_status() {
    let now = now_secs();
    let nonce = mint_nonce(REALM, now);
    let s = srv(false);
    let check = |req: &SipMessage, err: Error, code: u16| {
        let v = s.verify(req, now, password);
        assert_eq!((v.result, v.status_code), (Err(err), code));
    };
    let wrong = answer(Algorithm::Md5, &nonce, Some(Qop::Auth), b"wrong", b"");
    check(
        &request(Some(("Authorization", wrong)), ""),
        Error::FailedCredential,
        401,
    );
    let right = answer(Algorithm::Md5, &nonce, Some(Qop::Auth), PASS, b"");
    let other_realm = right.replace("example.com\"", "other.org\"");
    check(
        &request(Some(("Authorization", other_realm)), ""),
        Error::AuthNoAuth,
        401,
    );
    check(&request(None, ""), Error::AuthNoAuth, 401);
    check(
        &request(
            Some(("Authorization", "Digest realm=\"example.com".into())),
            "",
        ),
        Error::InvalidHdr,
        400,
    );
    let bob = right.replace("username=\"alice\"", "username=\"bob\"");
    check(
        &request(Some(("Authorization", bob)), ""),
        Error::AuthAccNotFound,
        401,
    );
    let bad_alg = right.replace("algorithm=MD5", "algorithm=AKAv1-MD5");
    check(
        &request(Some(("Authorization", bad_alg)), ""),
        Error::InvalidAlgorithm,
        401,
    );
    let old = mint_nonce(REALM, now - NONCE_LIFETIME_SECS - 10);
    let stale = answer(Algorithm::Md5, &old, Some(Qop::Auth), PASS, b"");
    check(
        &request(Some(("Authorization", stale)), ""),
        Error::AuthInNonce,
        401,
    );
    let explicit = answer(Algorithm::Md5, "my-own-nonce", Some(Qop::Auth), PASS, b"");
    check(
        &request(Some(("Authorization", explicit)), ""),
        Error::AuthInNonce,
        401,
    );
    let hashed = format!("{right}, userhash=true");
    check(
        &request(Some(("Authorization", hashed)), ""),
        Error::NotSupported,
        401,
    );
    // A proxy reads Proxy-Authorization and answers 407.
    let v = srv(true).verify(
        &request(Some(("Authorization", right.clone())), ""),
        now,
        password,
    );
    assert_eq!((v.result, v.status_code), (Err(Error::AuthNoAuth), 407));
    let v = srv(true).verify(
        &request(Some(("Proxy-Authorization", right)), ""),
        now,
        password,
    );
    assert_eq!((v.result, v.status_code), (Ok(()), 200));
    // Not a request.
    let resp = SipMessage::parse(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n").unwrap();
    let v = s.verify(&resp, now, password);
    assert_eq!(v.result, Err(Error::NotRequestMsg));
}

#[test]
fn auth_int_and_rfc2069() {
    let now = now_secs();
    let nonce = mint_nonce(REALM, now);
    let body = "v=0\r\n";
    let a = answer(
        Algorithm::Sha256,
        &nonce,
        Some(Qop::AuthInt),
        PASS,
        body.as_bytes(),
    );
    let v = srv(false).verify(
        &request(Some(("Authorization", a.clone())), body),
        now,
        password,
    );
    assert_eq!(v.result, Ok(()));
    // Another body fails.
    let v = srv(false).verify(
        &request(Some(("Authorization", a)), "v=1\r\n"),
        now,
        password,
    );
    assert_eq!(v.result, Err(Error::FailedCredential));
    let a = answer(Algorithm::Md5, &nonce, None, PASS, b"");
    let v = srv(false).verify(&request(Some(("Authorization", a)), ""), now, password);
    assert_eq!(v.result, Ok(()));
}
