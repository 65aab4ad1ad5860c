//! Digest authentication, pure and safe: algorithms, the response formulas,
//! parsing challenges and Authorization values, writing Authorization values,
//! and client nonces. Nothing here knows about C.
//!
//! The client's path: `parse_challenges` on each WWW-/Proxy-Authenticate
//! value, `Challenge::to_digest` on the Digest ones, then `authorize` with
//! the credential (`Answer`) to append the Authorization value. The
//! response computation itself (`compute`) never allocates.

pub mod algorithm;
pub mod authorization;
pub mod challenge;
pub mod cnonce;
pub mod compute;
pub(crate) mod engine;
pub mod hex;
mod memo;

pub use algorithm::{Algorithm, Hasher};
pub use authorization::{
    authorize, authorize_with_ha2, compute_response, parse_authorization, write_authorization,
    Answer, AuthorizationFields, DigestCredentials, Secret,
};
pub use challenge::{parse_challenges, Challenge, DigestChallenge, Param, ParseError};
pub use cnonce::new_cnonce;
pub use compute::{format_nc, ha1, ha1_from_hex, ha2, response, userhash, Qop, QopParams};
pub use hex::Hex;
