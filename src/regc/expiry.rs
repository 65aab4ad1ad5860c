//! How long a registrar granted, and when to refresh.
//!
//! A 2xx to REGISTER lists the bindings of the address of record, each
//! Contact possibly with an `expires` parameter, and may carry an `Expires`
//! header (RFC 3261 sections 10.2.4 and 10.3). The rule, as PJSIP's regc
//! applies it:
//! 1. the lowest `expires` among the response's Contacts that are ours;
//! 2. ours listed but without `expires`: the `Expires` header, else what we
//!    asked for;
//! 3. none recognisably ours (a registrar that rewrote the URIs): the first
//!    Contact's `expires` when the response lists exactly as many Contacts as
//!    we sent, else the `Expires` header, else what we asked for.

use crate::sip::params::{elements, head, params};
use crate::sip::SipMessage;
use std::time::Duration;

/// Refreshing starts this long before the binding expires.
const REFRESH_MARGIN: u64 = 5;
/// No refresh is scheduled sooner than this.
const MIN_REFRESH: Duration = Duration::from_millis(500);

/// A Contact's URI without display name and angle brackets.
fn contact_uri(element: &str) -> &str {
    let h = head(element);
    match (h.find('<'), h.rfind('>')) {
        (Some(a), Some(z)) if a < z => &h[a + 1..z],
        _ => h,
    }
}

/// The `expires` parameter of one Contact element, when it is a number.
fn contact_expires(element: &str) -> Option<u32> {
    params(element)
        .find(|p| p.is(element, "expires"))
        .and_then(|p| parse_seconds(p.value_in(element)))
}

/// Delta-seconds (RFC 3261 section 25.1); larger values are capped at
/// `u32::MAX` rather than refused.
fn parse_seconds(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        s.parse::<u64>()
            .map_or(u32::MAX, |n| n.min(u32::MAX as u64) as u32),
    )
}

/// Whether two Contact URIs name the same binding (case-insensitive text
/// comparison, angle brackets and display names ignored).
fn same_uri(a: &str, b: &str) -> bool {
    contact_uri(a).eq_ignore_ascii_case(contact_uri(b))
}

/// The expiry in seconds granted by the 2xx `response` to a REGISTER that
/// bound `ours` and asked for `asked` seconds (see the module doc).
pub fn granted_expiry(response: &SipMessage, ours: &[String], asked: u32) -> u32 {
    let header = response
        .header("Expires", 0)
        .and_then(parse_seconds)
        .unwrap_or(asked);
    let listed: Vec<&str> = response
        .headers_named("Contact")
        .flat_map(elements)
        .collect();
    let mut ours_seen = false;
    let mut lowest: Option<u32> = None;
    for c in &listed {
        if ours.iter().any(|o| same_uri(o, c)) {
            ours_seen = true;
            if let Some(e) = contact_expires(c) {
                lowest = Some(lowest.map_or(e, |l| l.min(e)));
            }
        }
    }
    match lowest {
        Some(e) => e,
        None if ours_seen => header,
        None if !listed.is_empty() && listed.len() == ours.len() => {
            contact_expires(listed[0]).unwrap_or(header)
        }
        None => header,
    }
}

/// How long after a 2xx granting `granted` seconds the refresh REGISTER
/// goes out, for a client that asked for `requested` (0: nothing asked):
/// `REFRESH_MARGIN` seconds before expiry and no later than `requested`,
/// but not sooner than 5 s when the grant allows; a grant of 5 s or less is
/// refreshed one second early (half a second for one second); never sooner
/// than 500 ms.
pub fn refresh_delay(granted: u32, requested: u32) -> Duration {
    let granted = u64::from(granted);
    let mut secs = granted.saturating_sub(REFRESH_MARGIN);
    if requested != 0 {
        secs = secs.min(u64::from(requested));
    }
    let delay = if secs < REFRESH_MARGIN {
        if granted <= REFRESH_MARGIN {
            if granted > 1 {
                Duration::from_secs(granted - 1)
            } else {
                Duration::from_millis(500)
            }
        } else {
            Duration::from_secs(REFRESH_MARGIN)
        }
    } else {
        Duration::from_secs(secs)
    };
    delay.max(MIN_REFRESH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_with(headers: &str) -> SipMessage {
        SipMessage::parse(
            format!(
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n\
                 To: <sip:a@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n{headers}Content-Length: 0\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap()
    }

    fn ours() -> Vec<String> {
        vec!["sip:alice@127.0.0.1:5099".to_string()]
    }

    #[test]
    fn granted_expiry_follows_the_rule_table() {
        let cases: [(&str, u32); 9] = [
            // 1. our Contact's expires, the lowest of ours.
            ("Contact: <sip:alice@127.0.0.1:5099>;expires=120\r\n", 120),
            (
                "Contact: <sip:bob@10.0.0.1>;expires=5, \"A, B\" <SIP:alice@127.0.0.1:5099>;Expires=90\r\nExpires: 30\r\n",
                90,
            ),
            (
                "Contact: <sip:alice@127.0.0.1:5099>;expires=80\r\nm: <sip:alice@127.0.0.1:5099>;expires=70\r\n",
                70,
            ),
            // 2. ours without expires: the Expires header, else what we asked.
            ("Contact: <sip:alice@127.0.0.1:5099>\r\nExpires: 45\r\n", 45),
            ("Contact: <sip:alice@127.0.0.1:5099>;q=0.5\r\n", 300),
            // 3. not ours: same count -> first contact's expires.
            ("Contact: <sip:rewritten@10.0.0.9>;expires=33\r\n", 33),
            (
                "Contact: <sip:x@10.0.0.9>;expires=33, <sip:y@10.0.0.9>;expires=34\r\nExpires: 50\r\n",
                50,
            ),
            ("Expires: 60\r\n", 60),
            ("", 300),
        ];
        for (headers, want) in cases {
            assert_eq!(
                granted_expiry(&ok_with(headers), &ours(), 300),
                want,
                "{headers:?}"
            );
        }
    }

    #[test]
    fn a_quoted_expires_lookalike_is_not_a_parameter() {
        let m = ok_with(
            "Contact: \"expires=1;\" <sip:alice@127.0.0.1:5099;expires=2>;x=\"expires=3\";expires=77\r\n",
        );
        assert_eq!(granted_expiry(&m, &ours(), 300), 77);
        let m = ok_with("Contact: <sip:alice@127.0.0.1:5099>;expires=soon\r\nExpires: 12\r\n");
        assert_eq!(granted_expiry(&m, &ours(), 300), 12);
    }

    #[test]
    fn refresh_delay_table() {
        let ms = Duration::from_millis;
        let s = Duration::from_secs;
        let cases = [
            ((3600, 3600), s(3595)),
            ((3600, 600), s(600)),
            ((3600, 0), s(3595)),
            ((60, 60), s(55)),
            ((9, 60), s(5)),
            ((6, 60), s(5)),
            ((5, 60), s(4)),
            ((2, 2), s(1)),
            ((1, 1), ms(500)),
            ((0, 0), ms(500)),
        ];
        for ((granted, requested), want) in cases {
            assert_eq!(
                refresh_delay(granted, requested),
                want,
                "{granted} {requested}"
            );
        }
    }
}
