//! Fixtures of the client tests that drive the core directly (no C): a
//! session holding some credentials, and a REGISTER as a UA would send it.
//! Included with `#[path]` only where used.

use pjsip_auth_shim::auth::credential::Credential;
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::sip::SipMessage;

/// A client session with `creds` and nothing else.
pub fn session(creds: Vec<Credential>) -> ClientSession {
    ClientSession::with_credentials(creds)
}

/// A REGISTER from alice to sip:example.com with the given Via value and
/// Call-ID (CSeq 1).
pub fn register(via: &str, call_id: &str) -> SipMessage {
    let mut m = SipMessage::request("REGISTER", "sip:example.com");
    m.push_header("Via", via);
    m.push_header("From", "<sip:alice@example.com>;tag=1");
    m.push_header("To", "<sip:alice@example.com>");
    m.push_header("Call-ID", call_id);
    m.push_header("CSeq", "1 REGISTER");
    m
}
