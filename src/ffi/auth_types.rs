//! The plain data types of PJSIP 2.17's `sip_auth.h` (client side).
//!
//! Enum-typed fields are plain integers on the Rust side: a C caller may store
//! any value there, and reading an out-of-range value into a Rust enum would be
//! undefined behaviour. The C enums themselves are written in cbindgen.toml.

use super::types::{pj_bool_t, pj_status_t, pj_str_t};
use std::os::raw::{c_char, c_int, c_uint, c_void};

/// `pjsip_auth_algorithm_type` (a C enum, 4 bytes on every target we support).
pub type pjsip_auth_algorithm_type = c_int;
/// `pjsip_cred_data_type` (a C enum).
pub type pjsip_cred_data_type = c_int;
/// `pjsip_auth_qop_type` (a C enum).
pub type pjsip_auth_qop_type = c_int;

/// Description of a digest algorithm, as returned by
/// pjsip_auth_get_algorithm_by_type() and pjsip_auth_get_algorithm_by_iana_name().
/// The library owns these; they live for the whole process.
#[repr(C)]
pub struct pjsip_auth_algorithm {
    /// The algorithm type.
    pub algorithm_type: pjsip_auth_algorithm_type,
    /// Name used in the `algorithm` parameter (for example "SHA-256").
    pub iana_name: pj_str_t,
    /// The OpenSSL digest name (for example "SHA256"), NUL-terminated.
    pub openssl_name: *const c_char,
    /// Digest length in bytes.
    pub digest_length: c_uint,
    /// Digest length in hex characters.
    pub digest_str_length: c_uint,
}

/// Opaque PJSIP type referenced by pjsip_cred_cb; never dereferenced here.
pub struct pjsip_digest_challenge {
    _private: (),
}

/// Opaque PJSIP type referenced by pjsip_cred_cb; never dereferenced here.
pub struct pjsip_digest_credential {
    _private: (),
}

/// AKA callback of PJSIP (kept for layout compatibility; AKA is not supported,
/// so it is never called).
pub type pjsip_cred_cb = Option<
    unsafe extern "C" fn(
        pool: *mut c_void,
        chal: *const pjsip_digest_challenge,
        cred: *const pjsip_cred_info,
        method: *const pj_str_t,
        auth: *mut pjsip_digest_credential,
    ) -> pj_status_t,
>;

/// AKA parameters of a credential (layout compatibility only; not supported).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct pjsip_cred_info_aka {
    /// Permanent subscriber key.
    pub k: pj_str_t,
    /// Operator variant key.
    pub op: pj_str_t,
    /// Authentication management field.
    pub amf: pj_str_t,
    /// Callback to create the AKA digest.
    pub cb: pjsip_cred_cb,
}

/// Extended credential data (a union in PJSIP with `aka` as its only member).
#[repr(C)]
#[derive(Clone, Copy)]
pub union pjsip_cred_info_ext {
    /// AKA data.
    pub aka: pjsip_cred_info_aka,
}

/// A credential: which realm and user it is for, and the secret.
///
/// The library copies every string it is given (pjsip_auth_clt_set_credentials),
/// so the caller's buffers need only live for the call.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct pjsip_cred_info {
    /// Realm, or "*" for any realm (an exact realm match wins over "*").
    pub realm: pj_str_t,
    /// Scheme: "digest" (case-insensitive).
    pub scheme: pj_str_t,
    /// User name.
    pub username: pj_str_t,
    /// A pjsip_cred_data_type value.
    pub data_type: c_int,
    /// The password, or the HA1 in hex for PJSIP_CRED_DATA_DIGEST.
    pub data: pj_str_t,
    /// For PJSIP_CRED_DATA_DIGEST: the algorithm the HA1 was made with (NOT_SET = MD5).
    pub algorithm_type: pjsip_auth_algorithm_type,
    /// Extended data (AKA; unused).
    pub ext: pjsip_cred_info_ext,
}

/// Client authentication preferences.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct pjsip_auth_clt_pref {
    /// Send an empty Authorization with the first request (pjsip_auth_clt_init_req).
    pub initial_auth: pj_bool_t,
    /// Algorithm for that initial Authorization (for example "MD5"); may be empty.
    pub algorithm: pj_str_t,
}

/// A client authentication session. Embed it by value (on the stack or in your
/// own struct); set it up with pjsip_auth_clt_init() and free what is behind it
/// with pjsip_auth_clt_deinit().
///
/// Its fields are private to the library: it holds a handle into the library's
/// session table, never a pointer, so a session that was never initialised or was
/// already de-initialised is reported as PJ_EINVAL rather than dereferenced.
#[repr(C)]
pub struct pjsip_auth_clt_sess {
    /// Private: session handle (0 when not initialised).
    pub _handle: u64,
    /// Private: marks an initialised session.
    pub _magic: u64,
    /// Private: reserved.
    pub _reserved: [u64; 6],
}

/// Function type of the challenge callback (written by hand in the header).
pub type pjsip_auth_clt_async_on_challenge = unsafe extern "C" fn(
    sess: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
    param: *const pjsip_auth_clt_async_on_chal_param,
) -> pj_bool_t;

/// Parameter of the challenge callback.
#[repr(C)]
pub struct pjsip_auth_clt_async_on_chal_param {
    /// The challenged request. Valid during the callback; to keep it, take a
    /// reference with pjsip_tx_data_add_ref().
    pub tdata: *mut crate::ffi::msg::pjsip_tx_data,
    /// The 401/407 response. Valid during the callback only; keep a copy with
    /// pjsip_rx_data_clone().
    pub rdata: *const crate::ffi::msg::pjsip_rx_data,
    /// The user_data of the pjsip_auth_clt_async_setting.
    pub user_data: *mut c_void,
}

/// Asynchronous settings (written by hand in the header).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct pjsip_auth_clt_async_setting {
    /// Challenge callback; NULL is rejected by pjsip_auth_clt_async_configure().
    pub cb: Option<pjsip_auth_clt_async_on_challenge>,
    /// Handed back to the callback.
    pub user_data: *mut c_void,
}

/// Function type of a token owner's send implementation (written by hand in the header).
pub type pjsip_auth_clt_async_impl_send = unsafe extern "C" fn(
    sess: *mut pjsip_auth_clt_sess,
    user_data: *mut c_void,
    new_request: *mut crate::ffi::msg::pjsip_tx_data,
) -> pj_status_t;

/// Function type of a token owner's abandon implementation (written by hand in the header).
pub type pjsip_auth_clt_async_impl_abandon =
    unsafe extern "C" fn(sess: *mut pjsip_auth_clt_sess, user_data: *mut c_void);

/// What a transaction owner hands to pjsip_auth_clt_async_impl_on_challenge()
/// (written by hand in the header).
#[repr(C)]
pub struct pjsip_auth_clt_async_impl_token {
    /// Passed to send_impl and abandon_impl.
    pub user_data: *mut c_void,
    /// Sends the new request.
    pub send_impl: Option<pjsip_auth_clt_async_impl_send>,
    /// Cleanup on abandon or revocation; may be NULL.
    pub abandon_impl: Option<pjsip_auth_clt_async_impl_abandon>,
    /// The group lock whose reference the token holds.
    pub grp_lock: *mut crate::ffi::grp_lock::pj_grp_lock_t,
    /// "AUTH" while pending, zeroes after.
    pub signature: [u8; 4],
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    // The same numbers are asserted from C in c-tests/layout.c.
    #[test]
    fn layouts_match_lp64_pjsip() {
        assert_eq!(size_of::<pj_str_t>(), 16);
        assert_eq!(size_of::<pjsip_cred_info>(), 136);
        assert_eq!(offset_of!(pjsip_cred_info, data_type), 48);
        assert_eq!(offset_of!(pjsip_cred_info, algorithm_type), 72);
        assert_eq!(offset_of!(pjsip_cred_info, ext), 80);
        assert_eq!(size_of::<pjsip_auth_clt_pref>(), 24);
        assert_eq!(size_of::<pjsip_auth_algorithm>(), 40);
        assert_eq!(size_of::<pjsip_auth_clt_async_setting>(), 16);
        assert_eq!(size_of::<pjsip_auth_clt_async_impl_token>(), 40);
        assert_eq!(offset_of!(pjsip_auth_clt_async_impl_token, signature), 32);
        assert_eq!(size_of::<pjsip_auth_clt_sess>(), 64);
    }
}
