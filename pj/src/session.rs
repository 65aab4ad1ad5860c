//! The session functions of `sip_auth.h` (init, deinit, clone, parent,
//! credentials, preferences) over the core's session table
//! (`pjsip_auth_shim::auth::sessions`), and this front end's instance of it.
//!
//! A `pjsip_auth_clt_sess` the application embeds keeps the size PJSIP's
//! header gives it and holds only a magic word and our handle
//! (glue/auth_client.c); all state lives in the table. A struct is a live
//! session only at the address it was initialised at (the table keeps that
//! address as the session's `home`): a byte copy of a session, or stale
//! bytes that happen to hold a handle, are not one.
//!
//! Lifecycle facts of PJSIP this follows:
//! - pjsua calls `pjsip_auth_clt_init` again on an account's live session,
//!   without deinit, and never deinits it; `pjsip_dlg_fork` clones onto a
//!   session already initialised. Both replace the live session at that
//!   address (closed, its pending tokens revoked), so nothing leaks or
//!   dangles: `pjshim_pj_session_count` does not grow. A session whose
//!   memory is freed without deinit keeps its entry (PJSIP's state went
//!   with the pool; ours cannot see the pool die).
//! - Revocation (deinit, or the replacement above) ends each pending token
//!   once: its impl token's signature is cleared and its group-lock
//!   reference released. abandon_impl is NOT called: deinit runs from
//!   `pjsip_regc_destroy` with the regc half torn down (lock destroyed,
//!   pool about to be released), and regc's abandon_impl calls the
//!   application's callback on that regc (the crash PJSIP PR 5251 found).
//!   The owner is going away; nobody is left to tell.

use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;

use pjsip_auth_shim::auth::credential::{Credential, Prefs, SecretKind};
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::auth::sessions::{SessionId, Sessions};
use pjsip_auth_shim::status::{Error, Result};

use crate::glue::{self, Bytes, CFn, Cred};
use crate::panic::guard;
use crate::status::{status_of, Status, PJ_EBUG};

/// Marks a `pjsip_auth_clt_sess` that holds one of our handles ("pjshimS2").
const MAGIC: u64 = 0x706a_7368_696d_5332;

/// An async setting (`pjsip_auth_clt_async_setting`) as the table keeps it.
#[derive(Clone, Copy)]
pub(crate) struct Setting {
    pub(crate) cb: CFn,
    pub(crate) user_data: usize,
}

/// What a pending token carries: the fields of the integrator's
/// `pjsip_auth_clt_async_impl_token`, copied at issue, and its address
/// (for the signature). Addresses are kept as integers: the table moves
/// payloads between threads, and they are only handed back to C.
pub(crate) struct Pending {
    pub(crate) user_data: usize,
    pub(crate) send_impl: CFn,
    pub(crate) abandon_impl: Option<CFn>,
    pub(crate) grp_lock: usize,
    pub(crate) impl_token: usize,
}

impl Pending {
    /// Writes "AUTH" (pending) or zeros (ended) into the impl token's
    /// signature, which PJSIP modules may look at.
    pub(crate) fn sign(&self, pending: bool) {
        // SAFETY: the integrator keeps the impl token alive from
        // impl_on_challenge until the token ends (it holds the group-lock
        // reference that keeps the token's pool alive); the writers are the
        // issuer before the token exists and its single claimer after.
        unsafe {
            glue::pjshim_glue_impl_token_sign(self.impl_token as *mut c_void, pending as c_int)
        }
    }

    /// Releases the group-lock reference the token held.
    pub(crate) fn drop_reference(&self) {
        if self.grp_lock != 0 {
            // SAFETY: the integrator gave the token one reference on this lock.
            unsafe { glue::pjshim_glue_grp_lock_dec_ref(self.grp_lock as *mut c_void) };
        }
    }

    /// Ends a revoked token (module doc: no abandon_impl).
    fn revoke(self) {
        self.sign(false);
        self.drop_reference();
    }
}

/// Up to about a million sessions and a million pending tokens on 64-bit
/// targets (65,535 of each on 32-bit); storage grows on demand.
pub(crate) static SESSIONS: LazyLock<Sessions<Setting, Pending>> =
    LazyLock::new(|| Sessions::new(1 << 20, 1 << 20));

/// Sessions open in the table (diagnostics: `pjshim_pj_session_count`).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The handle `sess` holds, if it holds our magic (not checked against
/// the table: `own` and the calls that check `home` in their own lookup).
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess` (any contents).
#[inline]
pub(crate) unsafe fn handle_in(sess: *const c_void) -> Result<SessionId> {
    // SAFETY: sess is a pjsip_auth_clt_sess, at least as big as the words
    // (static assert in the glue); unaligned, so its alignment is no matter.
    let words = unsafe { (sess as *const glue::SessWords).read_unaligned() };
    if words.magic != MAGIC {
        return Err(Error::InvalidArg);
    }
    Ok(SessionId::from_raw(
        usize::try_from(words.handle).map_err(|_| Error::InvalidArg)?,
    ))
}

/// The live session `sess` holds, or `InvalidArg`.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess` (any contents).
pub(crate) unsafe fn own(sess: *const c_void) -> Result<SessionId> {
    // SAFETY: forwarded.
    let id = unsafe { handle_in(sess) }?;
    if SESSIONS.home(id)? != sess as usize {
        return Err(Error::InvalidArg);
    }
    Ok(id)
}

/// Writes `id` into `sess`, after zeroing the whole struct.
///
/// # Safety
/// `sess` points to a writable `pjsip_auth_clt_sess`.
unsafe fn store(sess: *mut c_void, id: SessionId) {
    // SAFETY: forwarded; magic 0 zeroes the struct first.
    unsafe {
        glue::pjshim_glue_sess_set(sess, 0, 0);
        glue::pjshim_glue_sess_set(sess, MAGIC, id.raw() as u64);
    }
}

/// Closes `id`, revoking its pending tokens.
fn close(id: SessionId) -> Result<()> {
    let revoked = SESSIONS.close(id)?;
    LIVE.fetch_sub(1, Ordering::Relaxed);
    for p in revoked {
        p.revoke();
    }
    Ok(())
}

/// Puts `opened` (already counted open) at `sess`, closing the live
/// session that was there.
///
/// # Safety
/// `sess` points to a writable `pjsip_auth_clt_sess`.
unsafe fn install(sess: *mut c_void, opened: SessionId) {
    LIVE.fetch_add(1, Ordering::Relaxed);
    // SAFETY: forwarded.
    let old = unsafe { own(sess) };
    // SAFETY: forwarded.
    unsafe { store(sess, opened) };
    if let Ok(old) = old {
        // Closed after the store: a concurrent reader sees the old or the
        // new handle, never an empty struct.
        let _ = close(old);
    }
}

/// PJSIP's init: a fresh session at `sess` (replacing a live one there).
/// The endpoint and pool are not kept: the state lives in the table.
///
/// # Safety
/// `sess` points to a writable `pjsip_auth_clt_sess`; the glue checked the rest.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_init(
    sess: *mut c_void,
    _endpt: *mut c_void,
    _pool: *mut c_void,
    _options: c_uint,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            let id = SESSIONS.open(ClientSession::default(), sess as usize)?;
            // SAFETY: contract.
            unsafe { install(sess, id) };
            Ok(())
        })())
    })
}

/// PJSIP's deinit, revoking pending tokens (module doc). PJ_EINVAL when
/// `sess` is not a live session.
///
/// # Safety
/// As `pjshim_pj_clt_init`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_deinit(sess: *mut c_void) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: contract.
            let id = unsafe { own(sess) }?;
            // SAFETY: contract; a retired session holds only zeros.
            unsafe { glue::pjshim_glue_sess_set(sess, 0, 0) };
            close(id)
        })())
    })
}

/// PJSIP's clone: `sess` becomes a copy of `rhs` (credentials,
/// preferences, challenge cache, async setting and parent link; not its
/// pending tokens), replacing a live session at `sess`. PJSIP copies only
/// the credentials, the async setting and a deep copy of the parent; the
/// core keeps the link to the one parent (the account's session), and the
/// cache, so a forked dialog need not be challenged afresh.
///
/// # Safety
/// `sess` and `rhs` point to `pjsip_auth_clt_sess`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_clone(
    _pool: *mut c_void,
    sess: *mut c_void,
    rhs: *const c_void,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: contract.
            let src = unsafe { own(rhs) }?;
            let id = SESSIONS.open_copy(src, sess as usize)?;
            // SAFETY: contract.
            unsafe { install(sess, id) };
            Ok(())
        })())
    })
}

/// PJSIP's set_parent: `parent` NULL makes `sess` act for itself again.
/// PJ_EINVAL for a session not live, or a parent that would close a cycle.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `parent` too, or is NULL.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_set_parent(
    sess: *mut c_void,
    parent: *mut c_void,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: contract.
            let child = unsafe { own(sess) }?;
            if parent.is_null() {
                return SESSIONS.clear_parent(child);
            }
            // SAFETY: contract.
            let p = unsafe { own(parent) }?;
            SESSIONS.set_parent(child, p)
        })())
    })
}

/// A `pjsip_cred_info` as the core keeps it (owned copies).
fn credential_of(c: &Cred<'_>) -> Credential {
    const PASSWD_MASK: i32 = 0x0f;
    const EXT_MASK: i32 = 0xf0;
    let kind = if c.data_type & EXT_MASK == 0x10 {
        SecretKind::Aka
    } else if c.data_type & PASSWD_MASK == 1 {
        // PJSIP stores a NOT_SET digest credential as MD5.
        let t = if c.algorithm_type == crate::algorithm::NOT_SET {
            crate::algorithm::MD5
        } else {
            c.algorithm_type
        };
        match crate::algorithm::kind(t) {
            Some(crate::algorithm::Kind::Hash(algorithm)) => SecretKind::Ha1 { algorithm },
            _ => SecretKind::Ha1Unsupported,
        }
    } else {
        SecretKind::Password
    };
    Credential {
        realm: c.realm.as_slice().to_vec(),
        scheme: c.scheme.as_slice().to_vec(),
        username: c.username.as_slice().to_vec(),
        data: c.data.as_slice().to_vec(),
        kind,
    }
}

/// Replaces the credentials (of the parent when one is set) with copies of
/// `creds[0..count]` (count 0 clears them). PJ_EINVAL when `sess` is not a
/// live session.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `creds` to `count` valid
/// `pjsip_cred_info`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_set_credentials(
    sess: *mut c_void,
    count: i32,
    creds: *const c_void,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: contract.
            let id = unsafe { own(sess) }?;
            let copies: Vec<Credential> = (0..count.max(0))
                .map(|i| {
                    let mut v = Cred::EMPTY;
                    // SAFETY: creds holds count elements (contract); v is ours.
                    unsafe {
                        glue::pjshim_glue_cred_view(glue::pjshim_glue_cred_at(creds, i), &mut v)
                    };
                    credential_of(&v)
                })
                .collect();
            SESSIONS.with_client(id, |c| c.set_credentials(copies))
        })())
    })
}

/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `prefs` to a valid
/// `pjsip_auth_clt_pref`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_set_prefs(
    sess: *mut c_void,
    prefs: *const c_void,
) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: contract.
            let id = unsafe { own(sess) }?;
            let (mut initial_auth, mut algorithm) = (0, Bytes::EMPTY);
            // SAFETY: prefs is valid (contract); the out-params are ours.
            unsafe { glue::pjshim_glue_pref_view(prefs, &mut initial_auth, &mut algorithm) };
            let prefs = Prefs {
                initial_auth: initial_auth != 0,
                algorithm: algorithm.as_slice().to_vec(),
            };
            SESSIONS.with_client(id, |c| c.prefs = prefs)
        })())
    })
}

/// Writes the preferences to `*prefs`. Its `algorithm` points into the
/// session: valid until the next set_prefs, init or deinit of it.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `prefs` to a writable
/// `pjsip_auth_clt_pref`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_get_prefs(sess: *mut c_void, prefs: *mut c_void) -> Status {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: contract.
            let id = unsafe { own(sess) }?;
            SESSIONS.with_client(id, |c| {
                let p = &c.prefs;
                // SAFETY: prefs is writable (contract); the bytes live in the
                // session until its next set_prefs/init/deinit.
                unsafe {
                    glue::pjshim_glue_pref_store(
                        prefs,
                        p.initial_auth as c_int,
                        &Bytes::new(&p.algorithm),
                    )
                };
            })
        })())
    })
}

/// Sessions open in the table (diagnostics and tests: a re-init or a clone
/// onto a live session must not change it).
#[no_mangle]
pub extern "C" fn pjshim_pj_session_count() -> usize {
    guard(usize::MAX, || LIVE.load(Ordering::Relaxed))
}

/// Tokens pending on `sess` (its parent when one is set); 0 when it is not
/// a live session.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_async_pending(sess: *const c_void) -> usize {
    guard(0, || {
        // SAFETY: contract.
        unsafe { own(sess) }
            .and_then(|id| SESSIONS.pending(id))
            .unwrap_or(0)
    })
}

/// Tokens pending over every session.
#[no_mangle]
pub extern "C" fn pjshim_pj_live_tokens() -> usize {
    guard(usize::MAX, || SESSIONS.live_tokens())
}

/// Renders a session's credentials (realm, scheme, user, kind; never the
/// secret) and preferences, NUL-terminated, into `buf`: one line
/// `prefs initial_auth=0|1 algorithm=..`, then one per credential
/// `cred realm=.. scheme=.. username=.. kind=password|ha1-<type>|aka`.
/// Returns the length (or the length needed when `size` is too small),
/// -1 when `sess` is not a live session.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; `buf` is writable for `size`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_describe_session(
    sess: *const c_void,
    buf: *mut c_char,
    size: usize,
) -> isize {
    guard(-1, || {
        // SAFETY: sess is a pjsip_auth_clt_sess (contract).
        let Ok(id) = (unsafe { own(sess) }) else {
            return -1;
        };
        let Ok(out) = SESSIONS.with_client(id, describe) else {
            return -1;
        };
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

/// The text of `pjshim_pj_describe_session`.
fn describe(s: &mut ClientSession) -> String {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let p = &s.prefs;
    let mut out = format!(
        "prefs initial_auth={} algorithm={}\n",
        p.initial_auth as u8,
        text(&p.algorithm)
    );
    for c in &s.creds {
        let kind = match c.kind {
            SecretKind::Password => "password".to_owned(),
            SecretKind::Ha1 { algorithm } => format!("ha1-{algorithm:?}"),
            SecretKind::Ha1Unsupported => "ha1-unsupported".to_owned(),
            SecretKind::Aka => "aka".to_owned(),
        };
        out.push_str(&format!(
            "cred realm={} scheme={} username={} kind={kind}\n",
            text(&c.realm),
            text(&c.scheme),
            text(&c.username)
        ));
    }
    out
}
