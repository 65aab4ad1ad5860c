//! Building REGISTER requests.
//!
//! One registration is one Call-ID and From tag for the client's lifetime,
//! with a CSeq that grows by one for every transaction sent (RFC 3261
//! section 10.2: the registrar orders requests of a Call-ID by CSeq). The
//! number is assigned when a request is sent, as PJSIP's regc does, so
//! requests built ahead and sent in another order still go out increasing;
//! a request is built with the number it will get if it is the next one sent.

use crate::endpoint::uri_destination;
use crate::sip::{random_hex, SipMessage};
use crate::status::{Error, Result};
use std::net::SocketAddr;

/// What a client registers (from `pjsip_regc_init`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The registrar's URI (the Request-URI), without angle brackets.
    pub registrar: String,
    /// From (the address of record, or who registers on its behalf).
    pub from: String,
    /// To (the address of record).
    pub to: String,
    /// Contact URIs to bind.
    pub contacts: Vec<String>,
    /// Requested expiry, seconds.
    pub expires: u32,
    /// Where requests go: the registrar URI's host and port.
    pub dest: SocketAddr,
}

impl Binding {
    /// A binding; `Error::InvalidArg` when the registrar URI is not a SIP URI
    /// whose host resolves.
    pub fn new(
        registrar: &str,
        from: &str,
        to: &str,
        contacts: Vec<String>,
        expires: u32,
    ) -> Result<Binding> {
        let dest = uri_destination(registrar)?;
        Ok(Binding {
            registrar: registrar
                .trim()
                .trim_matches(|c| c == '<' || c == '>')
                .to_string(),
            from: from.to_string(),
            to: to.to_string(),
            contacts,
            expires,
            dest,
        })
    }
}

/// The parts of every REGISTER that stay fixed for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Call-ID.
    pub call_id: String,
    /// From tag.
    pub from_tag: String,
}

impl Identity {
    /// A fresh random Call-ID and From tag.
    pub fn random() -> Identity {
        Identity {
            call_id: format!("{}@pjshim", random_hex(2)),
            from_tag: random_hex(1),
        }
    }
}

/// `uri` in angle brackets, unless it already has them (a name-addr).
fn name_addr(uri: &str) -> String {
    if uri.contains('<') {
        uri.to_string()
    } else {
        format!("<{uri}>")
    }
}

/// A REGISTER for `binding` sent from `local` with CSeq `cseq`: `Expires: 0`
/// when `unregister`, else the binding's expiry. The top Via has no branch
/// (the endpoint adds a fresh one when it sends).
pub fn build_register(
    binding: &Binding,
    id: &Identity,
    local: SocketAddr,
    cseq: u32,
    unregister: bool,
) -> SipMessage {
    let mut m = SipMessage::request("REGISTER", binding.registrar.clone());
    m.push_header("Via", format!("SIP/2.0/UDP {local};rport"));
    m.push_header("Max-Forwards", "70");
    m.push_header(
        "From",
        format!("{};tag={}", name_addr(&binding.from), id.from_tag),
    );
    m.push_header("To", name_addr(&binding.to));
    m.push_header("Call-ID", id.call_id.clone());
    m.push_header("CSeq", format!("{cseq} REGISTER"));
    for c in &binding.contacts {
        m.push_header("Contact", name_addr(c));
    }
    let expires = if unregister { 0 } else { binding.expires };
    m.push_header("Expires", expires.to_string());
    m.push_header("Content-Length", "0");
    m
}

/// Whether a REGISTER removes its bindings (`Expires: 0`).
pub fn is_unregister(m: &SipMessage) -> bool {
    m.header("Expires", 0).map(str::trim) == Some("0")
}

/// Gives `m` CSeq number `cseq` (keeping its method, REGISTER when it has
/// none). `Error::MissingHdr` for a message that is not a request.
pub(crate) fn set_cseq(m: &mut SipMessage, cseq: u32) -> Result<()> {
    if !m.is_request() {
        return Err(Error::MissingHdr);
    }
    let method = m
        .cseq()
        .map(|(_, method)| method.to_string())
        .unwrap_or_else(|| "REGISTER".to_string());
    m.set_cseq(cseq, &method);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> Binding {
        Binding::new(
            "<sip:127.0.0.1:5070>",
            "sip:alice@example.com",
            "\"Alice\" <sip:alice@example.com>",
            vec!["sip:alice@127.0.0.1:5099".into()],
            300,
        )
        .unwrap()
    }

    #[test]
    fn register_and_unregister_carry_the_binding() {
        let b = binding();
        assert_eq!(b.registrar, "sip:127.0.0.1:5070");
        assert_eq!(b.dest, "127.0.0.1:5070".parse().unwrap());
        let id = Identity {
            call_id: "c1@x".into(),
            from_tag: "t1".into(),
        };
        let local = "127.0.0.1:6000".parse().unwrap();
        let m = build_register(&b, &id, local, 7, false);
        assert_eq!(m.method(), Some("REGISTER"));
        assert_eq!(m.request_uri(), Some("sip:127.0.0.1:5070"));
        assert_eq!(m.header("From", 0), Some("<sip:alice@example.com>;tag=t1"));
        assert_eq!(m.header("To", 0), Some("\"Alice\" <sip:alice@example.com>"));
        assert_eq!(m.header("Contact", 0), Some("<sip:alice@127.0.0.1:5099>"));
        assert_eq!(m.cseq(), Some((7, "REGISTER")));
        assert_eq!(m.header("Via", 0), Some("SIP/2.0/UDP 127.0.0.1:6000;rport"));
        assert!(!is_unregister(&m));
        let u = build_register(&b, &id, local, 8, true);
        assert!(is_unregister(&u));
        assert_eq!(u.header("Call-ID", 0), Some("c1@x"));
        m.check_mandatory().unwrap();
    }

    #[test]
    fn cseq_is_rewritten_in_place() {
        let b = binding();
        let mut m = build_register(&b, &Identity::random(), b.dest, 1, false);
        set_cseq(&mut m, 42).unwrap();
        assert_eq!(m.cseq(), Some((42, "REGISTER")));
        assert_eq!(m.headers_named("CSeq").count(), 1);
    }

    #[test]
    fn a_registrar_that_is_not_a_sip_uri_is_refused() {
        assert_eq!(
            Binding::new("http://x", "a", "b", vec![], 1),
            Err(Error::InvalidArg)
        );
    }
}
