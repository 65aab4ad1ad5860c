//! Memory: a session answering 100,000 challenges with new nonces keeps a
//! bounded footprint, and what a pending token and a session cost.
//!
//! Measured with a counting allocator over the System one: live heap bytes
//! allocated by the current thread (a thread-local counter, so tests running
//! in parallel do not disturb each other's figures). Run with `--nocapture`
//! to see the figures; the assertions are the bounds, not the figures.

#[path = "common/client.rs"]
mod client;
use pjsip_auth_shim::auth::client::reinit_with;
use pjsip_auth_shim::auth::credential::{Credential, SecretKind};
use pjsip_auth_shim::auth::session::{ClientSession, MAX_CACHED_CHALLENGES};
use pjsip_auth_shim::auth::sessions::Sessions;
use pjsip_auth_shim::sip::SipMessage;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn add(n: isize) {
    // `try_with`: the counter may already be gone while a thread exits.
    let _ = LIVE.try_with(|c| c.set(c.get() + n));
}

// SAFETY: every call is forwarded unchanged to System, which upholds the
// GlobalAlloc contract; the bookkeeping touches only a thread-local Cell.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same layout, same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

fn cred(realm: &str) -> Credential {
    Credential {
        realm: realm.into(),
        scheme: b"digest".to_vec(),
        username: b"alice".to_vec(),
        data: b"secret".to_vec(),
        kind: SecretKind::Password,
    }
}

fn request() -> SipMessage {
    client::register("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKmem", "mem")
}

fn challenge(realm: &str, nonce: u64, proxy: bool) -> SipMessage {
    let (code, name) = if proxy {
        (407, "Proxy-Authenticate")
    } else {
        (401, "WWW-Authenticate")
    };
    let text = format!(
        "SIP/2.0 {code} Auth\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKmem\r\n\
         From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n\
         Call-ID: mem\r\nCSeq: 1 REGISTER\r\n\
         {name}: Digest realm=\"{realm}\", nonce=\"{nonce:032x}\", opaque=\"o\", qop=\"auth\"\r\n\
         Content-Length: 0\r\n\r\n"
    );
    SipMessage::parse(text.as_bytes()).unwrap()
}

/// 100,000 challenges, each with a nonce never seen before, for the two
/// realms and both header kinds of one session: the session's heap after
/// warm-up must not grow. The cache holds one entry per (realm, header
/// kind) answered, replaced in place on a new nonce, so its bound is the
/// number of distinct realms the server challenges with (here 2 realms x 2
/// kinds = 4 entries), never the number of nonces.
#[test]
fn session_memory_is_flat_over_100k_new_nonces() {
    // The digest code's per-thread memos (src/digest/memo.rs, bounded) are
    // filled by a throwaway session first: they belong to the thread, not
    // to the session measured below.
    {
        let mut w = client::session(vec![cred("a.example"), cred("b.example")]);
        for i in 0..8 {
            let realm = if i % 2 == 0 { "a.example" } else { "b.example" };
            let mut req = request();
            let mut c = || b"0123456789abcdef".to_vec();
            reinit_with(&mut w, &challenge(realm, i, i % 4 >= 2), &mut req, &mut c).unwrap();
        }
    }
    let base = live();
    let mut s = client::session(vec![cred("a.example"), cred("b.example")]);
    let mut cn = 0u64;
    let mut cnonce = || {
        cn += 1;
        format!("{cn:016x}").into_bytes()
    };
    let mut round = |s: &mut ClientSession, i: u64| {
        let realm = if i % 2 == 0 { "a.example" } else { "b.example" };
        let resp = challenge(realm, i, i % 4 >= 2);
        let mut req = request();
        reinit_with(s, &resp, &mut req, &mut cnonce).unwrap();
    };
    for i in 0..1_000 {
        round(&mut s, i);
    }
    let warm = live() - base;
    for i in 1_000..100_000 {
        round(&mut s, i);
    }
    let end = live() - base;
    let entries = s.cached().len();
    drop(s);
    // Checked before printing: the harness's output capture allocates.
    let after_drop = live() - base;
    eprintln!(
        "session after warm-up: {warm} B, after 100,000 challenges: {end} B, \
         cache entries: {entries}, after drop: {after_drop} B"
    );
    assert_eq!(entries, 4);
    assert!(end <= warm, "the session grew from {warm} to {end} bytes");
    assert_eq!(after_drop, 0, "dropping the session freed everything");
}

/// 100,000 challenges, each for a realm never seen before, answered
/// through a wildcard credential: once the challenge cache is full
/// (`MAX_CACHED_CHALLENGES` entries, the least recently used replaced in
/// place), the session's heap must not grow.
#[test]
fn session_memory_is_flat_over_100k_new_realms() {
    {
        let mut w = client::session(vec![cred("*")]);
        for i in 0..8 {
            let mut req = request();
            let mut c = || b"0123456789abcdef".to_vec();
            let realm = format!("w{i}.example");
            reinit_with(&mut w, &challenge(&realm, i, false), &mut req, &mut c).unwrap();
        }
    }
    let base = live();
    let mut s = client::session(vec![cred("*")]);
    let mut cn = 0u64;
    let mut cnonce = || {
        cn += 1;
        format!("{cn:016x}").into_bytes()
    };
    let mut round = |s: &mut ClientSession, i: u64| {
        // Realm names of one length, as a hostile server would count up.
        let resp = challenge(&format!("r{i:08}.example"), i, i % 2 == 1);
        let mut req = request();
        reinit_with(s, &resp, &mut req, &mut cnonce).unwrap();
    };
    for i in 0..1_000 {
        round(&mut s, i);
    }
    let warm = live() - base;
    for i in 1_000..100_000 {
        round(&mut s, i);
    }
    let end = live() - base;
    let entries = s.cached().len();
    drop(s);
    let after_drop = live() - base;
    eprintln!(
        "session after warm-up (new realms): {warm} B, after 100,000 new realms: {end} B, \
         cache entries: {entries} (cap {MAX_CACHED_CHALLENGES}), after drop: {after_drop} B"
    );
    assert_eq!(entries, MAX_CACHED_CHALLENGES);
    assert!(end <= warm, "the session grew from {warm} to {end} bytes");
    assert_eq!(after_drop, 0, "dropping the session freed everything");
}

/// Stand-ins of the C front end's table types (ffi::table: `Setting` is
/// the async setting, two pointers; `Pending` is five pointer-sized fields).
type FfiLike = Sessions<[usize; 2], [usize; 5]>;

/// Bytes per pending token and per open session in the session table,
/// measured over 100,000 of each and averaged (storage grows in chunks of
/// 1,024 token slots and 128 session entries, so the average includes the
/// chunk overhead). Bounded here so that a change which makes either
/// several times larger fails; the figures are printed.
#[test]
fn bytes_per_pending_token_and_per_session() {
    let table: FfiLike = Sessions::new(1 << 17, 1 << 17);
    let owner = table.open(ClientSession::default(), 1).unwrap();
    table.configure(owner, [1, 2]).unwrap();
    let mut tokens = Vec::with_capacity(100_000);
    let tokens_mark = live();
    // The Vec of tokens is preallocated: it is not counted below.
    for i in 0..100_000 {
        tokens.push(table.issue(owner, [i; 5]).unwrap().token);
    }
    let per_token = (live() - tokens_mark) as f64 / 100_000.0;
    for t in &tokens {
        table.claim(owner, *t).unwrap();
    }
    assert_eq!(table.pending(owner), Ok(0));

    let mut ids = Vec::with_capacity(100_000);
    let sessions_mark = live();
    for i in 0..100_000 {
        ids.push(table.open(ClientSession::default(), i).unwrap());
    }
    let per_session = (live() - sessions_mark) as f64 / 100_000.0;
    eprintln!(
        "pending token: {per_token:.1} B, open session (empty client state): {per_session:.1} B \
         (usize = {} B)",
        std::mem::size_of::<usize>()
    );
    let word = std::mem::size_of::<usize>() as f64;
    assert!(
        per_token > 0.0 && per_token <= 24.0 * word,
        "{per_token} B per token"
    );
    assert!(
        // The entry with its issuing lane (four slot indices, the lane's own
        // copy of the setting), record, client state and lock words.
        per_session > 0.0 && per_session <= 96.0 * word,
        "{per_session} B per session"
    );
    for id in ids {
        table.close(id).unwrap();
    }
    table.close(owner).unwrap();
    assert_eq!(table.live_tokens(), 0);
}

/// A client session's own state once it has answered one challenge: the
/// credential, one cache entry, one HA1 and one HA2 value, the planner's
/// scratch buffers.
#[test]
fn bytes_of_a_client_session_after_one_answer() {
    let base = live();
    let mut s = client::session(vec![cred("a.example")]);
    let mut req = request();
    let mut cnonce = || b"0123456789abcdef".to_vec();
    reinit_with(
        &mut s,
        &challenge("a.example", 1, false),
        &mut req,
        &mut cnonce,
    )
    .unwrap();
    drop(req);
    let bytes = live() - base;
    eprintln!(
        "client session heap after one answer: {bytes} B (+ {} B inline)",
        std::mem::size_of::<ClientSession>()
    );
    assert!(bytes > 0 && bytes < 8192, "{bytes} B");
}
