//! The challenge and Authorization parsers: exotic but valid input, the
//! documented errors, and totality (no panic on any bytes).

use pjsip_auth_shim::digest::{
    parse_authorization, parse_challenges, write_authorization, Algorithm, AuthorizationFields,
    Challenge, DigestChallenge, ParseError, Qop, QopParams,
};
use pjsip_auth_shim::status::Error;
use proptest::prelude::*;

fn ok(v: &[u8]) -> Vec<Challenge<'_>> {
    parse_challenges(v)
        .into_iter()
        .map(|r| r.expect("every element parses"))
        .collect()
}

fn one_digest(v: &[u8]) -> DigestChallenge<'_> {
    let all = ok(v);
    assert_eq!(all.len(), 1, "{all:?}");
    all[0].to_digest().unwrap()
}

#[test]
fn typical_401() {
    let d = one_digest(
        b"Digest realm=\"asterisk\", nonce=\"1a2b3c\", opaque=\"xyz\", algorithm=MD5, qop=\"auth\"",
    );
    assert_eq!(&*d.realm, b"asterisk");
    assert_eq!(&*d.nonce, b"1a2b3c");
    assert_eq!(d.opaque.as_deref(), Some(&b"xyz"[..]));
    assert_eq!(d.algorithm.as_deref(), Some(&b"MD5"[..]));
    assert_eq!(d.algorithm(), Some(Algorithm::Md5));
    assert_eq!(d.qop.as_ref().unwrap().len(), 1);
    assert_eq!(d.choose_qop(), Ok(Some(Qop::Auth)));
    assert!(!d.stale && !d.userhash);
}

#[test]
fn case_insensitive_names_stale_and_qop_list() {
    let d = one_digest(
        b"dIgEsT REALM=\"r\",NONCE=n, Stale=TRUE, QOP=\"auth-int , auth\", UserHash=\"True\", \
          Algorithm=\"sha-256-SESS\"",
    );
    assert_eq!(&*d.realm, b"r");
    assert_eq!(&*d.nonce, b"n");
    assert!(d.stale && d.userhash);
    let qop: Vec<&[u8]> = d.qop.as_ref().unwrap().iter().map(|q| &**q).collect();
    assert_eq!(qop, vec![&b"auth-int"[..], b"auth"]);
    assert_eq!(d.choose_qop(), Ok(Some(Qop::Auth)), "auth preferred");
    assert_eq!(d.algorithm(), Some(Algorithm::Sha256Sess));
}

#[test]
fn qop_variants() {
    let d = one_digest(b"Digest realm=r, nonce=n, qop=\"auth-int\"");
    assert_eq!(d.choose_qop(), Ok(Some(Qop::AuthInt)));
    let d = one_digest(b"Digest realm=r, nonce=n");
    assert_eq!(d.qop, None);
    assert_eq!(d.choose_qop(), Ok(None));
    let d = one_digest(b"Digest realm=r, nonce=n, qop=\"auth-conf,x\"");
    assert_eq!(d.choose_qop(), Err(Error::InvalidQop));
    let d = one_digest(b"Digest realm=r, nonce=n, qop=\"\"");
    assert_eq!(d.qop, Some(vec![]));
    assert_eq!(d.choose_qop(), Err(Error::InvalidQop));
}

#[test]
fn quoting_escapes_and_commas_inside_quotes() {
    let d = one_digest(
        br#"Digest realm="a \"quoted\", realm\\", nonce="x,y=z", opaque="", domain="sip:a sip:b""#,
    );
    assert_eq!(&*d.realm, br#"a "quoted", realm\"#);
    assert_eq!(&*d.nonce, b"x,y=z");
    assert_eq!(d.opaque.as_deref(), Some(&b""[..]));
    assert_eq!(d.domain.as_deref(), Some(&b"sip:a sip:b"[..]));
}

#[test]
fn folding_whitespace_and_empty_elements() {
    let d = one_digest(
        b",, Digest\r\n\trealm\t=\r\n \"fol\r\n ded\" ,,\r\n nonce = abc/def== , ,\tcharset=UTF-8,",
    );
    assert_eq!(&*d.realm, b"fol ded");
    assert_eq!(&*d.nonce, b"abc/def==");
    assert_eq!(d.charset.as_deref(), Some(&b"UTF-8"[..]));
}

#[test]
fn unknown_params_are_kept() {
    let d = one_digest(b"Digest realm=r, x-foo=\"bar\", nonce=n, baz=1");
    let other: Vec<(&[u8], &[u8])> = d.other.iter().map(|p| (&*p.name, &*p.value)).collect();
    assert_eq!(other, vec![(&b"x-foo"[..], &b"bar"[..]), (b"baz", b"1")]);
    assert!(d.other[0].quoted && !d.other[1].quoted);
}

#[test]
fn several_challenges_in_one_line() {
    let all =
        ok(b"Digest realm=\"a\", nonce=\"x\", Digest realm=\"b\", nonce=\"y\", algorithm=SHA-256");
    assert_eq!(all.len(), 2);
    let (a, b) = (all[0].to_digest().unwrap(), all[1].to_digest().unwrap());
    assert_eq!((&*a.realm, &*a.nonce), (&b"a"[..], &b"x"[..]));
    assert_eq!((&*b.realm, &*b.nonce), (&b"b"[..], &b"y"[..]));
    assert_eq!(a.algorithm(), Some(Algorithm::Md5));
    assert_eq!(b.algorithm(), Some(Algorithm::Sha256));
}

#[test]
fn bearer_token68_then_digest() {
    let all =
        ok(b"Bearer abc==, Basic, Newauth realm=\"apps\", type=1, Digest realm=\"d\", nonce=n");
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].scheme, b"Bearer");
    assert_eq!(all[0].token68, Some(&b"abc=="[..]));
    assert_eq!(all[0].to_digest(), Err(ParseError::NotDigest));
    assert_eq!(all[1].scheme, b"Basic");
    assert!(all[1].params.is_empty() && all[1].token68.is_none());
    assert_eq!(all[2].param("TYPE"), Some(&b"1"[..]));
    assert_eq!(&*all[3].to_digest().unwrap().realm, b"d");
}

#[test]
fn unknown_algorithm_is_reported_not_fatal() {
    let d = one_digest(b"Digest realm=r, nonce=n, algorithm=AKAv1-MD5");
    assert_eq!(d.algorithm(), None);
}

#[test]
fn unterminated_quote_invalidates_that_challenge_only() {
    let r =
        parse_challenges(b"Digest realm=\"ok\", nonce=\"1\", Digest realm=\"broken, nonce=\"2\"");
    // `realm="broken, nonce="` is one quoted string; then `2"` is not a comma.
    assert_eq!(r.len(), 2);
    assert!(r[0].is_ok());
    assert_eq!(r[1], Err(ParseError::Syntax));
    let r = parse_challenges(b"Digest realm=\"ok\", nonce=\"1\", Digest realm=\"never closed");
    assert_eq!(r.len(), 2);
    assert_eq!(r[1], Err(ParseError::UnterminatedQuote));
    let r = parse_challenges(b"Digest realm=\"ends in backslash\\");
    assert_eq!(r, vec![Err(ParseError::UnterminatedQuote)]);
}

#[test]
fn recovery_skips_the_params_of_a_broken_challenge() {
    let r = parse_challenges(
        b"Digest realm=\"a\" junk, nonce=\"stolen\", stale=true, Digest realm=\"b\", nonce=\"c\"",
    );
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0], Err(ParseError::Syntax));
    let d = r[1].as_ref().unwrap().to_digest().unwrap();
    assert_eq!((&*d.realm, &*d.nonce), (&b"b"[..], &b"c"[..]));
}

#[test]
fn documented_errors() {
    assert_eq!(parse_challenges(b"=x"), vec![Err(ParseError::BadScheme)]);
    assert_eq!(parse_challenges(b"Digest=x"), vec![Err(ParseError::Syntax)]);
    assert_eq!(
        parse_challenges(b"Digest realm=r, nonce=, opaque=o"),
        vec![Err(ParseError::EmptyValue)]
    );
    // As the first item, `realm=` followed by a comma is a token68 (RFC 7235
    // grammar); the `nonce=n` element after it cannot start a challenge.
    let r = parse_challenges(b"Digest realm=, nonce=n");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].as_ref().unwrap().token68, Some(&b"realm="[..]));
    assert_eq!(r[1], Err(ParseError::Syntax));
    assert_eq!(parse_challenges(b""), vec![]);
    assert_eq!(parse_challenges(b" , ,\r\n"), vec![]);
    let missing_nonce = ok(b"Digest realm=\"r\", opaque=o");
    assert_eq!(
        missing_nonce[0].to_digest(),
        Err(ParseError::Missing("nonce"))
    );
    let missing_realm = ok(b"Digest nonce=n");
    assert_eq!(
        missing_realm[0].to_digest(),
        Err(ParseError::Missing("realm"))
    );
    let dup = ok(b"Digest realm=a, nonce=n, REALM=b");
    assert_eq!(dup[0].to_digest(), Err(ParseError::DuplicateParam("realm")));
    assert_eq!(Error::from(ParseError::Syntax), Error::InvalidHdr);
}

#[test]
fn limits() {
    let long = vec![b'a'; 8 * 1024 + 1];
    assert_eq!(parse_challenges(&long), vec![Err(ParseError::TooLong)]);
    // No cap on elements: all 40 come back (the length limit bounds them).
    let many = "Basic, ".repeat(40);
    let r = parse_challenges(many.as_bytes());
    assert_eq!(r.len(), 40);
    assert!(r
        .iter()
        .all(|c| c.as_ref().is_ok_and(|c| c.scheme == b"Basic")));
    let mut params = String::from("Digest realm=r, nonce=n");
    for i in 0..40 {
        params.push_str(&format!(", p{i}=v"));
    }
    assert_eq!(
        parse_challenges(params.as_bytes()),
        vec![Err(ParseError::TooManyParams)]
    );
}

#[test]
fn into_owned_outlives_the_input() {
    let d = {
        let s = String::from("Digest realm=\"r\\\"\", nonce=n, x=y");
        one_digest(s.as_bytes()).into_owned()
    };
    assert_eq!(&*d.realm, b"r\"");
    assert_eq!(&*d.other[0].name, b"x");
}

const AUTHZ: &[u8] = b"Digest username=\"Mufasa\", realm=\"http-auth@example.org\", \
    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", \
    response=\"8ca523f5e9506fed4657c9700eebdbec\", algorithm=MD5, \
    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", \
    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", qop=auth, nc=00000001, userhash=TRUE";

#[test]
fn parses_an_authorization_value() {
    let c = parse_authorization(AUTHZ).unwrap();
    assert_eq!(&*c.username, b"Mufasa");
    assert_eq!(&*c.realm, b"http-auth@example.org");
    assert_eq!(&*c.uri, b"/dir/index.html");
    assert_eq!(&*c.response, b"8ca523f5e9506fed4657c9700eebdbec");
    assert_eq!(c.algorithm.as_deref(), Some(&b"MD5"[..]));
    assert_eq!(c.qop.as_deref(), Some(&b"auth"[..]));
    assert_eq!(c.nc_value(), Some(1));
    assert!(c.userhash);
    assert!(c.other.is_empty());
}

#[test]
fn authorization_errors() {
    assert_eq!(parse_authorization(b""), Err(ParseError::NotOneCredential));
    assert_eq!(
        parse_authorization(b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        Err(ParseError::NotDigest)
    );
    assert_eq!(
        parse_authorization(b"Digest username=u, realm=r, nonce=n, uri=x"),
        Err(ParseError::Missing("response"))
    );
    assert_eq!(
        parse_authorization(b"Digest username=u, realm=r, nonce=n, uri=x, response=y, qop=auth"),
        Err(ParseError::Missing("cnonce"))
    );
    assert_eq!(
        parse_authorization(b"Digest username=u, username=v, realm=r"),
        Err(ParseError::DuplicateParam("username"))
    );
    assert_eq!(
        parse_authorization(b"Digest username=\"u, realm=r"),
        Err(ParseError::UnterminatedQuote)
    );
    assert_eq!(
        parse_authorization(b"Digest a=b, Digest c=d"),
        Err(ParseError::NotOneCredential)
    );
}

#[test]
fn builder_round_trips_through_the_parser() {
    let f = AuthorizationFields {
        username: br#"we"ird\user"#,
        realm: b"r, with comma",
        nonce: b"n",
        uri: b"sip:a@b;transport=tcp",
        response: b"0123",
        algorithm: Some(b"MD5-sess"),
        opaque: Some(b""),
        qop: Some(QopParams {
            qop: Qop::AuthInt,
            nc: b"0000000f",
            cnonce: b"c",
        }),
        userhash: false,
    };
    let mut out = Vec::new();
    write_authorization(&mut out, &f).unwrap();
    assert_eq!(
        out,
        &br#"Digest username="we\"ird\\user", realm="r, with comma", nonce="n", uri="sip:a@b;transport=tcp", response="0123", algorithm=MD5-sess, cnonce="c", opaque="", qop=auth-int, nc=0000000f"#[..]
    );
    let c = parse_authorization(&out).unwrap();
    assert_eq!(&*c.username, br#"we"ird\user"#);
    assert_eq!(&*c.realm, b"r, with comma");
    assert_eq!(c.opaque.as_deref(), Some(&b""[..]));
    assert_eq!(c.nc_value(), Some(15));
    assert!(!c.userhash);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_are_total(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let r = parse_challenges(&data);
        prop_assert!(r.len() <= 17);
        for c in r.into_iter().flatten() {
            prop_assert!(c.params.len() <= 32);
            let _ = c.to_digest();
        }
        let _ = parse_authorization(&data);
    }

    #[test]
    fn parsers_are_total_on_header_like_input(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("Digest ".to_string()), Just("realm".to_string()), Just("=".to_string()),
                Just("\"".to_string()), Just("\\".to_string()), Just(",".to_string()),
                Just(" ".to_string()), Just("\r\n".to_string()), Just("nonce=".to_string()),
                Just("Bearer x==".to_string()), "[a-z0-9]{0,4}",
            ],
            0..40,
        )
    ) {
        let s = parts.concat();
        for c in parse_challenges(s.as_bytes()).into_iter().flatten() {
            let _ = c.to_digest();
        }
        let _ = parse_authorization(s.as_bytes());
    }

    #[test]
    fn builder_parser_round_trip(
        username in "[ -~]{0,20}", realm in "[ -~]{0,20}", nonce in "[ -~]{0,20}",
        uri in "[ -~]{0,20}", response in "[0-9a-f]{32}", opaque in proptest::option::of("[ -~]{0,20}"),
        cnonce in "[ -~]{1,20}", nc in any::<u32>(), algorithm in proptest::option::of("[A-Za-z0-9-]{1,12}"),
        with_qop in any::<bool>(), userhash in any::<bool>(),
    ) {
        let nc = pjsip_auth_shim::digest::format_nc(nc);
        let f = AuthorizationFields {
            username: username.as_bytes(), realm: realm.as_bytes(), nonce: nonce.as_bytes(),
            uri: uri.as_bytes(), response: response.as_bytes(),
            algorithm: algorithm.as_deref().map(str::as_bytes),
            opaque: opaque.as_deref().map(str::as_bytes),
            qop: with_qop.then_some(QopParams { qop: Qop::Auth, nc: &nc, cnonce: cnonce.as_bytes() }),
            userhash,
        };
        let mut out = Vec::new();
        write_authorization(&mut out, &f).unwrap();
        let c = parse_authorization(&out).unwrap();
        prop_assert_eq!(&*c.username, username.as_bytes());
        prop_assert_eq!(&*c.realm, realm.as_bytes());
        prop_assert_eq!(&*c.nonce, nonce.as_bytes());
        prop_assert_eq!(&*c.uri, uri.as_bytes());
        prop_assert_eq!(&*c.response, response.as_bytes());
        prop_assert_eq!(c.algorithm.as_deref(), algorithm.as_deref().map(str::as_bytes));
        prop_assert_eq!(c.opaque.as_deref(), opaque.as_deref().map(str::as_bytes));
        prop_assert_eq!(c.userhash, userhash);
        if with_qop {
            prop_assert_eq!(c.cnonce.as_deref(), Some(cnonce.as_bytes()));
            prop_assert_eq!(c.qop.as_deref(), Some(&b"auth"[..]));
            prop_assert_eq!(c.nc.as_deref(), Some(&nc[..]));
        } else {
            prop_assert!(c.cnonce.is_none() && c.qop.is_none() && c.nc.is_none());
        }
    }
}
