//! Group lock: the lifetime of a transaction-like object, as pjlib's
//! `pj_grp_lock_t`.
//!
//! A group lock combines three things:
//! - an atomic reference count that starts at 0; the `dec_ref` that brings it
//!   back to 0 destroys the lock;
//! - a recursive lock that can be taken and given back in separate calls (the
//!   shape C needs); while held it keeps one reference, so the lock cannot be
//!   destroyed under its holder;
//! - destroy handlers, run exactly once, in the order they were added, by
//!   whichever call destroys the lock, with no internal lock held (a handler
//!   may use other group locks, or this one's reference count, which then
//!   reports `Error::Gone`).
//!
//! Destruction is a one-way state transition done by a single compare-and-swap
//! on one atomic word (count plus a "destroyed" bit), so it can happen only once
//! however many threads race, and the count can never wrap below zero.
//!
//! Freeing memory is not this module's business: the owner (for C, the `ffi`
//! layer) frees the object after the call that reported the destruction.

use crate::status::{Error, Result};
use parking_lot::lock_api::RawReentrantMutex;
use parking_lot::{Mutex, RawMutex, RawThreadId};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The "destroyed" bit of the state word; the other bits are the count.
const DESTROYED: usize = 1 << (usize::BITS - 1);
/// The count bits of the state word.
const COUNT: usize = DESTROYED - 1;

/// Identity of a destroy handler, so that one can be removed again: for C, the
/// member pointer and the handler's address.
pub type HandlerKey = (usize, usize);

/// A destroy handler.
pub type Handler = Box<dyn FnOnce() + Send>;

/// What a `dec_ref` (or a `release`) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecRef {
    /// The lock lives on with this many references.
    Alive(usize),
    /// This call dropped the last reference: the handlers have run and the
    /// lock is dead; its owner should free it.
    Destroyed,
}

/// A reference-counted recursive lock with destroy handlers. See the module docs.
pub struct GroupLock {
    state: AtomicUsize,
    lock: RawReentrantMutex<RawMutex, RawThreadId>,
    handlers: Mutex<Vec<(HandlerKey, Handler)>>,
}

impl Default for GroupLock {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for GroupLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupLock")
            .field("ref_count", &self.ref_count())
            .field("destroyed", &self.is_destroyed())
            .finish_non_exhaustive()
    }
}

impl GroupLock {
    /// A live group lock with reference count 0, unlocked, without handlers.
    pub fn new() -> Self {
        GroupLock {
            state: AtomicUsize::new(0),
            lock: RawReentrantMutex::INIT,
            handlers: Mutex::new(Vec::new()),
        }
    }

    /// The current reference count (a snapshot).
    pub fn ref_count(&self) -> usize {
        self.state.load(Ordering::Acquire) & COUNT
    }

    /// Whether the lock has been destroyed.
    pub fn is_destroyed(&self) -> bool {
        self.state.load(Ordering::Acquire) & DESTROYED != 0
    }

    /// Adds a reference; returns the new count. `Error::Gone` once destroyed.
    #[inline]
    pub fn add_ref(&self) -> Result<usize> {
        self.add_ref_when(|_| true)
    }

    /// Adds a reference if `ok(count)` holds for the current count.
    #[inline]
    fn add_ref_when(&self, ok: impl Fn(usize) -> bool) -> Result<usize> {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if cur & DESTROYED != 0 {
                return Err(Error::Gone);
            }
            if !ok(cur) {
                return Err(Error::InvalidOp);
            }
            if cur == COUNT {
                return Err(Error::TooMany);
            }
            match self.state.compare_exchange_weak(
                cur,
                cur + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(cur + 1),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Drops a reference. The call that takes the count to 0 destroys the lock
    /// and runs the handlers before returning `DecRef::Destroyed`.
    ///
    /// Errors: `Error::InvalidOp` when the count is already 0 (nothing to drop),
    /// `Error::Gone` once destroyed.
    #[inline]
    pub fn dec_ref(&self) -> Result<DecRef> {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if cur & DESTROYED != 0 {
                return Err(Error::Gone);
            }
            if cur == 0 {
                return Err(Error::InvalidOp);
            }
            // Reaching 0 and being destroyed are one transition.
            let next = if cur == 1 { DESTROYED } else { cur - 1 };
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if next == DESTROYED => {
                    self.run_handlers();
                    return Ok(DecRef::Destroyed);
                }
                Ok(_) => return Ok(DecRef::Alive(next)),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Destroys the lock now, whatever the count, and runs the handlers.
    /// `Error::Gone` if it was already destroyed (the handlers do not run again).
    pub fn destroy(&self) -> Result<()> {
        let before = self.state.fetch_or(DESTROYED, Ordering::AcqRel);
        if before & DESTROYED != 0 {
            return Err(Error::Gone);
        }
        self.run_handlers();
        Ok(())
    }

    /// Takes the handlers out (after the destroyed bit is set, so none can be
    /// added any more) and runs them in order, without holding the list's lock.
    fn run_handlers(&self) {
        let handlers = std::mem::take(&mut *self.handlers.lock());
        for (_, handler) in handlers {
            handler();
        }
    }

    /// Adds a destroy handler, run after those added before it.
    /// `Error::Gone` once destroyed (the handler is dropped without running).
    pub fn add_handler(&self, key: HandlerKey, handler: Handler) -> Result<()> {
        let mut handlers = self.handlers.lock();
        // Checked under the list's lock: destruction sets the bit before it takes
        // the list, so a handler added here is either run or refused, never lost.
        if self.is_destroyed() {
            return Err(Error::Gone);
        }
        handlers.push((key, handler));
        Ok(())
    }

    /// Removes the first handler added with `key`. `Error::NotFound` if there is
    /// none (also once destroyed: the handlers have run).
    pub fn del_handler(&self, key: HandlerKey) -> Result<()> {
        let removed = {
            let mut handlers = self.handlers.lock();
            let pos = handlers
                .iter()
                .position(|(k, _)| *k == key)
                .ok_or(Error::NotFound)?;
            handlers.remove(pos)
        };
        drop(removed);
        Ok(())
    }

    /// Takes the lock, blocking while another thread holds it; recursive. While
    /// held the lock keeps one reference (given back by `release`).
    ///
    /// Errors: `Error::InvalidOp` when the count is 0 (nobody keeps the lock
    /// alive: pjlib asserts here), `Error::Gone` once destroyed.
    pub fn acquire(&self) -> Result<()> {
        self.add_ref_when(|count| count > 0)?;
        self.lock.lock();
        Ok(())
    }

    /// Takes the lock if that needs no waiting; recursive. `Error::Busy` when
    /// another thread holds it; otherwise as `acquire`.
    pub fn try_acquire(&self) -> Result<()> {
        self.add_ref_when(|count| count > 0)?;
        if self.lock.try_lock() {
            return Ok(());
        }
        // Give back the reference taken above. The caller holds one of its own,
        // so this cannot be the last one unless the caller broke that rule.
        self.dec_ref()?;
        Err(Error::Busy)
    }

    /// Gives back one hold of the lock and the reference it kept; that may
    /// destroy the lock (after it is unlocked).
    ///
    /// Errors: `Error::InvalidOp` when the calling thread does not hold the lock.
    pub fn release(&self) -> Result<DecRef> {
        if !self.lock.is_owned_by_current_thread() {
            return Err(Error::InvalidOp);
        }
        // SAFETY: the check above shows the calling thread holds the lock (only
        // the owning thread ever stores its own id as owner).
        unsafe { self.lock.unlock() };
        self.dec_ref()
    }

    /// Whether the calling thread holds the lock.
    pub fn is_held_by_current_thread(&self) -> bool {
        self.lock.is_owned_by_current_thread()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_reaching_zero_destroys_once() {
        let g = GroupLock::new();
        assert_eq!(g.add_ref(), Ok(1));
        assert_eq!(g.add_ref(), Ok(2));
        assert_eq!(g.dec_ref(), Ok(DecRef::Alive(1)));
        assert_eq!(g.dec_ref(), Ok(DecRef::Destroyed));
        assert_eq!(g.dec_ref(), Err(Error::Gone));
        assert_eq!(g.add_ref(), Err(Error::Gone));
        assert_eq!(g.destroy(), Err(Error::Gone));
    }
}
