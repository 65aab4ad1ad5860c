//! The Authorization / Proxy-Authorization value: building one to answer a
//! challenge (client) and parsing one (server side, tests).

use super::challenge::{parse_elements, DigestChallenge, Param, ParseError};
use super::compute::{self, format_nc, Qop, QopParams};
use super::hex::Hex;
use super::Algorithm;
#[allow(unused_imports)]
use crate::prelude::*;
use crate::status::{Error, Result};
use alloc::borrow::Cow;

/// The fields of a Digest Authorization value, borrowed for writing.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizationFields<'a> {
    /// User name (the hashed one when `userhash`).
    pub username: &'a [u8],
    /// Realm of the challenge.
    pub realm: &'a [u8],
    /// Nonce of the challenge.
    pub nonce: &'a [u8],
    /// Request-URI.
    pub uri: &'a [u8],
    /// Response digest in hex.
    pub response: &'a [u8],
    /// Algorithm as the challenge wrote it; `None` when it had none.
    pub algorithm: Option<&'a [u8]>,
    /// Opaque of the challenge, if any.
    pub opaque: Option<&'a [u8]>,
    /// qop, nc and cnonce; `None` for the RFC 2069 form.
    pub qop: Option<QopParams<'a>>,
    /// Adds `userhash=true`.
    pub userhash: bool,
}

/// Appends `Digest username="…", realm="…", nonce="…", uri="…",
/// response="…"[, algorithm=…][, cnonce="…"][, opaque="…"][, qop=…, nc=…]
/// [, userhash=true]` to `out` (cnonce, qop and nc only with a qop).
///
/// Quoted values get `"` and `\` escaped. A value that cannot be written
/// safely is `Error::InvalidArg` and leaves `out` unchanged: a control
/// character other than tab in a quoted value (CR/LF would inject a header
/// line), or an unquoted value (algorithm, nc) that is not a non-empty token.
pub fn write_authorization(out: &mut Vec<u8>, f: &AuthorizationFields<'_>) -> Result<()> {
    write_with_cnonce(out, f, None)
}

/// `write_authorization`, also writing `cnonce` (in its usual place) when
/// the fields carry no qop: a `-sess` HA1 covers the cnonce, so a server
/// can check an answer to a `-sess` challenge without qop only if it is sent.
fn write_with_cnonce(
    out: &mut Vec<u8>,
    f: &AuthorizationFields<'_>,
    sess_cnonce: Option<&[u8]>,
) -> Result<()> {
    let mark = out.len();
    let r = write_fields(out, f, sess_cnonce);
    if r.is_err() {
        out.truncate(mark);
    }
    r
}

fn write_fields(
    out: &mut Vec<u8>,
    f: &AuthorizationFields<'_>,
    sess_cnonce: Option<&[u8]>,
) -> Result<()> {
    out.extend_from_slice(b"Digest ");
    quoted(out, "username", f.username, true)?;
    quoted(out, "realm", f.realm, false)?;
    quoted(out, "nonce", f.nonce, false)?;
    quoted(out, "uri", f.uri, false)?;
    quoted(out, "response", f.response, false)?;
    if let Some(a) = f.algorithm {
        bare(out, "algorithm", a)?;
    }
    match (&f.qop, sess_cnonce) {
        (Some(q), _) => quoted(out, "cnonce", q.cnonce, false)?,
        (None, Some(c)) => quoted(out, "cnonce", c, false)?,
        (None, None) => {}
    }
    if let Some(o) = f.opaque {
        quoted(out, "opaque", o, false)?;
    }
    if let Some(q) = &f.qop {
        bare(out, "qop", q.qop.as_str().as_bytes())?;
        bare(out, "nc", q.nc)?;
    }
    if f.userhash {
        bare(out, "userhash", b"true")?;
    }
    Ok(())
}

// Inlined into each call: the constant name and separators then copy
// without a memcpy call each.
#[inline(always)]
fn quoted(out: &mut Vec<u8>, name: &str, value: &[u8], first: bool) -> Result<()> {
    // One pass without early exit (it vectorises): the common value has
    // nothing to escape and is copied in one go. Refused: a control
    // character other than tab (CR/LF would inject a header line).
    let (mut refuse, mut escape) = (false, false);
    for &b in value {
        refuse |= (b < 0x20) & (b != b'\t') | (b == 0x7f);
        escape |= (b == b'"') | (b == b'\\');
    }
    if refuse {
        return Err(Error::InvalidArg);
    }
    let sep: &[u8] = if first { b"" } else { b", " };
    out.reserve(sep.len() + name.len() + value.len() + 3);
    out.extend_from_slice(sep);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
    if !escape {
        out.extend_from_slice(value);
    } else {
        // Copy the runs between characters to escape in one go.
        let mut rest = value;
        while let Some(i) = rest.iter().position(|&b| b == b'"' || b == b'\\') {
            out.extend_from_slice(&rest[..i]);
            out.push(b'\\');
            out.push(rest[i]);
            rest = &rest[i + 1..];
        }
        out.extend_from_slice(rest);
    }
    out.push(b'"');
    Ok(())
}

#[inline(always)]
fn bare(out: &mut Vec<u8>, name: &str, value: &[u8]) -> Result<()> {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if value.is_empty() || !value.iter().all(|&b| tchar(b)) {
        return Err(Error::InvalidArg);
    }
    out.extend_from_slice(b", ");
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value);
    Ok(())
}

/// The secret a credential holds.
#[derive(Debug, Clone, Copy)]
pub enum Secret<'a> {
    /// A plain password: serves any algorithm.
    Password(&'a [u8]),
    /// `H(user:realm:password)` in hex, made with `algorithm` (a base
    /// algorithm; a `-sess` one is taken as its base): serves only that hash.
    Ha1Hex {
        /// Hash the stored HA1 was made with.
        algorithm: Algorithm,
        /// The hex digest.
        hex: &'a [u8],
    },
}

/// Everything besides the challenge needed to answer it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// User name (plain; hashed here when the challenge asks for userhash).
    pub username: &'a [u8],
    /// Password or stored HA1.
    pub secret: Secret<'a>,
    /// Request method ("REGISTER").
    pub method: &'a [u8],
    /// Request-URI as it will be sent.
    pub uri: &'a [u8],
    /// Message body (hashed only for auth-int).
    pub body: &'a [u8],
    /// Nonce count for this use of the nonce (1 for a new nonce).
    pub nc: u32,
    /// Client nonce (see `cnonce::new_cnonce`).
    pub cnonce: &'a [u8],
}

/// The response digest for `chal` and `ans`, without writing a header.
///
/// Errors: `InvalidAlgorithm` for an unknown challenge algorithm or a stored
/// HA1 made with another hash; `InvalidQop` when the challenge offers only
/// qop values other than auth/auth-int; `InvalidArg` when a stored HA1 is
/// not hex of the algorithm's length.
pub fn compute_response(
    chal: &DigestChallenge<'_>,
    ans: &Answer<'_>,
) -> Result<(Hex, Option<Qop>)> {
    compute_with_ha2(chal, ans, None)
}

/// As `compute_response`, with HA2 supplied when the caller already has
/// it for this algorithm, method, URI and chosen qop (`compute::ha2`).
fn compute_with_ha2(
    chal: &DigestChallenge<'_>,
    ans: &Answer<'_>,
    known_ha2: Option<&Hex>,
) -> Result<(Hex, Option<Qop>)> {
    let alg = chal.algorithm().ok_or(Error::InvalidAlgorithm)?;
    let qop = chal.choose_qop()?;
    let nc = format_nc(ans.nc);
    let ha1 = match ans.secret {
        Secret::Password(p) => {
            compute::ha1(alg, ans.username, &chal.realm, p, &chal.nonce, ans.cnonce)
        }
        Secret::Ha1Hex { algorithm, hex } => {
            if algorithm.base() != alg.base() {
                return Err(Error::InvalidAlgorithm);
            }
            compute::ha1_from_hex(alg, hex, &chal.nonce, ans.cnonce).ok_or(Error::InvalidArg)?
        }
    };
    let ha2 = match known_ha2 {
        Some(h) => *h,
        None => compute::ha2(alg, ans.method, ans.uri, qop, ans.body),
    };
    let qp = qop.map(|qop| QopParams {
        qop,
        nc: &nc,
        cnonce: ans.cnonce,
    });
    Ok((compute::response(alg, &ha1, &chal.nonce, qp, &ha2), qop))
}

/// Answers `chal`: computes the response and appends the whole
/// Authorization value (see `write_authorization`) to `out`. Returns the
/// response digest. On error `out` is unchanged; errors as
/// `compute_response` and `write_authorization`.
pub fn authorize(chal: &DigestChallenge<'_>, ans: &Answer<'_>, out: &mut Vec<u8>) -> Result<Hex> {
    authorize_with_ha2(chal, ans, None, out)
}

/// As `authorize`, with `ha2` (when given) taken as
/// `compute::ha2(algorithm, method, uri, chosen qop, body)` of this challenge
/// and answer instead of computing it: a client answering the same request
/// line again can keep it.
pub fn authorize_with_ha2(
    chal: &DigestChallenge<'_>,
    ans: &Answer<'_>,
    ha2: Option<&Hex>,
    out: &mut Vec<u8>,
) -> Result<Hex> {
    let (response, qop) = compute_with_ha2(chal, ans, ha2)?;
    let alg = chal.algorithm().ok_or(Error::InvalidAlgorithm)?;
    let hashed = chal
        .userhash
        .then(|| compute::userhash(alg, ans.username, &chal.realm));
    let nc = format_nc(ans.nc);
    let fields = AuthorizationFields {
        username: hashed.as_ref().map_or(ans.username, Hex::as_bytes),
        realm: &chal.realm,
        nonce: &chal.nonce,
        uri: ans.uri,
        response: response.as_bytes(),
        algorithm: chal.algorithm.as_deref(),
        opaque: chal.opaque.as_deref(),
        qop: qop.map(|qop| QopParams {
            qop,
            nc: &nc,
            cnonce: ans.cnonce,
        }),
        userhash: chal.userhash,
    };
    let sess_cnonce = (alg.is_sess() && qop.is_none()).then_some(ans.cnonce);
    write_with_cnonce(out, &fields, sess_cnonce)?;
    Ok(response)
}

/// A parsed Digest Authorization value (RFC 7616 §3.4, RFC 3261 §25.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestCredentials<'a> {
    /// `username` (the hash when `userhash`).
    pub username: Cow<'a, [u8]>,
    /// `realm`.
    pub realm: Cow<'a, [u8]>,
    /// `nonce`.
    pub nonce: Cow<'a, [u8]>,
    /// `uri`.
    pub uri: Cow<'a, [u8]>,
    /// `response` (hex).
    pub response: Cow<'a, [u8]>,
    /// `algorithm` as written.
    pub algorithm: Option<Cow<'a, [u8]>>,
    /// `cnonce`.
    pub cnonce: Option<Cow<'a, [u8]>>,
    /// `opaque`.
    pub opaque: Option<Cow<'a, [u8]>>,
    /// `qop` as written.
    pub qop: Option<Cow<'a, [u8]>>,
    /// `nc` as written (hashed as written, so kept raw; see `nc_value`).
    pub nc: Option<Cow<'a, [u8]>>,
    /// `userhash` equals "true" (any case).
    pub userhash: bool,
    /// Every other parameter, in order.
    pub other: Vec<Param<'a>>,
}

impl DigestCredentials<'_> {
    /// `nc` as a number: exactly 8 hex digits, else `None`.
    pub fn nc_value(&self) -> Option<u32> {
        let nc = self.nc.as_deref()?;
        if nc.len() != 8 || !nc.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(nc).ok()?, 16).ok()
    }
}

/// Longest Authorization value parsed (bytes): the largest message. An
/// answer echoes the challenge's realm, nonce and opaque (up to
/// `MAX_INPUT_LEN` together) and adds the user name, the Request-URI and
/// the rest, so it may be longer than the challenge it answers; the
/// message limit is what bounds it.
///
/// cbindgen:ignore
pub const MAX_AUTHORIZATION_LEN: usize = crate::sip::MAX_MSG_SIZE;

/// Parses an Authorization / Proxy-Authorization value holding one Digest
/// credentials. Errors: `TooLong` over `MAX_AUTHORIZATION_LEN`; any syntax
/// error of `parse_challenges`;
/// `NotOneCredential` for zero or several elements; `NotDigest`;
/// `Missing(name)` for username, realm, nonce, uri or response, and for
/// cnonce and nc when qop is present; `DuplicateParam(name)`.
pub fn parse_authorization(value: &[u8]) -> std::result::Result<DigestCredentials<'_>, ParseError> {
    let mut all = parse_elements(value, MAX_AUTHORIZATION_LEN);
    if all.len() != 1 {
        return Err(all
            .into_iter()
            .find_map(|r| r.err())
            .unwrap_or(ParseError::NotOneCredential));
    }
    let ch = all.pop().ok_or(ParseError::NotOneCredential)??;
    if !ch.is_digest() {
        return Err(ParseError::NotDigest);
    }
    let mut found: [Option<Cow<'_, [u8]>>; 11] = Default::default();
    const NAMES: [&str; 11] = [
        "username",
        "realm",
        "nonce",
        "uri",
        "response",
        "algorithm",
        "cnonce",
        "opaque",
        "qop",
        "nc",
        "userhash",
    ];
    let mut other = Vec::new();
    for p in ch.params {
        match NAMES
            .iter()
            .position(|n| n.as_bytes().eq_ignore_ascii_case(&p.name))
        {
            Some(i) => {
                if found[i].is_some() {
                    return Err(ParseError::DuplicateParam(NAMES[i]));
                }
                found[i] = Some(p.value);
            }
            None => other.push(p),
        }
    }
    let [username, realm, nonce, uri, response, algorithm, cnonce, opaque, qop, nc, userhash] =
        found;
    if qop.is_some() {
        if cnonce.is_none() {
            return Err(ParseError::Missing("cnonce"));
        }
        if nc.is_none() {
            return Err(ParseError::Missing("nc"));
        }
    }
    Ok(DigestCredentials {
        username: username.ok_or(ParseError::Missing("username"))?,
        realm: realm.ok_or(ParseError::Missing("realm"))?,
        nonce: nonce.ok_or(ParseError::Missing("nonce"))?,
        uri: uri.ok_or(ParseError::Missing("uri"))?,
        response: response.ok_or(ParseError::Missing("response"))?,
        algorithm,
        cnonce,
        opaque,
        qop,
        nc,
        userhash: userhash.is_some_and(|v| v.eq_ignore_ascii_case(b"true")),
        other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(value: &[u8]) -> Result<String> {
        let mut out = b"X".to_vec();
        let r = quoted(&mut out, "n", value, false);
        if r.is_err() {
            assert_eq!(out, b"X", "nothing written on error");
        }
        r.map(|()| String::from_utf8(out).unwrap())
    }

    #[test]
    fn quoted_values_escape_and_refuse_what_they_must() {
        assert_eq!(q(b"plain").unwrap(), "X, n=\"plain\"");
        assert_eq!(q(b"a\"b\\c").unwrap(), "X, n=\"a\\\"b\\\\c\"");
        assert_eq!(q(b"\"").unwrap(), "X, n=\"\\\"\"");
        assert_eq!(q(b"tab\there").unwrap(), "X, n=\"tab\there\"");
        assert_eq!(q("r\u{e9}alm".as_bytes()).unwrap(), "X, n=\"r\u{e9}alm\"");
        assert_eq!(q(b"").unwrap(), "X, n=\"\"");
        for bad in [&b"a\r\nb"[..], b"\n", b"\0", b"x\x7f", b"\x1f\""] {
            assert_eq!(q(bad), Err(Error::InvalidArg), "{bad:?}");
        }
        let mut out = Vec::new();
        quoted(&mut out, "first", b"v", true).unwrap();
        assert_eq!(out, b"first=\"v\"");
    }
}
