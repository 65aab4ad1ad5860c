//! The library's main job, start to finish, through its C API:
//! a REGISTER is challenged (401, SHA-256 and MD5 offered for one realm), the
//! challenge goes to the application's callback as an opaque token, the
//! credentials arrive 200 ms later on another thread, the request is rebuilt
//! with `pjsip_auth_clt_reinit_req` and sent once with
//! `pjsip_auth_clt_async_send_req`; every later use of the token is refused.
//!
//! `cargo run --release --example async_challenge`

use pjsip_auth_shim::ffi::async_auth::*;
use pjsip_auth_shim::ffi::auth_client::pjsip_auth_clt_reinit_req;
use pjsip_auth_shim::ffi::auth_types::*;
use pjsip_auth_shim::ffi::msg::*;
use pjsip_auth_shim::ffi::session::*;
use pjsip_auth_shim::ffi::status::pj_strerror;
use pjsip_auth_shim::ffi::types::{pj_status_t, pj_str_t};
use std::os::raw::{c_char, c_void};
use std::ptr::null_mut;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const REGISTER: &str = "REGISTER sip:127.0.0.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-demo-1\r\n\
Max-Forwards: 70\r\n\
From: <sip:alice@shim.test>;tag=a73kszlfl\r\n\
To: <sip:alice@shim.test>\r\n\
Call-ID: demo-1@127.0.0.1\r\n\
CSeq: 1 REGISTER\r\n\
Contact: <sip:alice@127.0.0.1:5070>\r\n\
Expires: 300\r\n\
Content-Length: 0\r\n\r\n";

const CHALLENGE: &str = "SIP/2.0 401 Unauthorized\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-demo-1\r\n\
From: <sip:alice@shim.test>;tag=a73kszlfl\r\n\
To: <sip:alice@shim.test>;tag=1410948204\r\n\
Call-ID: demo-1@127.0.0.1\r\n\
CSeq: 1 REGISTER\r\n\
WWW-Authenticate: Digest realm=\"shim.test\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", qop=\"auth\", algorithm=SHA-256, opaque=\"xyz\"\r\n\
WWW-Authenticate: Digest realm=\"shim.test\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", qop=\"auth\", algorithm=MD5, opaque=\"xyz\"\r\n\
Content-Length: 0\r\n\r\n";

static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

fn log(who: &str, what: &str) {
    let ms = START.get().unwrap().elapsed().as_secs_f64() * 1000.0;
    println!("[{ms:8.3} ms] {who:<12} {what}");
}

fn status_text(st: pj_status_t) -> String {
    let mut buf = [0 as c_char; 80];
    unsafe { pj_strerror(st, buf.as_mut_ptr(), buf.len()) };
    let text = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    format!("{st} ({})", text.to_string_lossy())
}

fn indent(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end()
        .lines()
        .map(|l| format!("               | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn print_tx(tdata: *const pjsip_tx_data) -> String {
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    unsafe { pjshim_tx_data_print(tdata, buf.as_mut_ptr().cast(), buf.len(), &mut len) };
    indent(&buf[..len])
}

/// What the challenge callback hands to the credential worker.
struct Deferred {
    sess: usize,
    token: usize,
    rdata: usize,
    tdata: usize,
}

unsafe extern "C" fn on_challenge(
    sess: *mut pjsip_auth_clt_sess,
    token: *mut c_void,
    param: *const pjsip_auth_clt_async_on_chal_param,
) -> i32 {
    let p = &*param;
    log(
        "callback",
        &format!("challenge received, token {token:p} (an opaque value, not an address)"),
    );
    // The response is valid only during the callback and the request only while
    // someone holds a reference: keep both for later.
    let mut clone = null_mut();
    pjsip_rx_data_clone(p.rdata, 0, &mut clone);
    pjsip_tx_data_add_ref(p.tdata);
    let tx = &*(p.user_data as *const mpsc::Sender<Deferred>);
    tx.send(Deferred {
        sess: sess as usize,
        token: token as usize,
        rdata: clone as usize,
        tdata: p.tdata as usize,
    })
    .unwrap();
    log(
        "callback",
        "no credentials yet: keeping the token, returning PJ_TRUE",
    );
    1
}

/// The transaction layer's send: here, print what would go on the wire.
unsafe extern "C" fn send_impl(
    _sess: *mut pjsip_auth_clt_sess,
    user_data: *mut c_void,
    request: *mut pjsip_tx_data,
) -> pj_status_t {
    *(user_data as *mut u32) += 1;
    log(
        "transaction",
        &format!(
            "send_impl: sending the authenticated request\n{}",
            print_tx(request)
        ),
    );
    pjsip_tx_data_dec_ref(request);
    0
}

unsafe extern "C" fn abandon_impl(_sess: *mut pjsip_auth_clt_sess, _user_data: *mut c_void) {
    log("transaction", "abandon_impl: registration given up");
}

fn main() {
    START.set(Instant::now()).unwrap();
    unsafe {
        let (mut tdata, mut rdata) = (null_mut(), null_mut());
        assert_eq!(
            pjshim_tx_data_parse(REGISTER.as_ptr().cast(), REGISTER.len(), &mut tdata),
            0
        );
        assert_eq!(
            pjshim_rx_data_parse(CHALLENGE.as_ptr().cast(), CHALLENGE.len(), &mut rdata),
            0
        );
        log(
            "app",
            &format!("REGISTER sent\n{}", indent(REGISTER.as_bytes())),
        );
        log(
            "registrar",
            &format!("answers\n{}", indent(CHALLENGE.as_bytes())),
        );

        let mut sess: pjsip_auth_clt_sess = std::mem::zeroed();
        pjsip_auth_clt_init(&mut sess, null_mut(), null_mut(), 0);
        let (tx, rx) = mpsc::channel::<Deferred>();
        let opt = pjsip_auth_clt_async_setting {
            cb: Some(on_challenge),
            user_data: &tx as *const _ as *mut c_void,
        };
        pjsip_auth_clt_async_configure(&mut sess, &opt);

        // What a transaction layer (our regc, or your SIP stack) does on a 401.
        let mut sends = 0u32;
        let mut impl_token = pjsip_auth_clt_async_impl_token {
            user_data: &mut sends as *mut u32 as *mut c_void,
            send_impl: Some(send_impl),
            abandon_impl: Some(abandon_impl),
            grp_lock: null_mut(),
            signature: [0; 4],
        };
        let param = pjsip_auth_clt_async_on_chal_param {
            tdata,
            rdata,
            user_data: null_mut(),
        };
        let st = pjsip_auth_clt_async_impl_on_challenge(&mut sess, &mut impl_token, &param);
        log(
            "transaction",
            &format!("impl_on_challenge -> {}", status_text(st)),
        );
        log(
            "transaction",
            &format!(
                "pending tokens on the session: {}",
                pjshim_auth_clt_async_pending(&mut sess)
            ),
        );
        pjsip_rx_data_free_cloned(rdata); // the transaction layer is done with the 401

        // Credentials arrive later, on another thread (a prompt, a vault, OAuth...).
        let d = rx.recv().unwrap();
        let worker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            let sess = d.sess as *mut pjsip_auth_clt_sess;
            let s = |t: &'static str| pj_str_t {
                ptr: t.as_ptr() as *mut c_char,
                slen: t.len() as _,
            };
            let mut cred: pjsip_cred_info = std::mem::zeroed();
            cred.realm = s("*");
            cred.scheme = s("digest");
            cred.username = s("alice");
            cred.data = s("secret");
            log(
                "worker",
                "credentials arrived after 200 ms: set_credentials(realm \"*\", alice)",
            );
            pjsip_auth_clt_set_credentials(sess, 1, &cred);
            let mut new_req = null_mut();
            let st = pjsip_auth_clt_reinit_req(
                sess,
                d.rdata as *const _,
                d.tdata as *mut _,
                &mut new_req,
            );
            log(
                "worker",
                &format!(
                    "reinit_req -> {} (one answer for the realm: the topmost, SHA-256)",
                    status_text(st)
                ),
            );
            let st = pjsip_auth_clt_async_send_req(sess, d.token as *mut c_void, new_req);
            log("worker", &format!("send_req -> {}", status_text(st)));
            // The token is spent: every further use is refused, nothing is read through it.
            pjsip_tx_data_add_ref(d.tdata as *mut _);
            let again =
                pjsip_auth_clt_async_send_req(sess, d.token as *mut c_void, d.tdata as *mut _);
            pjsip_tx_data_dec_ref(d.tdata as *mut _);
            log(
                "worker",
                &format!(
                    "send_req with the same token again -> {}",
                    status_text(again)
                ),
            );
            let forged =
                pjsip_auth_clt_async_abandon(sess, 0x1234_5678_9abc_def0usize as *mut c_void);
            log(
                "worker",
                &format!("abandon with a forged token -> {}", status_text(forged)),
            );
            pjsip_rx_data_free_cloned(d.rdata as *mut _);
            pjsip_tx_data_dec_ref(d.tdata as *mut _);
        });
        worker.join().unwrap();

        let by_address = pjsip_auth_clt_async_send_req(
            &mut sess,
            &mut impl_token as *mut _ as *mut c_void,
            tdata,
        );
        log(
            "app",
            &format!(
                "send_req with &impl_token (PJSIP accepted this) -> {}",
                status_text(by_address)
            ),
        );
        log("app", &format!(
            "send_impl ran {sends} time(s); impl_token signature now {:?}; live tokens in the process: {}",
            impl_token.signature,
            pjshim_async_live_tokens()
        ));
        pjsip_auth_clt_deinit(&mut sess);
        pjsip_tx_data_dec_ref(tdata);
        assert_eq!(sends, 1);
        assert_eq!(pjshim_async_live_tokens(), 0);
    }
}
