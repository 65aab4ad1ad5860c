//! The C front end's instance of the core session table, what a C token
//! carries, and the conversion from a `pjsip_auth_clt_sess` to its handle.
//!
//! `session` (lifecycle) and `async_auth` (the async API) both use this; they
//! do not depend on each other.

use super::auth_types::*;
use super::cast::CPtr;
use super::grp_lock::{dec_ref, pj_grp_lock_t};
use crate::auth::sessions::{SessionId, Sessions};
use crate::status::{Error, Result};
use once_cell::sync::Lazy;
use std::os::raw::c_void;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// Marks an initialised `pjsip_auth_clt_sess` ("PJSHMSES").
const MAGIC: u64 = 0x504A_5348_4D53_4553;

/// An async setting as the table stores it.
#[derive(Clone, Copy)]
pub(crate) struct Setting(pub(crate) pjsip_auth_clt_async_setting);

// SAFETY: the callback and user_data are opaque values handed back to the C
// code that supplied them, documented as called from any thread.
unsafe impl Send for Setting {}

/// What a pending token carries: copies of the impl token's fields.
pub(crate) struct Pending {
    pub(crate) user_data: CPtr<c_void>,
    pub(crate) send_impl: pjsip_auth_clt_async_impl_send,
    pub(crate) abandon_impl: Option<pjsip_auth_clt_async_impl_abandon>,
    pub(crate) grp_lock: CPtr<pj_grp_lock_t>,
    pub(crate) impl_token: CPtr<pjsip_auth_clt_async_impl_token>,
}

type Table = Sessions<Setting, Pending>;

/// Up to about a million sessions and a million pending tokens on 64-bit
/// targets (65,535 of each on 32-bit), storage growing on demand; or the
/// fixed table `set_capacity` built before the first use.
pub(crate) static SESSIONS: Lazy<Table> =
    Lazy::new(
        || match std::mem::replace(&mut *BEFORE_FIRST_USE.lock(), Early::Taken) {
            Early::Built(table) => table,
            _ => Sessions::new(1 << 20, 1 << 20),
        },
    );

/// What `SESSIONS` starts from; its creation takes it, so a budget set
/// after that is refused.
enum Early {
    Open,
    Built(Table),
    Taken,
}

static BEFORE_FIRST_USE: parking_lot::Mutex<Early> = parking_lot::Mutex::new(Early::Open);

/// Builds the fixed table (`Sessions::with_fixed_capacity` checks the
/// counts) and makes it the process's. `InvalidOp` once the table exists
/// (any session call creates it) or a budget was already set.
pub(crate) fn set_capacity(sessions: usize, tokens: usize) -> Result<()> {
    // Checked before building too, so a late call allocates nothing.
    if !matches!(*BEFORE_FIRST_USE.lock(), Early::Open) {
        return Err(Error::InvalidOp);
    }
    let table = Table::with_fixed_capacity(sessions, tokens)?;
    {
        let mut early = BEFORE_FIRST_USE.lock();
        if !matches!(*early, Early::Open) {
            return Err(Error::InvalidOp);
        }
        *early = Early::Built(table);
    }
    Lazy::force(&SESSIONS);
    Ok(())
}

const SIGNATURE: [u8; 4] = *b"AUTH";

impl Pending {
    /// Writes "AUTH" into the impl token's signature: the token is pending.
    pub(crate) fn mark_pending(&self) {
        write_signature(self.impl_token, SIGNATURE);
    }

    /// Zeroes the impl token's signature: the token has ended (or was never
    /// issued). Runs once, by the token's single claimer, before the group
    /// lock reference is dropped.
    pub(crate) fn mark_ended(&self) {
        clear_signature(self.impl_token);
    }

    /// Drops the reference the token held.
    pub(crate) fn drop_reference(&self) {
        if !self.grp_lock.0.is_null() {
            // SAFETY: the owner gave this token one reference on a live group lock.
            unsafe { dec_ref(self.grp_lock.0) };
        }
    }

    /// Ends an abandoned or revoked token: abandon_impl (if any) with `sess`,
    /// then the reference.
    pub(crate) fn abandon(self, sess: *mut pjsip_auth_clt_sess) {
        self.mark_ended();
        if let Some(abandon) = self.abandon_impl {
            // SAFETY: the owner's callback with the values it supplied; no lock held.
            unsafe { abandon(sess, self.user_data.0) };
        }
        self.drop_reference();
    }
}

/// Zeroes an impl token's signature (also for a challenge that issued no token).
pub(crate) fn clear_signature(impl_token: CPtr<pjsip_auth_clt_async_impl_token>) {
    write_signature(impl_token, [0; 4]);
}

/// The one write the library makes into an integrator's impl token.
fn write_signature(impl_token: CPtr<pjsip_auth_clt_async_impl_token>, value: [u8; 4]) {
    // SAFETY: the owner keeps the impl token valid from
    // pjsip_auth_clt_async_impl_on_challenge until its token ends (documented
    // there); the writers are the issuer before the token exists and its
    // single claimer after.
    unsafe { std::ptr::addr_of_mut!((*impl_token.0).signature).write(value) };
}

// The session struct's two private words are read by any thread calling
// into a session while deinit may clear them on another: every access after
// init is atomic, through raw pointers (never a reference to the struct).
// The handle lives in the first pointer-sized part of `_handle` (the rest
// stays 0), and the magic is kept as two 32-bit halves of `_magic`, so no
// target needs 64-bit atomics.

/// The handle word and the two magic halves of `*sess`.
///
/// # Safety
/// `sess` is non-NULL and points to a `pjsip_auth_clt_sess` for `'a`.
unsafe fn words<'a>(sess: *const pjsip_auth_clt_sess) -> (&'a AtomicUsize, [&'a AtomicU32; 2]) {
    // SAFETY: the fields are 8-byte words, aligned at least as AtomicUsize and
    // AtomicU32 need on every supported target (u64's alignment is >= 4), and
    // valid for 'a (caller); all concurrent accesses to them are atomic.
    unsafe {
        let handle = std::ptr::addr_of!((*sess)._handle) as *const AtomicUsize;
        let magic = std::ptr::addr_of!((*sess)._magic) as *const AtomicU32;
        (&*handle, [&*magic, &*magic.add(1)])
    }
}

const MAGIC_HALVES: [u32; 2] = [MAGIC as u32, (MAGIC >> 32) as u32];

/// Writes a fresh session struct for `id` into `*sess` (init and clone: the
/// memory may be uninitialised; nothing else may use it meanwhile).
///
/// # Safety
/// `sess` is non-NULL and writable for a `pjsip_auth_clt_sess`.
pub(crate) unsafe fn publish(sess: *mut pjsip_auth_clt_sess, id: SessionId) {
    // SAFETY: writable (caller); `write` does not read or drop the old bytes.
    unsafe {
        sess.write(pjsip_auth_clt_sess {
            _handle: 0,
            _magic: 0,
            _reserved: [0; 6],
        });
    }
    // SAFETY: just written, valid (caller).
    let (handle, magic) = unsafe { words(sess) };
    handle.store(id.raw(), Ordering::Relaxed);
    magic[0].store(MAGIC_HALVES[0], Ordering::Relaxed);
    // Last: a reader that sees the whole magic sees the handle.
    magic[1].store(MAGIC_HALVES[1], Ordering::Release);
}

/// Marks `*sess` as not initialised (deinit): magic first, then the handle.
///
/// # Safety
/// `sess` is non-NULL and points to a `pjsip_auth_clt_sess`.
pub(crate) unsafe fn unpublish(sess: *mut pjsip_auth_clt_sess) {
    // SAFETY: valid (caller).
    let (handle, magic) = unsafe { words(sess) };
    magic[1].store(0, Ordering::Relaxed);
    magic[0].store(0, Ordering::Relaxed);
    handle.store(0, Ordering::Release);
}

/// The handle inside a C session, or `InvalidArg` for NULL or a struct that
/// was never initialised (or was de-initialised).
///
/// # Safety
/// A non-NULL `sess` must point to a readable `pjsip_auth_clt_sess`.
pub(crate) unsafe fn session_id(sess: *const pjsip_auth_clt_sess) -> Result<SessionId> {
    if sess.is_null() {
        return Err(Error::InvalidArg);
    }
    // SAFETY: non-NULL, readable (caller).
    let (handle, magic) = unsafe { words(sess) };
    if magic[1].load(Ordering::Acquire) != MAGIC_HALVES[1]
        || magic[0].load(Ordering::Relaxed) != MAGIC_HALVES[0]
    {
        return Err(Error::InvalidArg);
    }
    // A value this library wrote; anything else fails lookup in the table.
    Ok(SessionId::from_raw(handle.load(Ordering::Relaxed)))
}
