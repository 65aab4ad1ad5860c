//! Hostile input at the client and server, as a peer would send it: the
//! limits are stated and answered with a truthful status, never a silent
//! drop. Each test here is cited by docs/hostile-input.md.

#[path = "common/client.rs"]
mod client;
use client::session;
use pjsip_auth_shim::auth::client::reinit_with;
use pjsip_auth_shim::auth::credential::{Credential, SecretKind};
use pjsip_auth_shim::auth::server::{challenge_value, mint_nonce, ServerAuth, StoredSecret};
use pjsip_auth_shim::auth::session::{ClientSession, MAX_CACHED_CHALLENGES};
use pjsip_auth_shim::digest::authorization::MAX_AUTHORIZATION_LEN;
use pjsip_auth_shim::digest::challenge::{MAX_INPUT_LEN, MAX_PARAMS};
use pjsip_auth_shim::digest::{parse_authorization, parse_challenges, Algorithm, ParseError};
use pjsip_auth_shim::sip::{SipMessage, MAX_MSG_SIZE};
use pjsip_auth_shim::status::Error;

const NOW: u64 = 2_000_000;

fn cred(realm: &str, user: &str) -> Credential {
    Credential {
        realm: realm.into(),
        scheme: b"digest".to_vec(),
        username: user.into(),
        data: b"secret".to_vec(),
        kind: SecretKind::Password,
    }
}

fn request() -> SipMessage {
    client::register("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKh", "hostile")
}

const HEAD: &str =
    "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKh\r\n\
     From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n\
     Call-ID: hostile\r\nCSeq: 1 REGISTER\r\n";

/// A 401 with these header lines, parsed as received.
fn response(lines: &[(&str, &str)]) -> Result<SipMessage, Error> {
    let mut text = String::from(HEAD);
    for (n, v) in lines {
        text.push_str(&format!("{n}: {v}\r\n"));
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    SipMessage::parse(text.as_bytes())
}

fn cnonce() -> impl FnMut() -> Vec<u8> {
    let mut n = 0u32;
    move || {
        n += 1;
        format!("{n:08x}").into_bytes()
    }
}

/// The realms of the request's Authorization headers, in order.
fn answered_realms(req: &SipMessage) -> Vec<String> {
    req.headers_named("Authorization")
        .map(|v| {
            let c = parse_authorization(v.as_bytes()).expect("our answer parses");
            String::from_utf8(c.realm.into_owned()).unwrap()
        })
        .collect()
}

/// Error leaves everything as it was: the request's bytes and the session's
/// cache.
fn assert_unchanged(before: &SipMessage, after: &SipMessage, s: &ClientSession) {
    assert_eq!(before.to_bytes(), after.to_bytes(), "the request changed");
    assert!(s.cached().is_empty(), "the session cached something");
}

/// The finding: 20 challenges for 20 realms in one header line got 16
/// answers (a cap of 16 elements per value dropped the rest silently). Now
/// every realm is answered, and each answer verifies at a server of that
/// realm.
#[test]
fn twenty_realms_in_one_header_line_get_twenty_answers() {
    let realms: Vec<String> = (0..20).map(|i| format!("realm{i}.example")).collect();
    let value = realms
        .iter()
        .map(|r| {
            challenge_value(
                r.as_bytes(),
                mint_nonce(r.as_bytes(), NOW).as_bytes(),
                b"op",
                b"auth",
                false,
                Algorithm::Md5,
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let resp = response(&[("WWW-Authenticate", &value)]).unwrap();
    let mut s = session(vec![cred("*", "alice")]);
    let mut req = request();
    reinit_with(&mut s, &resp, &mut req, &mut cnonce()).unwrap();
    assert_eq!(answered_realms(&req), realms);
    for r in &realms {
        let srv = ServerAuth {
            realm: r.clone().into_bytes(),
            is_proxy: false,
        };
        let v = srv.verify(&req, NOW, |u| {
            (u == b"alice").then(|| StoredSecret::Password(b"secret".to_vec()))
        });
        assert_eq!(v.result, Ok(()), "realm {r}");
    }
}

/// One value as long as the limit allows, packed with minimal challenges
/// for distinct realms: every one of them is answered.
#[test]
fn a_value_at_the_length_limit_is_parsed_and_answered_in_full() {
    let mut value = String::new();
    let mut n = 0;
    loop {
        let next = format!("Digest realm=r{n},nonce=n, ");
        if value.len() + next.len() > MAX_INPUT_LEN {
            break;
        }
        value.push_str(&next);
        n += 1;
    }
    while value.len() < MAX_INPUT_LEN {
        value.push(' ');
    }
    assert_eq!(value.len(), MAX_INPUT_LEN);
    let resp = response(&[("WWW-Authenticate", value.trim_end())]).unwrap();
    let mut s = session(vec![cred("*", "alice")]);
    let mut req = request();
    reinit_with(&mut s, &resp, &mut req, &mut cnonce()).unwrap();
    let got = answered_realms(&req);
    assert_eq!(got.len(), n, "{n} challenges in {MAX_INPUT_LEN} bytes");
    assert!(n > 250);
    // Every realm answered; the cache keeps the last ones, up to its cap.
    assert_eq!(s.cached().len(), MAX_CACHED_CHALLENGES);
    let kept: Vec<String> = s
        .cached()
        .iter()
        .map(|e| String::from_utf8_lossy(&e.chal.realm).into_owned())
        .collect();
    for i in n - MAX_CACHED_CHALLENGES..n {
        assert!(kept.contains(&format!("r{i}")), "r{i} not kept: {kept:?}");
    }
}

/// The finding: a server offering a new realm with every challenge grew a
/// session with a wildcard credential by one cache entry per realm, without
/// bound. Now the cache stops at `MAX_CACHED_CHALLENGES` and evicts the
/// least recently used realm: over 100,000 challenges for new realms, with
/// one "home" realm answered again every few challenges, the cache stays at
/// the cap, keeps "home" and otherwise the most recent realms, and a
/// pre-emptive `init` answers exactly those.
#[test]
fn a_hundred_thousand_new_realms_keep_the_cache_at_its_cap() {
    use pjsip_auth_shim::auth::client::{cached_challenge, init};
    const N: usize = 100_000;
    const HOME_EVERY: usize = MAX_CACHED_CHALLENGES / 2;
    let mut s = session(vec![cred("*", "alice")]);
    let mut cn = cnonce();
    let mut answer = |s: &mut ClientSession, realm: &str, nonce: usize| {
        let v = format!("Digest realm=\"{realm}\", nonce=\"{nonce:x}\", qop=\"auth\"");
        let mut req = request();
        reinit_with(
            s,
            &response(&[("WWW-Authenticate", &v)]).unwrap(),
            &mut req,
            &mut cn,
        )
        .unwrap();
        assert_eq!(answered_realms(&req), [realm]);
    };
    for i in 0..N {
        if i % HOME_EVERY == 0 {
            answer(&mut s, "home", i);
        }
        answer(&mut s, &format!("r{i}"), i);
        assert!(s.cached().len() <= MAX_CACHED_CHALLENGES, "at {i}");
    }
    assert_eq!(s.cached().len(), MAX_CACHED_CHALLENGES);
    assert!(
        cached_challenge(&s, b"home", false).is_some(),
        "the realm used every {HOME_EVERY} challenges was evicted"
    );
    // The rest: exactly the most recent new realms.
    let mut want: Vec<String> = (N - (MAX_CACHED_CHALLENGES - 1)..N)
        .map(|i| format!("r{i}"))
        .collect();
    want.push("home".into());
    let mut kept: Vec<String> = s
        .cached()
        .iter()
        .map(|e| String::from_utf8_lossy(&e.chal.realm).into_owned())
        .collect();
    want.sort();
    kept.sort();
    assert_eq!(kept, want);
    // A realm evicted long ago is answered again as new: nc 1.
    answer(&mut s, "r0", 1);
    let e = s
        .cached()
        .iter()
        .find(|e| &e.chal.realm[..] == b"r0")
        .unwrap();
    assert_eq!(e.nc, 1);
    assert_eq!(s.cached().len(), MAX_CACHED_CHALLENGES);
    // Pre-emptive authorization of a new request: one per cached realm.
    let mut req = request();
    init(&mut s, &mut req).unwrap();
    assert_eq!(answered_realms(&req).len(), MAX_CACHED_CHALLENGES);
}

/// One plan answering more new realms than the cache holds: every realm
/// is answered, the updates of cached entries in the same plan land on
/// their own entries (not on one an eviction replaced), and the cache
/// keeps the cap.
#[test]
fn one_response_with_more_new_realms_than_the_cap() {
    let mut s = session(vec![cred("*", "alice")]);
    let mut req = request();
    let first = "Digest realm=\"old\", nonce=\"n1\", qop=\"auth\"";
    reinit_with(
        &mut s,
        &response(&[("WWW-Authenticate", first)]).unwrap(),
        &mut req,
        &mut cnonce(),
    )
    .unwrap();
    // The same nonce again with stale=true (an update of the cached entry,
    // nc 2) after more new realms than the cap holds, all in one response.
    let mut lines: Vec<String> = (0..MAX_CACHED_CHALLENGES + 4)
        .map(|i| format!("Digest realm=\"n{i}\", nonce=\"x\""))
        .collect();
    lines.push("Digest realm=\"old\", nonce=\"n1\", qop=\"auth\", stale=true".into());
    let all: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| ("WWW-Authenticate", l.as_str()))
        .collect();
    let mut req = request();
    reinit_with(&mut s, &response(&all).unwrap(), &mut req, &mut cnonce()).unwrap();
    assert_eq!(answered_realms(&req).len(), MAX_CACHED_CHALLENGES + 5);
    assert_eq!(s.cached().len(), MAX_CACHED_CHALLENGES);
    for e in s.cached() {
        let realm = String::from_utf8_lossy(&e.chal.realm).into_owned();
        if realm == "old" {
            assert_eq!((e.nc, e.stale_count), (2, 1), "{realm}");
        } else {
            assert_eq!((e.nc, e.stale_count), (1, 0), "{realm}");
            assert_eq!(&e.chal.nonce[..], b"x", "{realm}");
        }
    }
}

/// The finding: a valid Digest value over 8 KiB was refused with
/// PJSIP_EINVALIDAUTHSCHEME, which API.md reserves for "only non-Digest
/// schemes". It is now `MsgTooLong` (PJSIP_EMSGTOOLONG), and nothing changes.
#[test]
fn a_valid_digest_value_over_8_kib_is_msg_too_long() {
    let opaque = "o".repeat(MAX_INPUT_LEN);
    let value = format!("Digest realm=\"example.com\", nonce=\"n1\", opaque=\"{opaque}\"");
    assert!(value.len() > MAX_INPUT_LEN && value.len() < MAX_MSG_SIZE / 2);
    let resp = response(&[("WWW-Authenticate", &value)]).unwrap();
    let mut s = session(vec![cred("example.com", "alice")]);
    let mut req = request();
    let before = req.clone();
    let r = reinit_with(&mut s, &resp, &mut req, &mut cnonce());
    assert_eq!(r, Err(Error::MsgTooLong));
    assert_unchanged(&before, &req, &s);
    assert_eq!(
        parse_challenges(value.as_bytes()),
        vec![Err(ParseError::TooLong)]
    );
    assert_eq!(Error::from(ParseError::TooLong), Error::MsgTooLong);
    // Beside a Bearer challenge too: the oversized one may have been Digest,
    // so "only non-Digest schemes" would not be true.
    let resp = response(&[
        ("WWW-Authenticate", "Bearer realm=x"),
        ("WWW-Authenticate", &value),
    ])
    .unwrap();
    let r = reinit_with(&mut s, &resp, &mut req, &mut cnonce());
    assert_eq!(r, Err(Error::MsgTooLong));
    assert_unchanged(&before, &req, &s);
    // Bearer alone, without a Bearer credential: no credential; an unknown
    // scheme alone is still the scheme error.
    let resp = response(&[("WWW-Authenticate", "Bearer realm=x")]).unwrap();
    let r = reinit_with(&mut s, &resp, &mut req, &mut cnonce());
    assert_eq!(r, Err(Error::NoCredential));
    let resp = response(&[("WWW-Authenticate", "Newauth realm=x")]).unwrap();
    let r = reinit_with(&mut s, &resp, &mut req, &mut cnonce());
    assert_eq!(r, Err(Error::InvalidAuthScheme));
}

/// The limit is exactly `MAX_INPUT_LEN` bytes: a value of that length is
/// answered, one byte more is `MsgTooLong`.
#[test]
fn the_value_limit_is_exactly_8_kib() {
    let head = "Digest realm=\"example.com\", nonce=\"n1\", opaque=\"";
    let fill = MAX_INPUT_LEN - head.len() - 1;
    let at = format!("{head}{}\"", "o".repeat(fill));
    assert_eq!(at.len(), MAX_INPUT_LEN);
    let over = format!("{head}{}\"", "o".repeat(fill + 1));
    let mut s = session(vec![cred("example.com", "alice")]);
    let mut req = request();
    let r = reinit_with(
        &mut s,
        &response(&[("WWW-Authenticate", &over)]).unwrap(),
        &mut req,
        &mut cnonce(),
    );
    assert_eq!(r, Err(Error::MsgTooLong));
    reinit_with(
        &mut s,
        &response(&[("WWW-Authenticate", &at)]).unwrap(),
        &mut req,
        &mut cnonce(),
    )
    .unwrap();
    assert_eq!(answered_realms(&req), ["example.com"]);
}

/// An oversized value beside a usable challenge is skipped (as unknown
/// schemes are) and the usable one answered.
#[test]
fn an_oversized_value_beside_a_usable_challenge_is_skipped() {
    let big = format!(
        "Digest realm=\"other\", nonce=\"n\", opaque=\"{}\"",
        "x".repeat(MAX_INPUT_LEN)
    );
    let resp = response(&[
        ("WWW-Authenticate", &big),
        (
            "WWW-Authenticate",
            "Digest realm=\"example.com\", nonce=\"n1\"",
        ),
    ])
    .unwrap();
    let mut s = session(vec![cred("*", "alice")]);
    let mut req = request();
    reinit_with(&mut s, &resp, &mut req, &mut cnonce()).unwrap();
    assert_eq!(answered_realms(&req), ["example.com"]);
}

/// 10,000 challenges cannot fit in one message: the message is refused
/// whole (`MsgTooLong`) before any header is read; as many challenge lines
/// as fit in the largest message are all answered.
#[test]
fn ten_thousand_challenges_are_refused_and_a_full_message_is_answered() {
    let lines: Vec<String> = (0..10_000)
        .map(|i| format!("Digest realm=\"r{i}\", nonce=\"n\""))
        .collect();
    let all: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| ("WWW-Authenticate", l.as_str()))
        .collect();
    assert_eq!(response(&all).err(), Some(Error::MsgTooLong));

    let mut fit = Vec::new();
    let mut size = HEAD.len() + "Content-Length: 0\r\n\r\n".len();
    for l in &all {
        let more = l.0.len() + 2 + l.1.len() + 2;
        if size + more > MAX_MSG_SIZE {
            break;
        }
        size += more;
        fit.push(*l);
    }
    let resp = response(&fit).unwrap();
    let mut s = session(vec![cred("*", "alice")]);
    let mut req = request();
    reinit_with(&mut s, &resp, &mut req, &mut cnonce()).unwrap();
    assert_eq!(answered_realms(&req).len(), fit.len());
    assert!(fit.len() > 1_000, "{} challenge lines fit", fit.len());
}

/// Too many parameters in one challenge: that challenge is refused
/// (`TooManyParams`), so alone it gets the scheme error, nothing answered.
#[test]
fn a_challenge_with_too_many_parameters_is_refused() {
    let mut v = String::from("Digest realm=\"example.com\", nonce=\"n1\"");
    for i in 0..MAX_PARAMS {
        v.push_str(&format!(", p{i}=v"));
    }
    assert_eq!(
        parse_challenges(v.as_bytes()),
        vec![Err(ParseError::TooManyParams)]
    );
    let mut s = session(vec![cred("example.com", "alice")]);
    let mut req = request();
    let before = req.clone();
    let r = reinit_with(
        &mut s,
        &response(&[("WWW-Authenticate", &v)]).unwrap(),
        &mut req,
        &mut cnonce(),
    );
    assert_eq!(r, Err(Error::InvalidAuthScheme));
    assert_unchanged(&before, &req, &s);
}

/// Found by the server_verify fuzz target: a `-sess` challenge without qop
/// was answered with an HA1 over a cnonce that the Authorization did not
/// carry, so no server could check it. The cnonce is now sent, and our
/// server accepts the answer, for every `-sess` algorithm.
#[test]
fn a_sess_challenge_without_qop_is_answered_verifiably() {
    for alg in [
        Algorithm::Md5Sess,
        Algorithm::Sha256Sess,
        Algorithm::Sha512_256Sess,
    ] {
        let nonce = mint_nonce(b"example.com", NOW);
        let chal = challenge_value(b"example.com", nonce.as_bytes(), b"op", b"", false, alg);
        let resp = response(&[("WWW-Authenticate", &chal)]).unwrap();
        let mut s = session(vec![cred("example.com", "alice")]);
        let mut req = request();
        reinit_with(&mut s, &resp, &mut req, &mut cnonce()).unwrap();
        let value = req.headers_named("Authorization").next().unwrap();
        let c = parse_authorization(value.as_bytes()).unwrap();
        assert_eq!(c.cnonce.as_deref(), Some(&b"00000001"[..]), "{value}");
        assert!(c.qop.is_none() && c.nc.is_none(), "{value}");
        let srv = ServerAuth {
            realm: b"example.com".to_vec(),
            is_proxy: false,
        };
        let v = srv.verify(&req, NOW, |_| {
            Some(StoredSecret::Password(b"secret".to_vec()))
        });
        assert_eq!(v.result, Ok(()), "{alg:?}: {value}");
    }
}

/// NUL and other control bytes: a received message carrying one in a
/// header is `InvalidHdr`; a challenge holding one that reaches the client
/// by another path (a message built in code) gets an error and changes
/// nothing, since the answer would carry it into the request.
#[test]
fn nul_bytes_are_refused() {
    let text = format!(
        "{HEAD}WWW-Authenticate: Digest realm=\"a\0b\", nonce=\"n\"\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(
        SipMessage::parse(text.as_bytes()).err(),
        Some(Error::InvalidHdr)
    );
    let mut resp = response(&[]).unwrap();
    resp.push_header("WWW-Authenticate", "Digest realm=\"a\0b\", nonce=\"n\"");
    let mut s = session(vec![cred("*", "alice")]);
    let mut req = request();
    let before = req.clone();
    let r = reinit_with(&mut s, &resp, &mut req, &mut cnonce());
    assert_eq!(r, Err(Error::InvalidArg));
    assert_unchanged(&before, &req, &s);
}

/// An answer may be longer than the challenge (it echoes realm, nonce and
/// opaque and adds the rest), so Authorization values are parsed up to the
/// message size: the answer to a challenge at the limit verifies at the server.
#[test]
fn the_answer_to_a_challenge_at_the_limit_verifies() {
    let nonce = mint_nonce(b"example.com", NOW);
    let head = format!("Digest realm=\"example.com\", nonce=\"{nonce}\", qop=auth, opaque=\"");
    let chal = format!("{head}{}\"", "o".repeat(MAX_INPUT_LEN - head.len() - 1));
    assert_eq!(chal.len(), MAX_INPUT_LEN);
    let mut s = session(vec![cred("example.com", "alice")]);
    let mut req = request();
    let resp = response(&[("WWW-Authenticate", &chal)]).unwrap();
    reinit_with(&mut s, &resp, &mut req, &mut cnonce()).unwrap();
    let value = req.headers_named("Authorization").next().unwrap();
    assert!(value.len() > MAX_INPUT_LEN);
    let srv = ServerAuth {
        realm: b"example.com".to_vec(),
        is_proxy: false,
    };
    let v = srv.verify(&req, NOW, |_| {
        Some(StoredSecret::Password(b"secret".to_vec()))
    });
    assert_eq!(v.result, Ok(()));
}

/// A server fed an Authorization over its limit (the message size; only a
/// request built in code can carry one, a received message is refused
/// whole first): `MsgTooLong` (PJSIP_EMSGTOOLONG), answered with 513
/// Message Too Large (RFC 3261 section 21.5.7; 413 is about the body).
/// Was `InvalidHdr`, 400, as if the value were malformed. One byte less is
/// parsed (and fails on its merits: a nonce not minted here); a malformed
/// value alone stays `InvalidHdr`, 400; beside an oversized one, in either
/// order, the oversized one is reported (the more specific refusal).
#[test]
fn the_server_refuses_an_oversized_authorization() {
    let srv = ServerAuth {
        realm: b"example.com".to_vec(),
        is_proxy: false,
    };
    let value = |len: usize| {
        let head = "Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", uri=\"u\", \
                    response=\"r\", opaque=\"";
        format!("{head}{}\"", "o".repeat(len - head.len() - 1))
    };
    let verify = |values: &[String]| {
        let mut req = request();
        for v in values {
            req.push_header("Authorization", v.clone());
        }
        srv.verify(&req, NOW, |_| {
            Some(StoredSecret::Password(b"secret".to_vec()))
        })
    };
    let over = value(MAX_AUTHORIZATION_LEN + 1);
    assert_eq!(over.len(), MAX_AUTHORIZATION_LEN + 1);
    let v = verify(std::slice::from_ref(&over));
    assert_eq!(v.result, Err(Error::MsgTooLong));
    assert_eq!(v.status_code, 513);
    let at = verify(&[value(MAX_AUTHORIZATION_LEN)]);
    assert_eq!((at.result, at.status_code), (Err(Error::AuthInNonce), 401));
    let malformed = "Digest username=\"alice\", realm=".to_string();
    let v = verify(std::slice::from_ref(&malformed));
    assert_eq!((v.result, v.status_code), (Err(Error::InvalidHdr), 400));
    for both in [[malformed.clone(), over.clone()], [over, malformed]] {
        let v = verify(&both);
        assert_eq!((v.result, v.status_code), (Err(Error::MsgTooLong), 513));
    }
}
