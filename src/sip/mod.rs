//! The SIP message model: parse, look up and edit headers, print.
//!
//! Safe Rust, no C types; `ffi::msg` wraps it as `pjsip_tx_data` and
//! `pjsip_rx_data`. The model is deliberately flat: a start line, an ordered
//! list of `Name: value` headers (names kept as received), and body bytes.
//! Header values are not split on commas (Authorization and WWW-Authenticate
//! carry commas); the auth code parses the values it needs.
//!
//! What [`SipMessage::parse`] accepts, and promises:
//! - CRLF or bare LF line ends; empty lines before the start line are skipped.
//! - Request line: exactly three words, a token method and `SIP/2.0`; status
//!   line: `SIP/2.0`, three digits 100-699, an optional reason. Otherwise
//!   `Error::InvalidMsg`.
//! - Header lines `name [WS] : [WS] value`; lines starting with SP/HT continue
//!   the previous header (joined with one space). No colon, an empty name, a
//!   name that is not a token, a control character in a value, non-UTF-8
//!   text, a non-numeric Content-Length or a malformed CSeq: `Error::InvalidHdr`.
//! - The body is exactly Content-Length bytes (the first one, when several);
//!   without one, the rest of the buffer; a length beyond the buffer is
//!   `Error::InvalidMsg`. Bytes after the body are ignored.
//! - More than [`MAX_MSG_SIZE`] bytes: `Error::MsgTooLong`. It never panics,
//!   and its memory use is bounded by a small multiple of the input.
//!
//! Required headers (Via, From, To, Call-ID, CSeq) are checked separately by
//! [`SipMessage::check_mandatory`], as received messages need them and
//! messages being built do not.

// Without std only the parameter lexer stays: the digest parsers use it.
#[cfg(feature = "std")]
mod headers;
#[cfg(feature = "std")]
mod message;
pub mod params;
#[cfg(feature = "std")]
mod parse;
#[cfg(feature = "std")]
mod print;
#[cfg(feature = "std")]
mod random;
#[cfg(feature = "std")]
mod reason;

#[cfg(feature = "std")]
pub use headers::{full_name, names_equal};
#[cfg(feature = "std")]
pub use message::{Header, SipMessage, StartLine};
#[cfg(feature = "std")]
pub use random::{random_hex, random_u64};
#[cfg(feature = "std")]
pub use reason::reason_phrase;

/// The largest message accepted by the parser, in bytes.
///
/// cbindgen:ignore
pub const MAX_MSG_SIZE: usize = 64 * 1024;
