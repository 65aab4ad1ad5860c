//! A fuzzed 401/407 against a fixed request and session, through the core
//! planner (`plan_reinit`) and its application over our `SipMessage`.
//!
//! Input: the first byte selects the status (bit 0: 407), whether the
//! session holds a wildcard credential (bit 1) and whether it starts warm
//! with a challenge already answered (bit 2). The rest is split into lines;
//! each line is one challenge header value, a Proxy-Authenticate when its
//! first byte is odd, else a WWW-Authenticate (that byte is dropped).
//!
//! Checked: an error leaves the request and the session exactly as they
//! were; a success adds one authorization header per planned answer, each
//! a well-formed Digest Authorization of the kind of a challenge with that
//! realm, at most one per realm and kind, with nc >= 1 when qop is sent.
//! The same response is then answered once more (the retry path) and a new
//! request prepared (`plan_init`), which must not panic either.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pjsip_auth_shim::auth::apply::apply;
use pjsip_auth_shim::auth::client::reinit_with;
use pjsip_auth_shim::auth::credential::{Credential, SecretKind};
use pjsip_auth_shim::auth::planner::{plan_init, plan_reinit, Plan};
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::digest::{ha1, parse_authorization, parse_challenges, Algorithm};
use pjsip_auth_shim::sip::{names_equal, SipMessage};

fn cred(realm: &str, user: &str, data: &[u8], kind: SecretKind) -> Credential {
    Credential {
        realm: realm.into(),
        scheme: b"digest".to_vec(),
        username: user.into(),
        data: data.to_vec(),
        kind,
    }
}

fn session(wildcard: bool) -> ClientSession {
    let sha = ha1(
        Algorithm::Sha256,
        b"bob",
        b"proxy.example",
        b"pw2",
        b"",
        b"",
    );
    let mut creds = vec![
        cred("example.com", "alice", b"secret", SecretKind::Password),
        cred(
            "proxy.example",
            "bob",
            sha.as_bytes(),
            SecretKind::Ha1 {
                algorithm: Algorithm::Sha256,
            },
        ),
    ];
    if wildcard {
        creds.push(cred("*", "carol", b"pw3", SecretKind::Password));
    }
    ClientSession::with_credentials(creds)
}

fn request() -> SipMessage {
    let mut m = SipMessage::request("REGISTER", "sip:example.com");
    m.push_header("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz;rport");
    m.push_header("From", "<sip:alice@example.com>;tag=1");
    m.push_header("To", "<sip:alice@example.com>");
    m.push_header("Call-ID", "fuzz");
    m.push_header("CSeq", "1 REGISTER");
    m.body = b"body".to_vec();
    m
}

fn response(code: u16, values: &[(bool, String)]) -> SipMessage {
    let mut m = SipMessage::parse(
        format!(
            "SIP/2.0 {code} Auth\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz\r\n\
             From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n\
             Call-ID: fuzz\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"
        )
        .as_bytes(),
    )
    .expect("the fixed response parses");
    for (proxy, v) in values {
        let name = if *proxy {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        };
        m.push_header(name, v.as_str());
    }
    m
}

/// What an error must leave untouched (the planner's scratch aside).
fn state(s: &ClientSession) -> String {
    format!("{:?} {:?} {:?}", s.creds, s.cached(), s.remembered_hashes())
}

fn authorizations(m: &SipMessage, proxy: bool) -> Vec<String> {
    let name = if proxy {
        "Proxy-Authorization"
    } else {
        "Authorization"
    };
    m.headers
        .iter()
        .filter(|h| names_equal(&h.name, name))
        .map(|h| h.value.clone())
        .collect()
}

fn counter() -> impl FnMut(&mut Vec<u8>) {
    let mut n = 0u32;
    move |out: &mut Vec<u8>| {
        n += 1;
        out.extend_from_slice(format!("c{n:08x}").as_bytes());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let code = if flags & 1 != 0 { 407 } else { 401 };
    let values: Vec<(bool, String)> = rest
        .split(|&b| b == b'\n')
        .filter_map(|l| l.split_first())
        .map(|(&k, v)| (k & 1 != 0, String::from_utf8_lossy(v).into_owned()))
        .collect();
    let resp = response(code, &values);
    let mut sess = session(flags & 2 != 0);
    let mut req = request();
    if flags & 4 != 0 {
        let warm = response(
            401,
            &[(
                false,
                "Digest realm=\"example.com\", nonce=\"n1\", qop=auth".into(),
            )],
        );
        let mut cn = || b"warm".to_vec();
        reinit_with(&mut sess, &warm, &mut req, &mut cn)
            .expect("the warm-up challenge is answered");
    }

    let before = req.clone();
    let before_req = req.to_bytes();
    let before_sess = state(&sess);
    let mut plan = Plan::default();
    let mut cnonce = counter();
    let planned = plan_reinit(&sess, &resp, &req, &mut cnonce, &mut plan);
    let applied = planned.and_then(|()| apply(&mut plan, &mut req, &mut sess));
    match applied {
        Err(_) => {
            assert_eq!(req.to_bytes(), before_req, "an error changed the request");
            assert_eq!(state(&sess), before_sess, "an error changed the session");
        }
        Ok(()) => {
            assert!(!plan.answers().is_empty());
            for proxy in [false, true] {
                let challenge_header = if proxy {
                    "Proxy-Authenticate"
                } else {
                    "WWW-Authenticate"
                };
                let realms: Vec<Vec<u8>> = resp
                    .headers_named(challenge_header)
                    .flat_map(|v| {
                        parse_challenges(v.as_bytes())
                            .into_iter()
                            .filter_map(|c| c.ok()?.to_digest().ok())
                            .map(|d| d.realm.to_ascii_lowercase())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                let planned = plan
                    .answers()
                    .iter()
                    .filter(|a| a.kind.is_proxy() == proxy)
                    .count();
                let old = authorizations(&before, proxy);
                let now = authorizations(&req, proxy);
                let added: Vec<&String> = now.iter().filter(|v| !old.contains(v)).collect();
                assert_eq!(added.len(), planned, "answers in the request != planned");
                let mut answered: Vec<Vec<u8>> = Vec::new();
                for v in added {
                    let c = parse_authorization(v.as_bytes()).expect("an answer parses");
                    let realm = c.realm.to_ascii_lowercase();
                    assert!(
                        realms.contains(&realm),
                        "an answer for a realm not challenged"
                    );
                    assert!(!answered.contains(&realm), "two answers for one realm");
                    if c.qop.is_some() {
                        assert!(c.nc_value().is_some_and(|n| n >= 1), "bad nc in {v}");
                    }
                    answered.push(realm);
                }
                // The answer for a realm replaces the request's old one.
                for v in old.iter().filter(|v| now.contains(v)) {
                    if let Ok(c) = parse_authorization(v.as_bytes()) {
                        let realm = c.realm.to_ascii_lowercase();
                        assert!(!answered.contains(&realm), "an old answer was kept");
                    }
                }
            }
        }
    }

    // The same challenges again (a retry, or refused credentials), then a
    // new request: any outcome but a panic.
    let mut cnonce = counter();
    if plan_reinit(&sess, &resp, &req, &mut cnonce, &mut plan).is_ok() {
        let _ = apply(&mut plan, &mut req, &mut sess);
    }
    let mut fresh = request();
    if plan_init(&sess, &fresh, &mut plan).is_ok() {
        apply(&mut plan, &mut fresh, &mut sess).expect("init applies to our message");
    }
});
