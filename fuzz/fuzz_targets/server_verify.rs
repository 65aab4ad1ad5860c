//! The server's `verify` on a fuzzed request.
//!
//! Input byte 0, bit 0: proxy authentication; bit 1: the account's secret
//! is a stored HA1 rather than a password. Byte 1 picks the mode:
//! - even: the rest is the request's Authorization (or Proxy-Authorization)
//!   value, with every `@N@` replaced by a nonce the server minted, so the
//!   checks after the nonce are reached too. Nobody without the password can
//!   compute the response, so the verdict must never be success, and its
//!   status code must match its result.
//! - odd: the rest drives an honest client (algorithm, qop, userhash
//!   refused by the server aside, uri, cnonce, nc, body): its answer to a
//!   minted challenge must verify (200), and the same answer with one
//!   response digit changed must not.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pjsip_auth_shim::auth::server::{challenge_value, mint_nonce, ServerAuth, StoredSecret};
use pjsip_auth_shim::digest::{authorize, ha1, parse_challenges, Algorithm, Answer, Secret};
use pjsip_auth_shim::sip::SipMessage;

const NOW: u64 = 1_000_000;
const REALM: &[u8] = b"example.com";

fn request(header: &str, value: &str, body: &[u8]) -> SipMessage {
    let mut m = SipMessage::request("REGISTER", "sip:example.com");
    m.push_header("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsrv");
    m.push_header("From", "<sip:alice@example.com>;tag=1");
    m.push_header("To", "<sip:alice@example.com>");
    m.push_header("Call-ID", "srv");
    m.push_header("CSeq", "1 REGISTER");
    m.push_header(header, value);
    m.body = body.to_vec();
    m
}

fn lookup(ha1_secret: bool) -> impl Fn(&[u8]) -> Option<StoredSecret> {
    move |user: &[u8]| {
        (user == b"alice").then(|| {
            if ha1_secret {
                StoredSecret::Ha1Hex {
                    algorithm: Algorithm::Md5,
                    hex: ha1(Algorithm::Md5, b"alice", REALM, b"secret", b"", b"")
                        .as_bytes()
                        .to_vec(),
                }
            } else {
                StoredSecret::Password(b"secret".to_vec())
            }
        })
    }
}

fn hostile(srv: &ServerAuth, ha1_secret: bool, rest: &[u8]) {
    let nonce = mint_nonce(REALM, NOW);
    let value = String::from_utf8_lossy(rest).replace("@N@", &nonce);
    let req = request(srv.authorization_header(), &value, b"");
    let v = srv.verify(&req, NOW, lookup(ha1_secret));
    assert!(
        v.result.is_err(),
        "a forged Authorization verified: {value:?}"
    );
    assert_ne!(v.status_code, 200);
}

fn honest(srv: &ServerAuth, ha1_secret: bool, rest: &[u8]) {
    let pick = |i: usize| rest.get(i).copied().unwrap_or(0) as usize;
    // The server's HA1 is MD5: an HA1 account is answerable only with MD5.
    let algs = Algorithm::all();
    let alg = if ha1_secret {
        [Algorithm::Md5, Algorithm::Md5Sess][pick(0) % 2]
    } else {
        algs[pick(0) % algs.len()]
    };
    let qop: &[u8] = [&b"auth"[..], b"auth-int", b"", b"auth-int, auth"][pick(1) % 4];
    let nc = u32::from_le_bytes([pick(2) as u8, pick(3) as u8, 0, 0]).max(1);
    let tail = rest.get(4..).unwrap_or_default();
    let mut parts = tail.splitn(3, |&b| b == 0);
    let uri = parts.next().unwrap_or_default();
    let cnonce = parts.next().unwrap_or(b"cn");
    let body = parts.next().unwrap_or_default();
    let nonce = mint_nonce(REALM, NOW);
    let chal_text = challenge_value(REALM, nonce.as_bytes(), b"op", qop, false, alg);
    let list = parse_challenges(chal_text.as_bytes());
    let chal = list[0]
        .as_ref()
        .expect("our challenge parses")
        .to_digest()
        .expect("Digest");
    let ans = Answer {
        username: b"alice",
        secret: Secret::Password(b"secret"),
        method: b"REGISTER",
        uri: if uri.is_empty() {
            b"sip:example.com"
        } else {
            uri
        },
        body,
        nc,
        cnonce: if cnonce.is_empty() { b"cn" } else { cnonce },
    };
    let mut out = Vec::new();
    let Ok(response) = authorize(&chal, &ans, &mut out) else {
        return; // a value the writer refuses (control characters)
    };
    let Ok(value) = String::from_utf8(out) else {
        return; // not header text
    };
    let req = request(srv.authorization_header(), &value, body);
    let v = srv.verify(&req, NOW, lookup(ha1_secret));
    assert_eq!(v.result, Ok(()), "an honest answer was refused: {value}");
    assert_eq!(v.status_code, 200);

    // One digit of the response changed.
    let hex = response.as_str();
    let i = pick(4) % hex.len();
    let mut wrong = hex.as_bytes().to_vec();
    wrong[i] = if wrong[i] == b'0' { b'1' } else { b'0' };
    let forged = value.replacen(hex, std::str::from_utf8(&wrong).unwrap(), 1);
    let req = request(srv.authorization_header(), &forged, body);
    let v = srv.verify(&req, NOW, lookup(ha1_secret));
    assert!(v.result.is_err(), "a changed response verified");
    assert_ne!(v.status_code, 200);
}

fuzz_target!(|data: &[u8]| {
    let [flags, mode, rest @ ..] = data else {
        return;
    };
    let srv = ServerAuth {
        realm: REALM.to_vec(),
        is_proxy: flags & 1 != 0,
    };
    let ha1_secret = flags & 2 != 0;
    if mode & 1 == 0 {
        hostile(&srv, ha1_secret, rest);
    } else {
        honest(&srv, ha1_secret, rest);
    }
});
