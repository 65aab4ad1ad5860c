//! A real registration over UDP, through the library's C API only: a
//! `pjsip_regc` client whose digest challenge is answered asynchronously.
//!
//! With no arguments, an embedded registrar runs on 127.0.0.1 (its own
//! endpoint, verifying with `pjsip_auth_srv_verify` against `alice`/`secret`
//! and challenging with `pjsip_auth_srv_challenge2`, SHA-256). The client's
//! challenge callback keeps the opaque token and hands the 401 and the request
//! to a worker thread, which supplies the credentials 200 ms later, rebuilds
//! the request with `pjsip_auth_clt_reinit_req` and sends it with
//! `pjsip_auth_clt_async_send_req`. Both endpoints run on the main thread's
//! `pjsip_endpt_handle_events`. The SIP ladder is printed as the registrar
//! sees it, then the outcome; the client then unregisters (challenged again,
//! answered the same way), everything is destroyed, and no auth token may be
//! left alive. Exits non-zero if the registration did not succeed.
//!
//! `cargo run --release --example register`
//!
//! With `<registrar-uri> <user> [password]` (the password is prompted for on
//! stdin when absent), the same client registers `sip:<user>@<registrar host>`
//! with a real registrar (credentials for realm `*`); no embedded registrar.
//!
//! `cargo run --release --example register -- sip:pbx.example.net alice`

use pjsip_auth_shim::ffi::async_auth::*;
use pjsip_auth_shim::ffi::auth_client::pjsip_auth_clt_reinit_req;
use pjsip_auth_shim::ffi::auth_server::*;
use pjsip_auth_shim::ffi::auth_types::*;
use pjsip_auth_shim::ffi::endpoint::*;
use pjsip_auth_shim::ffi::msg::*;
use pjsip_auth_shim::ffi::pool::*;
use pjsip_auth_shim::ffi::regc::*;
use pjsip_auth_shim::ffi::session::pjsip_auth_clt_set_credentials;
use pjsip_auth_shim::ffi::status::{pj_strerror, PJSIP_EAUTHACCNOTFOUND};
use pjsip_auth_shim::ffi::types::*;
use std::ffi::{CStr, CString};
use std::io::Write;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::ptr::null_mut;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `PJSIP_AUTH_ALGORITHM_SHA256` and `PJSIP_CRED_DATA_PLAIN_PASSWD` (header enums).
const ALGORITHM_SHA256: c_int = 2;
const CRED_DATA_PLAIN_PASSWD: c_int = 0;
const REALM: &str = "shim.test";
const ANSWER_DELAY: Duration = Duration::from_millis(200);

static START: OnceLock<Instant> = OnceLock::new();
/// The credentials the worker supplies: (user, password).
static CREDS: OnceLock<(String, String)> = OnceLock::new();
/// True when the registrar is embedded (it prints the ladder).
static EMBEDDED: OnceLock<bool> = OnceLock::new();
/// What the registration callback reported: (status, code, expiration), in order.
type Report = (pj_status_t, c_int, i32);
static RESULTS: Mutex<Vec<Report>> = Mutex::new(Vec::new());
/// The credential workers, joined before teardown.
static WORKERS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

fn log(who: &str, what: &str) {
    let ms = START.get().unwrap().elapsed().as_secs_f64() * 1000.0;
    println!("[{ms:8.1} ms] {who:<10} {what}");
}

fn status_text(st: pj_status_t) -> String {
    if st == 0 {
        return "PJ_SUCCESS".into();
    }
    let mut buf = [0 as c_char; 80];
    unsafe { pj_strerror(st, buf.as_mut_ptr(), buf.len()) };
    let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
    format!("{st} ({})", text.to_string_lossy())
}

fn pjstr(s: &str) -> pj_str_t {
    pj_str_t {
        ptr: s.as_ptr() as *mut c_char,
        slen: s.len() as _,
    }
}

fn text_of(s: &pj_str_t) -> String {
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr as *const u8, s.slen as usize) };
    String::from_utf8_lossy(bytes).into_owned()
}

fn rx_hdr(rdata: *const pjsip_rx_data, name: &CStr) -> Option<String> {
    let mut v = pj_str_t::EMPTY;
    (unsafe { pjshim_rx_data_get_hdr(rdata, name.as_ptr(), 0, &mut v) } == 0).then(|| text_of(&v))
}

fn rx_text(rdata: *const pjsip_rx_data) -> String {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    unsafe { pjshim_rx_data_print(rdata, buf.as_mut_ptr().cast(), buf.len(), &mut len) };
    String::from_utf8_lossy(&buf[..len]).into_owned()
}

fn tx_text(tdata: *const pjsip_tx_data) -> String {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    unsafe { pjshim_tx_data_print(tdata, buf.as_mut_ptr().cast(), buf.len(), &mut len) };
    String::from_utf8_lossy(&buf[..len]).into_owned()
}

/// The start line plus the named headers of a printed message, for the ladder.
fn summary(text: &str, names: &[&str]) -> String {
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or("").to_string();
    for l in lines.take_while(|l| !l.is_empty()) {
        let name = l.split(':').next().unwrap_or("").trim();
        if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            out += &format!("\n{:24}{l}", "");
        }
    }
    out
}

// ---- the embedded registrar -------------------------------------------------

struct Registrar {
    endpt: *mut pjsip_endpoint,
    auth: pjsip_auth_srv,
}

/// The registrar's only account: alice / secret.
unsafe extern "C" fn lookup(
    _pool: *mut pj_pool_t,
    realm: *const pj_str_t,
    acc_name: *const pj_str_t,
    cred: *mut pjsip_cred_info,
) -> pj_status_t {
    if text_of(&*acc_name) != "alice" {
        return PJSIP_EAUTHACCNOTFOUND;
    }
    let c = &mut *cred;
    c.realm = *realm;
    c.scheme = pjstr("digest");
    c.username = pjstr("alice");
    c.data_type = CRED_DATA_PLAIN_PASSWD;
    c.data = pjstr("secret");
    0
}

/// `resp` with one more header: printed, the header inserted, parsed again.
fn with_header(resp: *mut pjsip_tx_data, header: &str) -> *mut pjsip_tx_data {
    let text = tx_text(resp).replacen("\r\n\r\n", &format!("\r\n{header}\r\n\r\n"), 1);
    let mut full = null_mut();
    let st = unsafe { pjshim_tx_data_parse(text.as_ptr().cast(), text.len(), &mut full) };
    assert_eq!(st, 0, "reparse: {}", status_text(st));
    unsafe { pjsip_tx_data_dec_ref(resp) };
    full
}

unsafe extern "C" fn on_request(rdata: *mut pjsip_rx_data, user_data: *mut c_void) -> pj_bool_t {
    let reg = &mut *(user_data as *mut Registrar);
    log(
        "registrar",
        &format!(
            "<- {}",
            summary(&rx_text(rdata), &["CSeq", "Expires", "Authorization"])
        ),
    );
    let mut code: c_int = 0;
    let st = pjsip_auth_srv_verify(&mut reg.auth, rdata, &mut code);
    let mut resp = null_mut();
    if st == 0 {
        pjshim_tx_data_create_response(rdata, 200, std::ptr::null(), &mut resp);
        let expires: u32 = rx_hdr(rdata, c"Expires")
            .and_then(|e| e.trim().parse().ok())
            .unwrap_or(3600)
            .min(3600);
        if let (true, Some(contact)) = (expires > 0, rx_hdr(rdata, c"Contact")) {
            resp = with_header(resp, &format!("Contact: {contact};expires={expires}"));
        }
    } else {
        // No or wrong credentials, or a stale nonce: challenge (again).
        pjshim_tx_data_create_response(rdata, code, std::ptr::null(), &mut resp);
        if code == 401 {
            let st = pjsip_auth_srv_challenge2(
                &mut reg.auth,
                null_mut(),
                null_mut(),
                null_mut(),
                PJ_FALSE,
                resp,
                ALGORITHM_SHA256,
            );
            assert_eq!(st, 0, "challenge2: {}", status_text(st));
        }
    }
    log(
        "registrar",
        &format!(
            "-> {}",
            summary(&tx_text(resp), &["WWW-Authenticate", "Contact"])
        ),
    );
    let st = pjshim_endpt_respond(reg.endpt, rdata, resp);
    assert_eq!(st, 0, "respond: {}", status_text(st));
    pjsip_tx_data_dec_ref(resp);
    PJ_TRUE
}

// ---- the client ---------------------------------------------------------------

/// What the challenge callback hands to a credential worker.
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
) -> pj_bool_t {
    let p = &*param;
    let mut note = format!(
        "{} challenge: token {token:p} kept, credentials asked for",
        pjshim_rx_data_get_status(p.rdata)
    );
    if !EMBEDDED.get().unwrap() {
        note += &format!(
            "\n{:24}WWW-Authenticate: {}",
            "",
            rx_hdr(p.rdata, c"WWW-Authenticate").unwrap_or_default()
        );
    }
    log("callback", &note);
    // The 401 is valid only during the callback, the request only while
    // someone holds a reference: keep both for the worker.
    let mut clone = null_mut();
    pjsip_rx_data_clone(p.rdata, 0, &mut clone);
    pjsip_tx_data_add_ref(p.tdata);
    let d = Deferred {
        sess: sess as usize,
        token: token as usize,
        rdata: clone as usize,
        tdata: p.tdata as usize,
    };
    WORKERS
        .lock()
        .unwrap()
        .push(std::thread::spawn(move || answer(d)));
    PJ_TRUE
}

/// The credential worker: the password "arrives" after 200 ms.
fn answer(d: Deferred) {
    std::thread::sleep(ANSWER_DELAY);
    let (user, password) = CREDS.get().unwrap();
    let sess = d.sess as *mut pjsip_auth_clt_sess;
    unsafe {
        let mut cred: pjsip_cred_info = std::mem::zeroed();
        cred.realm = pjstr("*");
        cred.scheme = pjstr("digest");
        cred.username = pjstr(user);
        cred.data_type = CRED_DATA_PLAIN_PASSWD;
        cred.data = pjstr(password);
        pjsip_auth_clt_set_credentials(sess, 1, &cred);
        let mut new_req = null_mut();
        let st =
            pjsip_auth_clt_reinit_req(sess, d.rdata as *const _, d.tdata as *mut _, &mut new_req);
        if st == 0 {
            let st = pjsip_auth_clt_async_send_req(sess, d.token as *mut c_void, new_req);
            log(
                "worker",
                &format!(
                    "credentials for {user} after {} ms: reinit_req ok, send_req -> {}",
                    ANSWER_DELAY.as_millis(),
                    status_text(st)
                ),
            );
            if st != 0 {
                pjsip_tx_data_dec_ref(new_req);
            }
        } else {
            let ab = pjsip_auth_clt_async_abandon(sess, d.token as *mut c_void);
            log(
                "worker",
                &format!(
                    "reinit_req -> {}: abandoned -> {}",
                    status_text(st),
                    status_text(ab)
                ),
            );
        }
        pjsip_rx_data_free_cloned(d.rdata as *mut _);
        pjsip_tx_data_dec_ref(d.tdata as *mut _);
    }
}

unsafe extern "C" fn on_reg(p: *mut pjsip_regc_cbparam) {
    let p = &*p;
    let reason = text_of(&p.reason);
    log(
        "regc",
        &format!(
            "{} {reason}, status {}, expiration {}{}",
            p.code,
            status_text(p.status),
            p.expiration,
            if p.is_unreg != 0 { " (unregister)" } else { "" }
        ),
    );
    RESULTS
        .lock()
        .unwrap()
        .push((p.status, p.code, p.expiration));
}

/// Runs every endpoint's events until the registration callback has reported
/// `n` times or `limit` has passed; returns the last report.
fn pump(endpts: &[*mut pjsip_endpoint], n: usize, limit: Duration) -> Option<Report> {
    let deadline = Instant::now() + limit;
    let tick = pj_time_val { sec: 0, msec: 5 };
    while RESULTS.lock().unwrap().len() < n && Instant::now() < deadline {
        for &e in endpts {
            unsafe { pjsip_endpt_handle_events(e, &tick) };
        }
    }
    let r = RESULTS.lock().unwrap();
    r.get(n - 1).copied()
}

/// The host[:port] part of a SIP URI (`sip:`, angle brackets, user part and
/// parameters removed).
fn hostport(uri: &str) -> &str {
    let u = uri.trim().trim_start_matches('<').trim_end_matches('>');
    let u = u.split_once(':').map_or(u, |(_, rest)| rest);
    let u = u.rsplit_once('@').map_or(u, |(_, rest)| rest);
    u.split([';', '?', '>']).next().unwrap_or(u)
}

/// The host of a host[:port] (IPv6 literals keep their brackets).
fn host_of(hp: &str) -> &str {
    if hp.starts_with('[') {
        return hp.split_inclusive(']').next().unwrap_or(hp);
    }
    hp.split(':').next().unwrap_or(hp)
}

/// The local address the system would use to reach `hp`.
fn local_ip_towards(hp: &str) -> std::io::Result<std::net::IpAddr> {
    use std::net::{ToSocketAddrs, UdpSocket};
    let target = if hp.ends_with(']') || !hp.contains(':') {
        format!("{hp}:5060")
    } else {
        hp.to_string()
    };
    let dest = target
        .to_socket_addrs()?
        .next()
        .ok_or(std::io::ErrorKind::NotFound)?;
    let any = if dest.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let s = UdpSocket::bind(any)?;
    s.connect(dest)?;
    Ok(s.local_addr()?.ip())
}

fn main() {
    START.set(Instant::now()).unwrap();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let embedded = args.is_empty();
    EMBEDDED.set(embedded).unwrap();
    if !embedded && !(2..=3).contains(&args.len()) {
        eprintln!("usage: register [<registrar-uri> <user> [password]]");
        std::process::exit(2);
    }
    let creds = if embedded {
        ("alice".to_string(), "secret".to_string())
    } else {
        let password = args.get(2).cloned().unwrap_or_else(|| {
            eprint!("password for {}: ", args[1]);
            std::io::stderr().flush().ok();
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .expect("reading the password");
            line.trim_end_matches(['\r', '\n']).to_string()
        });
        (args[1].clone(), password)
    };
    CREDS.set(creds).unwrap();
    let ok = unsafe { run(&args) };
    std::process::exit(if ok { 0 } else { 1 });
}

unsafe fn run(args: &[String]) -> bool {
    let embedded = args.is_empty();
    let mut cp: pj_caching_pool = std::mem::zeroed();
    pj_caching_pool_init(&mut cp, std::ptr::null(), 0);

    // The registrar: its own endpoint, UDP on 127.0.0.1, an ephemeral port.
    let mut srv: *mut pjsip_endpoint = null_mut();
    let mut srv_pool: *mut pj_pool_t = null_mut();
    let mut registrar: Option<Box<Registrar>> = None;
    let (srv_uri, aor, bind_ip) = if embedded {
        pjsip_endpt_create(&mut cp.factory, c"registrar".as_ptr(), &mut srv);
        let mut port: c_uint = 0;
        let st = pjshim_udp_transport_start(srv, c"127.0.0.1".as_ptr(), 0, &mut port);
        assert_eq!(st, 0, "registrar transport: {}", status_text(st));
        srv_pool = pjsip_endpt_create_pool(srv, c"registrar".as_ptr(), 1024, 1024);
        let mut reg = Box::new(Registrar {
            endpt: srv,
            auth: std::mem::zeroed(),
        });
        let realm = pjstr(REALM);
        let st = pjsip_auth_srv_init(srv_pool, &mut reg.auth, &realm, Some(lookup), 0);
        assert_eq!(st, 0, "auth_srv_init: {}", status_text(st));
        pjshim_endpt_set_request_handler(
            srv,
            Some(on_request),
            &mut *reg as *mut Registrar as *mut c_void,
        );
        registrar = Some(reg);
        log(
            "registrar",
            &format!("listening on 127.0.0.1:{port}, realm {REALM}, account alice/secret"),
        );
        (
            format!("sip:127.0.0.1:{port}"),
            format!("sip:alice@{REALM}"),
            "127.0.0.1".to_string(),
        )
    } else {
        let hp = hostport(&args[0]);
        let ip = match local_ip_towards(hp) {
            Ok(ip) => ip,
            Err(e) => {
                log("app", &format!("cannot reach {hp}: {e}"));
                return false;
            }
        };
        (
            args[0].clone(),
            format!("sip:{}@{}", args[1], host_of(hp)),
            ip.to_string(),
        )
    };

    // The client: an endpoint, its UDP transport, a regc with async auth.
    let mut cli: *mut pjsip_endpoint = null_mut();
    pjsip_endpt_create(&mut cp.factory, c"client".as_ptr(), &mut cli);
    let mut cli_port: c_uint = 0;
    let bind = CString::new(bind_ip.clone()).unwrap();
    let st = pjshim_udp_transport_start(cli, bind.as_ptr(), 0, &mut cli_port);
    assert_eq!(st, 0, "client transport: {}", status_text(st));
    let ip = bind_ip.parse::<std::net::IpAddr>().unwrap();
    let contact = format!(
        "sip:{}@{}",
        CREDS.get().unwrap().0,
        std::net::SocketAddr::new(ip, cli_port as u16)
    );
    let mut regc = null_mut();
    pjsip_regc_create(cli, null_mut(), Some(on_reg), &mut regc);
    let (s_srv, s_aor, s_contact) = (pjstr(&srv_uri), pjstr(&aor), pjstr(&contact));
    let st = pjsip_regc_init(regc, &s_srv, &s_aor, &s_aor, 1, &s_contact, 300);
    if st != 0 {
        log(
            "app",
            &format!("regc_init({srv_uri}) -> {}", status_text(st)),
        );
        pjsip_regc_destroy(regc);
        pjsip_endpt_destroy(cli);
        pj_caching_pool_destroy(&mut cp);
        return false;
    }
    let opt = pjsip_auth_clt_async_setting {
        cb: Some(on_challenge),
        user_data: null_mut(),
    };
    pjsip_auth_clt_async_configure(pjsip_regc_get_auth_sess(regc), &opt);
    log(
        "app",
        &format!("registering {aor} at {srv_uri}, contact {contact}, async auth"),
    );

    let endpts: Vec<_> = [srv, cli].into_iter().filter(|e| !e.is_null()).collect();
    let limit = Duration::from_secs(if embedded { 5 } else { 10 });
    let mut t = null_mut();
    pjsip_regc_register(regc, PJ_FALSE, &mut t);
    pjsip_regc_send(regc, t);
    let reg = pump(&endpts, 1, limit);
    let registered = matches!(reg, Some((0, 200..=299, _)));
    match reg {
        Some((st, code, exp)) => log(
            "app",
            &format!(
                "outcome: {} (code {code}, expiration {exp} s, status {})",
                if registered { "REGISTERED" } else { "FAILED" },
                status_text(st)
            ),
        ),
        None => log(
            "app",
            &format!("outcome: FAILED (no answer within {limit:?})"),
        ),
    }

    let mut unregistered = true;
    if registered {
        pjsip_regc_unregister(regc, &mut t);
        pjsip_regc_send(regc, t);
        let unreg = pump(&endpts, 2, limit);
        unregistered = matches!(unreg, Some((0, 200..=299, _)));
        log(
            "app",
            &format!(
                "unregister: {}",
                if unregistered { "done" } else { "FAILED" }
            ),
        );
    }

    // Teardown: the regc first (a pending token would be revoked here), then
    // the workers, the endpoints, the pools.
    pjsip_regc_destroy(regc);
    let workers: Vec<_> = std::mem::take(&mut *WORKERS.lock().unwrap());
    for w in workers {
        w.join().unwrap();
    }
    pjsip_endpt_destroy(cli);
    if !srv.is_null() {
        pjsip_endpt_destroy(srv);
        pj_pool_release(srv_pool);
    }
    drop(registrar);
    pj_caching_pool_destroy(&mut cp);
    let live = pjshim_async_live_tokens();
    log("app", &format!("destroyed; live auth tokens: {live}"));
    registered && unregistered && live == 0
}
