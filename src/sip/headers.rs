//! Header names: compact forms, case-insensitive comparison, token
//! characters. Header parameters are scanned by `params`.

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

/// SP or HT.
pub(crate) fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
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
}
