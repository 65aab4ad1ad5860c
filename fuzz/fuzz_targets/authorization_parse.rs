//! Bytes to `parse_authorization`: it must never panic, and credentials it
//! accepts, written back with `write_authorization`, must parse to the same
//! credentials (the server reads what the client wrote, and nothing else).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pjsip_auth_shim::digest::{parse_authorization, write_authorization, AuthorizationFields};
use pjsip_auth_shim::digest::{Qop, QopParams};

fuzz_target!(|data: &[u8]| {
    let Ok(c) = parse_authorization(data) else {
        return;
    };
    let _ = c.nc_value();
    // The writer knows only auth/auth-int and always writes all five
    // required fields; credentials outside that are not round-tripped.
    let qop = match c.qop.as_deref() {
        None => None,
        Some(q) => match Qop::from_token(q) {
            Some(q) => Some(q),
            None => return,
        },
    };
    let fields = AuthorizationFields {
        username: &c.username,
        realm: &c.realm,
        nonce: &c.nonce,
        uri: &c.uri,
        response: &c.response,
        algorithm: c.algorithm.as_deref(),
        opaque: c.opaque.as_deref(),
        qop: qop.map(|qop| QopParams {
            qop,
            nc: c.nc.as_deref().unwrap_or_default(),
            cnonce: c.cnonce.as_deref().unwrap_or_default(),
        }),
        userhash: c.userhash,
    };
    let mut out = Vec::new();
    if write_authorization(&mut out, &fields).is_err() {
        // Refused (a control character, a non-token algorithm or nc):
        // nothing may have been written.
        assert!(out.is_empty());
        return;
    }
    let again = parse_authorization(&out).expect("a written Authorization parses");
    assert_eq!(again.username, c.username);
    assert_eq!(again.realm, c.realm);
    assert_eq!(again.nonce, c.nonce);
    assert_eq!(again.uri, c.uri);
    assert_eq!(again.response, c.response);
    assert_eq!(again.algorithm, c.algorithm);
    assert_eq!(again.opaque, c.opaque);
    assert_eq!(again.userhash, c.userhash);
    if qop.is_some() {
        assert_eq!(again.nc, c.nc);
        assert_eq!(again.cnonce, c.cnonce);
    } else {
        // Without qop the writer sends neither (RFC 2069 form).
        assert!(again.nc.is_none() && again.cnonce.is_none());
    }
    assert_eq!(again.qop.as_deref().map(Qop::from_token), qop.map(Some));
});
