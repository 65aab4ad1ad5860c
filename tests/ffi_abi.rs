//! The C ABI's async token path driven from Rust, so that `cargo miri test
//! --test ffi_abi` checks the front end's `unsafe` (ffi::cast, ffi::table,
//! ffi::session, ffi::async_auth, ffi::msg) for undefined behaviour: struct
//! handles, forged and reused tokens, tokens ended inside the callback and
//! after it, deinit with tokens pending, calls on an uninitialised struct.
//! (The same promises are tested from C in c-tests/async_api.c.)

use pjsip_auth_shim::ffi::async_auth::{
    pjshim_auth_clt_async_pending, pjsip_auth_clt_async_abandon, pjsip_auth_clt_async_configure,
    pjsip_auth_clt_async_impl_on_challenge, pjsip_auth_clt_async_send_req,
};
use pjsip_auth_shim::ffi::auth_types::{
    pjsip_auth_clt_async_impl_token, pjsip_auth_clt_async_on_chal_param,
    pjsip_auth_clt_async_setting, pjsip_auth_clt_sess,
};
use pjsip_auth_shim::ffi::msg::{
    pjshim_rx_data_parse, pjshim_tx_data_parse, pjsip_rx_data, pjsip_rx_data_free_cloned,
    pjsip_tx_data, pjsip_tx_data_add_ref, pjsip_tx_data_dec_ref,
};
use pjsip_auth_shim::ffi::session::{
    pjsip_auth_clt_deinit, pjsip_auth_clt_init, pjsip_auth_clt_set_parent,
};
use pjsip_auth_shim::ffi::status::{PJSIP_EBUFDESTROYED, PJ_EIGNORED, PJ_EINVAL, PJ_SUCCESS};
use pjsip_auth_shim::ffi::types::{pj_bool_t, pj_status_t};
use std::ffi::c_void;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

const REQ: &[u8] =
    b"REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKm\r\n\
From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: miri\r\nCSeq: 1 REGISTER\r\n\
Content-Length: 0\r\n\r\n";
const RESP: &[u8] = b"SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKm\r\n\
From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>;tag=2\r\nCall-ID: miri\r\nCSeq: 1 REGISTER\r\n\
WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n1\", qop=\"auth\"\r\nContent-Length: 0\r\n\r\n";

/// What the owner's callbacks saw, per owner.
#[derive(Default)]
struct Owner {
    sends: AtomicUsize,
    abandons: AtomicUsize,
}

/// What the challenge callback does with its token.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Keep,
    Decline,
    AbandonInside,
}

struct Ctx {
    mode: Mode,
    token: *mut c_void,
}

unsafe extern "C" fn send_impl(
    _sess: *mut pjsip_auth_clt_sess,
    user_data: *mut c_void,
    new_request: *mut pjsip_tx_data,
) -> pj_status_t {
    // SAFETY: user_data is the &Owner the test put in the impl token.
    let o = unsafe { &*(user_data as *const Owner) };
    o.sends.fetch_add(1, Ordering::SeqCst);
    // SAFETY: send_impl takes over the reference the caller added.
    unsafe { pjsip_tx_data_dec_ref(new_request) };
    PJ_SUCCESS
}

unsafe extern "C" fn abandon_impl(_sess: *mut pjsip_auth_clt_sess, user_data: *mut c_void) {
    // SAFETY: as in send_impl.
    let o = unsafe { &*(user_data as *const Owner) };
    o.abandons.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn on_challenge(
    sess: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
    param: *const pjsip_auth_clt_async_on_chal_param,
) -> pj_bool_t {
    // SAFETY: user_data is the Ctx the test configured; valid for the call.
    let ctx = unsafe { &mut *((*param).user_data as *mut Ctx) };
    ctx.token = token;
    match ctx.mode {
        Mode::Keep => 1,
        Mode::Decline => 0,
        Mode::AbandonInside => {
            // SAFETY: the live session and token handed to this callback.
            assert_eq!(
                unsafe { pjsip_auth_clt_async_abandon(sess, token) },
                PJ_SUCCESS
            );
            0
        }
    }
}

fn zeroed_sess() -> pjsip_auth_clt_sess {
    pjsip_auth_clt_sess {
        _handle: 0,
        _magic: 0,
        _reserved: [0; 6],
    }
}

/// A session struct on the heap, reached only through its pointer: the
/// library keeps its address (callbacks receive it), so, as with the impl
/// token, a Rust reference to it in between would invalidate that address.
fn new_sess() -> *mut pjsip_auth_clt_sess {
    Box::into_raw(Box::new(zeroed_sess()))
}

fn free_sess(s: *mut pjsip_auth_clt_sess) {
    // SAFETY: from new_sess(), de-initialised.
    drop(unsafe { Box::from_raw(s) });
}

/// An impl token on the heap, reached only through the returned pointer
/// (as C code would hold it): the library keeps that pointer while the token
/// is pending, so a Rust reference to it in between would invalidate it.
/// Freed with `free_impl_token`.
fn impl_token(o: &Owner) -> *mut pjsip_auth_clt_async_impl_token {
    Box::into_raw(Box::new(pjsip_auth_clt_async_impl_token {
        user_data: o as *const Owner as *mut c_void,
        send_impl: Some(send_impl),
        abandon_impl: Some(abandon_impl),
        grp_lock: null_mut(),
        signature: [0; 4],
    }))
}

/// The impl token's signature, read through its pointer.
fn signature(it: *mut pjsip_auth_clt_async_impl_token) -> [u8; 4] {
    // SAFETY: a live token from impl_token().
    unsafe { (*it).signature }
}

fn free_impl_token(it: *mut pjsip_auth_clt_async_impl_token) {
    // SAFETY: from impl_token(), no token pending on it any more.
    drop(unsafe { Box::from_raw(it) });
}

struct Msgs {
    tdata: *mut pjsip_tx_data,
    rdata: *mut pjsip_rx_data,
}

impl Msgs {
    fn new() -> Msgs {
        let (mut tdata, mut rdata) = (null_mut(), null_mut());
        // SAFETY: valid buffers and out-pointers.
        unsafe {
            assert_eq!(
                pjshim_tx_data_parse(REQ.as_ptr().cast(), REQ.len(), &mut tdata),
                PJ_SUCCESS
            );
            assert_eq!(
                pjshim_rx_data_parse(RESP.as_ptr().cast(), RESP.len(), &mut rdata),
                PJ_SUCCESS
            );
        }
        Msgs { tdata, rdata }
    }

    fn param(&self) -> pjsip_auth_clt_async_on_chal_param {
        pjsip_auth_clt_async_on_chal_param {
            tdata: self.tdata,
            rdata: self.rdata,
            user_data: null_mut(),
        }
    }
}

impl Drop for Msgs {
    fn drop(&mut self) {
        // SAFETY: ours, created in new().
        unsafe {
            assert_eq!(pjsip_tx_data_dec_ref(self.tdata), PJSIP_EBUFDESTROYED);
            assert_eq!(pjsip_rx_data_free_cloned(self.rdata), PJ_SUCCESS);
        }
    }
}

/// A callback context on the heap, reached only through its pointer (the
/// library hands that pointer to the callback; see `impl_token`).
fn new_ctx() -> *mut Ctx {
    Box::into_raw(Box::new(Ctx {
        mode: Mode::Keep,
        token: null_mut(),
    }))
}

fn configured(sess: *mut pjsip_auth_clt_sess, ctx: *mut Ctx) {
    let opt = pjsip_auth_clt_async_setting {
        cb: Some(on_challenge),
        user_data: ctx as *mut c_void,
    };
    // SAFETY: valid struct pointers.
    unsafe {
        assert_eq!(
            pjsip_auth_clt_init(sess, null_mut(), null_mut(), 0),
            PJ_SUCCESS
        );
        assert_eq!(pjsip_auth_clt_async_configure(sess, &opt), PJ_SUCCESS);
    }
}

#[test]
fn tokens_end_exactly_once_and_forged_ones_are_refused() {
    let m = Msgs::new();
    let ctx = new_ctx();
    let sess = new_sess();
    configured(sess, ctx);
    let owner = Owner::default();
    let it = impl_token(&owner);
    let param = m.param();
    // SAFETY (whole block): every pointer is to a live local of this test.
    unsafe {
        assert_eq!(
            pjsip_auth_clt_async_impl_on_challenge(sess, it, &param),
            PJ_SUCCESS
        );
        let token = (*ctx).token;
        assert_eq!(&signature(it), b"AUTH");
        assert_eq!(pjshim_auth_clt_async_pending(sess), 1);
        // Forged values: the impl token's address, a flipped bit, random words.
        let it_ptr = it as *mut c_void;
        for forged in [
            it_ptr,
            (token as usize ^ 1) as *mut c_void,
            1 as *mut c_void,
            usize::MAX as *mut c_void,
        ] {
            assert_eq!(pjsip_auth_clt_async_abandon(sess, forged), PJ_EINVAL);
        }
        pjsip_tx_data_add_ref(m.tdata);
        assert_eq!(
            pjsip_auth_clt_async_send_req(sess, token, m.tdata),
            PJ_SUCCESS
        );
        assert_eq!(owner.sends.load(Ordering::SeqCst), 1);
        assert_eq!(signature(it), [0; 4]);
        // Reused token.
        pjsip_tx_data_add_ref(m.tdata);
        assert_eq!(
            pjsip_auth_clt_async_send_req(sess, token, m.tdata),
            PJ_EINVAL
        );
        pjsip_tx_data_dec_ref(m.tdata);
        assert_eq!(pjsip_auth_clt_async_abandon(sess, token), PJ_EINVAL);

        // Abandoned inside the callback, then declined: both end the token.
        (*ctx).mode = Mode::AbandonInside;
        assert_eq!(
            pjsip_auth_clt_async_impl_on_challenge(sess, it, &param),
            PJ_SUCCESS
        );
        assert_eq!(owner.abandons.load(Ordering::SeqCst), 1);
        (*ctx).mode = Mode::Decline;
        assert_eq!(
            pjsip_auth_clt_async_impl_on_challenge(sess, it, &param),
            PJ_EIGNORED
        );
        assert_eq!(pjsip_auth_clt_async_abandon(sess, (*ctx).token), PJ_EINVAL);
        assert_eq!(pjshim_auth_clt_async_pending(sess), 0);
        assert_eq!(pjsip_auth_clt_deinit(sess), PJ_SUCCESS);
    }
    free_impl_token(it);
    free_sess(sess);
    // SAFETY: from new_ctx(), the session using it is gone.
    drop(unsafe { Box::from_raw(ctx) });
    assert_eq!(owner.sends.load(Ordering::SeqCst), 1);
    assert_eq!(owner.abandons.load(Ordering::SeqCst), 1);
}

#[test]
fn deinit_revokes_pending_tokens_and_the_struct_reads_as_uninitialised() {
    let m = Msgs::new();
    let ctx = new_ctx();
    let (parent, child) = (new_sess(), new_sess());
    configured(parent, ctx);
    let owners: Vec<Owner> = (0..3).map(|_| Owner::default()).collect();
    let its: Vec<_> = owners.iter().map(impl_token).collect();
    let param = m.param();
    // SAFETY (whole block): every pointer is to a live local of this test.
    unsafe {
        assert_eq!(
            pjsip_auth_clt_init(child, null_mut(), null_mut(), 0),
            PJ_SUCCESS
        );
        assert_eq!(pjsip_auth_clt_set_parent(child, parent), PJ_SUCCESS);
        let mut tokens = Vec::new();
        for &it in &its {
            assert_eq!(
                pjsip_auth_clt_async_impl_on_challenge(child, it, &param),
                PJ_SUCCESS
            );
            tokens.push((*ctx).token);
        }
        assert_eq!(pjshim_auth_clt_async_pending(parent), 3);
        assert_eq!(pjsip_auth_clt_deinit(parent), PJ_SUCCESS);
        assert!(owners
            .iter()
            .all(|o| o.abandons.load(Ordering::SeqCst) == 1));
        assert!(its.iter().all(|&it| signature(it) == [0; 4]));
        for t in tokens {
            assert_eq!(pjsip_auth_clt_async_abandon(parent, t), PJ_EINVAL);
            assert_eq!(pjsip_auth_clt_async_abandon(child, t), PJ_EINVAL);
        }
        // Uninitialised and de-initialised structs, and NULL.
        let mut never = zeroed_sess();
        let mut garbage = pjsip_auth_clt_sess {
            _handle: 0x5a5a_5a5a,
            _magic: 0x504A_5348_4D53_4553,
            _reserved: [7; 6],
        };
        for s in [parent, &mut never, &mut garbage, null_mut()] {
            assert_eq!(pjsip_auth_clt_deinit(s), PJ_EINVAL);
            assert_eq!(pjshim_auth_clt_async_pending(s), 0);
            assert_eq!(
                pjsip_auth_clt_async_impl_on_challenge(s, its[0], &param),
                PJ_EINVAL
            );
        }
        assert_eq!(
            pjsip_auth_clt_async_impl_on_challenge(child, null_mut(), &param),
            PJ_EINVAL
        );
        assert_eq!(
            pjsip_auth_clt_async_impl_on_challenge(child, its[0], null()),
            PJ_EINVAL
        );
        assert_eq!(pjsip_auth_clt_deinit(child), PJ_SUCCESS);
    }
    its.into_iter().for_each(free_impl_token);
    free_sess(parent);
    free_sess(child);
    // SAFETY: from new_ctx(), the sessions using it are gone.
    drop(unsafe { Box::from_raw(ctx) });
    assert!(owners.iter().all(|o| o.sends.load(Ordering::SeqCst) == 0));
}
