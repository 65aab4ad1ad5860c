//! The message type and its accessors and edits.

use super::headers::{is_token, names_equal};
use super::params::{param_value, params, split_element, Param};
use super::random::random_hex;
use super::reason::reason_phrase;
use crate::status::{Error, Result};

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `METHOD Request-URI SIP/2.0`
    Request {
        /// Method, as received (`REGISTER`).
        method: String,
        /// Request-URI, as received.
        uri: String,
        /// Version, as received (`SIP/2.0`, any case).
        version: String,
    },
    /// `SIP/2.0 code reason`
    Response {
        /// Version, as received.
        version: String,
        /// Status code, 100 to 699.
        code: u16,
        /// Reason phrase (may be empty).
        reason: String,
    },
}

/// One header line: the name as received (`v`, `VIA`, `Via`...) and the value
/// with surrounding whitespace removed and folded lines joined by one space.
/// One line with several comma-separated values stays one `Header`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Name as received.
    pub name: String,
    /// Value, trimmed, unfolded.
    pub value: String,
}

impl Header {
    /// A header from a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A SIP request or response.
///
/// Headers keep their order and their names as received. Edits keep the
/// message printable, provided names are tokens and values contain no CR or
/// LF (the printer turns stray CR/LF into spaces rather than emit a broken
/// message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipMessage {
    /// Request or status line.
    pub start: StartLine,
    /// Headers in order.
    pub headers: Vec<Header>,
    /// Body bytes (exactly Content-Length of them when parsed).
    pub body: Vec<u8>,
}

/// Headers a received message must have (RFC 3261 section 8.1.1).
const MANDATORY: [&str; 5] = ["Via", "From", "To", "Call-ID", "CSeq"];

impl SipMessage {
    /// A request with no headers and no body, version `SIP/2.0`.
    pub fn request(method: impl Into<String>, uri: impl Into<String>) -> SipMessage {
        SipMessage {
            start: StartLine::Request {
                method: method.into(),
                uri: uri.into(),
                version: "SIP/2.0".into(),
            },
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Parses a message (request or response); see the module documentation
    /// for what is accepted. Never panics.
    pub fn parse(buf: &[u8]) -> Result<SipMessage> {
        super::parse::parse(buf)
    }

    /// `Error::MissingHdr` unless Via, From, To, Call-ID and CSeq are all
    /// present (compact forms count).
    pub fn check_mandatory(&self) -> Result<()> {
        if MANDATORY.iter().all(|n| self.header(n, 0).is_some()) {
            Ok(())
        } else {
            Err(Error::MissingHdr)
        }
    }

    /// Whether this is a request.
    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    /// The request method, or `None` for a response.
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// The Request-URI, or `None` for a response.
    pub fn request_uri(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { uri, .. } => Some(uri),
            StartLine::Response { .. } => None,
        }
    }

    /// The status code, or `None` for a request.
    pub fn status_code(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { code, .. } => Some(*code),
            StartLine::Request { .. } => None,
        }
    }

    /// The reason phrase, or `None` for a request.
    pub fn reason(&self) -> Option<&str> {
        match &self.start {
            StartLine::Response { reason, .. } => Some(reason),
            StartLine::Request { .. } => None,
        }
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Position in `headers` of the `index`-th (from 0) header called `name`
    /// (case-insensitive; compact forms match full ones).
    pub fn header_position(&self, name: &str, index: usize) -> Option<usize> {
        self.headers
            .iter()
            .enumerate()
            .filter(|(_, h)| names_equal(&h.name, name))
            .nth(index)
            .map(|(i, _)| i)
    }

    /// The value of the `index`-th (from 0) header called `name`
    /// (case-insensitive; compact forms match full ones).
    pub fn header(&self, name: &str, index: usize) -> Option<&str> {
        self.header_position(name, index)
            .map(|i| self.headers[i].value.as_str())
    }

    /// The values of every header called `name`, in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |h| names_equal(&h.name, name))
            .map(|h| h.value.as_str())
    }

    /// Removes every header called `name`; returns how many went.
    pub fn remove_headers(&mut self, name: &str) -> usize {
        let before = self.headers.len();
        self.headers.retain(|h| !names_equal(&h.name, name));
        before - self.headers.len()
    }

    /// Adds a header: just before the first Content-Length header if there is
    /// one (so the length stays last, where PJSIP prints it), else at the end.
    pub fn push_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let h = Header::new(name, value);
        match self.header_position("Content-Length", 0) {
            Some(i) => self.headers.insert(i, h),
            None => self.headers.push(h),
        }
    }

    /// Replaces the first header called `name` (name and value, keeping its
    /// position), or adds one with [`push_header`](Self::push_header).
    /// Later headers of that name are left alone.
    pub fn set_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        match self.header_position(&name, 0) {
            Some(i) => self.headers[i] = Header::new(name, value),
            None => self.push_header(name, value),
        }
    }

    /// CSeq number and method, if the first CSeq header is well formed.
    pub fn cseq(&self) -> Option<(u32, &str)> {
        parse_cseq(self.header("CSeq", 0)?).ok()
    }

    /// Sets the CSeq header to `number method`.
    pub fn set_cseq(&mut self, number: u32, method: &str) {
        self.set_header("CSeq", format!("{number} {method}"));
    }

    /// The `branch` parameter of the topmost Via (the first element of the
    /// first Via header), if it has one.
    pub fn top_via_branch(&self) -> Option<&str> {
        param_value(self.header("Via", 0)?, "branch")
    }

    /// Removes the `branch` parameter of the topmost Via, so that a fresh one
    /// is generated when the message is next sent (PJSIP's reinit_req does
    /// this). Returns whether there was one.
    pub fn clear_top_via_branch(&mut self) -> bool {
        let Some(i) = self.header_position("Via", 0) else {
            return false;
        };
        let value = &self.headers[i].value;
        let (first, _) = split_element(value);
        let Some(p) = params(first).find(|p| p.is(first, "branch")) else {
            return false;
        };
        let mut new = String::with_capacity(value.len());
        new.push_str(value[..p.span.start].trim_end_matches([' ', '\t']));
        let rest = &value[p.span.end..];
        if !rest.is_empty() && !rest.starts_with([';', ',']) {
            new.push(' ');
        }
        new.push_str(rest);
        self.headers[i].value = new.trim_end_matches([' ', '\t']).to_string();
        true
    }

    /// Sets the `branch` parameter of the topmost Via (replacing an existing
    /// one). `Error::MissingHdr` if there is no Via.
    pub fn set_top_via_branch(&mut self, branch: &str) -> Result<()> {
        let i = self.header_position("Via", 0).ok_or(Error::MissingHdr)?;
        let value = &self.headers[i].value;
        let (first, _) = split_element(value);
        let existing = params(first).find(|p| p.is(first, "branch"));
        let end = first.len();
        let new = match existing {
            Some(Param { value: Some(r), .. }) => {
                format!("{}{}{}", &value[..r.start], branch, &value[r.end..])
            }
            Some(p) => format!(
                "{}={}{}",
                &value[..p.name.end],
                branch,
                &value[p.name.end..]
            ),
            None => {
                let head = value[..end].trim_end_matches([' ', '\t']);
                format!("{head};branch={branch}{}", &value[head.len()..])
            }
        };
        self.headers[i].value = new;
        Ok(())
    }

    /// Gives the topmost Via a fresh random branch (`z9hG4bK` and 128 random
    /// bits in hex) if it has none or an empty one. Returns whether it did.
    /// Does nothing without a Via.
    pub fn ensure_top_via_branch(&mut self) -> bool {
        if self.header("Via", 0).is_none() || self.top_via_branch().is_some_and(|b| !b.is_empty()) {
            return false;
        }
        let branch = format!("z9hG4bK{}", random_hex(2));
        self.set_top_via_branch(&branch).is_ok()
    }

    /// A response to `request`: the Via headers, From, To (with a random tag
    /// added when it has none), Call-ID and CSeq copied, `Content-Length: 0`.
    /// `reason` `None` means the standard phrase for `code`.
    ///
    /// Errors: `NotRequestMsg` if `request` is a response; `InvalidArg` for a
    /// code outside 100-699 or a reason with control characters.
    pub fn response_to(
        request: &SipMessage,
        code: u16,
        reason: Option<&str>,
    ) -> Result<SipMessage> {
        if !request.is_request() {
            return Err(Error::NotRequestMsg);
        }
        if !(100..=699).contains(&code) {
            return Err(Error::InvalidArg);
        }
        let reason = reason.unwrap_or_else(|| reason_phrase(code));
        if reason.bytes().any(|c| c.is_ascii_control() && c != b'\t') {
            return Err(Error::InvalidArg);
        }
        let mut headers = Vec::new();
        for h in &request.headers {
            let full = super::headers::full_name(&h.name);
            let copy = ["Via", "From", "To", "Call-ID", "CSeq"]
                .iter()
                .any(|n| full.eq_ignore_ascii_case(n));
            if !copy {
                continue;
            }
            let mut h = h.clone();
            if full.eq_ignore_ascii_case("To") && param_value(&h.value, "tag").is_none() {
                h.value = format!("{};tag={}", h.value, random_hex(1));
            }
            headers.push(h);
        }
        headers.push(Header::new("Content-Length", "0"));
        let version = match &request.start {
            StartLine::Request { version, .. } => version.clone(),
            StartLine::Response { .. } => unreachable!("checked above"),
        };
        Ok(SipMessage {
            start: StartLine::Response {
                version,
                code,
                reason: reason.to_string(),
            },
            headers,
            body: Vec::new(),
        })
    }

    /// The wire form; see [`print`](Self::print).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.print(&mut out);
        out
    }
}

/// Parses a CSeq value `number method`; `InvalidHdr` when malformed.
pub(crate) fn parse_cseq(value: &str) -> Result<(u32, &str)> {
    let mut words = value.split([' ', '\t']).filter(|w| !w.is_empty());
    let (Some(num), Some(method), None) = (words.next(), words.next(), words.next()) else {
        return Err(Error::InvalidHdr);
    };
    if !num.bytes().all(|c| c.is_ascii_digit()) || !is_token(method) {
        return Err(Error::InvalidHdr);
    }
    let n = num.parse::<u32>().map_err(|_| Error::InvalidHdr)?;
    Ok((n, method))
}
