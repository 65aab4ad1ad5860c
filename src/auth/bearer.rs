//! Bearer (RFC 6750, in SIP RFC 8898): what the client and the embedded
//! server share about it. A Bearer credential is a `Credential` whose
//! scheme is `Bearer` (any case), with the access token in `data` and the
//! realm it serves (or `*`) in `realm`; it answers a `Bearer` challenge
//! with `Bearer <token>`. Digest and Bearer never serve each other.

use super::credential::Credential;
#[allow(unused_imports)]
use crate::prelude::*;

/// The scheme name as written in headers.
pub const SCHEME: &str = "Bearer";

/// True for a credential of the Bearer scheme.
pub fn is_bearer(c: &Credential) -> bool {
    c.scheme.eq_ignore_ascii_case(b"bearer")
}

/// True for a token that may be sent: RFC 6750's b64token,
/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
/// Anything else (spaces, quotes, CR/LF) would change the header.
pub fn valid_token(t: &[u8]) -> bool {
    let body = t.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    body > 0
        && t[..body]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// The token of an authorization header value `Bearer <token>` (scheme in
/// any case), or `None` for another scheme.
pub fn token_of(value: &[u8]) -> Option<&[u8]> {
    let v = value.trim_ascii();
    let (scheme, rest) = v.split_at(v.iter().position(|b| *b == b' ' || *b == b'\t')?);
    if !scheme.eq_ignore_ascii_case(SCHEME.as_bytes()) {
        return None;
    }
    let t = rest.trim_ascii();
    (!t.is_empty()).then_some(t)
}

/// The Bearer credential for a challenge's `realm` (`None`: the challenge
/// named none): an exact realm (any case) first, else the wildcard `*`;
/// with no realm in the challenge, the first Bearer credential.
pub fn find<'a>(creds: &'a [Credential], realm: Option<&[u8]>) -> Option<&'a Credential> {
    let mut bearer = creds.iter().filter(|c| is_bearer(c));
    match realm {
        None => bearer.next(),
        Some(r) => bearer
            .clone()
            .find(|c| c.realm.eq_ignore_ascii_case(r))
            .or_else(|| bearer.find(|c| c.is_wildcard())),
    }
}

/// Appends the header value `Bearer <token>`.
pub fn write_answer(out: &mut Vec<u8>, token: &[u8]) {
    out.extend_from_slice(SCHEME.as_bytes());
    out.push(b' ');
    out.extend_from_slice(token);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::credential::SecretKind;

    fn cred(realm: &str, scheme: &str, data: &str) -> Credential {
        Credential {
            realm: realm.into(),
            scheme: scheme.into(),
            username: Vec::new(),
            data: data.into(),
            kind: SecretKind::Password,
        }
    }

    #[test]
    fn tokens() {
        assert!(valid_token(b"abc.DEF-_~+/9=="));
        assert!(!valid_token(b""));
        assert!(!valid_token(b"=="));
        assert!(!valid_token(b"a b"));
        assert!(!valid_token(b"a\r\nX: y"));
        assert!(!valid_token(b"a=b"));
        assert_eq!(token_of(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(token_of(b" bEARER   abc "), Some(&b"abc"[..]));
        assert_eq!(token_of(b"Bearer"), None);
        assert_eq!(token_of(b"Digest username=\"a\""), None);
    }

    #[test]
    fn finds_exact_then_wildcard_and_skips_digest() {
        let creds = [
            cred("example.com", "digest", "pw"),
            cred("*", "Bearer", "any"),
            cred("Example.COM", "bearer", "exact"),
        ];
        assert_eq!(find(&creds, Some(b"example.com")).unwrap().data, b"exact");
        assert_eq!(find(&creds, Some(b"other")).unwrap().data, b"any");
        assert_eq!(find(&creds, None).unwrap().data, b"any");
        assert!(find(&creds[..1], Some(b"example.com")).is_none());
    }
}
