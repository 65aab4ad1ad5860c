//! Fixed-capacity mode through the C ABI (issue 11 item 3):
//! `pjshim_set_capacity` before anything else, `PJ_ETOOMANY` past either
//! budget with nothing changed, and no heap allocation on the token path
//! (impl_on_challenge, send_req, abandon) over 100,000 challenge cycles
//! after warm-up, counted by a counting global allocator.
//!
//! One test in its own binary: the capacity is fixed once per process, and
//! must come before the first session call.

use pjsip_auth_shim::ffi::async_auth::*;
use pjsip_auth_shim::ffi::auth_types::*;
use pjsip_auth_shim::ffi::msg::{
    pjshim_rx_data_parse, pjshim_tx_data_parse, pjsip_rx_data, pjsip_rx_data_free_cloned,
    pjsip_tx_data, pjsip_tx_data_dec_ref,
};
use pjsip_auth_shim::ffi::session::*;
use pjsip_auth_shim::status::code::{PJ_EINVAL, PJ_EINVALIDOP, PJ_ETOOMANY, PJ_SUCCESS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::os::raw::c_void;
use std::ptr::null_mut;

struct Counting;

thread_local! {
    /// Allocations (alloc and realloc calls) made by this thread.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the System allocator unchanged; the bookkeeping
// touches only a thread-local Cell (const-initialised: it never allocates).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

const SESSIONS: usize = 4;
const TOKENS: usize = 8;
const REQ: &[u8] = b"REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: fixed\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
const CHAL: &[u8] = b"SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>;tag=2\r\nCall-ID: fixed\r\nCSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\"\r\nContent-Length: 0\r\n\r\n";

/// The request and its 401, as a transaction owner holds them.
#[derive(Clone, Copy)]
struct Msgs {
    tdata: *mut pjsip_tx_data,
    rdata: *mut pjsip_rx_data,
}

thread_local! {
    static LAST: Cell<usize> = const { Cell::new(0) };
}

unsafe extern "C" fn keep(
    _s: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
    _p: *const pjsip_auth_clt_async_on_chal_param,
) -> i32 {
    LAST.with(|l| l.set(token as usize));
    1
}
unsafe extern "C" fn sent(
    _s: *mut pjsip_auth_clt_sess,
    _u: *mut c_void,
    _t: *mut pjsip_tx_data,
) -> i32 {
    PJ_SUCCESS
}
unsafe extern "C" fn abandoned(_s: *mut pjsip_auth_clt_sess, _u: *mut c_void) {}

fn impl_token() -> pjsip_auth_clt_async_impl_token {
    pjsip_auth_clt_async_impl_token {
        user_data: null_mut(),
        send_impl: Some(sent),
        abandon_impl: Some(abandoned),
        grp_lock: null_mut(),
        signature: [0; 4],
    }
}

/// impl_on_challenge on `sess`; the token the callback kept, or the status.
fn challenge(
    sess: &mut pjsip_auth_clt_sess,
    it: &mut pjsip_auth_clt_async_impl_token,
    m: Msgs,
) -> Result<*mut c_void, i32> {
    let prm = pjsip_auth_clt_async_on_chal_param {
        tdata: m.tdata,
        rdata: m.rdata,
        user_data: null_mut(),
    };
    LAST.with(|l| l.set(0));
    // SAFETY: live session, impl token and param.
    let st = unsafe { pjsip_auth_clt_async_impl_on_challenge(sess, it, &prm) };
    if st == PJ_SUCCESS {
        Ok(LAST.with(Cell::get) as *mut c_void)
    } else {
        Err(st)
    }
}

fn init(sess: &mut pjsip_auth_clt_sess) -> i32 {
    // SAFETY: writable session memory.
    unsafe { pjsip_auth_clt_init(sess, null_mut(), null_mut(), 0) }
}

#[test]
fn fixed_budget_refuses_past_it_and_the_token_path_never_allocates() {
    assert_eq!(pjshim_set_capacity(0, TOKENS), PJ_EINVAL);
    assert_eq!(pjshim_set_capacity(SESSIONS, usize::MAX), PJ_EINVAL);
    assert_eq!(pjshim_set_capacity(SESSIONS, TOKENS), PJ_SUCCESS);
    assert_eq!(pjshim_set_capacity(SESSIONS, TOKENS), PJ_EINVALIDOP);

    // SAFETY (all unsafe calls below): live, initialised structs of this test.
    let mut sessions: Vec<pjsip_auth_clt_sess> = (0..=SESSIONS)
        .map(|_| unsafe { std::mem::zeroed() })
        .collect();
    for s in &mut sessions[..SESSIONS] {
        assert_eq!(init(s), PJ_SUCCESS);
    }
    assert_eq!(
        init(&mut sessions[SESSIONS]),
        PJ_ETOOMANY,
        "one session past the budget"
    );
    assert_eq!(
        unsafe { pjsip_auth_clt_deinit(&mut sessions[1]) },
        PJ_SUCCESS
    );
    assert_eq!(
        init(&mut sessions[SESSIONS]),
        PJ_SUCCESS,
        "a freed place is reused"
    );

    let sess = &mut sessions[0];
    let opt = pjsip_auth_clt_async_setting {
        cb: Some(keep),
        user_data: null_mut(),
    };
    assert_eq!(
        unsafe { pjsip_auth_clt_async_configure(sess, &opt) },
        PJ_SUCCESS
    );
    let (mut tdata, mut rdata) = (null_mut(), null_mut());
    assert_eq!(
        unsafe { pjshim_tx_data_parse(REQ.as_ptr().cast(), REQ.len(), &mut tdata) },
        PJ_SUCCESS
    );
    assert_eq!(
        unsafe { pjshim_rx_data_parse(CHAL.as_ptr().cast(), CHAL.len(), &mut rdata) },
        PJ_SUCCESS
    );
    let m = Msgs { tdata, rdata };

    // The token budget: TOKENS pending, the next refused with its impl
    // token untouched, then one place freed and used again.
    let mut impls: Box<[pjsip_auth_clt_async_impl_token]> =
        (0..=TOKENS).map(|_| impl_token()).collect();
    let mut tokens = Vec::with_capacity(TOKENS);
    for it in impls[..TOKENS].iter_mut() {
        tokens.push(challenge(sess, it, m).expect("within the budget"));
    }
    assert_eq!(pjshim_async_live_tokens() as usize, TOKENS);
    let over = &mut impls[TOKENS];
    assert_eq!(challenge(sess, over, m), Err(PJ_ETOOMANY));
    assert_eq!(
        over.signature, [0; 4],
        "a refused challenge leaves no signature"
    );
    assert_eq!(pjshim_async_live_tokens() as usize, TOKENS);
    assert_eq!(
        unsafe { pjsip_auth_clt_async_abandon(sess, tokens[0]) },
        PJ_SUCCESS
    );
    tokens[0] = challenge(sess, &mut impls[0], m).expect("the freed place");
    for t in tokens.drain(..) {
        assert_eq!(unsafe { pjsip_auth_clt_async_abandon(sess, t) }, PJ_SUCCESS);
    }
    assert_eq!(pjshim_async_live_tokens(), 0);

    // Warm-up, then 100,000 challenge cycles (half sent, half abandoned)
    // with the allocation counter watching.
    let it = &mut impls[0];
    let cycle =
        |sess: &mut pjsip_auth_clt_sess, it: &mut pjsip_auth_clt_async_impl_token, i: u32| {
            let t = challenge(sess, it, m).expect("issue");
            let st = if i % 2 == 0 {
                unsafe { pjsip_auth_clt_async_send_req(sess, t, tdata) }
            } else {
                unsafe { pjsip_auth_clt_async_abandon(sess, t) }
            };
            assert_eq!(st, PJ_SUCCESS);
        };
    for i in 0..1000 {
        cycle(sess, it, i);
    }
    let probe = allocs();
    drop(std::hint::black_box(vec![0u8; 16]));
    assert_eq!(
        allocs(),
        probe + 1,
        "the counter sees this thread's allocations"
    );
    let before = allocs();
    for i in 0..100_000 {
        cycle(sess, it, i);
    }
    let during = allocs() - before;
    assert_eq!(during, 0, "allocations on the token path after warm-up");
    assert_eq!(pjshim_async_live_tokens(), 0);

    unsafe {
        pjsip_tx_data_dec_ref(tdata);
        pjsip_rx_data_free_cloned(rdata);
    }
    for (i, s) in sessions.iter_mut().enumerate() {
        if i != 1 {
            assert_eq!(unsafe { pjsip_auth_clt_deinit(s) }, PJ_SUCCESS);
        }
    }
}
