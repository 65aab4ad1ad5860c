//! PJSIP's own messages as the core needs to see and edit them, through the
//! C accessors of `glue/msg_access.c` (layouts stay on the C side).
//!
//! `Response` reads a received 401/407: its status and its challenges as
//! PJSIP parsed them. `Request` reads an outgoing request (method, the
//! Request-URI as printed, the body, the Authorization headers it carries)
//! and applies answers: remove a header, add a typed Digest authorization in
//! the request's pool, and prepare the retry as PJSIP does (Via branch
//! cleared, strict route set restored, message invalidated, auth_retry set).
//! The auth client itself reads and edits messages through `view` (the
//! core's message seam over the same accessors); these two serve the
//! diagnostics below.
//!
//! `pjshim_pj_describe` and `pjshim_pj_selftest_answer` exercise all of it
//! from C against real PJSIP messages (pj/tests/c/msg_access.c).

use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};

use pjsip_auth_shim::digest::{self, Algorithm, Hasher, Qop};

use crate::glue::{self, Bytes, RawAuthorization, RawChallenge};
use crate::panic::guard;
use crate::status::{Status, PJ_EBUG, PJ_EINVAL, PJ_ENOTSUP, PJ_SUCCESS};

/// A received response, borrowed for `'a`.
pub(crate) struct Response<'a> {
    rdata: *const c_void,
    _life: PhantomData<&'a ()>,
}

/// One challenge header of a response.
#[derive(Clone, Copy)]
pub(crate) struct Challenge<'a> {
    pub proxy: bool,
    pub stale: bool,
    pub scheme: &'a [u8],
    pub realm: &'a [u8],
    pub domain: &'a [u8],
    pub nonce: &'a [u8],
    pub opaque: &'a [u8],
    pub algorithm: &'a [u8],
    pub qop: &'a [u8],
}

impl<'a> Response<'a> {
    /// # Safety
    /// `rdata` is a live `pjsip_rx_data`, unmodified for `'a`.
    pub(crate) unsafe fn new(rdata: *const c_void) -> Response<'a> {
        Response {
            rdata,
            _life: PhantomData,
        }
    }

    /// The status code; `None` when the message is not a response.
    pub(crate) fn status(&self) -> Option<u16> {
        // SAFETY: rdata is live (constructor's contract).
        let code = unsafe { glue::pjshim_glue_rx_status(self.rdata) };
        u16::try_from(code).ok()
    }

    /// Every WWW-/Proxy-Authenticate header, in message order.
    pub(crate) fn challenges(&self) -> impl Iterator<Item = Challenge<'a>> + '_ {
        let mut prev: *const c_void = std::ptr::null();
        let mut done = false;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            let mut raw = RawChallenge {
                is_proxy: 0,
                stale: 0,
                scheme: Bytes::EMPTY,
                realm: Bytes::EMPTY,
                domain: Bytes::EMPTY,
                nonce: Bytes::EMPTY,
                opaque: Bytes::EMPTY,
                algorithm: Bytes::EMPTY,
                qop: Bytes::EMPTY,
            };
            // SAFETY: rdata is live; prev is NULL or a header of it returned
            // by the previous call; raw is our local.
            let h = unsafe { glue::pjshim_glue_rx_next_challenge(self.rdata, prev, &mut raw) };
            if h.is_null() {
                done = true;
                return None;
            }
            prev = h;
            Some(Challenge {
                proxy: raw.is_proxy != 0,
                stale: raw.stale != 0,
                scheme: raw.scheme.as_slice(),
                realm: raw.realm.as_slice(),
                domain: raw.domain.as_slice(),
                nonce: raw.nonce.as_slice(),
                opaque: raw.opaque.as_slice(),
                algorithm: raw.algorithm.as_slice(),
                qop: raw.qop.as_slice(),
            })
        })
    }
}

/// An Authorization header in a request: where it is, and its fields.
#[derive(Clone, Copy)]
pub(crate) struct SentAuthorization<'a> {
    hdr: *const c_void,
    pub fields: RawAuthorization<'a>,
}

/// An outgoing request, borrowed (and edited) for `'a`.
pub(crate) struct Request<'a> {
    tdata: *mut c_void,
    _life: PhantomData<&'a mut ()>,
}

impl<'a> Request<'a> {
    /// `None` when `tdata` holds no request.
    ///
    /// # Safety
    /// `tdata` is a live `pjsip_tx_data`, edited by nobody else for `'a`.
    pub(crate) unsafe fn new(tdata: *mut c_void) -> Option<Request<'a>> {
        // SAFETY: tdata is live (contract).
        if unsafe { glue::pjshim_glue_tx_is_request(tdata) } == 0 {
            return None;
        }
        Some(Request {
            tdata,
            _life: PhantomData,
        })
    }

    pub(crate) fn method(&self) -> &'a [u8] {
        let mut m = Bytes::EMPTY;
        // SAFETY: tdata is live and a request; m is our local.
        unsafe { glue::pjshim_glue_tx_method(self.tdata, &mut m) };
        m.as_slice()
    }

    /// Prints with `print` into `buf`, growing it until the text fits.
    fn print_grow(
        &self,
        buf: &mut Vec<u8>,
        print: unsafe extern "C" fn(*const c_void, *mut u8, usize) -> isize,
    ) -> bool {
        let mut size = buf.capacity().max(256);
        while size <= 1 << 20 {
            buf.clear();
            buf.reserve(size);
            // SAFETY: tdata is live; the buffer has `size` writable bytes.
            let n = unsafe { print(self.tdata, buf.as_mut_ptr(), size) };
            if n >= 0 {
                // SAFETY: the printer wrote n <= size bytes.
                unsafe { buf.set_len(n as usize) };
                return true;
            }
            size *= 2;
        }
        false
    }

    /// The Request-URI as it goes on the wire (the digest's `uri=`).
    pub(crate) fn request_uri(&self, buf: &mut Vec<u8>) -> bool {
        self.print_grow(buf, glue::pjshim_glue_tx_uri_print)
    }

    /// The body as printed (empty without one).
    pub(crate) fn body(&self, buf: &mut Vec<u8>) -> bool {
        self.print_grow(buf, glue::pjshim_glue_tx_body_print)
    }

    /// The Authorization and Proxy-Authorization headers, in order.
    pub(crate) fn authorizations(&self) -> Vec<SentAuthorization<'a>> {
        let mut out = Vec::new();
        let mut prev: *const c_void = std::ptr::null();
        loop {
            let mut fields = RawAuthorization::EMPTY;
            // SAFETY: tdata is live; prev is NULL or one of its headers.
            let h =
                unsafe { glue::pjshim_glue_tx_next_authorization(self.tdata, prev, &mut fields) };
            if h.is_null() {
                return out;
            }
            out.push(SentAuthorization { hdr: h, fields });
            prev = h;
        }
    }

    /// Takes a header found by `authorizations` out of the request (its
    /// memory stays in the request's pool, so views of it stay valid).
    pub(crate) fn remove(&mut self, sent: &SentAuthorization<'_>) {
        // SAFETY: sent.hdr is a header of this live request, still listed
        // (each SentAuthorization is removed at most once by the callers).
        unsafe { glue::pjshim_glue_tx_remove_hdr(self.tdata, sent.hdr) };
    }

    /// Adds a Digest authorization header with these fields (copied into
    /// the request's pool).
    pub(crate) fn add_authorization(&mut self, fields: &RawAuthorization<'_>) -> Status {
        // SAFETY: tdata is live; fields' bytes are readable for the call.
        unsafe { glue::pjshim_glue_tx_add_authorization(self.tdata, fields) }
    }

    /// Prepares the retry as PJSIP does (module doc).
    pub(crate) fn prepare_retry(&mut self) -> Status {
        // SAFETY: tdata is live.
        unsafe { glue::pjshim_glue_tx_prepare_retry(self.tdata) }
    }

    pub(crate) fn set_auth_retry(&mut self, retry: bool) {
        // SAFETY: tdata is live.
        unsafe { glue::pjshim_glue_tx_set_auth_retry(self.tdata, retry as c_int) }
    }

    /// One more reference, for the caller (reinit_req returns the request it
    /// was given with one more reference, as PJSIP's does).
    pub(crate) fn add_ref(&mut self) {
        // SAFETY: tdata is live.
        unsafe { glue::pjshim_glue_tx_add_ref(self.tdata) }
    }
}

fn push_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.push(b' ');
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value);
}

fn kind(proxy: bool) -> &'static [u8] {
    if proxy {
        b"proxy"
    } else {
        b"www"
    }
}

/// Renders what this side sees of a response and a request, one line per
/// item, for diagnostics and tests:
/// `status N`, `challenge www|proxy scheme=.. realm=.. domain=.. nonce=..
/// opaque=.. algorithm=.. qop=.. stale=0|1`, `request method=.. uri=..
/// body=<bytes>`, `authorization www|proxy scheme=.. realm=.. username=..
/// nonce=.. uri=.. response=.. algorithm=.. cnonce=.. opaque=.. qop=.. nc=..`.
/// Either message may be NULL. Writes a NUL-terminated text into `buf` and
/// returns its length, or the length needed (without NUL) when `size` is
/// too small, or -1 on a bad argument.
///
/// # Safety
/// `rdata`/`tdata` are NULL or live; `buf` is writable for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_describe(
    rdata: *const c_void,
    tdata: *mut c_void,
    buf: *mut c_char,
    size: usize,
) -> isize {
    guard(-1, || {
        let mut out = Vec::new();
        if !rdata.is_null() {
            // SAFETY: live for this call (contract).
            let resp = unsafe { Response::new(rdata) };
            let status = resp.status().map_or(-1, i32::from);
            out.extend_from_slice(format!("status {status}\n").as_bytes());
            for c in resp.challenges() {
                out.extend_from_slice(b"challenge ");
                out.extend_from_slice(kind(c.proxy));
                push_field(&mut out, "scheme", c.scheme);
                push_field(&mut out, "realm", c.realm);
                push_field(&mut out, "domain", c.domain);
                push_field(&mut out, "nonce", c.nonce);
                push_field(&mut out, "opaque", c.opaque);
                push_field(&mut out, "algorithm", c.algorithm);
                push_field(&mut out, "qop", c.qop);
                push_field(&mut out, "stale", if c.stale { b"1" } else { b"0" });
                out.push(b'\n');
            }
        }
        if !tdata.is_null() {
            // SAFETY: live for this call (contract).
            match unsafe { Request::new(tdata) } {
                None => out.extend_from_slice(b"request none\n"),
                Some(req) => {
                    let (mut uri, mut body) = (Vec::new(), Vec::new());
                    if !req.request_uri(&mut uri) || !req.body(&mut body) {
                        return -1;
                    }
                    out.extend_from_slice(b"request");
                    push_field(&mut out, "method", req.method());
                    push_field(&mut out, "uri", &uri);
                    push_field(&mut out, "body", &body);
                    out.push(b'\n');
                    for a in req.authorizations() {
                        let f = &a.fields;
                        out.extend_from_slice(b"authorization ");
                        out.extend_from_slice(kind(f.is_proxy != 0));
                        for (name, v) in [
                            ("scheme", f.scheme),
                            ("realm", f.realm),
                            ("username", f.username),
                            ("nonce", f.nonce),
                            ("uri", f.uri),
                            ("response", f.response),
                            ("algorithm", f.algorithm),
                            ("cnonce", f.cnonce),
                            ("opaque", f.opaque),
                            ("qop", f.qop),
                            ("nc", f.nc),
                        ] {
                            push_field(&mut out, name, v.as_slice());
                        }
                        out.push(b'\n');
                    }
                }
            }
        }
        if buf.is_null() || size <= out.len() {
            return out.len() as isize;
        }
        // SAFETY: buf has size > out.len() writable bytes (contract).
        unsafe {
            std::ptr::copy_nonoverlapping(out.as_ptr(), buf as *mut u8, out.len());
            *buf.add(out.len()) = 0;
        }
        out.len() as isize
    })
}

/// Picks `auth` from a qop list, else `auth-int`, else none (RFC 2069).
fn pick_qop(list: &[u8]) -> Option<Qop> {
    let tokens = || list.split(|&b| b == b',').map(|t| t.trim_ascii());
    if tokens().any(|t| Qop::from_token(t) == Some(Qop::Auth)) {
        Some(Qop::Auth)
    } else if tokens().any(|t| Qop::from_token(t) == Some(Qop::AuthInt)) {
        Some(Qop::AuthInt)
    } else {
        None
    }
}

/// A self-test of the whole message path, not an auth client (it keeps no
/// state and ignores credentials' realms): answers the first Digest
/// challenge of `rdata` whose algorithm the core knows with `username` and
/// `password` (NUL-terminated), nc 1 and a fresh cnonce, replacing the
/// request's authorization for that realm and kind, prepares the retry and
/// adds a reference. PJ_SUCCESS, PJ_ENOTSUP (no such challenge), PJ_EINVAL
/// (bad arguments, not a response/request), or a status of the appliers.
///
/// # Safety
/// `rdata` and `tdata` are live; the strings are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_selftest_answer(
    rdata: *const c_void,
    tdata: *mut c_void,
    username: *const c_char,
    password: *const c_char,
) -> Status {
    guard(PJ_EBUG, || {
        if rdata.is_null() || tdata.is_null() || username.is_null() || password.is_null() {
            return PJ_EINVAL;
        }
        // SAFETY: NUL-terminated strings and live messages (contract).
        let (user, pass, resp, req) = unsafe {
            (
                std::ffi::CStr::from_ptr(username).to_bytes(),
                std::ffi::CStr::from_ptr(password).to_bytes(),
                Response::new(rdata),
                Request::new(tdata),
            )
        };
        let Some(mut req) = req else {
            return PJ_EINVAL;
        };
        if resp.status().is_none() {
            return PJ_EINVAL;
        }
        let found = resp.challenges().find_map(|c| {
            if !c.scheme.eq_ignore_ascii_case(b"digest") {
                return None;
            }
            let alg = if c.algorithm.is_empty() {
                Algorithm::Md5
            } else {
                Algorithm::from_name(c.algorithm)?
            };
            Some((c, alg))
        });
        let Some((chal, alg)) = found else {
            return PJ_ENOTSUP;
        };
        let (mut uri, mut body) = (Vec::new(), Vec::new());
        if !req.request_uri(&mut uri) || !req.body(&mut body) {
            return PJ_EINVAL;
        }
        let qop = pick_qop(chal.qop);
        let cnonce = digest::new_cnonce();
        let nc = digest::format_nc(1);
        let ha1 = digest::ha1(alg, user, chal.realm, pass, chal.nonce, cnonce.as_bytes());
        let ha2 = digest::ha2(alg, req.method(), &uri, qop, &body);
        let response = match qop {
            Some(qop) => digest::response(
                alg,
                &ha1,
                chal.nonce,
                Some(digest::QopParams {
                    qop,
                    nc: &nc,
                    cnonce: cnonce.as_bytes(),
                }),
                &ha2,
            ),
            None => {
                let mut h = Hasher::new(alg);
                h.update_joined(&[ha1.as_bytes(), chal.nonce, ha2.as_bytes()]);
                h.finish()
            }
        };
        for sent in req.authorizations() {
            let f = &sent.fields;
            if (f.is_proxy != 0) == chal.proxy
                && f.realm.as_slice().eq_ignore_ascii_case(chal.realm)
            {
                req.remove(&sent);
            }
        }
        let fields = RawAuthorization {
            is_proxy: chal.proxy as c_int,
            scheme: Bytes::new(b"Digest"),
            realm: Bytes::new(chal.realm),
            username: Bytes::new(user),
            nonce: Bytes::new(chal.nonce),
            uri: Bytes::new(&uri),
            response: Bytes::new(response.as_bytes()),
            algorithm: Bytes::new(chal.algorithm),
            cnonce: Bytes::new(if qop.is_some() {
                cnonce.as_bytes()
            } else {
                b""
            }),
            opaque: Bytes::new(chal.opaque),
            qop: Bytes::new(qop.map_or(&b""[..], |q| q.as_str().as_bytes())),
            nc: Bytes::new(if qop.is_some() { &nc[..] } else { b"" }),
        };
        req.set_auth_retry(false);
        let status = req.add_authorization(&fields);
        if status != PJ_SUCCESS {
            return status;
        }
        let status = req.prepare_retry();
        if status != PJ_SUCCESS {
            return status;
        }
        req.add_ref();
        PJ_SUCCESS
    })
}
