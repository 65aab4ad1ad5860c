//! The printer: [`SipMessage`] to wire bytes.

use super::headers::names_equal;
use super::message::{SipMessage, StartLine};

impl SipMessage {
    /// Appends the wire form to `out`: the start line, each header as
    /// `Name: value` in order, then the blank line and the body, with CRLF
    /// line ends.
    ///
    /// Content-Length is always the body's length: the first Content-Length
    /// header is printed in its place with that value, later ones are dropped,
    /// and one is added at the end when there is none. A CR or LF inside a
    /// name, value or start-line part (which the parser never produces) is
    /// printed as a space, so the output is always one well-formed message.
    pub fn print(&self, out: &mut Vec<u8>) {
        out.reserve(self.estimated_len());
        match &self.start {
            StartLine::Request {
                method,
                uri,
                version,
            } => {
                put(out, method);
                out.push(b' ');
                put(out, uri);
                out.push(b' ');
                put(out, version);
            }
            StartLine::Response {
                version,
                code,
                reason,
            } => {
                put(out, version);
                out.extend_from_slice(format!(" {code:03} ").as_bytes());
                put(out, reason);
            }
        }
        out.extend_from_slice(b"\r\n");

        let length = self.body.len().to_string();
        let mut length_done = false;
        for h in &self.headers {
            let value = if names_equal(&h.name, "Content-Length") {
                if length_done {
                    continue;
                }
                length_done = true;
                length.as_str()
            } else {
                h.value.as_str()
            };
            put(out, &h.name);
            out.extend_from_slice(b": ");
            put(out, value);
            out.extend_from_slice(b"\r\n");
        }
        if !length_done {
            out.extend_from_slice(b"Content-Length: ");
            out.extend_from_slice(length.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
    }

    fn estimated_len(&self) -> usize {
        let head: usize = self
            .headers
            .iter()
            .map(|h| h.name.len() + h.value.len() + 4)
            .sum();
        64 + head + self.body.len()
    }
}

/// Appends `s`, with CR and LF replaced by spaces.
fn put(out: &mut Vec<u8>, s: &str) {
    out.extend(
        s.bytes()
            .map(|c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
    );
}
