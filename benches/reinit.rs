//! pjsip_auth_clt_reinit_req through the C API: a 401 with one MD5
//! challenge, one SHA-256 challenge, and SHA-256 + MD5 for one realm, each
//! in two settings:
//! - `reused-session` (the realistic case): one session answers the same
//!   challenge for a new copy of the request on every iteration (a
//!   registration refresh challenged with the nonce already known), so
//!   every answer after the first is nc + 1 with the cached cnonce.
//! - `fresh-session`: a new session per iteration (set up outside the
//!   timing), so every answer is a first answer (nc 1, fresh cnonce).
//!
//! `cargo bench --bench reinit` (wall clock, criterion's default), or
//! `PJSHIM_BENCH_CPU=1 cargo bench --bench reinit` to time with the
//! thread's CPU clock instead: on a machine shared with other builds it
//! leaves out the time the bench thread spends descheduled, so before/after
//! comparisons stay meaningful under load.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, Criterion};
use pjsip_auth_shim::auth::client;
use pjsip_auth_shim::auth::credential::{Credential, SecretKind};
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::ffi::auth_client::pjsip_auth_clt_reinit_req;
use pjsip_auth_shim::ffi::auth_types::*;
use pjsip_auth_shim::ffi::msg::*;
use pjsip_auth_shim::ffi::session::*;
use pjsip_auth_shim::ffi::types::pj_str_t;
use pjsip_auth_shim::sip::SipMessage;
use std::ptr::null_mut;
use std::time::Duration;

/// Criterion measurement over `CLOCK_THREAD_CPUTIME_ID`.
struct ThreadCpu;

static WALL: WallTime = WallTime;

fn thread_cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid, writable timespec; the clock id is a constant Linux knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpu {
    type Intermediate = Duration;
    type Value = Duration;
    fn start(&self) -> Duration {
        thread_cpu_now()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

const REQ: &[u8] = b"REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: bench\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";

fn challenge(hdrs: &str) -> Vec<u8> {
    format!("SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>;tag=2\r\nCall-ID: bench\r\nCSeq: 1 REGISTER\r\n{hdrs}Content-Length: 0\r\n\r\n").into_bytes()
}

struct Sess(Box<pjsip_auth_clt_sess>);

impl Sess {
    fn new() -> Sess {
        unsafe {
            let mut s = Box::new(std::mem::zeroed::<pjsip_auth_clt_sess>());
            assert_eq!(pjsip_auth_clt_init(&mut *s, null_mut(), null_mut(), 0), 0);
            let st = |v: &'static str| pj_str_t {
                ptr: v.as_ptr() as *mut _,
                slen: v.len() as _,
            };
            let mut c: pjsip_cred_info = std::mem::zeroed();
            c.realm = st("example.com");
            c.scheme = st("digest");
            c.username = st("alice");
            c.data = st("secret");
            assert_eq!(pjsip_auth_clt_set_credentials(&mut *s, 1, &c), 0);
            Sess(s)
        }
    }
}

impl Drop for Sess {
    fn drop(&mut self) {
        unsafe {
            pjsip_auth_clt_deinit(&mut *self.0);
        }
    }
}

/// A request as first sent (no authorization yet), freed on drop.
struct Tx(*mut pjsip_tx_data);

impl Tx {
    fn new() -> Tx {
        let mut tdata: *mut pjsip_tx_data = null_mut();
        unsafe {
            assert_eq!(
                pjshim_tx_data_parse(REQ.as_ptr().cast(), REQ.len(), &mut tdata),
                0
            );
        }
        Tx(tdata)
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        unsafe {
            pjsip_tx_data_dec_ref(self.0);
        }
    }
}

fn bench<M: Measurement<Value = Duration>>(c: &mut Criterion<M>) {
    let cases = [
        ("md5", "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth\"\r\n"),
        ("sha256", "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth\", algorithm=SHA-256\r\n"),
        ("sha256+md5", "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth\", algorithm=SHA-256\r\nWWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth\", algorithm=MD5\r\n"),
    ];
    let tdata = Tx::new();
    let mut g = c.benchmark_group("reinit_req");
    for (name, hdrs) in cases {
        let msg = challenge(hdrs);
        let mut rdata: *mut pjsip_rx_data = null_mut();
        unsafe {
            assert_eq!(
                pjshim_rx_data_parse(msg.as_ptr().cast(), msg.len(), &mut rdata),
                0
            );
        }
        let mut sess = Sess::new();
        g.bench_function(format!("{name}/reused-session"), |b| {
            b.iter_batched_ref(
                Tx::new,
                |tx| unsafe {
                    let mut out = null_mut();
                    assert_eq!(
                        pjsip_auth_clt_reinit_req(&mut *sess.0, rdata, tx.0, &mut out),
                        0
                    );
                    pjsip_tx_data_dec_ref(out);
                },
                BatchSize::SmallInput,
            )
        });
        drop(sess);
        g.bench_function(format!("{name}/fresh-session"), |b| {
            b.iter_batched_ref(
                Sess::new,
                |s| unsafe {
                    let mut out = null_mut();
                    assert_eq!(
                        pjsip_auth_clt_reinit_req(&mut *s.0, rdata, tdata.0, &mut out),
                        0
                    );
                    pjsip_tx_data_dec_ref(out);
                },
                BatchSize::SmallInput,
            )
        });
        unsafe {
            pjsip_rx_data_free_cloned(rdata);
        }
    }
    // The core alone (no C layer, no session table): the same reused case
    // on our own SipMessage, to show what the C front end adds.
    let msg = challenge(cases[0].1);
    let resp = SipMessage::parse(&msg).unwrap();
    let req = SipMessage::parse(REQ).unwrap();
    let mut core = ClientSession::default();
    core.set_credentials(vec![Credential {
        realm: b"example.com".to_vec(),
        scheme: b"digest".to_vec(),
        username: b"alice".to_vec(),
        data: b"secret".to_vec(),
        kind: SecretKind::Password,
    }]);
    g.bench_function("md5/reused-session/core", |b| {
        b.iter_batched_ref(
            || req.clone(),
            |r| client::reinit(&mut core, &resp, r).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn main() {
    if std::env::var_os("PJSHIM_BENCH_CPU").is_some() {
        let mut c = Criterion::default()
            .with_measurement(ThreadCpu)
            .configure_from_args();
        bench(&mut c);
        c.final_summary();
    } else {
        let mut c = Criterion::default().configure_from_args();
        bench(&mut c);
        c.final_summary();
    }
}
