//! PJSIP-compatible SIP client digest authentication, above all its
//! asynchronous challenge API, with single-use thread-safe tokens.
//!
//! Most users reach this crate through C: the standalone library and
//! `include/pjsip_auth_shim.h`, or the drop-in for real PJSIP (`pj/`). This
//! page is for Rust users of the safe core, which knows nothing of C.
//!
//! # The Rust API
//!
//! - [`Sessions`]: the table of client sessions and their pending tokens.
//!   [`Sessions::challenge`] turns a challenge into a [`Token`] handed to your
//!   callback; [`Sessions::claim`] ends it once (send or abandon: exactly one
//!   caller wins, every other gets [`Error::InvalidArg`]);
//!   [`Sessions::close`] revokes what is still pending. Lock-free on the hot
//!   path; any thread may call anything.
//! - [`ClientSession`], [`Credential`], [`SecretKind`], [`Prefs`]: the
//!   client state a session holds; [`auth::client`] answers a 401/407
//!   ([`auth::client::reinit`]) and adds pre-emptive authorization
//!   ([`auth::client::init`]) on a [`SipMessage`], or on any message model
//!   that implements the seam in [`auth::view`] (the drop-in uses PJSIP's).
//! - [`digest`]: the RFC 7616 / RFC 2617 formulas, challenge and
//!   Authorization parsing and writing, as pure functions.
//! - [`auth::server`]: a registrar's side (challenge, verify), for tests and
//!   embedded servers.
//! - [`status`]: the one table of status codes ([`Error`], with PJSIP's
//!   numbers), [`Result`].
//! - [`hooks`]: deterministic randomness, logging and fault injection for
//!   test harnesses.
//!
//! The modules `ffi`, `endpoint`, `regc`, `pool` and `grp_lock` are the
//! standalone mini-stack behind the C front end. They are `pub` so this
//! repository's tests, examples and benchmarks can reach them, hidden from
//! these docs, and not a stable Rust API: use them through the C header.
//!
//! # Example: a challenge answered on another thread
//!
//! A REGISTER is challenged; the token goes to a worker that gets the
//! credentials (from a vault, say), claims the token and rebuilds the
//! request. The token works once.
//!
//! ```
//! use pjsip_auth_shim::auth::client;
//! use pjsip_auth_shim::{
//!     ClientSession, Credential, Error, Outcome, SecretKind, Sessions, SipMessage,
//! };
//! use std::sync::{mpsc, Arc};
//!
//! # fn main() -> Result<(), Error> {
//! let register = SipMessage::parse(
//!     b"REGISTER sip:127.0.0.1 SIP/2.0\r\n\
//!       Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n\
//!       From: <sip:alice@shim.test>;tag=1\r\nTo: <sip:alice@shim.test>\r\n\
//!       Call-ID: doc-1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
//! )?;
//! let unauthorized = SipMessage::parse(
//!     b"SIP/2.0 401 Unauthorized\r\n\
//!       Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n\
//!       From: <sip:alice@shim.test>;tag=1\r\nTo: <sip:alice@shim.test>;tag=2\r\n\
//!       Call-ID: doc-1\r\nCSeq: 1 REGISTER\r\n\
//!       WWW-Authenticate: Digest realm=\"shim.test\", nonce=\"n1\", qop=\"auth\", \
//!       algorithm=SHA-256\r\nContent-Length: 0\r\n\r\n",
//! )?;
//!
//! // Up to 16 sessions and 64 pending tokens; the setting is `()` here, and
//! // each token carries what finishing the challenge needs.
//! let sessions = Arc::new(Sessions::<(), (SipMessage, SipMessage)>::new(16, 64));
//! let id = sessions.open(ClientSession::default(), 0)?;
//! sessions.configure(id, ())?; // async challenges on for this session
//!
//! let (to_worker, inbox) = mpsc::channel();
//! let outcome = sessions.challenge(id, (register, unauthorized), |issued| {
//!     to_worker.send(issued.token).is_ok() // true: the token is kept
//! })?;
//! assert!(matches!(outcome, Outcome::Handled));
//!
//! let table = Arc::clone(&sessions);
//! let worker = std::thread::spawn(move || -> Result<Vec<u8>, Error> {
//!     let token = inbox.recv().expect("a token");
//!     let (mut request, response) = table.claim(id, token)?; // the one use
//!     table.with_client(id, |client| {
//!         client.set_credentials(vec![Credential {
//!             realm: b"shim.test".to_vec(),
//!             scheme: b"digest".to_vec(),
//!             username: b"alice".to_vec(),
//!             data: b"secret".to_vec(),
//!             kind: SecretKind::Password,
//!         }]);
//!         client::reinit(client, &response, &mut request)
//!     })??;
//!     assert_eq!(table.claim(id, token).err(), Some(Error::InvalidArg));
//!     Ok(request.to_bytes())
//! });
//! let retry = String::from_utf8(worker.join().expect("worker")?).expect("text");
//! assert!(retry.contains("Authorization: Digest username=\"alice\", realm=\"shim.test\""));
//! assert!(retry.contains("algorithm=SHA-256"));
//! assert_eq!(sessions.live_tokens(), 0);
//! sessions.close(id)?;
//! # Ok(())
//! # }
//! ```

#![cfg_attr(all(not(feature = "std"), not(test)), no_std)]
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

extern crate alloc;
// Without std, `std::` paths in the core name core's items (mem, str, fmt,
// ops, result, error, sync::atomic, ...): the core uses nothing of std that
// core lacks, and what lives in alloc comes through `prelude`.
// (Unit tests of the no_std configuration run on the host, with std.)
#[cfg(all(not(feature = "std"), not(test)))]
extern crate core as std;

/// What std's prelude gives and a `no_std` crate must import from alloc.
mod prelude {
    #[allow(unused_imports)]
    pub(crate) use alloc::{
        borrow::{Cow, ToOwned},
        boxed::Box,
        format,
        string::{String, ToString},
        vec,
        vec::Vec,
    };
}

pub mod auth;
pub mod digest;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod endpoint;
#[cfg(feature = "standalone")]
#[doc(hidden)]
pub mod ffi;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod grp_lock;
mod handle;
pub mod hooks;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod pool;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod regc;
pub mod sip;
pub mod status;
mod sync;
pub mod token;

pub use auth::async_challenge::Outcome;
pub use auth::credential::{Credential, Prefs, SecretKind};
pub use auth::session::ClientSession;
pub use auth::sessions::{Issued, SessionId, Sessions};
#[cfg(feature = "std")]
pub use sip::SipMessage;
pub use status::{Error, Result};
pub use token::Token;
