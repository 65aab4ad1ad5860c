//! Properties of the SIP message model: printing then parsing gives back the
//! same message, and no input makes the parser panic.

use pjsip_auth_shim::sip::{Header, SipMessage, StartLine};
use proptest::prelude::*;

fn start_line() -> impl Strategy<Value = StartLine> {
    prop_oneof![
        (
            "[A-Z]{1,10}",
            "sips?:[a-z0-9]{1,8}@[a-z0-9.]{1,12}(;[a-z]{1,5}=[a-z0-9]{1,5})?"
        )
            .prop_map(|(method, uri)| StartLine::Request {
                method,
                uri,
                version: "SIP/2.0".into(),
            }),
        (100u16..700, "([A-Za-z]{1,8}( [A-Za-z/-]{1,8}){0,3})?").prop_map(|(code, reason)| {
            StartLine::Response {
                version: "SIP/2.0".into(),
                code,
                reason,
            }
        }),
    ]
}

fn header() -> impl Strategy<Value = Header> {
    (
        "[A-Za-z][A-Za-z0-9.!%*_+`'~-]{0,15}",
        // Printable text (with HT and UTF-8), trimmed: values are stored trimmed.
        "[ -~\t\u{e9}\u{4e2d}]{0,60}",
    )
        .prop_filter_map("reserved or empty name", |(name, value)| {
            let reserved = ["l", "content-length", "cseq"];
            if reserved.iter().any(|r| name.eq_ignore_ascii_case(r)) {
                return None;
            }
            Some(Header::new(name, value.trim_matches([' ', '\t'])))
        })
}

fn message() -> impl Strategy<Value = SipMessage> {
    (
        start_line(),
        proptest::collection::vec(header(), 0..12),
        proptest::option::of((1u32..u32::MAX, "[A-Z]{1,9}")),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(start, mut headers, cseq, body)| {
            if let Some((n, method)) = cseq {
                headers.insert(
                    headers.len() / 2,
                    Header::new("CSeq", format!("{n} {method}")),
                );
            }
            headers.push(Header::new("Content-Length", body.len().to_string()));
            SipMessage {
                start,
                headers,
                body,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn print_then_parse_is_identity(m in message()) {
        let wire = m.to_bytes();
        prop_assert_eq!(SipMessage::parse(&wire), Ok(m));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(m) = SipMessage::parse(&bytes) {
            let wire = m.to_bytes();
            let again = SipMessage::parse(&wire);
            prop_assert!(again.is_ok(), "reparse failed: {:?}", again);
            let again = again.unwrap();
            prop_assert_eq!(&again.start, &m.start);
            prop_assert_eq!(&again.body, &m.body);
            // Printing is a fixed point after one round.
            prop_assert_eq!(again.to_bytes(), wire);
        }
    }

    #[test]
    fn mutated_messages_never_panic(
        m in message(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut wire = m.to_bytes();
        for (i, b) in edits {
            let i = i.index(wire.len());
            wire[i] = b;
        }
        if let Ok(m) = SipMessage::parse(&wire) {
            let _ = m.check_mandatory();
            let again = SipMessage::parse(&m.to_bytes());
            prop_assert!(again.is_ok(), "reparse failed: {:?}", again);
        }
    }

    #[test]
    fn sip_like_text_never_panics(text in "(([A-Za-z:;,=\" <>@\t-]|SIP/2.0|\r\n|\n|[0-9]){0,200})") {
        if let Ok(m) = SipMessage::parse(text.as_bytes()) {
            prop_assert!(SipMessage::parse(&m.to_bytes()).is_ok());
        }
    }
}

proptest! {
    /// The header-parameter scanner never panics (its ranges are always
    /// character boundaries), and the elements it splits a value into are
    /// pieces of the value in order.
    #[test]
    fn header_params_never_panic(value in "[ -~\t\u{e9}\u{4e2d}]{0,80}") {
        use pjsip_auth_shim::sip::params::{elements, head, param_value, params, split_element};
        let (first, rest) = split_element(&value);
        prop_assert!(value.starts_with(first));
        if let Some(rest) = rest {
            prop_assert_eq!(first.len() + 1 + rest.len(), value.len());
        }
        for p in params(first) {
            let _ = (&first[p.span.clone()], &first[p.name.clone()], p.value_in(first));
            prop_assert!(p.span.start <= p.name.start && p.name.end <= p.span.end);
        }
        let _ = (head(first), param_value(&value, "expires"));
        let mut from = 0;
        for e in elements(&value) {
            let at = value[from..].find(e).map(|i| i + from);
            prop_assert!(at.is_some());
            from = at.unwrap() + e.len();
        }
    }
}
