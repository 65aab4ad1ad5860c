//! Soak (issue 9): the library driven as users drive it, for thousands of
//! registrations over a faulty network, checking that nothing hangs, leaks
//! or ends twice.
//!
//! An embedded registrar (its own endpoint on 127.0.0.1, four
//! `pjsip_auth_srv`: two realms, each as registrar (401) and as proxy
//! (407)) challenges every registration with a kind drawn at random (MD5 or
//! SHA-256, qop auth or none, sometimes a stale=true round after a valid
//! answer). Many `pjsip_regc` clients on two client endpoints register
//! again and again with async auth configured; each challenge's token is
//! answered at random: declined (the regc falls back to reinit_req), sent or
//! abandoned inside the callback, or deferred to a worker thread that sends
//! or abandons it a few milliseconds later. Now and then a client is
//! destroyed, with a token pending or a transaction in flight, and replaced.
//! Every endpoint's transport runs a fault plan: datagrams lost,
//! duplicated and reordered.
//!
//! Asserted: every registration's callback fires exactly once (none after
//! its client was destroyed), within a bound; every token issued ends
//! exactly once (declined + sent + abandoned + revoked = issued, each
//! abandon reported once as PJ_ECANCELLED, a consumed token refused when
//! reused); no token and no group lock is alive at the quiescent points and
//! at the end; the heap (a counting allocator) returns to its level after
//! the warm-up within `HEAP_SLACK`.
//!
//! Ignored by plain `cargo test`; run with
//! `cargo test --release --test soak -- --ignored --nocapture`.
//! Knobs: `PJSHIM_SOAK_REGISTRATIONS` (default 40000), `PJSHIM_SOAK_SEED`
//! (default: from the clock; printed, so a failure reproduces as far as
//! thread timing allows); for diagnosis, `PJSHIM_SOAK_FAULTS` (per mille
//! of each fault kind, default 40) and `PJSHIM_SOAK_DESTROY` (see
//! `DESTROY_PER_MILLE`, default 3).

use pjsip_auth_shim::endpoint::faults::FaultPlan;
use pjsip_auth_shim::ffi::async_auth::*;
use pjsip_auth_shim::ffi::auth_client::pjsip_auth_clt_reinit_req;
use pjsip_auth_shim::ffi::auth_server::*;
use pjsip_auth_shim::ffi::auth_types::*;
use pjsip_auth_shim::ffi::endpoint::*;
use pjsip_auth_shim::ffi::grp_lock::live_grp_locks;
use pjsip_auth_shim::ffi::msg::*;
use pjsip_auth_shim::ffi::pool::*;
use pjsip_auth_shim::ffi::regc::*;
use pjsip_auth_shim::ffi::status::{PJ_ECANCELLED, PJ_EINVAL, PJ_ETIMEDOUT};
use pjsip_auth_shim::ffi::types::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

// ---- counting allocator --------------------------------------------------

struct Counting;
static HEAP: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to System, which upholds the
// GlobalAlloc contract; the bookkeeping is one atomic counter.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same layout, same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            HEAP.fetch_add(layout.size() as isize, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HEAP.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            HEAP.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Live heap bytes: the least of a few samples over 100 ms, so that the
/// event loops' transient receive buffers (64 KiB each) do not count.
fn heap_quiet() -> isize {
    (0..50)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(2));
            HEAP.load(Relaxed)
        })
        .min()
        .unwrap()
}

fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4
}

// ---- parameters ------------------------------------------------------------

/// Clients per client endpoint, and client endpoints (one thread each).
const CLIENTS: usize = 24;
const CLIENT_ENDPOINTS: usize = 2;
const WORKERS: usize = 2;
/// Longest a registration may take: Timer F (32 s) plus margin.
const REG_BOUND: Duration = Duration::from_secs(45);
/// Heap growth allowed between the quiescent point after the warm-up and
/// the one at the end (allocator-owned capacity of tables that may still
/// grow to a new high-water mark: token chunks, hash maps).
const HEAP_SLACK: isize = 256 * 1024;
/// RSS growth allowed over the same span: loose, since malloc keeps the
/// pages of its per-thread arenas (the heap count above is the measure; RSS
/// only catches what bypasses the allocator).
const RSS_SLACK_KIB: u64 = 64 * 1024;
const REALMS: [&str; 2] = ["alpha.test", "beta.test"];

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True with probability `per_mille`/1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

fn pjstr(s: &'static str) -> pj_str_t {
    pj_str_t {
        ptr: s.as_ptr() as *mut c_char,
        slen: s.len() as _,
    }
}

fn text_of(s: &pj_str_t) -> String {
    if s.ptr.is_null() {
        return String::new();
    }
    // SAFETY: a pj_str_t the library handed us, valid for this call.
    let b = unsafe { std::slice::from_raw_parts(s.ptr as *const u8, s.slen as usize) };
    String::from_utf8_lossy(b).into_owned()
}

fn rx_hdr(rdata: *const pjsip_rx_data, name: &std::ffi::CStr) -> Option<String> {
    let mut v = pj_str_t::EMPTY;
    // SAFETY: a live rdata and a C string.
    (unsafe { pjshim_rx_data_get_hdr(rdata, name.as_ptr(), 0, &mut v) } == 0).then(|| text_of(&v))
}

// ---- counters ----------------------------------------------------------------

#[derive(Default)]
struct Counts {
    registrations: AtomicU64,
    reported: AtomicU64,
    ok: AtomicU64,
    cancelled: AtomicU64,
    timed_out: AtomicU64,
    tokens: AtomicU64,
    declined: AtomicU64,
    sent_inline: AtomicU64,
    sent_deferred: AtomicU64,
    abandoned_inline: AtomicU64,
    abandoned_deferred: AtomicU64,
    reuse_refused: AtomicU64,
    deferrals: AtomicU64,
    destroys: AtomicU64,
    destroys_with_token: AtomicU64,
    destroys_with_tsx: AtomicU64,
    errors: Mutex<Vec<String>>,
    other: Mutex<BTreeMap<(pj_status_t, c_int), u64>>,
}

impl Counts {
    fn error(&self, e: String) {
        let mut v = self.errors.lock().unwrap();
        if v.len() < 50 {
            v.push(e);
        }
    }
}

static COUNTS: std::sync::LazyLock<Counts> = std::sync::LazyLock::new(Counts::default);

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Relaxed);
}

// ---- the registrar ------------------------------------------------------------

/// Account lookup: alice/secret in every realm.
unsafe extern "C" fn lookup(
    _pool: *mut pj_pool_t,
    realm: *const pj_str_t,
    acc_name: *const pj_str_t,
    cred: *mut pjsip_cred_info,
) -> pj_status_t {
    // SAFETY: the library's arguments, valid during the call.
    unsafe {
        if text_of(&*acc_name) != "alice" {
            return pjsip_auth_shim::ffi::status::PJSIP_EAUTHACCNOTFOUND;
        }
        let c = &mut *cred;
        c.realm = *realm;
        c.scheme = pjstr("digest");
        c.username = pjstr("alice");
        c.data_type = 0;
        c.data = pjstr("secret");
    }
    0
}

/// How one registration is challenged.
#[derive(Clone, Copy, Debug)]
struct Plan {
    /// Index into `Registrar::srv`: realm `i % 2`, proxy when `i >= 2`.
    srv: usize,
    sha256: bool,
    qop: bool,
    stale_round: bool,
}

struct RegEntry {
    plan: Plan,
    stale_done: bool,
    last_cseq: u32,
    /// The answer to `last_cseq`, resent to its retransmissions (the
    /// registrar's stand-in for a server transaction); one reference.
    last_resp: *mut pjsip_tx_data,
}

#[derive(Default, Debug)]
struct ServerCounts {
    requests: u64,
    resent: u64,
    old_ignored: u64,
    challenges: u64,
    md5: u64,
    sha256: u64,
    qop_auth: u64,
    qop_none: u64,
    stale: u64,
    c401: u64,
    c407: u64,
    realm: [u64; 2],
    ok: u64,
    refused: BTreeMap<c_int, u64>,
    /// Verification failures by status (no credentials for the realm is
    /// the normal first one).
    verify_failed: BTreeMap<pj_status_t, u64>,
}

/// Call-IDs remembered, oldest forgotten first (as a registrar's bindings
/// of clients gone would be): a few more than the clients alive, and
/// reached during the warm-up, so that the registrar's own memory is flat
/// afterwards while clients are destroyed and replaced.
const REGS_KEPT: usize = 64;

struct Registrar {
    endpt: *mut pjsip_endpoint,
    srv: [pjsip_auth_srv; 4],
    rng: Rng,
    regs: HashMap<String, RegEntry>,
    order: VecDeque<String>,
    counts: ServerCounts,
}

impl Registrar {
    fn new_plan(&mut self) -> Plan {
        Plan {
            srv: self.rng.below(4) as usize,
            sha256: self.rng.chance(500),
            qop: self.rng.chance(600),
            stale_round: self.rng.chance(150),
        }
    }

    /// Handles one REGISTER (on the registrar's event thread).
    unsafe fn on_register(&mut self, rdata: *mut pjsip_rx_data) {
        self.counts.requests += 1;
        let call_id = rx_hdr(rdata, c"Call-ID").unwrap_or_default();
        let cseq: u32 = rx_hdr(rdata, c"CSeq")
            .and_then(|c| c.split_whitespace().next().and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        if !self.regs.contains_key(&call_id) {
            if self.order.len() >= REGS_KEPT {
                if let Some(old) = self.order.pop_front() {
                    if let Some(e) = self.regs.remove(&old) {
                        // SAFETY: the entry's one reference.
                        unsafe { pjsip_tx_data_dec_ref(e.last_resp) };
                    }
                }
            }
            let plan = self.new_plan();
            self.order.push_back(call_id.clone());
            self.regs.insert(
                call_id.clone(),
                RegEntry {
                    plan,
                    stale_done: false,
                    last_cseq: 0,
                    last_resp: null_mut(),
                },
            );
        }
        let (plan, stale_done, last_cseq, last_resp) = {
            let e = &self.regs[&call_id];
            (e.plan, e.stale_done, e.last_cseq, e.last_resp)
        };
        if cseq == last_cseq && !last_resp.is_null() {
            self.counts.resent += 1;
            // SAFETY: live request and response.
            unsafe { pjshim_endpt_respond(self.endpt, rdata, last_resp) };
            return;
        }
        if cseq < last_cseq {
            self.counts.old_ignored += 1;
            return;
        }
        let srv: *mut pjsip_auth_srv = &mut self.srv[plan.srv];
        let mut code: c_int = 0;
        // SAFETY: an initialised server and a live request.
        let st = unsafe { pjsip_auth_srv_verify(srv, rdata, &mut code) };
        if st != 0 {
            *self.counts.verify_failed.entry(st).or_default() += 1;
        }
        let mut resp = null_mut();
        let mut next_plan = None;
        let challenge = if st == 0 {
            if plan.stale_round && !stale_done {
                code = if plan.srv >= 2 { 407 } else { 401 };
                Some(true)
            } else {
                next_plan = Some(self.new_plan());
                code = 200;
                None
            }
        } else if code == 401 || code == 407 {
            Some(false)
        } else {
            *self.counts.refused.entry(code).or_default() += 1;
            None
        };
        // SAFETY: a live request; resp is written on success.
        unsafe { pjshim_tx_data_create_response(rdata, code, std::ptr::null(), &mut resp) };
        if let Some(stale) = challenge {
            let c = &mut self.counts;
            c.challenges += 1;
            c.stale += u64::from(stale);
            if plan.sha256 {
                c.sha256 += 1
            } else {
                c.md5 += 1
            }
            if plan.qop {
                c.qop_auth += 1
            } else {
                c.qop_none += 1
            }
            if plan.srv >= 2 {
                c.c407 += 1
            } else {
                c.c401 += 1
            }
            c.realm[plan.srv % 2] += 1;
            let none = pjstr("");
            let qop: *const pj_str_t = if plan.qop { std::ptr::null() } else { &none };
            // SAFETY: an initialised server, a live response.
            unsafe {
                pjsip_auth_srv_challenge2(
                    srv,
                    qop,
                    std::ptr::null(),
                    std::ptr::null(),
                    if stale { PJ_TRUE } else { PJ_FALSE },
                    resp,
                    if plan.sha256 { 2 } else { 1 },
                )
            };
        }
        if code == 200 {
            self.counts.ok += 1;
        }
        let e = self.regs.get_mut(&call_id).unwrap();
        if challenge == Some(true) {
            e.stale_done = true;
        }
        if let Some(p) = next_plan {
            e.plan = p;
            e.stale_done = false;
        }
        e.last_cseq = cseq;
        let old = std::mem::replace(&mut e.last_resp, resp);
        // SAFETY: live request and response; the old answer's reference.
        unsafe {
            pjshim_endpt_respond(self.endpt, rdata, resp);
            if !old.is_null() {
                pjsip_tx_data_dec_ref(old);
            }
        }
    }

    fn release(&mut self) {
        for (_, e) in self.regs.drain() {
            if !e.last_resp.is_null() {
                // SAFETY: the entry's one reference.
                unsafe { pjsip_tx_data_dec_ref(e.last_resp) };
            }
        }
        self.order.clear();
    }
}

unsafe extern "C" fn on_request(rdata: *mut pjsip_rx_data, user_data: *mut c_void) -> pj_bool_t {
    // SAFETY: the registrar, used only on its endpoint's event thread.
    unsafe { (*(user_data as *mut Registrar)).on_register(rdata) };
    PJ_TRUE
}

// ---- the clients ------------------------------------------------------------------

/// What the destroyer and the workers share about one client: held while
/// the client's session or a pending token is used off its event thread.
struct Ctl {
    regc: usize,
    sess: usize,
    destroyed: bool,
    /// A token deferred to a worker, not yet resolved.
    token: Option<usize>,
}

/// The registration in flight, for the callback.
struct RegState {
    inflight: Option<(u64, Instant)>,
}

struct Slot {
    id: usize,
    ctl: Mutex<Ctl>,
    reg: Mutex<RegState>,
    rng: Mutex<Rng>,
}

/// Live clients by id: a callback for an id not here is one after destroy.
static SLOTS: std::sync::LazyLock<Mutex<HashMap<usize, Arc<Slot>>>> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

fn slot(id: usize) -> Option<Arc<Slot>> {
    SLOTS.lock().unwrap().get(&id).cloned()
}

/// A deferred answer, for a worker.
struct Job {
    slot: Arc<Slot>,
    token: usize,
    rdata: usize,
    tdata: usize,
    due: Instant,
    send: bool,
}

/// One queue per worker (emptied at teardown, which stops the workers).
static JOBS: Mutex<Vec<mpsc::Sender<Job>>> = Mutex::new(Vec::new());
static JOBS_QUEUED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_reg(p: *mut pjsip_regc_cbparam) {
    // SAFETY: valid during the call.
    let p = unsafe { &*p };
    let id = p.token as usize;
    let Some(s) = slot(id) else {
        COUNTS.error(format!("callback for client {id} after its destroy"));
        return;
    };
    let inflight = s.reg.lock().unwrap().inflight.take();
    if inflight.is_none() {
        COUNTS.error(format!(
            "client {id}: callback with no registration in flight"
        ));
        return;
    }
    bump(&COUNTS.reported);
    match (p.status, p.code) {
        (0, 200) => bump(&COUNTS.ok),
        (PJ_ECANCELLED, _) => bump(&COUNTS.cancelled),
        (PJ_ETIMEDOUT, 408) => bump(&COUNTS.timed_out),
        k => *COUNTS.other.lock().unwrap().entry(k).or_default() += 1,
    }
}

/// Answers inside the callback: reinit_req, then send_req (or abandon when
/// reinit fails). Returns whether the token was sent.
unsafe fn answer_now(
    sess: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
    rdata: *const pjsip_rx_data,
    tdata: *mut pjsip_tx_data,
) -> bool {
    let mut new_req = null_mut();
    // SAFETY: the client's session, a live 401/407 and request.
    unsafe {
        if pjsip_auth_clt_reinit_req(sess, rdata, tdata, &mut new_req) == 0 {
            let st = pjsip_auth_clt_async_send_req(sess, token, new_req);
            if st == PJ_EINVAL {
                COUNTS.error("send_req refused a live token".into());
                pjsip_tx_data_dec_ref(new_req);
            }
            true
        } else {
            if pjsip_auth_clt_async_abandon(sess, token) != 0 {
                COUNTS.error("abandon refused a live token".into());
            }
            false
        }
    }
}

unsafe extern "C" fn on_challenge(
    sess: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
    param: *const pjsip_auth_clt_async_on_chal_param,
) -> pj_bool_t {
    bump(&COUNTS.tokens);
    // SAFETY: valid during the call.
    let p = unsafe { &*param };
    let id = p.user_data as usize;
    let Some(s) = slot(id) else {
        COUNTS.error(format!("challenge for client {id} after its destroy"));
        return PJ_FALSE;
    };
    let roll = s.rng.lock().unwrap().below(100);
    match roll {
        0..=14 => {
            bump(&COUNTS.declined);
            PJ_FALSE
        }
        15..=39 => {
            // SAFETY: as answer_now.
            if unsafe { answer_now(sess, token, p.rdata, p.tdata) } {
                bump(&COUNTS.sent_inline);
            } else {
                bump(&COUNTS.abandoned_inline);
            }
            // A consumed token is refused when reused.
            // SAFETY: a session and a dead token value.
            if unsafe { pjsip_auth_clt_async_abandon(sess, token) } == PJ_EINVAL {
                bump(&COUNTS.reuse_refused);
            } else {
                COUNTS.error("a consumed token was accepted again".into());
            }
            PJ_TRUE
        }
        40..=44 => {
            // SAFETY: a live token of this session.
            if unsafe { pjsip_auth_clt_async_abandon(sess, token) } != 0 {
                COUNTS.error("abandon refused a live token".into());
            }
            bump(&COUNTS.abandoned_inline);
            PJ_TRUE
        }
        _ => {
            let mut clone = null_mut();
            // SAFETY: the 401/407 and the request, kept for the worker.
            unsafe {
                pjsip_rx_data_clone(p.rdata, 0, &mut clone);
                pjsip_tx_data_add_ref(p.tdata);
            }
            let (delay, send, worker) = {
                let mut r = s.rng.lock().unwrap();
                (
                    r.below(15),
                    !r.chance(100),
                    r.below(WORKERS as u64) as usize,
                )
            };
            s.ctl.lock().unwrap().token = Some(token as usize);
            bump(&COUNTS.deferrals);
            JOBS_QUEUED.fetch_add(1, SeqCst);
            let job = Job {
                slot: s.clone(),
                token: token as usize,
                rdata: clone as usize,
                tdata: p.tdata as usize,
                due: Instant::now() + Duration::from_millis(delay),
                send,
            };
            JOBS.lock().unwrap()[worker].send(job).unwrap();
            PJ_TRUE
        }
    }
}

fn worker(rx: mpsc::Receiver<Job>) {
    while let Ok(job) = rx.recv() {
        if let Some(wait) = job.due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        {
            let mut ctl = job.slot.ctl.lock().unwrap();
            if !ctl.destroyed {
                if ctl.token != Some(job.token) {
                    COUNTS.error(format!("client {}: token mix-up", job.slot.id));
                }
                ctl.token = None;
                let sess = ctl.sess as *mut pjsip_auth_clt_sess;
                let token = job.token as *mut c_void;
                if job.send {
                    // SAFETY: the client is alive (ctl held, not destroyed).
                    let sent = unsafe {
                        answer_now(sess, token, job.rdata as *const _, job.tdata as *mut _)
                    };
                    bump(if sent {
                        &COUNTS.sent_deferred
                    } else {
                        &COUNTS.abandoned_deferred
                    });
                } else {
                    // SAFETY: as above.
                    if unsafe { pjsip_auth_clt_async_abandon(sess, token) } != 0 {
                        COUNTS.error("abandon refused a deferred token".into());
                    }
                    bump(&COUNTS.abandoned_deferred);
                }
            }
        }
        // SAFETY: the clone and the reference taken for this job.
        unsafe {
            pjsip_rx_data_free_cloned(job.rdata as *mut _);
            pjsip_tx_data_dec_ref(job.tdata as *mut _);
        }
        JOBS_QUEUED.fetch_sub(1, SeqCst);
    }
}

/// Chance per event-loop pass (2 ms) that a client with a registration in
/// flight is destroyed, per thousand (`PJSHIM_SOAK_DESTROY`).
static DESTROY_PER_MILLE: AtomicU64 = AtomicU64::new(3);
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// A new client on `endpt`, registering at `srv_uri`.
unsafe fn new_client(endpt: *mut pjsip_endpoint, srv_uri: &'static str, seed: u64) -> Arc<Slot> {
    let id = NEXT_ID.fetch_add(1, SeqCst);
    let mut regc = null_mut();
    // SAFETY: a live endpoint; the strings live for the call (copied).
    unsafe {
        assert_eq!(
            pjsip_regc_create(endpt, id as *mut c_void, Some(on_reg), &mut regc),
            0
        );
        let aor = pjstr("sip:alice@alpha.test");
        let contact = pjstr("sip:alice@127.0.0.1:5999");
        let srv = pjstr(srv_uri);
        assert_eq!(pjsip_regc_init(regc, &srv, &aor, &aor, 1, &contact, 300), 0);
        let mut cred: pjsip_cred_info = std::mem::zeroed();
        cred.realm = pjstr("*");
        cred.scheme = pjstr("digest");
        cred.username = pjstr("alice");
        cred.data_type = 0;
        cred.data = pjstr("secret");
        assert_eq!(pjsip_regc_set_credentials(regc, 1, &cred), 0);
        let sess = pjsip_regc_get_auth_sess(regc);
        let opt = pjsip_auth_clt_async_setting {
            cb: Some(on_challenge),
            user_data: id as *mut c_void,
        };
        assert_eq!(pjsip_auth_clt_async_configure(sess, &opt), 0);
        let s = Arc::new(Slot {
            id,
            ctl: Mutex::new(Ctl {
                regc: regc as usize,
                sess: sess as usize,
                destroyed: false,
                token: None,
            }),
            reg: Mutex::new(RegState { inflight: None }),
            rng: Mutex::new(Rng::new(seed ^ (id as u64).wrapping_mul(0x9E37_79B9))),
        });
        SLOTS.lock().unwrap().insert(id, s.clone());
        s
    }
}

/// Destroys a client on its event thread; counts what was pending.
unsafe fn destroy_client(s: &Slot) {
    let mut ctl = s.ctl.lock().unwrap();
    let sess = ctl.sess as *mut pjsip_auth_clt_sess;
    // SAFETY: the client is alive.
    let pending = unsafe { pjshim_auth_clt_async_pending(sess) };
    let want = u32::from(ctl.token.is_some());
    if pending != want {
        COUNTS.error(format!(
            "client {}: {pending} tokens pending, {want} expected",
            s.id
        ));
    }
    let inflight = s.reg.lock().unwrap().inflight.take();
    match (inflight.is_some(), ctl.token.is_some()) {
        (true, true) => bump(&COUNTS.destroys_with_token),
        (true, false) => bump(&COUNTS.destroys_with_tsx),
        (false, true) => COUNTS.error(format!("client {}: a token with nothing in flight", s.id)),
        (false, false) => {}
    }
    SLOTS.lock().unwrap().remove(&s.id);
    // SAFETY: created by new_client, destroyed once (ctl.destroyed guards).
    unsafe { pjsip_regc_destroy(ctl.regc as *mut pjsip_regc) };
    ctl.destroyed = true;
    ctl.token = None;
    bump(&COUNTS.destroys);
}

/// Registrations allowed so far, and started.
static ALLOWED: AtomicU64 = AtomicU64::new(0);
static STOP: AtomicBool = AtomicBool::new(false);

/// One client endpoint's event thread: runs its events, starts
/// registrations while the budget allows, destroys and replaces clients.
fn client_thread(endpt: usize, srv_uri: &'static str, seed: u64) -> Vec<Arc<Slot>> {
    let endpt = endpt as *mut pjsip_endpoint;
    let mut rng = Rng::new(seed);
    // SAFETY: a live endpoint with its transport started.
    let mut slots: Vec<Arc<Slot>> = (0..CLIENTS)
        .map(|_| unsafe { new_client(endpt, srv_uri, rng.next()) })
        .collect();
    let tick = pj_time_val { sec: 0, msec: 2 };
    while !STOP.load(SeqCst) {
        // SAFETY: a live endpoint.
        unsafe { pjsip_endpt_handle_events(endpt, &tick) };
        let mut busy = 0;
        for slot in slots.iter_mut() {
            let s = slot.clone();
            let inflight = s.reg.lock().unwrap().inflight;
            if let Some((n, since)) = inflight {
                if since.elapsed() > REG_BOUND {
                    COUNTS.error(format!(
                        "client {}: registration {n} stuck for {:?} (token deferred: {})",
                        s.id,
                        since.elapsed(),
                        s.ctl.lock().unwrap().token.is_some()
                    ));
                    s.reg.lock().unwrap().inflight = None;
                }
                // Destroy with a registration in flight, now and then.
                if rng.chance(DESTROY_PER_MILLE.load(Relaxed)) {
                    // SAFETY: on the client's event thread.
                    unsafe { destroy_client(&s) };
                    *slot = unsafe { new_client(endpt, srv_uri, rng.next()) };
                } else {
                    busy += 1;
                }
                continue;
            }
            let n = COUNTS.registrations.load(SeqCst);
            if n >= ALLOWED.load(SeqCst) || !rng.chance(300) {
                continue;
            }
            if COUNTS
                .registrations
                .compare_exchange(n, n + 1, SeqCst, SeqCst)
                .is_err()
            {
                continue;
            }
            let regc = s.ctl.lock().unwrap().regc as *mut pjsip_regc;
            let mut t = null_mut();
            s.reg.lock().unwrap().inflight = Some((n, Instant::now()));
            // SAFETY: a live client, on its event thread.
            let st = unsafe {
                let unreg = rng.chance(100);
                let st = if unreg {
                    pjsip_regc_unregister(regc, &mut t)
                } else {
                    pjsip_regc_register(regc, PJ_FALSE, &mut t)
                };
                if st == 0 {
                    pjsip_regc_send(regc, t)
                } else {
                    st
                }
            };
            if st != 0 {
                // No transaction, no callback.
                COUNTS.error(format!("client {}: regc send -> {st}", s.id));
                s.reg.lock().unwrap().inflight = None;
            } else {
                busy += 1;
            }
        }
        PER_THREAD_BUSY[thread_index()].store(busy, SeqCst);
    }
    slots
}

static PER_THREAD_BUSY: [AtomicUsize; CLIENT_ENDPOINTS] =
    [const { AtomicUsize::new(0) }; CLIENT_ENDPOINTS];

thread_local! {
    static THREAD_INDEX: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn thread_index() -> usize {
    THREAD_INDEX.with(|c| c.get())
}

fn busy_clients() -> usize {
    PER_THREAD_BUSY.iter().map(|b| b.load(SeqCst)).sum()
}

/// Waits until every allowed registration has been started and reported
/// (or its client destroyed), no job is queued, and every client
/// transaction has terminated (Timer K: 5 s after its final response).
fn quiesce(cores: &[Arc<pjsip_auth_shim::endpoint::Endpoint>], what: &str) {
    let start = Instant::now();
    let bound = REG_BOUND + Duration::from_secs(60);
    loop {
        let started = COUNTS.registrations.load(SeqCst);
        let allowed = ALLOWED.load(SeqCst);
        let tsx: usize = cores.iter().map(|e| e.tsx_count()).sum();
        let queued = JOBS_QUEUED.load(SeqCst);
        let busy = busy_clients();
        if started >= allowed && busy == 0 && queued == 0 && tsx == 0 {
            // Seen twice 50 ms apart: the loops' counts are per pass.
            std::thread::sleep(Duration::from_millis(50));
            if busy_clients() == 0 && cores.iter().all(|e| e.tsx_count() == 0) {
                return;
            }
        }
        if start.elapsed() > bound {
            panic!(
                "{what}: not quiet after {:?}: started {started}/{allowed}, busy clients \
                 {busy}, jobs queued {queued}, transactions {tsx}; errors: {:?}",
                start.elapsed(),
                COUNTS.errors.lock().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[test]
#[ignore = "soak: minutes; run by .ci/run with --ignored"]
fn soak_registrations_over_a_faulty_network() {
    let total = env_u64("PJSHIM_SOAK_REGISTRATIONS")
        .unwrap_or(40000)
        .max(50);
    let seed = env_u64("PJSHIM_SOAK_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    eprintln!("soak: {total} registrations, seed {seed} (PJSHIM_SOAK_SEED={seed} reproduces)");
    if let Some(d) = env_u64("PJSHIM_SOAK_DESTROY") {
        DESTROY_PER_MILLE.store(d, Relaxed);
    }
    let started_at = Instant::now();
    let mut rng = Rng::new(seed);
    let heap_start = HEAP.load(Relaxed);

    // SAFETY: the C API used as documented; every object made here is
    // destroyed below, after the threads that use it have stopped.
    unsafe {
        let mut cp: pj_caching_pool = std::mem::zeroed();
        pj_caching_pool_init(&mut cp, std::ptr::null(), 0);
        let mut srv_ep = null_mut();
        assert_eq!(
            pjsip_endpt_create(&mut cp.factory, c"registrar".as_ptr(), &mut srv_ep),
            0
        );
        let mut port: c_uint = 0;
        assert_eq!(
            pjshim_udp_transport_start(srv_ep, c"127.0.0.1".as_ptr(), 0, &mut port),
            0
        );
        let pool = pjsip_endpt_create_pool(srv_ep, c"registrar".as_ptr(), 1024, 1024);
        let mut reg = Box::new(Registrar {
            endpt: srv_ep,
            srv: std::mem::zeroed(),
            rng: Rng::new(rng.next()),
            regs: HashMap::new(),
            order: VecDeque::new(),
            counts: ServerCounts::default(),
        });
        for (i, srv) in reg.srv.iter_mut().enumerate() {
            let realm = pjstr(REALMS[i % 2]);
            let opts = if i >= 2 { PJSIP_AUTH_SRV_IS_PROXY } else { 0 };
            assert_eq!(
                pjsip_auth_srv_init(pool, srv, &realm, Some(lookup), opts),
                0
            );
        }
        let reg_ptr: *mut Registrar = &mut *reg;
        pjshim_endpt_set_request_handler(srv_ep, Some(on_request), reg_ptr.cast());
        let srv_uri: &'static str = Box::leak(format!("sip:127.0.0.1:{port}").into_boxed_str());

        let rate = env_u64("PJSHIM_SOAK_FAULTS").unwrap_or(40).min(333) as u16;
        let plan = |seed| FaultPlan {
            seed,
            loss_per_mille: rate,
            duplicate_per_mille: rate,
            reorder_per_mille: rate,
            hold: Duration::from_millis(15),
        };
        let mut cores = Vec::new();
        let mut client_eps = Vec::new();
        for _ in 0..CLIENT_ENDPOINTS {
            let mut ep = null_mut();
            assert_eq!(
                pjsip_endpt_create(&mut cp.factory, c"client".as_ptr(), &mut ep),
                0
            );
            assert_eq!(
                pjshim_udp_transport_start(ep, c"127.0.0.1".as_ptr(), 0, null_mut()),
                0
            );
            let core = core_endpoint(ep).unwrap();
            core.set_fault_plan(Some(plan(rng.next()))).unwrap();
            cores.push(core);
            client_eps.push(ep as usize);
        }
        let srv_core = core_endpoint(srv_ep).unwrap();
        srv_core.set_fault_plan(Some(plan(rng.next()))).unwrap();

        // Workers, then the event threads.
        let mut senders = Vec::new();
        let mut workers = Vec::new();
        for _ in 0..WORKERS {
            let (tx, rx) = mpsc::channel();
            senders.push(tx);
            workers.push(std::thread::spawn(move || worker(rx)));
        }
        *JOBS.lock().unwrap() = senders;
        let srv_ep_u = srv_ep as usize;
        let server = std::thread::spawn(move || {
            let tick = pj_time_val { sec: 0, msec: 5 };
            while !STOP.load(SeqCst) {
                pjsip_endpt_handle_events(srv_ep_u as *mut pjsip_endpoint, &tick);
            }
        });
        let clients: Vec<_> = client_eps
            .iter()
            .enumerate()
            .map(|(i, &ep)| {
                let s = rng.next();
                std::thread::spawn(move || {
                    THREAD_INDEX.with(|c| c.set(i));
                    client_thread(ep, srv_uri, s)
                })
            })
            .collect();

        // Warm-up, a quiet point, the rest, a quiet point.
        let warm = (total / 5).max(20);
        ALLOWED.store(warm, SeqCst);
        let mut all: Vec<Arc<pjsip_auth_shim::endpoint::Endpoint>> = cores.clone();
        all.push(srv_core.clone());
        quiesce(&cores, "after warm-up");
        let (heap_warm, rss_warm) = (heap_quiet(), rss_kib());
        let warm_live = (pjshim_async_live_tokens(), live_grp_locks());
        let warm_at = started_at.elapsed();
        ALLOWED.store(total, SeqCst);
        quiesce(&cores, "at the end");
        let (heap_end, rss_end) = (heap_quiet(), rss_kib());
        let end_live = (pjshim_async_live_tokens(), live_grp_locks());
        let elapsed = started_at.elapsed();

        STOP.store(true, SeqCst);
        server.join().unwrap();
        JOBS.lock().unwrap().clear();
        for w in workers {
            w.join().unwrap();
        }
        let mut slots = Vec::new();
        for c in clients {
            slots.extend(c.join().unwrap());
        }
        let destroys_in_run = COUNTS.destroys.load(SeqCst);
        for s in &slots {
            destroy_client(s);
        }
        drop(slots);
        let faults: Vec<_> = all.iter().map(|e| e.fault_counts()).collect();
        drop(all);
        drop(cores);
        drop(srv_core);
        for ep in client_eps {
            pjsip_endpt_destroy(ep as *mut pjsip_endpoint);
        }
        pjsip_endpt_destroy(srv_ep);
        reg.release();
        let server_counts = std::mem::take(&mut reg.counts);
        drop(reg);
        pj_pool_release(pool);
        pj_caching_pool_destroy(&mut cp);
        let final_live = (pjshim_async_live_tokens(), live_grp_locks());

        // ---- report ----
        let c = &*COUNTS;
        let g = |a: &AtomicU64| a.load(SeqCst);
        let (mut dropped, mut duplicated, mut reordered, mut seen) = (0, 0, 0, 0);
        for f in &faults {
            dropped += f.dropped;
            duplicated += f.duplicated;
            reordered += f.reordered;
            seen += f.seen;
        }
        eprintln!(
            "soak: {} registrations in {:.1} s (warm-up {} in {:.1} s), seed {seed}\n\
             outcomes: {} reported: {} ok, {} cancelled, {} timed out, other {:?}\n\
             tokens: {} issued = {} declined + {} sent ({} inline, {} deferred) + {} abandoned \
             ({} inline, {} deferred) + {} revoked by destroy; {} reuses refused\n\
             deferrals to workers: {}; destroys while running: {destroys_in_run} ({} with a \
             token pending, {} with a transaction in flight), {} clients at teardown\n\
             faults: {seen} datagrams, {dropped} dropped, {duplicated} duplicated, {reordered} \
             reordered\n\
             registrar: {server_counts:?}\n\
             heap: start {heap_start} B, after warm-up {heap_warm} B, at the end {heap_end} B \
             (growth {} B, slack {HEAP_SLACK} B); RSS {rss_warm} KiB -> {rss_end} KiB\n\
             live tokens / group locks: after warm-up {warm_live:?}, at the end {end_live:?}, \
             after teardown {final_live:?}",
            g(&c.registrations),
            elapsed.as_secs_f64(),
            warm,
            warm_at.as_secs_f64(),
            g(&c.reported),
            g(&c.ok),
            g(&c.cancelled),
            g(&c.timed_out),
            c.other.lock().unwrap(),
            g(&c.tokens),
            g(&c.declined),
            g(&c.sent_inline) + g(&c.sent_deferred),
            g(&c.sent_inline),
            g(&c.sent_deferred),
            g(&c.abandoned_inline) + g(&c.abandoned_deferred),
            g(&c.abandoned_inline),
            g(&c.abandoned_deferred),
            g(&c.destroys_with_token),
            g(&c.reuse_refused),
            g(&c.deferrals),
            g(&c.destroys_with_token),
            g(&c.destroys_with_tsx),
            g(&c.destroys) - destroys_in_run,
            heap_end - heap_warm,
        );

        // ---- assertions ----
        let errors = c.errors.lock().unwrap().clone();
        assert!(errors.is_empty(), "errors: {errors:#?}");
        assert_eq!(g(&c.registrations), total);
        // Every registration reported once, or its client destroyed first.
        let destroyed_inflight = g(&c.destroys_with_token) + g(&c.destroys_with_tsx);
        assert_eq!(
            g(&c.reported) + destroyed_inflight,
            total,
            "a registration neither reported nor destroyed"
        );
        // Every token ended exactly once.
        assert_eq!(
            g(&c.tokens),
            g(&c.declined)
                + g(&c.sent_inline)
                + g(&c.sent_deferred)
                + g(&c.abandoned_inline)
                + g(&c.abandoned_deferred)
                + g(&c.destroys_with_token),
            "tokens issued and ended differ"
        );
        // Each abandon reported once, as cancelled; nothing else is.
        assert_eq!(
            g(&c.cancelled),
            g(&c.abandoned_inline) + g(&c.abandoned_deferred)
        );
        assert!(c.other.lock().unwrap().is_empty(), "unexpected outcomes");
        assert!(
            server_counts.refused.is_empty(),
            "the registrar refused requests"
        );
        assert!(
            g(&c.ok) * 2 > total,
            "fewer than half the registrations succeeded"
        );
        assert!(g(&c.deferrals) > 0 && g(&c.destroys_with_token) > 0 && dropped > 0);
        assert!(duplicated > 0 && reordered > 0 && server_counts.stale > 0);
        assert_eq!(
            warm_live,
            (0, 0),
            "tokens or group locks alive after warm-up"
        );
        assert_eq!(end_live, (0, 0), "tokens or group locks alive at the end");
        assert_eq!(
            final_live,
            (0, 0),
            "tokens or group locks alive after teardown"
        );
        assert!(
            heap_end - heap_warm <= HEAP_SLACK,
            "heap grew by {} B over the soak",
            heap_end - heap_warm
        );
        assert!(
            rss_end <= rss_warm + RSS_SLACK_KIB,
            "RSS grew from {rss_warm} to {rss_end} KiB"
        );
    }
}
