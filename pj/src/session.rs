//! The session functions of `sip_auth.h`.
//!
//! Phase 1 of issue 8 keeps each session's state in a side table here,
//! keyed by a handle stored at the start of the application's
//! `pjsip_auth_clt_sess` (glue/auth_client.c: a magic word and the handle;
//! the struct keeps the size PJSIP's header gives it). The lead moves this
//! onto the core's session table (issue 7); until then:
//!
//! - implemented: init, deinit, clone, set_credentials, set_prefs, get_prefs;
//! - NOT IMPLEMENTED (PJ_ENOTSUP, nothing touched): set_parent, init_req,
//!   reinit_req and the four async_* functions. They need the core's async
//!   protocol and reinit planner. They are defined at all only because all
//!   23 symbols must come from one object, or the stock sip_auth_client.o
//!   would be pulled in beside ours.
//!
//! A struct is a live session only at the address it was initialised at
//! (the entry records it): a byte copy of a session, or garbage that happens
//! to hold the magic word, is not one. `pjsip_auth_clt_init` on a live
//! session (pjsua does that, without deinit) resets its entry in place, and
//! `pjsip_auth_clt_clone` onto an initialised one (pjsip_dlg_fork) likewise:
//! neither leaks an entry. A session that is never de-initialised keeps its
//! entry (PJSIP's state would go with the pool given to init; ours cannot
//! see that pool die): `pjshim_pj_session_count` shows it.

use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::sync::{Mutex, MutexGuard};

use pjsip_auth_shim::auth::credential::{Credential, Prefs, SecretKind};
use pjsip_auth_shim::auth::session::ClientSession;

use crate::glue::{self, Bytes, Cred};
use crate::panic::guard;
use crate::status::{Status, PJ_EBUG, PJ_EINVAL, PJ_ENOTSUP, PJ_SUCCESS};

/// Marks a `pjsip_auth_clt_sess` that holds one of our handles ("pjshimS1").
const MAGIC: u64 = 0x706a_7368_696d_5331;

/// One session's state.
struct State {
    /// The endpoint and pool given to init (kept for phase 2: PJSIP creates
    /// its per-realm pools from the endpoint).
    #[allow(dead_code)]
    endpt: usize,
    #[allow(dead_code)]
    pool: usize,
    client: ClientSession,
}

struct Entry {
    generation: u32,
    /// Address of the pjsip_auth_clt_sess this entry belongs to.
    owner: usize,
    state: Option<State>,
}

#[derive(Default)]
struct Table {
    entries: Vec<Entry>,
    free: Vec<u32>,
    live: usize,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    entries: Vec::new(),
    free: Vec::new(),
    live: 0,
});

fn table() -> MutexGuard<'static, Table> {
    // A panic while holding the lock leaves the table consistent (every
    // mutation below is a single assignment or push), so poisoning is ignored.
    TABLE.lock().unwrap_or_else(|e| e.into_inner())
}

fn handle_of(index: u32, generation: u32) -> u64 {
    (u64::from(generation) << 32) | (u64::from(index) + 1)
}

/// The handle stored in `sess`, if it holds the magic word.
///
/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess` (any contents).
unsafe fn stored_handle(sess: *const c_void) -> Option<u64> {
    let (mut magic, mut handle) = (0u64, 0u64);
    // SAFETY: sess is a pjsip_auth_clt_sess, big enough (static assert).
    unsafe { glue::pjshim_glue_sess_get(sess, &mut magic, &mut handle) };
    (magic == MAGIC).then_some(handle)
}

impl Table {
    /// The live entry `handle` names, if it belongs to `owner`.
    fn lookup(&mut self, handle: u64, owner: usize) -> Option<&mut Entry> {
        let index = (handle & 0xffff_ffff).checked_sub(1)? as usize;
        let generation = (handle >> 32) as u32;
        let e = self.entries.get_mut(index)?;
        (e.generation == generation && e.owner == owner && e.state.is_some()).then_some(e)
    }

    /// The live session `sess` names.
    ///
    /// # Safety
    /// As `stored_handle`.
    unsafe fn session(&mut self, sess: *const c_void) -> Option<&mut State> {
        // SAFETY: forwarded.
        let handle = unsafe { stored_handle(sess) }?;
        self.lookup(handle, sess as usize)?.state.as_mut()
    }

    /// Gives `sess` a fresh state: the live entry it already owns, reset
    /// (no leak on re-init), or a new one. Returns the handle.
    ///
    /// # Safety
    /// As `stored_handle`.
    unsafe fn init(&mut self, sess: *const c_void, state: State) -> u64 {
        // SAFETY: forwarded.
        if let Some(handle) = unsafe { stored_handle(sess) } {
            if let Some(e) = self.lookup(handle, sess as usize) {
                e.state = Some(state);
                return handle;
            }
        }
        let owner = sess as usize;
        let index = match self.free.pop() {
            Some(i) => {
                let e = &mut self.entries[i as usize];
                e.owner = owner;
                e.state = Some(state);
                i
            }
            None => {
                self.entries.push(Entry {
                    generation: 1,
                    owner,
                    state: Some(state),
                });
                (self.entries.len() - 1) as u32
            }
        };
        self.live += 1;
        handle_of(index, self.entries[index as usize].generation)
    }

    /// Retires `sess`'s entry; false when it names none.
    ///
    /// # Safety
    /// As `stored_handle`.
    unsafe fn remove(&mut self, sess: *const c_void) -> bool {
        // SAFETY: forwarded.
        let Some(handle) = (unsafe { stored_handle(sess) }) else {
            return false;
        };
        let Some(e) = self.lookup(handle, sess as usize) else {
            return false;
        };
        e.state = None;
        e.owner = 0;
        // A new generation: the old handle (and copies of it) never match again.
        e.generation = e.generation.wrapping_add(1).max(1);
        self.free.push((handle & 0xffff_ffff) as u32 - 1);
        self.live -= 1;
        true
    }
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

/// # Safety
/// `sess` points to a `pjsip_auth_clt_sess`; the glue checked the rest.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_init(
    sess: *mut c_void,
    endpt: *mut c_void,
    pool: *mut c_void,
    _options: c_uint,
) -> Status {
    guard(PJ_EBUG, || {
        let state = State {
            endpt: endpt as usize,
            pool: pool as usize,
            client: ClientSession::default(),
        };
        let mut t = table();
        // SAFETY: sess is a pjsip_auth_clt_sess (contract).
        let handle = unsafe { t.init(sess, state) };
        // SAFETY: as above; the lock orders this store with other calls.
        unsafe {
            glue::pjshim_glue_sess_set(sess, 0, 0);
            glue::pjshim_glue_sess_set(sess, MAGIC, handle);
        }
        PJ_SUCCESS
    })
}

/// # Safety
/// As `pjshim_pj_clt_init`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_deinit(sess: *mut c_void) -> Status {
    guard(PJ_EBUG, || {
        let mut t = table();
        // SAFETY: sess is a pjsip_auth_clt_sess (contract).
        if !unsafe { t.remove(sess) } {
            return PJ_EINVAL;
        }
        // SAFETY: as above.
        unsafe { glue::pjshim_glue_sess_set(sess, 0, 0) };
        PJ_SUCCESS
    })
}

/// PJSIP's clone: `sess` is initialised on `rhs`'s endpoint with `pool`
/// and gets copies of `rhs`'s credentials (not its preferences nor its
/// challenge cache, as PJSIP). PJ_EINVAL when `rhs` is not a live session.
///
/// # Safety
/// `sess` and `rhs` point to `pjsip_auth_clt_sess`.
#[no_mangle]
pub unsafe extern "C" fn pjshim_pj_clt_clone(
    pool: *mut c_void,
    sess: *mut c_void,
    rhs: *const c_void,
) -> Status {
    guard(PJ_EBUG, || {
        let mut t = table();
        // SAFETY: rhs is a pjsip_auth_clt_sess (contract).
        let Some(src) = (unsafe { t.session(rhs) }) else {
            return PJ_EINVAL;
        };
        let mut client = ClientSession::default();
        client.set_credentials(src.client.creds.clone());
        let state = State {
            endpt: src.endpt,
            pool: pool as usize,
            client,
        };
        if std::ptr::eq(sess, rhs) {
            // Cloning onto itself: PJSIP re-inits it from its own credentials.
            // SAFETY: as above.
            if let Some(s) = unsafe { t.session(rhs) } {
                *s = state;
            }
            return PJ_SUCCESS;
        }
        // SAFETY: sess is a pjsip_auth_clt_sess (contract).
        let handle = unsafe { t.init(sess, state) };
        // SAFETY: as above.
        unsafe {
            glue::pjshim_glue_sess_set(sess, 0, 0);
            glue::pjshim_glue_sess_set(sess, MAGIC, handle);
        }
        PJ_SUCCESS
    })
}

/// Replaces the credentials with copies of `creds[0..count]` (count 0
/// clears them). PJ_EINVAL when `sess` is not a live session.
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
        let copies: Vec<Credential> = (0..count.max(0))
            .map(|i| {
                let mut v = Cred::EMPTY;
                // SAFETY: creds holds count elements (contract); v is ours.
                unsafe { glue::pjshim_glue_cred_view(glue::pjshim_glue_cred_at(creds, i), &mut v) };
                credential_of(&v)
            })
            .collect();
        let mut t = table();
        // SAFETY: sess is a pjsip_auth_clt_sess (contract).
        match unsafe { t.session(sess) } {
            Some(s) => {
                s.client.set_credentials(copies);
                PJ_SUCCESS
            }
            None => PJ_EINVAL,
        }
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
        let (mut initial_auth, mut algorithm) = (0, Bytes::EMPTY);
        // SAFETY: prefs is valid (contract); the out-params are ours.
        unsafe { glue::pjshim_glue_pref_view(prefs, &mut initial_auth, &mut algorithm) };
        let prefs = Prefs {
            initial_auth: initial_auth != 0,
            algorithm: algorithm.as_slice().to_vec(),
        };
        let mut t = table();
        // SAFETY: sess is a pjsip_auth_clt_sess (contract).
        match unsafe { t.session(sess) } {
            Some(s) => {
                s.client.prefs = prefs;
                PJ_SUCCESS
            }
            None => PJ_EINVAL,
        }
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
        let mut t = table();
        // SAFETY: sess is a pjsip_auth_clt_sess (contract).
        let Some(s) = (unsafe { t.session(sess) }) else {
            return PJ_EINVAL;
        };
        let p = &s.client.prefs;
        // SAFETY: prefs is writable (contract); the algorithm bytes live in
        // the entry until the session's next set_prefs/init/deinit.
        unsafe {
            glue::pjshim_glue_pref_store(prefs, p.initial_auth as c_int, &Bytes::new(&p.algorithm))
        };
        PJ_SUCCESS
    })
}

/// Number of live sessions in the table (diagnostics and tests: a re-init
/// or a clone onto a live session must not change it).
#[no_mangle]
pub extern "C" fn pjshim_pj_session_count() -> usize {
    guard(usize::MAX, || table().live)
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
        let mut t = table();
        // SAFETY: sess is a pjsip_auth_clt_sess (contract).
        let Some(s) = (unsafe { t.session(sess) }) else {
            return -1;
        };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let p = &s.client.prefs;
        let mut out = format!(
            "prefs initial_auth={} algorithm={}\n",
            p.initial_auth as u8,
            text(&p.algorithm)
        );
        for c in &s.client.creds {
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
        drop(t);
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

// ---- Not implemented in phase 1 (module doc): PJ_ENOTSUP, nothing touched.

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_set_parent(_sess: *mut c_void, _parent: *mut c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_init_req(_sess: *mut c_void, _tdata: *mut c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_reinit_req(
    _sess: *mut c_void,
    _rdata: *const c_void,
    _old_request: *mut c_void,
    _new_request: *mut *mut c_void,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_async_configure(
    _sess: *mut c_void,
    _setting: *const c_void,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_async_send_req(
    _sess: *mut c_void,
    _token: *mut c_void,
    _new_request: *mut c_void,
) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_async_abandon(_sess: *mut c_void, _token: *mut c_void) -> Status {
    PJ_ENOTSUP
}

#[no_mangle]
pub extern "C" fn pjshim_pj_clt_async_impl_on_challenge(
    _sess: *mut c_void,
    _impl_token: *const c_void,
    _param: *const c_void,
) -> Status {
    PJ_ENOTSUP
}
