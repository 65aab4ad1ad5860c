//! The firmware profile as an integrator links it: the `no_std` + `alloc`
//! core of pjsip-auth-shim in a Cortex-M static library, with a fixed-size
//! session table, a message model of the integrator's own (the `auth::view`
//! seam) and the async protocol. Its `fw_*` functions are the roots LTO
//! keeps; `size.sh` measures what they pull in and checks it against the
//! recorded budget. Not a product API: a realistic consumer to measure.

#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use pjsip_auth_shim::auth::client;
use pjsip_auth_shim::auth::view::{AuthKind, AuthRequest, RequestView, ResponseView};
use pjsip_auth_shim::status::{code_of, Result};
use pjsip_auth_shim::{ClientSession, Credential, Outcome, SecretKind, SessionId, Sessions, Token};

/// A bump allocator over a static arena: enough for a measurement build
/// (freed memory is not reused).
struct Arena;
const ARENA: usize = 64 * 1024;
static mut HEAP: [u8; ARENA] = [0; ARENA];
static NEXT: AtomicUsize = AtomicUsize::new(0);

// SAFETY: hands out disjoint, aligned ranges of HEAP (one atomic bump), or
// null when it is exhausted; dealloc does nothing.
unsafe impl core::alloc::GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        let mut at = NEXT.load(Ordering::Relaxed);
        loop {
            let start = (at + layout.align() - 1) & !(layout.align() - 1);
            let end = start + layout.size();
            if end > ARENA {
                return core::ptr::null_mut();
            }
            match NEXT.compare_exchange_weak(at, end, Ordering::Relaxed, Ordering::Relaxed) {
                // SAFETY: start..end lies inside HEAP and is ours alone.
                Ok(_) => return unsafe { core::ptr::addr_of_mut!(HEAP).cast::<u8>().add(start) },
                Err(now) => at = now,
            }
        }
    }
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: core::alloc::Layout) {}
}

#[global_allocator]
static ALLOCATOR: Arena = Arena;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// The integrator's request: method, URI and its Authorization values.
struct Request {
    auth: Vec<Vec<u8>>,
    retries: u32,
}

impl RequestView for Request {
    fn method(&self) -> Option<&[u8]> {
        Some(b"REGISTER")
    }
    fn request_uri(&self) -> Option<&[u8]> {
        Some(b"sip:registrar.example")
    }
    fn body(&self) -> &[u8] {
        b""
    }
    fn authorizations(&self, _kind: AuthKind) -> impl Iterator<Item = &[u8]> {
        self.auth.iter().map(Vec::as_slice)
    }
}

impl AuthRequest for Request {
    fn remove_authorizations(&mut self, _kind: AuthKind, positions: &[u32]) {
        for &p in positions.iter().rev() {
            self.auth.remove(p as usize);
        }
    }
    fn add_authorization(&mut self, _kind: AuthKind, value: &str) -> Result<()> {
        self.auth.push(value.as_bytes().to_vec());
        Ok(())
    }
    fn prepare_retry(&mut self) {
        self.retries += 1;
    }
}

/// The 401 as the integrator's stack parsed it: one WWW-Authenticate value.
struct Response<'a>(&'a [u8]);

impl ResponseView for Response<'_> {
    fn status(&self) -> Option<u16> {
        Some(401)
    }
    fn challenges(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]> {
        (kind == AuthKind::Www).then_some(self.0).into_iter()
    }
}

type Table = Sessions<u8, u32>;
static mut TABLE: Option<Table> = None;

fn table() -> Option<&'static Table> {
    // SAFETY: written once by fw_start before any other call (the contract
    // of this measurement library), read-only afterwards.
    unsafe { (*core::ptr::addr_of!(TABLE)).as_ref() }
}

/// Creates the fixed-capacity table. Returns a pj_status_t.
#[no_mangle]
pub extern "C" fn fw_start(sessions: usize, tokens: usize) -> i32 {
    match Table::with_fixed_capacity(sessions, tokens) {
        // SAFETY: see `table`.
        Ok(t) => unsafe {
            *core::ptr::addr_of_mut!(TABLE) = Some(t);
            0
        },
        Err(e) => e.code(),
    }
}

/// Opens a session with one password credential; its handle, or 0.
///
/// # Safety
/// Each pointer is readable for its length.
#[no_mangle]
pub unsafe extern "C" fn fw_open(
    realm: *const u8,
    rlen: usize,
    user: *const u8,
    ulen: usize,
    pw: *const u8,
    plen: usize,
) -> usize {
    let Some(t) = table() else { return 0 };
    // SAFETY: the caller's buffers (contract).
    let part = |p: *const u8, n: usize| unsafe { core::slice::from_raw_parts(p, n) }.to_vec();
    let session = ClientSession::with_credentials(alloc::vec![Credential {
        realm: part(realm, rlen),
        scheme: b"digest".to_vec(),
        username: part(user, ulen),
        data: part(pw, plen),
        kind: SecretKind::Password,
    }]);
    t.open(session, 0)
        .and_then(|id| t.configure(id, 1).map(|()| id.raw()))
        .unwrap_or(0)
}

/// Issues a token for `payload` (the callback keeps it); the token, or 0.
#[no_mangle]
pub extern "C" fn fw_challenge(session: usize, payload: u32) -> usize {
    let Some(t) = table() else { return 0 };
    let mut kept = 0;
    match t.challenge(SessionId::from_raw(session), payload, |issued| {
        kept = issued.token.raw();
        true
    }) {
        Ok(Outcome::Handled) => kept,
        _ => 0,
    }
}

/// Claims `token` and answers the WWW-Authenticate value `chal` with the
/// session's credential, writing the Authorization value into `out`.
/// Returns its length, or a negative pj_status_t.
///
/// # Safety
/// `chal` is readable for `clen`, `out` writable for `cap`.
#[no_mangle]
pub unsafe extern "C" fn fw_answer(
    session: usize,
    token: usize,
    chal: *const u8,
    clen: usize,
    out: *mut u8,
    cap: usize,
) -> isize {
    let Some(t) = table() else { return -1 };
    let id = SessionId::from_raw(session);
    if let Err(e) = t.claim(id, Token::from_raw(token)) {
        return -(e.code() as isize);
    }
    // SAFETY: the caller's buffer (contract).
    let chal = unsafe { core::slice::from_raw_parts(chal, clen) };
    let mut req = Request {
        auth: Vec::new(),
        retries: 0,
    };
    let r = t.with_client(id, |c| {
        client::reinit_on(c, &Response(chal), &mut req, &mut |o| {
            o.extend_from_slice(pjsip_auth_shim::digest::new_cnonce().as_bytes())
        })
    });
    match r.and_then(|r| r) {
        Ok(()) => {
            let v = req.auth.first().map(Vec::as_slice).unwrap_or(b"");
            let n = v.len().min(cap);
            // SAFETY: `out` is writable for `cap` >= n bytes (contract).
            unsafe { core::ptr::copy_nonoverlapping(v.as_ptr(), out, n) };
            n as isize
        }
        Err(e) => -(code_of(Err(e)) as isize),
    }
}

/// Abandons `token`: a pj_status_t.
#[no_mangle]
pub extern "C" fn fw_abandon(session: usize, token: usize) -> i32 {
    let Some(t) = table() else { return -1 };
    code_of(
        t.claim(SessionId::from_raw(session), Token::from_raw(token))
            .map(|_| ()),
    )
}

/// Closes a session, revoking its tokens: a pj_status_t.
#[no_mangle]
pub extern "C" fn fw_close(session: usize) -> i32 {
    let Some(t) = table() else { return -1 };
    code_of(t.close(SessionId::from_raw(session)).map(|_| ()))
}
