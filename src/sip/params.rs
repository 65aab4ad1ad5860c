//! The one quote-aware scanner for header parameters.
//!
//! Two shapes of parameter list occur in the headers this library reads:
//! - `;name[=value]` after a URI or a Via sent-by (Contact `expires`, Via
//!   `branch`/`received`/`rport`, To/From `tag`), several elements of one
//!   header separated by commas: [`split_element`] and [`params`];
//! - `name=value` auth-params separated by commas (WWW-Authenticate,
//!   Authorization): the digest parsers drive a `Lexer` directly, since
//!   where a challenge ends is part of their grammar.
//!
//! Both rest on the same rules, written once in `Lexer`: a quoted string
//! runs from `"` to the next `"` not escaped by `\` (a separator inside it is
//! text); outside quotes, `<...>` may enclose a URI whose own `;` and `,` are
//! not separators (for the SIP shape). Names are compared case-insensitively
//! by the callers ([`Param::is`]). Nothing here allocates except
//! `Lexer::quoted` when an escape must be removed, and no input panics.

#[allow(unused_imports)]
use crate::prelude::*;
use alloc::borrow::Cow;
use std::ops::Range;

/// Whitespace between the parts of a header value: SP, HT, and CR/LF left
/// over from line folding.
pub(crate) fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// RFC 7230 `tchar` (a superset of RFC 3261's token characters).
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A quoted string's closing quote was never found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unterminated;

/// A position in a header value; every method stays within bounds.
#[derive(Debug, Clone)]
pub(crate) struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `s`.
    pub(crate) fn new(s: &'a [u8]) -> Lexer<'a> {
        Lexer { s, pos: 0 }
    }

    /// The current offset.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves back to an offset returned by [`pos`](Self::pos).
    pub(crate) fn rewind(&mut self, pos: usize) {
        self.pos = pos.min(self.s.len());
    }

    /// The input bytes in `r` (clamped to the input).
    pub(crate) fn slice(&self, r: Range<usize>) -> &'a [u8] {
        let end = r.end.min(self.s.len());
        &self.s[r.start.min(end)..end]
    }

    /// Whether the whole input has been consumed.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// The next byte, not consumed.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Consumes `b` if it is next.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes and returns the run of bytes satisfying `f`.
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// Skips whitespace ([`is_lws`]).
    pub(crate) fn skip_ws(&mut self) {
        self.take_while(is_lws);
    }

    /// A token (possibly empty).
    pub(crate) fn token(&mut self) -> &'a [u8] {
        self.take_while(is_tchar)
    }

    /// The quoted string at the cursor (which is on the opening quote),
    /// unescaped (`\x` is `x`), with any CR or LF inside dropped (a fold is
    /// the whitespace that follows it). Borrowed unless something had to be
    /// removed. `Unterminated` when it runs to the end (consumed then).
    pub(crate) fn quoted(&mut self) -> Result<Cow<'a, [u8]>, Unterminated> {
        self.pos += 1;
        let start = self.pos;
        let mut owned: Option<Vec<u8>> = None;
        loop {
            let Some(b) = self.peek() else {
                return Err(Unterminated);
            };
            self.pos += 1;
            match b {
                b'"' => {
                    return Ok(match owned {
                        Some(v) => Cow::Owned(v),
                        None => Cow::Borrowed(&self.s[start..self.pos - 1]),
                    });
                }
                b'\\' | b'\r' | b'\n' => {
                    let buf = owned.get_or_insert_with(|| self.s[start..self.pos - 1].to_vec());
                    if b == b'\\' {
                        let Some(escaped) = self.peek() else {
                            return Err(Unterminated);
                        };
                        self.pos += 1;
                        if escaped != b'\r' && escaped != b'\n' {
                            buf.push(escaped);
                        }
                    }
                }
                other => {
                    if let Some(buf) = owned.as_mut() {
                        buf.push(other);
                    }
                }
            }
        }
    }

    /// Advances to the next byte of `stops` that is outside quoted strings
    /// (and, with `angle`, outside `<...>`), without consuming it; to the end
    /// when there is none. Returns whether a stop byte was found.
    pub(crate) fn skip_until(&mut self, stops: &[u8], angle: bool) -> bool {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    if self.quoted_span().is_none() {
                        self.pos = self.s.len();
                        return false;
                    }
                    continue;
                }
                b'<' if angle => depth += 1,
                b'>' if angle => depth = depth.saturating_sub(1),
                _ if depth == 0 && stops.contains(&b) => return true,
                _ => {}
            }
            self.pos += 1;
        }
        false
    }

    /// Skips the quoted string at the cursor without unescaping it; `None`
    /// (cursor unchanged) when it is unterminated.
    fn quoted_span(&mut self) -> Option<()> {
        let mut i = self.pos + 1;
        while let Some(&b) = self.s.get(i) {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return Some(());
                }
                _ => i += 1,
            }
        }
        None
    }
}

/// Splits a header value at its first comma outside quotes and `<...>`:
/// the first element and, when there was a comma, what follows it.
pub fn split_element(value: &str) -> (&str, Option<&str>) {
    let mut lx = Lexer::new(value.as_bytes());
    if lx.skip_until(b",", true) {
        let i = lx.pos();
        // The comma is ASCII, so both sides are on character boundaries.
        (&value[..i], Some(&value[i + 1..]))
    } else {
        (value, None)
    }
}

/// Every element of a comma-separated header value (`a, "b, c" <d>;x, e`),
/// trimmed, empty ones skipped.
pub fn elements(value: &str) -> impl Iterator<Item = &str> {
    // Ranges end at commas and ASCII whitespace: character boundaries.
    list_items(value.as_bytes(), true).map(move |r| &value[r])
}

/// The items of a comma-separated list: their ranges in `v`, trimmed of
/// whitespace, empty ones skipped. Commas inside quoted strings (and, with
/// `angle`, inside `<...>`) do not separate.
pub(crate) fn list_items(v: &[u8], angle: bool) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut lx = Lexer::new(v);
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        let start = lx.pos();
        done = !lx.skip_until(b",", angle);
        let end = lx.pos();
        lx.eat(b',');
        let r = trimmed(&v[start..end]);
        if !r.is_empty() {
            return Some(start + r.start..start + r.end);
        }
    })
}

/// One `;name[=value]` parameter, as byte ranges into the element it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// From the `;` up to (not including) the next `;` or the element's end.
    pub span: Range<usize>,
    /// The name, trimmed.
    pub name: Range<usize>,
    /// The value after `=`, trimmed (quotes kept); `None` without `=`.
    pub value: Option<Range<usize>>,
}

impl Param {
    /// Whether this parameter is called `name` (case-insensitive) in `element`.
    pub fn is(&self, element: &str, name: &str) -> bool {
        element[self.name.clone()].eq_ignore_ascii_case(name)
    }

    /// The value's text in `element` (`""` for a parameter without `=`).
    pub fn value_in<'e>(&self, element: &'e str) -> &'e str {
        self.value.clone().map_or("", |r| &element[r])
    }
}

/// The `;` parameters of one element (see [`split_element`]): those outside
/// quotes and `<...>`, so for `<sip:a;x=1>;tag=2` only `tag`. A `;` inside a
/// quoted value does not split it.
pub fn params(element: &str) -> Params<'_> {
    let mut lx = Lexer::new(element.as_bytes());
    let found = lx.skip_until(b";", true);
    Params {
        element,
        next: found.then(|| lx.pos()),
    }
}

/// Iterator returned by [`params`].
#[derive(Debug, Clone)]
pub struct Params<'a> {
    element: &'a str,
    next: Option<usize>,
}

impl Iterator for Params<'_> {
    type Item = Param;

    fn next(&mut self) -> Option<Param> {
        let start = self.next?;
        let mut lx = Lexer::new(self.element.as_bytes());
        lx.rewind(start + 1);
        let more = lx.skip_until(b";", true);
        let stop = lx.pos();
        self.next = more.then_some(stop);
        let mut lx = Lexer::new(&self.element.as_bytes()[..stop]);
        lx.rewind(start + 1);
        let has_eq = lx.skip_until(b"=", true);
        let eq = lx.pos();
        let (name, value) = if has_eq {
            (
                trim(self.element, start + 1, eq),
                Some(trim(self.element, eq + 1, stop)),
            )
        } else {
            (trim(self.element, start + 1, stop), None)
        };
        Some(Param {
            span: start..stop,
            name,
            value,
        })
    }
}

/// `[from, to)` of `s` with whitespace trimmed from both ends.
fn trim(s: &str, from: usize, to: usize) -> Range<usize> {
    let r = trimmed(&s.as_bytes()[from..to]);
    from + r.start..from + r.end
}

/// The range of `s` left when whitespace ([`is_lws`]) is trimmed from both ends.
fn trimmed(s: &[u8]) -> Range<usize> {
    trimmed_by(s, is_lws)
}

/// The range of `s` left when bytes satisfying `ws` are trimmed from both ends.
fn trimmed_by(s: &[u8], ws: impl Fn(u8) -> bool) -> Range<usize> {
    let lead = s.iter().take_while(|b| ws(**b)).count();
    let trail = s[lead..].iter().rev().take_while(|b| ws(**b)).count();
    lead..s.len() - trail
}

/// `s` with bytes satisfying `ws` trimmed from both ends (the message
/// parser trims SP/HT only; header values use [`is_lws`]).
// Used by the message parser (std).
#[cfg_attr(not(feature = "std"), allow(dead_code))]
pub(crate) fn trim_by(s: &[u8], ws: impl Fn(u8) -> bool) -> &[u8] {
    &s[trimmed_by(s, ws)]
}

/// The value of parameter `name` (case-insensitive) of the first element of
/// a header value; `Some("")` for a parameter without a value.
pub fn param_value<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let (first, _) = split_element(value);
    params(first)
        .find(|p| p.is(first, name))
        .map(|p| p.value_in(first))
}

/// An element's head: what comes before its parameters (the URI with its
/// angle brackets, or a Via's `SIP/2.0/UDP host:port`), trimmed.
pub fn head(element: &str) -> &str {
    let end = params(element)
        .next()
        .map_or(element.len(), |p| p.span.start);
    element[..end].trim_matches(|c: char| c.is_ascii() && is_lws(c as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_skip_quotes_and_uris() {
        let v = r#""a;b,\"c" <sip:x;tag=no>;tag=yes;lr, second;tag=2"#;
        assert_eq!(param_value(v, "tag"), Some("yes"));
        assert_eq!(param_value(v, "lr"), Some(""));
        assert_eq!(param_value(v, "x"), None);
        let v = "SIP/2.0/UDP h:5060 ; branch = z9hG4bKx ;rport";
        assert_eq!(param_value(v, "BRANCH"), Some("z9hG4bKx"));
        assert_eq!(param_value(v, "rport"), Some(""));
    }

    #[test]
    fn a_quoted_value_keeps_its_separators() {
        let v = r#"<sip:a@b>;x="1;2,3\";4";expires=5, <sip:c@d>;expires=6"#;
        let (first, rest) = split_element(v);
        assert_eq!(rest, Some(" <sip:c@d>;expires=6"));
        let ps: Vec<_> = params(first)
            .map(|p| {
                (
                    first[p.name.clone()].to_string(),
                    p.value_in(first).to_string(),
                )
            })
            .collect();
        assert_eq!(
            ps,
            vec![
                ("x".to_string(), r#""1;2,3\";4""#.to_string()),
                ("expires".to_string(), "5".to_string())
            ]
        );
        assert_eq!(head(first), "<sip:a@b>");
    }

    #[test]
    fn elements_split_on_top_level_commas_only() {
        let v = r#""Doe, J" <sip:j@x;a=1,2>;q=1 , ,<sip:k@y>"#;
        let all: Vec<_> = elements(v).collect();
        assert_eq!(all, vec![r#""Doe, J" <sip:j@x;a=1,2>;q=1"#, "<sip:k@y>"]);
        assert_eq!(elements("").count(), 0);
        let items: Vec<_> = list_items(b" auth ,, auth-int ,", false).collect();
        assert_eq!(items, vec![1..5, 9..17]);
        assert_eq!(trim_by(b" \t a b\r\n", is_lws), b"a b");
        assert_eq!(trim_by(b" a\r", |b| b == b' '), b"a\r");
        assert_eq!(trim_by(b"  ", is_lws), b"");
    }

    #[test]
    fn unterminated_quotes_run_to_the_end_without_panicking() {
        assert_eq!(split_element(r#"a;b="x,y"#), (r#"a;b="x,y"#, None));
        assert_eq!(param_value(r#"a;b="x\"#, "b"), Some(r#""x\"#));
        let mut lx = Lexer::new(br#""abc\"#);
        assert_eq!(lx.quoted(), Err(Unterminated));
        let mut lx = Lexer::new(b"\"a\\\"b\r\n c\" rest");
        assert_eq!(lx.quoted().unwrap().as_ref(), b"a\"b c");
        assert_eq!(lx.peek(), Some(b' '));
    }

    #[test]
    fn names_match_case_insensitively_and_params_have_spans() {
        let e = "<sip:a>;Expires=30;LR";
        let ps: Vec<_> = params(e).collect();
        assert_eq!(ps.len(), 2);
        assert!(ps[0].is(e, "expires") && ps[1].is(e, "lr"));
        assert_eq!(&e[ps[0].span.clone()], ";Expires=30");
        assert_eq!(ps[1].value, None);
        assert_eq!(head("<sip:a>"), "<sip:a>");
        assert_eq!(params("<sip:a;b>").count(), 0);
    }
}
