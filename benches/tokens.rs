//! Token cycle costs through the C API: issue + send, issue + abandon, a
//! contended consume where 8 threads race on every token, the same cycle with
//! 1,000,000 tokens pending at once, and deinit of a session with k tokens
//! pending, before and after a burst of 200,000 tokens on another session.
//!
//! `cargo bench --bench tokens`
//!
//! The deinit group runs first, in a fresh process, so that its "fresh"
//! figures see a registry no other bench has grown; the 1M-pending bench
//! runs last. The side-by-side comparison with PJSIP is benches/pjsip/.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::auth::sessions::Sessions;
use pjsip_auth_shim::ffi::async_auth::*;
use pjsip_auth_shim::ffi::auth_types::*;
use pjsip_auth_shim::ffi::msg::{
    pjshim_rx_data_parse, pjshim_tx_data_parse, pjsip_rx_data, pjsip_tx_data,
};
use pjsip_auth_shim::ffi::session::*;
use std::hint::black_box;
use std::os::raw::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const REQ: &[u8] = b"REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: bench\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
const CHAL: &[u8] = b"SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>;tag=2\r\nCall-ID: bench\r\nCSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\"\r\nContent-Length: 0\r\n\r\n";

static LAST_TOKEN: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn keep(
    _s: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
    _p: *const pjsip_auth_clt_async_on_chal_param,
) -> i32 {
    LAST_TOKEN.store(token as usize, Ordering::Relaxed);
    1
}
unsafe extern "C" fn send(
    _s: *mut pjsip_auth_clt_sess,
    _u: *mut c_void,
    _t: *mut pjsip_tx_data,
) -> i32 {
    0
}
unsafe extern "C" fn abandon(_s: *mut pjsip_auth_clt_sess, _u: *mut c_void) {}

struct Fixture {
    sess: Box<pjsip_auth_clt_sess>,
    impl_token: Box<pjsip_auth_clt_async_impl_token>,
    tdata: *mut pjsip_tx_data,
    rdata: *mut pjsip_rx_data,
}

impl Fixture {
    fn new() -> Fixture {
        let (mut tdata, mut rdata) = (null_mut(), null_mut());
        unsafe {
            assert_eq!(
                pjshim_tx_data_parse(REQ.as_ptr().cast(), REQ.len(), &mut tdata),
                0
            );
            assert_eq!(
                pjshim_rx_data_parse(CHAL.as_ptr().cast(), CHAL.len(), &mut rdata),
                0
            );
        }
        Fixture {
            sess: new_session(),
            impl_token: Box::new(new_impl_token()),
            tdata,
            rdata,
        }
    }

    /// Issues one token (the callback keeps it) and returns it.
    fn issue(&mut self) -> *mut c_void {
        let impl_token: *mut pjsip_auth_clt_async_impl_token = &mut *self.impl_token;
        issue_on(&mut *self.sess, impl_token, self.tdata, self.rdata)
    }
}

/// A new session with the keeping callback configured.
fn new_session() -> Box<pjsip_auth_clt_sess> {
    unsafe {
        let mut sess = Box::new(std::mem::zeroed::<pjsip_auth_clt_sess>());
        assert_eq!(
            pjsip_auth_clt_init(&mut *sess, null_mut(), null_mut(), 0),
            0
        );
        let opt = pjsip_auth_clt_async_setting {
            cb: Some(keep),
            user_data: null_mut(),
        };
        assert_eq!(pjsip_auth_clt_async_configure(&mut *sess, &opt), 0);
        sess
    }
}

fn new_impl_token() -> pjsip_auth_clt_async_impl_token {
    pjsip_auth_clt_async_impl_token {
        user_data: null_mut(),
        send_impl: Some(send),
        abandon_impl: Some(abandon),
        grp_lock: null_mut(),
        signature: [0; 4],
    }
}

/// Issues one token on `sess` for `impl_token` and returns it.
fn issue_on(
    sess: *mut pjsip_auth_clt_sess,
    impl_token: *mut pjsip_auth_clt_async_impl_token,
    tdata: *mut pjsip_tx_data,
    rdata: *mut pjsip_rx_data,
) -> *mut c_void {
    let prm = pjsip_auth_clt_async_on_chal_param {
        tdata,
        rdata,
        user_data: null_mut(),
    };
    let st = unsafe { pjsip_auth_clt_async_impl_on_challenge(sess, impl_token, &prm) };
    assert_eq!(st, 0);
    LAST_TOKEN.load(Ordering::Relaxed) as *mut c_void
}

/// Tokens left pending on one session, each with its own impl token (the
/// library writes its signature while it is pending, so it must not move:
/// the boxed slice is never resized).
struct Pending {
    impls: Box<[pjsip_auth_clt_async_impl_token]>,
    tokens: Vec<usize>,
}

impl Pending {
    fn issue(
        n: usize,
        sess: *mut pjsip_auth_clt_sess,
        tdata: *mut pjsip_tx_data,
        rdata: *mut pjsip_rx_data,
    ) -> Pending {
        let mut impls: Box<[_]> = (0..n).map(|_| new_impl_token()).collect();
        let tokens = impls
            .iter_mut()
            .map(|t| issue_on(sess, t, tdata, rdata) as usize)
            .collect();
        Pending { impls, tokens }
    }

    fn abandon_all(&self, sess: *mut pjsip_auth_clt_sess) {
        for &t in &self.tokens {
            assert_eq!(
                unsafe { pjsip_auth_clt_async_abandon(sess, t as *mut c_void) },
                0
            );
        }
    }
}

/// pjsip_auth_clt_deinit of a session with k tokens pending (set up outside
/// the timing; deinit revokes them), before and after a burst of 200,000
/// tokens on another session (issued all at once, then consumed), and while
/// that other session holds them pending.
fn bench_deinit(c: &mut Criterion) {
    const BURST: usize = 200_000;
    let f = Fixture::new();
    let (tdata, rdata) = (f.tdata, f.rdata);
    let run = |c: &mut Criterion, group: &str| {
        let mut g = c.benchmark_group(group);
        for k in [0usize, 10, 1000] {
            g.bench_with_input(BenchmarkId::from_parameter(k), &k, |b, &k| {
                b.iter_batched(
                    || {
                        let mut sess = new_session();
                        let pending = Pending::issue(k, &mut *sess, tdata, rdata);
                        (sess, pending)
                    },
                    |(mut sess, pending)| {
                        let st = unsafe { pjsip_auth_clt_deinit(&mut *sess) };
                        assert_eq!(st, 0);
                        (sess, pending)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        g.finish();
    };
    run(c, "deinit with k pending, fresh");
    let mut other = new_session();
    let burst = Pending::issue(BURST, &mut *other, tdata, rdata);
    burst.abandon_all(&mut *other);
    run(c, "deinit with k pending, after a 200k burst elsewhere");
    let burst = Pending::issue(BURST, &mut *other, tdata, rdata);
    run(c, "deinit with k pending, 200k pending elsewhere");
    burst.abandon_all(&mut *other);
    unsafe { pjsip_auth_clt_deinit(&mut *other) };
    drop(burst.impls);
}

/// The issue+send cycle, and issue and claim timed apart, with 1,000,000
/// tokens pending on the same session, next to the same on an empty table.
fn bench_million(c: &mut Criterion) {
    const N: usize = 1_000_000;
    /// Issue and claim alone are timed in chunks this size (the rest of each
    /// chunk's cycle untimed), so the table never holds more than `load` +
    /// CHUNK tokens whatever criterion's iteration count.
    const CHUNK: usize = 1000;
    let f = Fixture::new();
    let (tdata, rdata) = (f.tdata, f.rdata);
    let mut sess_box = new_session();
    let sess: *mut pjsip_auth_clt_sess = &mut *sess_box;
    let mut cycle_box = Box::new(new_impl_token());
    let cycle_impl: *mut pjsip_auth_clt_async_impl_token = &mut *cycle_box;
    // Times issue (claim = false) or claim (claim = true) of `iters` tokens.
    let split = |iters: u64, claim: bool| {
        let mut chunk: Box<[_]> = (0..CHUNK).map(|_| new_impl_token()).collect();
        let mut tokens = vec![0usize; CHUNK];
        let mut spent = Duration::ZERO;
        let mut left = iters as usize;
        while left > 0 {
            let n = left.min(CHUNK);
            let start = Instant::now();
            if !claim {
                for i in 0..n {
                    tokens[i] = issue_on(sess, &mut chunk[i], tdata, rdata) as usize;
                }
                spent += start.elapsed();
            } else {
                for i in 0..n {
                    tokens[i] = issue_on(sess, &mut chunk[i], tdata, rdata) as usize;
                }
            }
            let start = Instant::now();
            for &t in &tokens[..n] {
                let st = unsafe { pjsip_auth_clt_async_send_req(sess, t as *mut c_void, tdata) };
                assert_eq!(st, 0);
            }
            if claim {
                spent += start.elapsed();
            }
            left -= n;
        }
        spent
    };
    let mut g = c.benchmark_group("1M tokens pending");
    for (name, load) in [("empty table", 0), ("1M pending", N)] {
        let pending = Pending::issue(load, sess, tdata, rdata);
        g.bench_function(BenchmarkId::new("issue+send", name), |b| {
            b.iter(|| {
                let t = issue_on(sess, cycle_impl, tdata, rdata);
                black_box(unsafe { pjsip_auth_clt_async_send_req(sess, t, tdata) })
            })
        });
        g.bench_function(BenchmarkId::new("issue", name), |b| {
            b.iter_custom(|iters| split(iters, false))
        });
        g.bench_function(BenchmarkId::new("claim", name), |b| {
            b.iter_custom(|iters| split(iters, true))
        });
        pending.abandon_all(sess);
    }
    g.finish();
    unsafe { pjsip_auth_clt_deinit(sess) };
}

fn bench(c: &mut Criterion) {
    // The core protocol alone (no C conversion, no callback), for comparison.
    let table: Sessions<u32, u64> = Sessions::new(16, 1 << 16);
    let id = table.open(ClientSession::default(), 0).unwrap();
    table.configure(id, 1).unwrap();
    c.bench_function("core issue+claim", |b| {
        b.iter(|| {
            let t = table.issue(id, 5).unwrap().token;
            black_box(table.claim(id, t).unwrap())
        })
    });
    let mut f = Fixture::new();
    c.bench_function("token issue+send", |b| {
        b.iter(|| {
            let t = f.issue();
            let st = unsafe { pjsip_auth_clt_async_send_req(&mut *f.sess, t, f.tdata) };
            black_box(st)
        })
    });
    c.bench_function("token issue+abandon", |b| {
        b.iter(|| {
            let t = f.issue();
            black_box(unsafe { pjsip_auth_clt_async_abandon(&mut *f.sess, t) })
        })
    });
    // Every token is attempted by 8 threads at once; time per token.
    c.bench_function("token contended consume, 8 threads", |b| {
        b.iter_custom(|iters| {
            let n = iters as usize;
            let tokens: Arc<Vec<usize>> = Arc::new((0..n).map(|_| f.issue() as usize).collect());
            let sess_addr = &mut *f.sess as *mut pjsip_auth_clt_sess as usize;
            let barrier = Arc::new(Barrier::new(9));
            let wins = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..8)
                .map(|i| {
                    let (tokens, barrier, wins) = (tokens.clone(), barrier.clone(), wins.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        let sess = sess_addr as *mut pjsip_auth_clt_sess;
                        for &t in tokens.iter() {
                            let st = unsafe {
                                if i % 2 == 0 {
                                    pjsip_auth_clt_async_abandon(sess, t as *mut c_void)
                                } else {
                                    pjsip_auth_clt_async_send_req(
                                        sess,
                                        t as *mut c_void,
                                        1 as *mut _,
                                    )
                                }
                            };
                            if st == 0 {
                                wins.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        barrier.wait();
                    })
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            barrier.wait();
            let elapsed = start.elapsed();
            threads.into_iter().for_each(|t| t.join().unwrap());
            assert_eq!(
                wins.load(Ordering::Relaxed),
                n,
                "exactly one winner per token"
            );
            elapsed.max(Duration::from_nanos(1))
        })
    });
}

criterion_group!(deinit, bench_deinit);
criterion_group!(benches, bench);
criterion_group!(million, bench_million);
criterion_main!(deinit, benches, million);
