//! PJSIP's own `pjsip_rx_data` / `pjsip_tx_data` behind the core's message
//! seam (`pjsip_auth_shim::auth::view`), so that the core's planner and
//! apply drive PJSIP's messages exactly as they drive ours.
//!
//! Header values go to the core as text, printed by PJSIP's own header
//! printer (the seam's contract), so the planner sees what goes on the wire.
//! Edits are staged and made only by `PjRequest::commit`, after the core's
//! apply succeeded: a failed answer leaves the request as it was. Answers
//! become typed headers (`pjsip_authorization_hdr`, fields as PJSIP's client
//! fills them) in the request's pool; the retry is prepared as PJSIP's client does (glue:
//! Via branch cleared, strict route set restored, message invalidated,
//! `auth_retry` set).

use std::borrow::Cow;
use std::ops::Range;
use std::os::raw::{c_int, c_void};

use pjsip_auth_shim::auth::view::{AuthKind, AuthRequest, RequestView, ResponseView};
use pjsip_auth_shim::digest::parse_authorization;
use pjsip_auth_shim::status::{Error, Result};

use crate::glue::{self, Bytes, RawAuthorization, RawChallenge};

/// Prints with `print` into the end of `text`, growing it until the output
/// fits; the range it took.
fn print_into(text: &mut Vec<u8>, print: impl Fn(*mut u8, usize) -> isize) -> Result<Range<usize>> {
    let start = text.len();
    let mut room = 512;
    while room <= 1 << 20 {
        text.reserve(room);
        let spare = text.capacity() - start;
        // SAFETY: the spare capacity after `start` is writable.
        let n = print(unsafe { text.as_mut_ptr().add(start) }, spare);
        if n >= 0 && (n as usize) <= spare {
            // SAFETY: the printer wrote n bytes there.
            unsafe { text.set_len(start + n as usize) };
            return Ok(start..text.len());
        }
        room *= 2;
    }
    Err(Error::TooBig)
}

thread_local! {
    /// Byte buffers of views this thread dropped, reused by the next ones
    /// (a reinit_req then allocates no buffer for the texts it prints).
    static SPARE: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An empty buffer, from this thread's spares when there is one.
fn take_buf() -> Vec<u8> {
    SPARE
        .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.pop()))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps `buf` for reuse (a few per thread, none too large).
fn give_buf(mut buf: Vec<u8>) {
    if buf.capacity() == 0 || buf.capacity() > 1 << 16 {
        return;
    }
    buf.clear();
    let _ = SPARE.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            if s.len() < 8 {
                s.push(buf);
            }
        }
    });
}

fn kind_of(proxy: c_int) -> AuthKind {
    AuthKind::from_proxy(proxy != 0)
}

/// A received response: its status and its challenge headers' values.
pub(crate) struct PjResponse {
    status: Option<u16>,
    text: Vec<u8>,
    challenges: Vec<(AuthKind, Range<usize>)>,
}

impl PjResponse {
    /// Reads `rdata`; `NotResponseMsg` when it holds no response.
    ///
    /// # Safety
    /// `rdata` is a live `pjsip_rx_data`.
    pub(crate) unsafe fn read(rdata: *const c_void) -> Result<PjResponse> {
        // SAFETY: live (contract).
        let code = unsafe { glue::pjshim_glue_rx_status(rdata) };
        let status = Some(u16::try_from(code).map_err(|_| Error::NotResponseMsg)?);
        let mut r = PjResponse {
            status,
            text: take_buf(),
            challenges: Vec::new(),
        };
        let mut prev: *const c_void = std::ptr::null();
        loop {
            let mut raw = RawChallenge {
                is_proxy: 0,
                stale: 0,
                scheme: glue::Bytes::EMPTY,
                realm: glue::Bytes::EMPTY,
                domain: glue::Bytes::EMPTY,
                nonce: glue::Bytes::EMPTY,
                opaque: glue::Bytes::EMPTY,
                algorithm: glue::Bytes::EMPTY,
                qop: glue::Bytes::EMPTY,
            };
            // SAFETY: rdata is live; prev is NULL or its header.
            let h = unsafe { glue::pjshim_glue_rx_next_challenge(rdata, prev, &mut raw) };
            if h.is_null() {
                return Ok(r);
            }
            // SAFETY: h is a header of the live rdata; the buffer is ours.
            let range = print_into(&mut r.text, |buf, size| unsafe {
                glue::pjshim_glue_challenge_print_value(h, buf, size)
            })?;
            r.challenges.push((kind_of(raw.is_proxy), range));
            prev = h;
        }
    }
}

impl Drop for PjResponse {
    fn drop(&mut self) {
        give_buf(std::mem::take(&mut self.text));
    }
}

impl ResponseView for PjResponse {
    fn status(&self) -> Option<u16> {
        self.status
    }

    fn challenges(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]> {
        self.challenges
            .iter()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, r)| &self.text[r.clone()])
    }
}

/// An authorization header of the request.
struct Carried {
    kind: AuthKind,
    hdr: *const c_void,
    value: Range<usize>,
}

/// An outgoing request, read at construction; edits are staged (module doc).
pub(crate) struct PjRequest {
    tdata: *mut c_void,
    method: Vec<u8>,
    uri: Vec<u8>,
    body: Vec<u8>,
    text: Vec<u8>,
    carried: Vec<Carried>,
    remove: Vec<*const c_void>,
    add: Vec<*mut c_void>,
    retry: bool,
}

impl PjRequest {
    /// Reads `tdata`; `NotRequestMsg` when it holds no request.
    ///
    /// # Safety
    /// `tdata` is a live `pjsip_tx_data`, edited by nobody else until this
    /// value is dropped.
    pub(crate) unsafe fn read(tdata: *mut c_void) -> Result<PjRequest> {
        // SAFETY: live (contract).
        if unsafe { glue::pjshim_glue_tx_is_request(tdata) } == 0 {
            return Err(Error::NotRequestMsg);
        }
        let mut m = glue::Bytes::EMPTY;
        // SAFETY: a live request; m is ours.
        unsafe { glue::pjshim_glue_tx_method(tdata, &mut m) };
        let mut method = take_buf();
        method.extend_from_slice(m.as_slice());
        let mut r = PjRequest {
            tdata,
            method,
            uri: take_buf(),
            body: take_buf(),
            text: take_buf(),
            carried: Vec::new(),
            remove: Vec::new(),
            add: Vec::new(),
            retry: false,
        };
        // SAFETY: a live request; the printer writes within `n`.
        print_into(&mut r.uri, |b, n| unsafe {
            glue::pjshim_glue_tx_uri_print(tdata, b, n)
        })?;
        // SAFETY: as above.
        print_into(&mut r.body, |b, n| unsafe {
            glue::pjshim_glue_tx_body_print(tdata, b, n)
        })?;
        let mut prev: *const c_void = std::ptr::null();
        loop {
            let mut fields = RawAuthorization::EMPTY;
            // SAFETY: a live request; prev is NULL or its header.
            let h = unsafe { glue::pjshim_glue_tx_next_authorization(tdata, prev, &mut fields) };
            if h.is_null() {
                return Ok(r);
            }
            // SAFETY: h is a header of the live request.
            let value = print_into(&mut r.text, |b, n| unsafe {
                glue::pjshim_glue_hdr_print_value(h, b, n)
            })?;
            r.carried.push(Carried {
                kind: kind_of(fields.is_proxy),
                hdr: h,
                value,
            });
            prev = h;
        }
    }

    /// True when the request has a Via (a retry needs one).
    pub(crate) fn has_via(&self) -> bool {
        // SAFETY: live (constructor's contract).
        unsafe { glue::pjshim_glue_tx_has_via(self.tdata) != 0 }
    }

    /// Makes the staged edits. Cannot fail: every header was made already
    /// and the caller checked `has_via` before planning a retry.
    pub(crate) fn commit(&mut self) {
        // The request is live and ours (constructor's contract); each
        // removed header is one of its own, listed once; each added one was
        // made in its pool and is in no list.
        for h in &self.remove {
            // SAFETY: see above.
            unsafe { glue::pjshim_glue_tx_remove_hdr(self.tdata, *h) };
        }
        for h in &self.add {
            // SAFETY: see above.
            unsafe { glue::pjshim_glue_tx_add_hdr(self.tdata, *h) };
        }
        if self.retry {
            // SAFETY: see above; the caller checked the Via.
            unsafe { glue::pjshim_glue_tx_prepare_retry(self.tdata) };
        }
    }
}

impl Drop for PjRequest {
    fn drop(&mut self) {
        for b in [
            &mut self.method,
            &mut self.uri,
            &mut self.body,
            &mut self.text,
        ] {
            give_buf(std::mem::take(b));
        }
    }
}

impl RequestView for PjRequest {
    fn method(&self) -> Option<&[u8]> {
        Some(&self.method)
    }

    fn request_uri(&self) -> Option<&[u8]> {
        Some(&self.uri)
    }

    fn body(&self) -> &[u8] {
        &self.body
    }

    fn authorizations(&self, kind: AuthKind) -> impl Iterator<Item = &[u8]> {
        self.carried
            .iter()
            .filter(move |c| c.kind == kind)
            .map(|c| &self.text[c.value.clone()])
    }
}

impl AuthRequest for PjRequest {
    fn remove_authorizations(&mut self, kind: AuthKind, positions: &[u32]) {
        let of_kind: Vec<*const c_void> = self
            .carried
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.hdr)
            .collect();
        for &p in positions {
            if let Some(&h) = of_kind.get(p as usize) {
                if !self.remove.contains(&h) {
                    self.remove.push(h);
                }
            }
        }
    }

    fn add_authorization(&mut self, kind: AuthKind, value: &str) -> Result<()> {
        // The planner's own text, read back into PJSIP's typed fields (the
        // header PJSIP's client would have built); unknown parameters have
        // no field there and are not carried.
        let d = parse_authorization(value.as_bytes()).map_err(|_| Error::InvalidArg)?;
        fn opt<'a>(v: &'a Option<Cow<'_, [u8]>>) -> Bytes<'a> {
            v.as_deref().map_or(Bytes::EMPTY, Bytes::new)
        }
        let fields = RawAuthorization {
            is_proxy: c_int::from(kind.is_proxy()),
            scheme: Bytes::new(b"Digest"),
            realm: Bytes::new(&d.realm),
            username: Bytes::new(&d.username),
            nonce: Bytes::new(&d.nonce),
            uri: Bytes::new(&d.uri),
            response: Bytes::new(&d.response),
            algorithm: opt(&d.algorithm),
            cnonce: opt(&d.cnonce),
            opaque: opt(&d.opaque),
            qop: opt(&d.qop),
            nc: opt(&d.nc),
        };
        // SAFETY: a live request; the fields' bytes live for the call (the
        // glue copies them into the request's pool).
        let h = unsafe { glue::pjshim_glue_tx_new_authorization(self.tdata, &fields) };
        if h.is_null() {
            return Err(Error::NoMemory);
        }
        self.add.push(h);
        Ok(())
    }

    fn prepare_retry(&mut self) {
        self.retry = true;
    }
}
