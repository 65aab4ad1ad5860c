//! Parsing the value of a WWW-Authenticate / Proxy-Authenticate header (and,
//! with the same tokenizer, an Authorization value: see `authorization`).
//!
//! Grammar (RFC 7235 §2.1, RFC 3261 §25.1), applied leniently:
//! ```text
//! value     = *( "," ) challenge *( *( "," ) challenge )
//! challenge = scheme [ 1*WS ( token68 / param *( "," *( "," ) param ) ) ]
//! param     = token *WS "=" *WS ( quoted-string / 1*<any byte but WS and ","> )
//! ```
//! WS is space, tab, CR or LF (leftovers of line folding). Scheme and
//! parameter names are returned as written and compared case-insensitively.
//! A comma after a parameter starts either another parameter (when a token
//! and `=` follow) or the next challenge. Empty elements (`,,`) are skipped.
//! Quoted strings are unescaped (`\x` becomes `x`); a CR or LF inside one is
//! dropped (a fold is equivalent to the whitespace that follows it).
//!
//! Errors, exactly: `parse_challenges` returns one entry per element, in
//! order: `Ok(challenge)`, or `Err` for an element that could not be parsed.
//! After an `Err`, the parser skips to the next top-level comma and then
//! over every following element that looks like a parameter (`token =`),
//! since those belonged to the broken challenge; the next element that does
//! not look like a parameter starts a new challenge. The syntax errors are
//! `BadScheme` (an element does not start with a token), `Syntax` (a
//! character other than the expected `=`, `,` or value), `EmptyValue`
//! (`name=` with nothing after), `UnterminatedQuote` (the quote runs to the
//! end: the rest of the input is consumed) and `TooManyParams`. Limits: an
//! input longer than `MAX_INPUT_LEN` gives the single entry `Err(TooLong)`
//! (the client reports it as `Error::MsgTooLong`); a challenge with more
//! than `MAX_PARAMS` parameters is `Err(TooManyParams)`. There is no cap on
//! the number of challenges in one value: every element is returned, so a
//! value offering 20 realms gets 20 answers (dropping the rest silently
//! would leave realms unanswered with no status saying why). Cost stays
//! linear: one pass over at most `MAX_INPUT_LEN` bytes, each element at
//! least one byte plus its comma (so at most `MAX_INPUT_LEN / 2 + 1`
//! entries), each of at most `MAX_PARAMS` parameters, and unescaped copies
//! never exceed the input's length. No input panics.
//!
//! `Challenge::to_digest` then checks a Digest challenge: scheme Digest
//! (else `NotDigest`), `realm` and `nonce` present (else `Missing`), no known
//! parameter given twice (else `DuplicateParam`).

use super::compute::Qop;
use super::Algorithm;
#[allow(unused_imports)]
use crate::prelude::*;
use crate::sip::params::{is_lws, list_items, Lexer};
use crate::status::{Error, Result};
use alloc::borrow::Cow;
use std::fmt;

/// Longest header value parsed (bytes); longer values are rejected whole.
///
/// cbindgen:ignore
pub const MAX_INPUT_LEN: usize = 8 * 1024;
/// Most parameters in one challenge.
///
/// cbindgen:ignore
pub const MAX_PARAMS: usize = 32;

/// Why an element of a header value was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// The whole value is longer than `MAX_INPUT_LEN`; nothing was parsed.
    TooLong,
    /// An element does not start with a scheme token.
    BadScheme,
    /// An unexpected character where `=`, `,`, whitespace or a value belongs.
    Syntax,
    /// `name=` with no value.
    EmptyValue,
    /// A quoted string (or a trailing backslash) runs to the end of input.
    UnterminatedQuote,
    /// More than `MAX_PARAMS` parameters.
    TooManyParams,
    /// The scheme is not Digest (`to_digest`, `parse_authorization`).
    NotDigest,
    /// A required parameter is absent (its name).
    Missing(&'static str),
    /// A known parameter appears twice (its name).
    DuplicateParam(&'static str),
    /// An Authorization value holds no credentials or more than one.
    NotOneCredential,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Missing(p) => write!(f, "missing parameter {p}"),
            ParseError::DuplicateParam(p) => write!(f, "parameter {p} given twice"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for Error {
    /// A value over the length limit is too long; every other parse failure
    /// is an invalid header.
    fn from(e: ParseError) -> Error {
        match e {
            ParseError::TooLong => Error::MsgTooLong,
            _ => Error::InvalidHdr,
        }
    }
}

/// One `name=value` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param<'a> {
    /// The name as written (compare case-insensitively).
    pub name: Cow<'a, [u8]>,
    /// The value, unescaped if it was quoted.
    pub value: Cow<'a, [u8]>,
    /// Whether the value was a quoted string.
    pub quoted: bool,
}

impl Param<'_> {
    /// A copy that owns its data.
    pub fn into_owned(self) -> Param<'static> {
        Param {
            name: Cow::Owned(self.name.into_owned()),
            value: Cow::Owned(self.value.into_owned()),
            quoted: self.quoted,
        }
    }
}

/// One challenge (or one credentials value) of any scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge<'a> {
    /// The scheme as written ("Digest", "Bearer", ...).
    pub scheme: &'a [u8],
    /// The token68 form (`Bearer abc==`), if used instead of parameters.
    pub token68: Option<&'a [u8]>,
    /// The parameters in order (duplicates kept).
    pub params: Vec<Param<'a>>,
}

impl<'a> Challenge<'a> {
    /// True for the Digest scheme (any case).
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case(b"digest")
    }

    /// The value of the first parameter called `name` (any case).
    pub fn param(&self, name: &str) -> Option<&[u8]> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|p| &*p.value)
    }

    /// The typed view of a Digest challenge (see the module doc for errors).
    pub fn to_digest(&self) -> std::result::Result<DigestChallenge<'a>, ParseError> {
        if !self.is_digest() {
            return Err(ParseError::NotDigest);
        }
        let mut d = DigestChallenge::default();
        let (mut realm, mut nonce) = (None, None);
        let mut seen_stale = false;
        let mut seen_userhash = false;
        for p in &self.params {
            let v = || Some(p.value.clone());
            let n: &[u8] = &p.name;
            let slot = if n.eq_ignore_ascii_case(b"realm") {
                Some(("realm", &mut realm))
            } else if n.eq_ignore_ascii_case(b"nonce") {
                Some(("nonce", &mut nonce))
            } else if n.eq_ignore_ascii_case(b"opaque") {
                Some(("opaque", &mut d.opaque))
            } else if n.eq_ignore_ascii_case(b"algorithm") {
                Some(("algorithm", &mut d.algorithm))
            } else if n.eq_ignore_ascii_case(b"domain") {
                Some(("domain", &mut d.domain))
            } else if n.eq_ignore_ascii_case(b"charset") {
                Some(("charset", &mut d.charset))
            } else {
                None
            };
            if let Some((name, slot)) = slot {
                if slot.is_some() {
                    return Err(ParseError::DuplicateParam(name));
                }
                *slot = v();
            } else if n.eq_ignore_ascii_case(b"qop") {
                if d.qop.is_some() {
                    return Err(ParseError::DuplicateParam("qop"));
                }
                d.qop = Some(split_list(&p.value));
            } else if n.eq_ignore_ascii_case(b"stale") {
                if std::mem::replace(&mut seen_stale, true) {
                    return Err(ParseError::DuplicateParam("stale"));
                }
                d.stale = p.value.eq_ignore_ascii_case(b"true");
            } else if n.eq_ignore_ascii_case(b"userhash") {
                if std::mem::replace(&mut seen_userhash, true) {
                    return Err(ParseError::DuplicateParam("userhash"));
                }
                d.userhash = p.value.eq_ignore_ascii_case(b"true");
            } else {
                d.other.push(p.clone());
            }
        }
        d.realm = realm.ok_or(ParseError::Missing("realm"))?;
        d.nonce = nonce.ok_or(ParseError::Missing("nonce"))?;
        Ok(d)
    }
}

/// The comma-separated tokens of a list value (`qop="auth, auth-int"`),
/// trimmed, empty ones dropped, at most `MAX_PARAMS`.
fn split_list<'a>(value: &Cow<'a, [u8]>) -> Vec<Cow<'a, [u8]>> {
    let items = list_items(value, false).take(MAX_PARAMS);
    match value {
        Cow::Borrowed(b) => items.map(|r| Cow::Borrowed(&b[r])).collect(),
        Cow::Owned(v) => items.map(|r| Cow::Owned(v[r].to_vec())).collect(),
    }
}

/// A Digest challenge (RFC 7616 §3.3, RFC 3261 §25.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestChallenge<'a> {
    /// `realm` (required).
    pub realm: Cow<'a, [u8]>,
    /// `nonce` (required).
    pub nonce: Cow<'a, [u8]>,
    /// `opaque`, echoed in the answer.
    pub opaque: Option<Cow<'a, [u8]>>,
    /// `algorithm` as written; absent means MD5 (see `algorithm()`).
    pub algorithm: Option<Cow<'a, [u8]>>,
    /// The tokens of `qop`; `None` when the parameter is absent (RFC 2069
    /// form), `Some(empty)` when it was given empty.
    pub qop: Option<Vec<Cow<'a, [u8]>>>,
    /// `stale` equals "true" (any case).
    pub stale: bool,
    /// `userhash` equals "true" (any case).
    pub userhash: bool,
    /// `domain` as written.
    pub domain: Option<Cow<'a, [u8]>>,
    /// `charset` as written.
    pub charset: Option<Cow<'a, [u8]>>,
    /// Every other parameter, in order.
    pub other: Vec<Param<'a>>,
}

impl DigestChallenge<'_> {
    /// The algorithm: MD5 when absent, `None` when unknown (AKAv1-MD5, ...).
    pub fn algorithm(&self) -> Option<Algorithm> {
        match &self.algorithm {
            None => Some(Algorithm::Md5),
            Some(name) => Algorithm::from_name(name),
        }
    }

    /// The qop to answer with: `auth` when offered (preferred), else
    /// `auth-int`; `Ok(None)` when the challenge has no qop (RFC 2069 form);
    /// `Err(Error::InvalidQop)` when it offers only other values.
    pub fn choose_qop(&self) -> Result<Option<Qop>> {
        let Some(list) = &self.qop else {
            return Ok(None);
        };
        let offered = |q| list.iter().any(|t| Qop::from_token(t) == Some(q));
        if offered(Qop::Auth) {
            Ok(Some(Qop::Auth))
        } else if offered(Qop::AuthInt) {
            Ok(Some(Qop::AuthInt))
        } else {
            Err(Error::InvalidQop)
        }
    }

    /// A copy that owns its data (to keep after the header is gone).
    pub fn into_owned(self) -> DigestChallenge<'static> {
        let own = |c: Cow<'_, [u8]>| Cow::Owned(c.into_owned());
        DigestChallenge {
            realm: own(self.realm),
            nonce: own(self.nonce),
            opaque: self.opaque.map(own),
            algorithm: self.algorithm.map(own),
            qop: self.qop.map(|l| l.into_iter().map(own).collect()),
            stale: self.stale,
            userhash: self.userhash,
            domain: self.domain.map(own),
            charset: self.charset.map(own),
            other: self.other.into_iter().map(Param::into_owned).collect(),
        }
    }
}

/// Parses a WWW-Authenticate / Proxy-Authenticate value into its challenges
/// (see the module doc for the grammar and the exact error behaviour).
///
/// ```
/// use pjsip_auth_shim::digest::{parse_challenges, Algorithm};
///
/// let value = b"Bearer realm=\"a\", Digest realm=\"b\", nonce=\"n\", algorithm=SHA-256";
/// let parsed = parse_challenges(value);
/// assert_eq!(parsed.len(), 2);
/// let first = parsed[0].as_ref().unwrap();
/// assert!(!first.is_digest()); // Bearer: not ours to answer with a password
/// let digest = parsed[1].as_ref().unwrap().to_digest().unwrap();
/// assert_eq!(&*digest.realm, b"b");
/// assert_eq!(digest.algorithm(), Some(Algorithm::Sha256));
/// ```
pub fn parse_challenges(input: &[u8]) -> Vec<std::result::Result<Challenge<'_>, ParseError>> {
    parse_elements(input, MAX_INPUT_LEN)
}

/// `parse_challenges` with another length limit (`TooLong` above `max_len`).
pub(crate) fn parse_elements(
    input: &[u8],
    max_len: usize,
) -> Vec<std::result::Result<Challenge<'_>, ParseError>> {
    let mut out = Vec::new();
    if input.len() > max_len {
        out.push(Err(ParseError::TooLong));
        return out;
    }
    let mut c = Cursor::new(input);
    let mut skipping_params = false;
    loop {
        c.skip_ws_and_commas();
        if c.at_end() {
            break;
        }
        if skipping_params && c.looks_like_param() {
            c.skip_element();
            continue;
        }
        skipping_params = false;
        match parse_one(&mut c) {
            Ok(ch) => out.push(Ok(ch)),
            Err(e) => {
                out.push(Err(e));
                c.skip_element();
                skipping_params = true;
            }
        }
    }
    out
}

fn parse_one<'a>(c: &mut Cursor<'a>) -> std::result::Result<Challenge<'a>, ParseError> {
    let scheme = c.token();
    if scheme.is_empty() {
        return Err(ParseError::BadScheme);
    }
    match c.peek() {
        None | Some(b',') => {}
        Some(b) if is_ws(b) => {}
        Some(_) => return Err(ParseError::Syntax),
    }
    c.skip_ws();
    let mut ch = Challenge {
        scheme,
        token68: None,
        params: Vec::new(),
    };
    if matches!(c.peek(), None | Some(b',')) {
        return Ok(ch);
    }
    if let Some(t) = c.try_token68() {
        ch.token68 = Some(t);
        return Ok(ch);
    }
    loop {
        let name = c.token();
        if name.is_empty() {
            return Err(ParseError::Syntax);
        }
        c.skip_ws();
        if !c.eat(b'=') {
            return Err(ParseError::Syntax);
        }
        c.skip_ws();
        let (value, quoted) = if c.peek() == Some(b'"') {
            (c.quoted_value()?, true)
        } else {
            let v = c.bare_value();
            if v.is_empty() {
                return Err(ParseError::EmptyValue);
            }
            (Cow::Borrowed(v), false)
        };
        if ch.params.len() >= MAX_PARAMS {
            return Err(ParseError::TooManyParams);
        }
        ch.params.push(Param {
            name: Cow::Borrowed(name),
            value,
            quoted,
        });
        c.skip_ws();
        if c.at_end() {
            return Ok(ch);
        }
        if !c.eat(b',') {
            return Err(ParseError::Syntax);
        }
        c.skip_ws_and_commas();
        if c.at_end() || !c.looks_like_param() {
            return Ok(ch);
        }
    }
}

fn is_ws(b: u8) -> bool {
    is_lws(b)
}

fn is_token68char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

/// The challenge grammar's steps over the shared header-value lexer.
type Cursor<'a> = Lexer<'a>;

/// What the challenge grammar needs beyond the shared lexer.
trait ChallengeSteps<'a> {
    fn skip_ws_and_commas(&mut self);
    fn bare_value(&mut self) -> &'a [u8];
    fn looks_like_param(&self) -> bool;
    fn try_token68(&mut self) -> Option<&'a [u8]>;
    fn quoted_value(&mut self) -> std::result::Result<Cow<'a, [u8]>, ParseError>;
    fn skip_element(&mut self);
}

impl<'a> ChallengeSteps<'a> for Cursor<'a> {
    fn skip_ws_and_commas(&mut self) {
        self.take_while(|b| is_ws(b) || b == b',');
    }

    /// An unquoted value: everything up to whitespace or a comma (lenient:
    /// servers send unquoted nonces holding `/` or `=`).
    fn bare_value(&mut self) -> &'a [u8] {
        self.take_while(|b| !is_ws(b) && b != b',')
    }

    /// `token *WS "="` ahead (without consuming it).
    fn looks_like_param(&self) -> bool {
        let mut probe = self.clone();
        !probe.token().is_empty() && {
            probe.skip_ws();
            probe.peek() == Some(b'=')
        }
    }

    /// `1*token68char *"="` followed by optional whitespace and a comma or
    /// the end; the cursor is left unchanged when that is not what follows.
    fn try_token68(&mut self) -> Option<&'a [u8]> {
        let start = self.pos();
        let body = self.take_while(is_token68char);
        if !body.is_empty() {
            self.take_while(|b| b == b'=');
            let end = self.pos();
            self.skip_ws();
            if matches!(self.peek(), None | Some(b',')) {
                return Some(self.slice(start..end));
            }
        }
        self.rewind(start);
        None
    }

    /// A quoted string at the cursor (on the opening quote), unescaped.
    fn quoted_value(&mut self) -> std::result::Result<Cow<'a, [u8]>, ParseError> {
        self.quoted().map_err(|_| ParseError::UnterminatedQuote)
    }

    /// Skips to the next comma outside a quoted string (or the end).
    fn skip_element(&mut self) {
        self.skip_until(b",", false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_list_drops_empty_items() {
        let v: Cow<[u8]> = Cow::Borrowed(b" auth ,, auth-int ,");
        let l = split_list(&v);
        assert_eq!(
            l,
            vec![Cow::Borrowed(&b"auth"[..]), Cow::Borrowed(b"auth-int")]
        );
    }
}
