//! The parser: bytes to [`SipMessage`].
//!
//! One pass over at most [`MAX_MSG_SIZE`] bytes, no recursion, no panics:
//! every index is checked and every failure is an `Error`.

use super::headers::{is_token, is_token_char, is_ws, names_equal};
use super::message::{parse_cseq, Header, SipMessage, StartLine};
use super::MAX_MSG_SIZE;
use crate::status::{Error, Result};

/// See [`SipMessage::parse`] and the module documentation of `sip`.
pub(crate) fn parse(buf: &[u8]) -> Result<SipMessage> {
    if buf.len() > MAX_MSG_SIZE {
        return Err(Error::MsgTooLong);
    }
    let mut lines = Lines { buf, pos: 0 };

    // RFC 3261 7.5: empty lines before the start line are ignored.
    let start = loop {
        match lines.next() {
            None => return Err(Error::InvalidMsg),
            Some([]) => continue,
            Some(l) => break parse_start_line(l)?,
        }
    };

    let mut headers: Vec<Header> = Vec::new();
    for line in lines.by_ref() {
        if line.is_empty() {
            break; // end of headers; the body follows
        }
        if is_ws(line[0]) {
            // A folded continuation of the previous header.
            let last = headers.last_mut().ok_or(Error::InvalidHdr)?;
            let more = header_text(trim(line))?;
            if !more.is_empty() {
                if !last.value.is_empty() {
                    last.value.push(' ');
                }
                last.value.push_str(more);
            }
            continue;
        }
        headers.push(parse_header_line(line)?);
    }
    let rest = &buf[lines.pos..];

    // Content-Length: every one must be a number; the first one counts.
    let mut length = None;
    for h in headers
        .iter()
        .filter(|h| names_equal(&h.name, "Content-Length"))
    {
        let n = parse_length(&h.value)?;
        length.get_or_insert(n);
    }
    for h in headers.iter().filter(|h| names_equal(&h.name, "CSeq")) {
        parse_cseq(&h.value)?;
    }
    let body = match length {
        None => rest,
        Some(n) if n <= rest.len() => &rest[..n],
        Some(_) => return Err(Error::InvalidMsg),
    };

    Ok(SipMessage {
        start,
        headers,
        body: body.to_vec(),
    })
}

/// Splits at LF, dropping one CR before it. The last line may lack its LF.
struct Lines<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.buf.get(self.pos..).filter(|r| !r.is_empty())?;
        let (line, used) = match rest.iter().position(|&c| c == b'\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += used;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

fn trim(s: &[u8]) -> &[u8] {
    super::params::trim_by(s, is_ws)
}

/// Text without control characters (HT allowed) and valid UTF-8, or `err`.
fn text(s: &[u8], err: Error) -> Result<&str> {
    if s.iter().any(|&c| (c < 0x20 && c != b'\t') || c == 0x7f) {
        return Err(err);
    }
    std::str::from_utf8(s).map_err(|_| err)
}

fn header_text(s: &[u8]) -> Result<&str> {
    text(s, Error::InvalidHdr)
}

fn parse_start_line(line: &[u8]) -> Result<StartLine> {
    let line = text(line, Error::InvalidMsg)?;
    let is_version = |v: &str| v.eq_ignore_ascii_case("SIP/2.0");
    let first = line.split([' ', '\t']).next().unwrap_or("");

    if first.len() >= 4 && first.as_bytes()[..4].eq_ignore_ascii_case(b"SIP/") {
        // Status line: SIP/2.0 SP 3DIGIT [SP reason]
        if !is_version(first) {
            return Err(Error::InvalidMsg);
        }
        let rest = line[first.len()..].trim_start_matches([' ', '\t']);
        let digits = rest.as_bytes();
        if digits.len() < 3 || !digits[..3].iter().all(u8::is_ascii_digit) {
            return Err(Error::InvalidMsg);
        }
        if digits.len() > 3 && !is_ws(digits[3]) {
            return Err(Error::InvalidMsg);
        }
        let code: u16 = rest[..3].parse().map_err(|_| Error::InvalidMsg)?;
        if !(100..=699).contains(&code) {
            return Err(Error::InvalidMsg);
        }
        return Ok(StartLine::Response {
            version: first.to_string(),
            code,
            reason: rest[3..].trim_matches([' ', '\t']).to_string(),
        });
    }

    // Request line: Method SP Request-URI SP SIP/2.0
    let mut words = line.split([' ', '\t']).filter(|w| !w.is_empty());
    let (Some(method), Some(uri), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(Error::InvalidMsg);
    };
    if !is_token(method) || !is_version(version) {
        return Err(Error::InvalidMsg);
    }
    Ok(StartLine::Request {
        method: method.to_string(),
        uri: uri.to_string(),
        version: version.to_string(),
    })
}

fn parse_header_line(line: &[u8]) -> Result<Header> {
    let colon = line
        .iter()
        .position(|&c| c == b':')
        .ok_or(Error::InvalidHdr)?;
    let name = trim(&line[..colon]);
    if name.is_empty() || !name.iter().all(|&c| is_token_char(c)) {
        return Err(Error::InvalidHdr);
    }
    let value = header_text(trim(&line[colon + 1..]))?;
    Ok(Header {
        // Token characters are ASCII.
        name: String::from_utf8_lossy(name).into_owned(),
        value: value.to_string(),
    })
}

fn parse_length(value: &str) -> Result<usize> {
    if value.is_empty() || !value.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Error::InvalidHdr);
    }
    value.parse().map_err(|_| Error::InvalidHdr)
}
