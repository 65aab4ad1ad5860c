//! The Rust half of `glue/pjshim_glue.h`: its plain types, and the C
//! functions through which this side reads and edits PJSIP's structs.
//!
//! PJSIP objects are opaque here (`*const c_void`): their layouts come from
//! the user's headers, and only the C glue knows them. Keep this file in step
//! with the header; `pjshim_pj_selfcheck` compares the struct sizes with the
//! C compiler's.

use std::marker::PhantomData;
use std::os::raw::{c_int, c_void};

/// `pjshim_bytes`: a borrowed byte string (`ptr` NULL only with `len` 0).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Bytes<'a> {
    ptr: *const u8,
    len: usize,
    _life: PhantomData<&'a [u8]>,
}

impl<'a> Bytes<'a> {
    pub(crate) const EMPTY: Bytes<'static> = Bytes {
        ptr: std::ptr::null(),
        len: 0,
        _life: PhantomData,
    };

    pub(crate) fn new(s: &'a [u8]) -> Bytes<'a> {
        Bytes {
            ptr: s.as_ptr(),
            len: s.len(),
            _life: PhantomData,
        }
    }

    /// The bytes.
    ///
    /// Every `Bytes` comes from `new` (a live slice) or from the C glue,
    /// which builds them from a `pj_str_t` it checked (non-negative length,
    /// non-NULL pointer when the length is not 0) in memory that outlives
    /// the call the view was made for (`'a`).
    pub(crate) fn as_slice(&self) -> &'a [u8] {
        if self.len == 0 || self.ptr.is_null() {
            return &[];
        }
        // SAFETY: see above: ptr/len describe readable memory alive for 'a.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// `pjshim_cred`: a `pjsip_cred_info`'s contents.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Cred<'a> {
    pub realm: Bytes<'a>,
    pub scheme: Bytes<'a>,
    pub username: Bytes<'a>,
    pub data: Bytes<'a>,
    pub data_type: c_int,
    pub algorithm_type: c_int,
    pub aka_k: Bytes<'a>,
    pub aka_op: Bytes<'a>,
    pub aka_amf: Bytes<'a>,
}

impl Cred<'_> {
    pub(crate) const EMPTY: Cred<'static> = Cred {
        realm: Bytes::EMPTY,
        scheme: Bytes::EMPTY,
        username: Bytes::EMPTY,
        data: Bytes::EMPTY,
        data_type: 0,
        algorithm_type: 0,
        aka_k: Bytes::EMPTY,
        aka_op: Bytes::EMPTY,
        aka_amf: Bytes::EMPTY,
    };
}

/// `pjshim_digest_in`: the inputs of `pjsip_auth_create_digest2` (NULL:
/// an absent argument).
#[repr(C)]
pub(crate) struct DigestIn<'a> {
    pub nonce: *const Bytes<'a>,
    pub nc: *const Bytes<'a>,
    pub cnonce: *const Bytes<'a>,
    pub qop: *const Bytes<'a>,
    pub uri: *const Bytes<'a>,
    pub realm: *const Bytes<'a>,
    pub method: *const Bytes<'a>,
    pub cred: Cred<'a>,
}

/// `pjshim_challenge`: one WWW-/Proxy-Authenticate header as PJSIP parsed it.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawChallenge<'a> {
    pub is_proxy: c_int,
    pub stale: c_int,
    pub scheme: Bytes<'a>,
    pub realm: Bytes<'a>,
    pub domain: Bytes<'a>,
    pub nonce: Bytes<'a>,
    pub opaque: Bytes<'a>,
    pub algorithm: Bytes<'a>,
    pub qop: Bytes<'a>,
}

/// `pjshim_authorization`: the digest fields of an Authorization header.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawAuthorization<'a> {
    pub is_proxy: c_int,
    pub scheme: Bytes<'a>,
    pub realm: Bytes<'a>,
    pub username: Bytes<'a>,
    pub nonce: Bytes<'a>,
    pub uri: Bytes<'a>,
    pub response: Bytes<'a>,
    pub algorithm: Bytes<'a>,
    pub cnonce: Bytes<'a>,
    pub opaque: Bytes<'a>,
    pub qop: Bytes<'a>,
    pub nc: Bytes<'a>,
}

impl RawAuthorization<'_> {
    pub(crate) const EMPTY: RawAuthorization<'static> = RawAuthorization {
        is_proxy: 0,
        scheme: Bytes::EMPTY,
        realm: Bytes::EMPTY,
        username: Bytes::EMPTY,
        nonce: Bytes::EMPTY,
        uri: Bytes::EMPTY,
        response: Bytes::EMPTY,
        algorithm: Bytes::EMPTY,
        cnonce: Bytes::EMPTY,
        opaque: Bytes::EMPTY,
        qop: Bytes::EMPTY,
        nc: Bytes::EMPTY,
    };
}

pub(crate) const SIZE_BYTES: c_int = 0;
pub(crate) const SIZE_CRED: c_int = 1;
pub(crate) const SIZE_DIGEST_IN: c_int = 2;
pub(crate) const SIZE_CHALLENGE: c_int = 3;
pub(crate) const SIZE_AUTHORIZATION: c_int = 4;
pub(crate) const SIZE_SESS_WORDS: c_int = 5;
pub(crate) const SIZE_CLAIMED: c_int = 6;

extern "C" {
    pub(crate) fn pjshim_glue_sizes(which: c_int) -> usize;

    pub(crate) fn pjshim_glue_cred_view(cred_info: *const c_void, out: *mut Cred<'_>);
    pub(crate) fn pjshim_glue_cred_copy(dst: *mut c_void, src: *const c_void);
    pub(crate) fn pjshim_glue_cred_store(dst: *mut c_void, cred: *const Cred<'_>);
    pub(crate) fn pjshim_glue_pref_view(
        pref: *const c_void,
        initial_auth: *mut c_int,
        algorithm: *mut Bytes<'_>,
    );
    pub(crate) fn pjshim_glue_pref_copy(dst: *mut c_void, src: *const c_void);
    pub(crate) fn pjshim_glue_pref_store(
        dst: *mut c_void,
        initial_auth: c_int,
        algorithm: *const Bytes<'_>,
    );
    pub(crate) fn pjshim_glue_pool_alloc(pool: *mut c_void, size: usize) -> *mut c_void;
    pub(crate) fn pjshim_glue_cred_at(array: *const c_void, index: c_int) -> *const c_void;
    pub(crate) fn pjshim_glue_sess_set(sess: *mut c_void, magic: u64, handle: u64);

    pub(crate) fn pjshim_glue_rx_status(rdata: *const c_void) -> c_int;
    pub(crate) fn pjshim_glue_rx_next_challenge(
        rdata: *const c_void,
        prev: *const c_void,
        out: *mut RawChallenge<'_>,
    ) -> *const c_void;
    pub(crate) fn pjshim_glue_tx_is_request(tdata: *const c_void) -> c_int;
    pub(crate) fn pjshim_glue_tx_method(tdata: *const c_void, out: *mut Bytes<'_>);
    pub(crate) fn pjshim_glue_tx_uri_print(
        tdata: *const c_void,
        buf: *mut u8,
        size: usize,
    ) -> isize;
    pub(crate) fn pjshim_glue_tx_body_print(
        tdata: *const c_void,
        buf: *mut u8,
        size: usize,
    ) -> isize;
    pub(crate) fn pjshim_glue_tx_next_authorization(
        tdata: *const c_void,
        prev: *const c_void,
        out: *mut RawAuthorization<'_>,
    ) -> *const c_void;
    pub(crate) fn pjshim_glue_tx_remove_hdr(tdata: *mut c_void, hdr: *const c_void);
    pub(crate) fn pjshim_glue_tx_add_authorization(
        tdata: *mut c_void,
        fields: *const RawAuthorization<'_>,
    ) -> c_int;
    pub(crate) fn pjshim_glue_tx_prepare_retry(tdata: *mut c_void) -> c_int;
    pub(crate) fn pjshim_glue_tx_set_auth_retry(tdata: *mut c_void, retry: c_int);
    pub(crate) fn pjshim_glue_tx_add_ref(tdata: *mut c_void);

    pub(crate) fn pjshim_glue_hdr_print_value(
        hdr: *const c_void,
        buf: *mut u8,
        size: usize,
    ) -> isize;
    pub(crate) fn pjshim_glue_challenge_print_value(
        hdr: *const c_void,
        buf: *mut u8,
        size: usize,
    ) -> isize;
    pub(crate) fn pjshim_glue_tx_has_via(tdata: *const c_void) -> c_int;
    pub(crate) fn pjshim_glue_tx_new_authorization(
        tdata: *mut c_void,
        fields: *const RawAuthorization<'_>,
    ) -> *mut c_void;
    pub(crate) fn pjshim_glue_tx_add_hdr(tdata: *mut c_void, hdr: *mut c_void);
    pub(crate) fn pjshim_glue_preemptive_auth() -> c_int;

    pub(crate) fn pjshim_glue_async_setting_view(
        opt: *const c_void,
        cb: *mut Option<CFn>,
        user_data: *mut *mut c_void,
    );
    pub(crate) fn pjshim_glue_call_on_challenge(
        cb: CFn,
        sess: *mut c_void,
        token: *mut c_void,
        param: *const c_void,
        user_data: *mut c_void,
    ) -> c_int;
    pub(crate) fn pjshim_glue_impl_token_sign(impl_token: *mut c_void, pending: c_int);
    pub(crate) fn pjshim_glue_grp_lock_dec_ref(grp_lock: *mut c_void);
}

/// `pjshim_sess_words`: what a `pjsip_auth_clt_sess` holds at its start
/// (our magic and handle; the glue asserts the struct is big enough).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct SessWords {
    pub(crate) magic: u64,
    pub(crate) handle: u64,
}

/// `pjshim_claimed`: a token claimed for the glue to finish (signature,
/// impl function, group-lock reference).
#[repr(C)]
pub(crate) struct Claimed {
    pub(crate) send_impl: Option<CFn>,
    pub(crate) abandon_impl: Option<CFn>,
    pub(crate) user_data: *mut c_void,
    pub(crate) grp_lock: *mut c_void,
    pub(crate) impl_token: *mut c_void,
    pub(crate) sess: *mut c_void,
}

/// `pjshim_fn`: a C function pointer of a type only the glue knows (it
/// casts back before calling).
pub(crate) type CFn = unsafe extern "C" fn();

/// True when every struct above has the size the C compiler gives its
/// counterpart in `pjshim_glue.h`.
pub(crate) fn layout_matches() -> bool {
    use std::mem::size_of;
    let expected = [
        (SIZE_BYTES, size_of::<Bytes<'_>>()),
        (SIZE_CRED, size_of::<Cred<'_>>()),
        (SIZE_DIGEST_IN, size_of::<DigestIn<'_>>()),
        (SIZE_CHALLENGE, size_of::<RawChallenge<'_>>()),
        (SIZE_AUTHORIZATION, size_of::<RawAuthorization<'_>>()),
        (SIZE_SESS_WORDS, size_of::<SessWords>()),
        (SIZE_CLAIMED, size_of::<Claimed>()),
    ];
    expected.iter().all(|&(which, size)| {
        // SAFETY: pjshim_glue_sizes only reads its integer argument.
        unsafe { pjshim_glue_sizes(which) == size }
    })
}
