//! Our own `SipMessage` behind the client's message seam (`auth::view`).

use super::view::{AuthKind, AuthRequest, RequestView, ResponseView};
use crate::sip::{names_equal, SipMessage};
use crate::status::Result;

impl ResponseView for SipMessage {
    fn status(&self) -> Option<u16> {
        self.status_code()
    }

    fn challenges(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]> {
        self.headers_named(kind.challenge_header())
            .map(str::as_bytes)
    }
}

impl RequestView for SipMessage {
    fn method(&self) -> Option<&[u8]> {
        SipMessage::method(self).map(str::as_bytes)
    }

    fn request_uri(&self) -> Option<&[u8]> {
        SipMessage::request_uri(self).map(str::as_bytes)
    }

    fn body(&self) -> &[u8] {
        SipMessage::body(self)
    }

    fn authorizations(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]> {
        self.headers_named(kind.authorization_header())
            .map(str::as_bytes)
    }
}

impl AuthRequest for SipMessage {
    fn remove_authorizations(&mut self, kind: AuthKind, positions: &[u32]) {
        if positions.is_empty() {
            return;
        }
        let name = kind.authorization_header();
        let mut seen = 0u32;
        let mut next = positions.iter().copied().peekable();
        self.headers.retain(|h| {
            if !names_equal(&h.name, name) {
                return true;
            }
            let i = seen;
            seen += 1;
            if next.peek() == Some(&i) {
                next.next();
                false
            } else {
                true
            }
        });
    }

    fn add_authorization(&mut self, kind: AuthKind, value: &str) -> Result<()> {
        self.push_header(kind.authorization_header(), value);
        Ok(())
    }

    fn prepare_retry(&mut self) {
        self.clear_top_via_branch();
    }
}
