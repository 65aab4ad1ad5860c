//! The synchronisation primitives of the lock-free core (handle maps, token
//! slots, the session table), switched to loom's under `--cfg loom` so that
//! the model checker runs the real protocol code, not a copy of it.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

/// A mutex with parking_lot's shape (`lock()` returns the guard directly).
#[cfg(not(loom))]
pub(crate) type Mutex<T> = parking_lot::Mutex<T>;

#[cfg(loom)]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);
#[cfg(loom)]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex(loom::sync::Mutex::new(value))
    }
    pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap()
    }
}

/// The per-session record lock of the token hot path: a spin lock (one
/// atomic swap to take, a plain store to give back) that yields the thread
/// while another holds it. Its critical sections are a few loads and stores
/// and never call out.
#[cfg(not(loom))]
pub(crate) type SpinMutex<T> = spin::mutex::SpinMutex<T, spin::relax::Yield>;
#[cfg(loom)]
pub(crate) type SpinMutex<T> = Mutex<T>;

/// A cell whose accesses the caller synchronises by a stated invariant, with
/// loom's closure API so that loom can check those accesses too.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }
    /// Runs `f` with a mutable pointer to the value.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
