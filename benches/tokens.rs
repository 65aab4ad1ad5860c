//! Token cycle costs through the C API: issue + send, issue + abandon, and a
//! contended consume where 8 threads race on every token.
//!
//! `cargo bench --bench tokens`

use criterion::{criterion_group, criterion_main, Criterion};
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
            let (mut tdata, mut rdata) = (null_mut(), null_mut());
            assert_eq!(
                pjshim_tx_data_parse(REQ.as_ptr().cast(), REQ.len(), &mut tdata),
                0
            );
            assert_eq!(
                pjshim_rx_data_parse(CHAL.as_ptr().cast(), CHAL.len(), &mut rdata),
                0
            );
            let impl_token = Box::new(pjsip_auth_clt_async_impl_token {
                user_data: null_mut(),
                send_impl: Some(send),
                abandon_impl: Some(abandon),
                grp_lock: null_mut(),
                signature: [0; 4],
            });
            Fixture {
                sess,
                impl_token,
                tdata,
                rdata,
            }
        }
    }

    /// Issues one token (the callback keeps it) and returns it.
    fn issue(&mut self) -> *mut c_void {
        let prm = pjsip_auth_clt_async_on_chal_param {
            tdata: self.tdata,
            rdata: self.rdata,
            user_data: null_mut(),
        };
        let st = unsafe {
            pjsip_auth_clt_async_impl_on_challenge(&mut *self.sess, &mut *self.impl_token, &prm)
        };
        assert_eq!(st, 0);
        LAST_TOKEN.load(Ordering::Relaxed) as *mut c_void
    }
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

criterion_group!(benches, bench);
criterion_main!(benches);
