//! Client authentication sessions for C: the lifecycle functions of
//! `sip_auth.h` (init, deinit, clone, parent, credentials, prefs) over the
//! core session table (`crate::auth::sessions`, instantiated in `table`).
//!
//! A `pjsip_auth_clt_sess` that C embeds by value holds only a magic number and
//! a handle into the table; the state lives there. A session that was never
//! initialised, or was de-initialised, is reported as `PJ_EINVAL`.

use super::auth_types::*;
use super::cast::{str_bytes, try_mut, try_ref};
use super::credential::credential_from_c;
use super::endpoint::pjsip_endpoint;
use super::panic::guard;
use super::pool::{pj_pool_t, pool_ref, pool_strdup};
use super::status::{status_of, PJ_EBUG};
use super::table::{publish, session_id, unpublish, SESSIONS};
use super::types::{pj_size_t, pj_status_t, pj_str_t, PJ_FALSE, PJ_TRUE};
use crate::auth::credential::Prefs;
use crate::auth::session::ClientSession;
use crate::hooks::log;
use crate::status::{Error, Result};
use std::os::raw::{c_int, c_uint};

/// Sets up a client authentication session in `sess` (memory the caller owns,
/// typically a struct on the stack or inside its own object).
///
/// `endpt` and `pool` may be NULL; `options` must be 0 (other bits are ignored).
/// `*sess` is only written, never read, so it may be uninitialised memory; as in
/// PJSIP, initialising a live session again without pjsip_auth_clt_deinit()
/// leaks the old one. Returns `PJ_SUCCESS`, `PJ_EINVAL` for a NULL `sess`, or
/// `PJ_ETOOMANY` when the session table is full.
/// Thread-safe with respect to other sessions.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_init(
    sess: *mut pjsip_auth_clt_sess,
    endpt: *mut pjsip_endpoint,
    pool: *mut pj_pool_t,
    options: c_uint,
) -> pj_status_t {
    // The endpoint and pool are not needed: the library owns all session state.
    let _ = (endpt, pool, options);
    guard(PJ_EBUG, || {
        status_of((|| {
            // The struct is not read: before init it is typically uninitialised memory.
            if sess.is_null() {
                return Err(Error::InvalidArg);
            }
            let id = SESSIONS.open(ClientSession::default(), sess as usize)?;
            // SAFETY: checked for NULL; the caller passes writable memory for a session.
            unsafe { publish(sess, id) };
            Ok(())
        })())
    })
}

/// Frees everything behind `sess`. Tokens still pending on it are revoked:
/// each one's abandon_impl runs once (with this `sess`) and its group lock
/// reference is dropped (PJSIP leaks them). No token can be issued on it
/// from the moment deinit starts. Afterwards the session reads as
/// uninitialised (`PJ_EINVAL` from every call) until pjsip_auth_clt_init().
///
/// May be called from inside a challenge callback, send_impl or abandon_impl,
/// and from any thread while others use the session (they get `PJ_EINVAL`
/// from then on). Returns `PJ_SUCCESS`, or `PJ_EINVAL` for NULL or a session
/// not initialised.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_deinit(sess: *mut pjsip_auth_clt_sess) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: checked for NULL; the caller passes its session struct.
            let id = unsafe { session_id(sess) }?;
            let revoked = SESSIONS.close(id)?;
            // SAFETY: checked for NULL above (session_id); the caller's struct.
            unsafe { unpublish(sess) };
            if !revoked.is_empty() {
                let n = revoked.len();
                log::log(log::DEBUG, || {
                    format!("deinit: {n} pending token(s) revoked")
                });
            }
            for p in revoked {
                p.abandon(sess);
            }
            Ok(())
        })())
    })
}

/// Initialises `sess` as a copy of `rhs`: credentials, preferences, the async
/// setting and the parent link (not pending tokens, which stay with `rhs`).
/// `pool` is accepted for PJSIP compatibility (all state is owned by the
/// library). Returns `PJ_EINVAL` for a NULL argument or an uninitialised `rhs`.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_clone(
    pool: *mut pj_pool_t,
    sess: *mut pjsip_auth_clt_sess,
    rhs: *const pjsip_auth_clt_sess,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            if pool.is_null() || sess.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: checked for NULL; the caller passes a session struct.
            let src = unsafe { session_id(rhs) }?;
            let id = SESSIONS.open_copy(src, sess as usize)?;
            // SAFETY: checked for NULL above; not read, only written.
            unsafe { publish(sess, id) };
            Ok(())
        })())
    })
}

/// Makes `sess` delegate to `parent`: configure, on_challenge, send_req,
/// abandon, credentials, preferences and the sync calls then act on `parent`,
/// and callbacks receive `parent`. `parent` must stay initialised while
/// `sess` uses it (afterwards calls on `sess` return `PJ_EINVAL`).
/// Returns `PJ_EINVAL` for NULL, uninitialised sessions, or a parent that
/// would make a cycle (`sess` itself, or a session that has `sess` as its
/// parent, directly or further up); nothing changes then.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_set_parent(
    sess: *mut pjsip_auth_clt_sess,
    parent: *const pjsip_auth_clt_sess,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: session structs from the caller, checked for NULL.
            let (child, par) = unsafe { (session_id(sess)?, session_id(parent)?) };
            SESSIONS.set_parent(child, par)
        })())
    })
}

/// Replaces the session's credentials with copies of `c[0..cred_cnt]` (the
/// caller's buffers need only live for the call). `cred_cnt` 0 clears them.
/// Acts on the parent when one is set. May be called from inside callbacks.
/// Returns `PJ_EINVAL` for NULL `sess`, NULL `c` with a non-zero count, a
/// malformed string, or an unknown data_type; nothing changes then.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_set_credentials(
    sess: *mut pjsip_auth_clt_sess,
    cred_cnt: c_int,
    c: *const pjsip_cred_info,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: the caller's session struct, checked for NULL.
            let id = unsafe { session_id(sess) }?;
            if cred_cnt < 0 || (cred_cnt > 0 && c.is_null()) {
                return Err(Error::InvalidArg);
            }
            let creds = if cred_cnt == 0 {
                Vec::new()
            } else {
                // SAFETY: non-NULL; the caller passes cred_cnt credentials.
                let list = unsafe { std::slice::from_raw_parts(c, cred_cnt as usize) };
                list.iter()
                    // SAFETY: strings of the caller's credentials.
                    .map(|ci| unsafe { credential_from_c(ci) })
                    .collect::<Result<Vec<_>>>()?
            };
            SESSIONS.with_client(id, |c| c.set_credentials(creds))
        })())
    })
}

/// Sets the preferences (copied). Acts on the parent when one is set.
/// Returns `PJ_EINVAL` for NULL arguments or an uninitialised session.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_set_prefs(
    sess: *mut pjsip_auth_clt_sess,
    p: *const pjsip_auth_clt_pref,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: the caller's session struct, checked for NULL.
            let id = unsafe { session_id(sess) }?;
            // SAFETY: checked for NULL; the caller passes a pref struct.
            let p = unsafe { try_ref(p) }?;
            // SAFETY: the caller's string.
            let algorithm = unsafe { str_bytes(&p.algorithm) }?.to_vec();
            let prefs = Prefs {
                initial_auth: p.initial_auth != PJ_FALSE,
                algorithm,
            };
            SESSIONS.with_client(id, |c| c.prefs = prefs)
        })())
    })
}

/// Reads the preferences into `*p`. `p->algorithm` points into the session and
/// stays valid until the next pjsip_auth_clt_set_prefs() or deinit.
/// Returns `PJ_EINVAL` for NULL arguments or an uninitialised session.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_get_prefs(
    sess: *mut pjsip_auth_clt_sess,
    p: *mut pjsip_auth_clt_pref,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: the caller's session struct, checked for NULL.
            let id = unsafe { session_id(sess) }?;
            // SAFETY: checked for NULL; the caller passes a writable pref struct.
            let out = unsafe { try_mut(p) }?;
            let prefs = SESSIONS.with_client(id, |c| pjsip_auth_clt_pref {
                initial_auth: if c.prefs.initial_auth {
                    PJ_TRUE
                } else {
                    PJ_FALSE
                },
                // Points into the session: valid until set_prefs or deinit.
                algorithm: pj_str_t::borrowing(&c.prefs.algorithm),
            })?;
            *out = prefs;
            Ok(())
        })())
    })
}

/// Copies a string of the caller into `pool`.
///
/// # Safety
/// `s` must be readable for its length.
unsafe fn dup_str(pool: &crate::pool::Pool, s: &pj_str_t) -> Result<pj_str_t> {
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { str_bytes(s) }?;
    Ok(pool_strdup(pool, bytes))
}

/// Copies `src` into `dst`, its strings into `pool` (they live until the pool
/// is released). Returns `PJ_EINVAL` for a NULL argument; `dst` is untouched then.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_clt_pref_dup(
    pool: *mut pj_pool_t,
    dst: *mut pjsip_auth_clt_pref,
    src: *const pjsip_auth_clt_pref,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: checked for NULL; pools come from pj_pool_create().
            let pool = unsafe { pool_ref(pool) }?;
            // SAFETY: checked for NULL.
            let src = unsafe { try_ref(src) }?;
            if dst.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: the caller's string.
            let algorithm = unsafe { dup_str(pool, &src.algorithm) }?;
            // SAFETY: checked for NULL; written whole.
            unsafe {
                dst.write(pjsip_auth_clt_pref {
                    initial_auth: src.initial_auth,
                    algorithm,
                })
            };
            Ok(())
        })())
    })
}

/// Copies `src` into `dst`, every string (realm, scheme, username, data and
/// the AKA strings) into `pool`. Returns `PJ_EINVAL` for a NULL argument or
/// a malformed string; `dst` is untouched then.
#[no_mangle]
pub unsafe extern "C" fn pjsip_cred_info_dup(
    pool: *mut pj_pool_t,
    dst: *mut pjsip_cred_info,
    src: *const pjsip_cred_info,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: checked for NULL; pools come from pj_pool_create().
            let pool = unsafe { pool_ref(pool) }?;
            // SAFETY: checked for NULL.
            let src = unsafe { try_ref(src) }?;
            if dst.is_null() {
                return Err(Error::InvalidArg);
            }
            // SAFETY: reading the union's only member, which every pattern of bits inhabits
            // (strings are validated by dup_str, the callback is only copied).
            let aka = unsafe { src.ext.aka };
            // SAFETY (all dup_str calls): the caller's strings.
            let copy = unsafe {
                pjsip_cred_info {
                    realm: dup_str(pool, &src.realm)?,
                    scheme: dup_str(pool, &src.scheme)?,
                    username: dup_str(pool, &src.username)?,
                    data_type: src.data_type,
                    data: dup_str(pool, &src.data)?,
                    algorithm_type: src.algorithm_type,
                    ext: pjsip_cred_info_ext {
                        aka: pjsip_cred_info_aka {
                            k: dup_str(pool, &aka.k)?,
                            op: dup_str(pool, &aka.op)?,
                            amf: dup_str(pool, &aka.amf)?,
                            cb: aka.cb,
                        },
                    },
                }
            };
            // SAFETY: checked for NULL.
            unsafe { dst.write(copy) };
            Ok(())
        })())
    })
}

/// Compares two credentials: 0 when realm, scheme (case-insensitive),
/// username, data_type, data and algorithm_type are equal; otherwise a
/// non-zero value ordering them. NULL sorts before non-NULL.
#[no_mangle]
pub unsafe extern "C" fn pjsip_cred_info_cmp(
    cred1: *const pjsip_cred_info,
    cred2: *const pjsip_cred_info,
) -> c_int {
    guard(-1, || {
        // SAFETY: NULL-checked borrows of the caller's structs.
        let (a, b) = match unsafe { (cred1.as_ref(), cred2.as_ref()) } {
            (None, None) => return 0,
            (None, Some(_)) => return -1,
            (Some(_), None) => return 1,
            (Some(a), Some(b)) => (a, b),
        };
        // SAFETY: the caller's strings; a malformed one compares as empty.
        let s = |p: &pj_str_t| unsafe { str_bytes(p) }.unwrap_or(&[]).to_vec();
        let lower = |p: &pj_str_t| s(p).to_ascii_lowercase();
        let key = |c: &pjsip_cred_info| {
            (
                s(&c.realm),
                lower(&c.scheme),
                s(&c.username),
                c.data_type,
                s(&c.data),
                c.algorithm_type,
            )
        };
        match key(a).cmp(&key(b)) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }
    })
}

/// Fixed-capacity mode (firmware, fixed memory budgets): at most `sessions`
/// live sessions and `tokens` pending tokens in the process, all of their
/// storage allocated by this call. Afterwards pjsip_auth_clt_init() past
/// `sessions` and pjsip_auth_clt_async_impl_on_challenge() past `tokens`
/// return `PJ_ETOOMANY` (the impl token's signature stays zero, nothing
/// else changes), and the token path (impl_on_challenge, send_req,
/// abandon) allocates no heap memory once each session has issued from
/// each thread once.
///
/// Call it once, before any other session function: it returns
/// `PJ_EINVALIDOP` when the session table already exists (any session call
/// creates it, with room for about a million of each, growing on demand) or
/// a capacity was already set, and `PJ_EINVAL` for 0 or a count above what
/// a token can name on this target (64,512 with 32-bit pointers).
#[no_mangle]
pub extern "C" fn pjshim_set_capacity(sessions: pj_size_t, tokens: pj_size_t) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of(super::table::set_capacity(sessions, tokens))
    })
}
