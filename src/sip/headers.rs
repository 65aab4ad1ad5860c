//! Header names and header parameters: compact forms, case-insensitive
//! comparison, and a small scanner for `;name=value` parameters that knows
//! about quoted strings and `<...>` URIs (so a `;` or `,` inside them is not
//! taken for a separator).

use std::ops::Range;

/// Compact header forms (RFC 3261 section 7.3.3 and later RFCs) and the full
/// names they stand for.
const COMPACT: [(u8, &str); 20] = [
    (b'i', "Call-ID"),
    (b'm', "Contact"),
    (b'e', "Content-Encoding"),
    (b'l', "Content-Length"),
    (b'c', "Content-Type"),
    (b'f', "From"),
    (b's', "Subject"),
    (b'k', "Supported"),
    (b't', "To"),
    (b'v', "Via"),
    (b'o', "Event"),
    (b'r', "Refer-To"),
    (b'b', "Referred-By"),
    (b'u', "Allow-Events"),
    (b'x', "Session-Expires"),
    (b'a', "Accept-Contact"),
    (b'j', "Reject-Contact"),
    (b'd', "Request-Disposition"),
    (b'y', "Identity"),
    (b'n', "Identity-Info"),
];

/// The full form of a header name: a one-letter compact form becomes the
/// name it abbreviates; anything else is returned unchanged.
pub fn full_name(name: &str) -> &str {
    if let [c] = name.as_bytes() {
        let c = c.to_ascii_lowercase();
        if let Some((_, full)) = COMPACT.iter().find(|(k, _)| *k == c) {
            return full;
        }
    }
    name
}

/// Whether two header names denote the same header: case-insensitive, with
/// compact forms equal to their full forms (`i` == `Call-ID` == `call-id`).
pub fn names_equal(a: &str, b: &str) -> bool {
    full_name(a).eq_ignore_ascii_case(full_name(b))
}

/// RFC 3261 `token` characters (header names, methods).
pub(crate) fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c)
}

/// Whether `s` is a non-empty RFC 3261 token.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

/// One `;name[=value]` parameter of a header value, as byte ranges into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param {
    /// From the `;` up to (not including) the next `;` or the element's end.
    pub span: Range<usize>,
    /// The name, trimmed.
    pub name: Range<usize>,
    /// The value after `=`, trimmed; `None` for a parameter without `=`.
    pub value: Option<Range<usize>>,
}

/// The parameters of the first element of `value` (everything up to the first
/// comma outside quotes and angle brackets), and where that element ends.
///
/// Only parameters outside `<...>` are returned: for `<sip:a;x=1>;tag=2` that
/// is `tag`, not the URI's `x`.
pub(crate) fn first_element_params(value: &str) -> (Vec<Param>, usize) {
    let b = value.as_bytes();
    let mut semis = Vec::new();
    let mut in_quotes = false;
    let mut escaped = false;
    let mut angle = 0usize;
    let mut end = b.len();
    for (i, &c) in b.iter().enumerate() {
        if in_quotes {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_quotes = false;
            }
            continue;
        }
        match c {
            b'"' => in_quotes = true,
            b'<' => angle += 1,
            b'>' => angle = angle.saturating_sub(1),
            b';' if angle == 0 => semis.push(i),
            b',' if angle == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let mut params = Vec::with_capacity(semis.len());
    for (k, &start) in semis.iter().enumerate() {
        let stop = semis.get(k + 1).copied().unwrap_or(end);
        let text = &value[start + 1..stop];
        let (name, val) = match text.find('=') {
            Some(eq) => (
                trim_range(value, start + 1, start + 1 + eq),
                Some(trim_range(value, start + 2 + eq, stop)),
            ),
            None => (trim_range(value, start + 1, stop), None),
        };
        params.push(Param {
            span: start..stop,
            name,
            value: val,
        });
    }
    (params, end)
}

/// The range `[from, to)` of `s` with SP/HT trimmed from both ends.
fn trim_range(s: &str, from: usize, to: usize) -> Range<usize> {
    let b = s.as_bytes();
    let mut a = from;
    let mut z = to;
    while a < z && is_ws(b[a]) {
        a += 1;
    }
    while z > a && is_ws(b[z - 1]) {
        z -= 1;
    }
    a..z
}

/// SP or HT.
pub(crate) fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// The value of parameter `name` (case-insensitive) of the first element of a
/// header value, if present; `Some("")` for a parameter without a value.
pub(crate) fn param_value<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let (params, _) = first_element_params(value);
    params
        .into_iter()
        .find(|p| value[p.name.clone()].eq_ignore_ascii_case(name))
        .map(|p| p.value.map_or("", |r| &value[r]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_forms_match_both_ways() {
        assert!(names_equal("i", "Call-ID"));
        assert!(names_equal("CALL-id", "I"));
        assert!(names_equal("v", "via"));
        assert!(names_equal("n", "Identity-Info"));
        assert!(!names_equal("v", "To"));
        assert!(!names_equal("q", "Q-Header"));
        assert!(names_equal("X-Custom", "x-custom"));
    }

    #[test]
    fn params_skip_quotes_and_uris() {
        let v = r#""a;b,\"c" <sip:x;tag=no>;tag=yes;lr, second;tag=2"#;
        assert_eq!(param_value(v, "tag"), Some("yes"));
        assert_eq!(param_value(v, "lr"), Some(""));
        assert_eq!(param_value(v, "x"), None);
        let v = "SIP/2.0/UDP h:5060 ; branch = z9hG4bKx ;rport";
        assert_eq!(param_value(v, "BRANCH"), Some("z9hG4bKx"));
    }
}
