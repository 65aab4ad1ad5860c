//! The synchronisation primitives of the lock-free core (handle maps, token
//! slots, the session table), switched to loom's under `--cfg loom` so that
//! the model checker runs the real protocol code, not a copy of it.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

/// A mutex with parking_lot's shape (`lock()` returns the guard directly).
#[cfg(all(not(loom), feature = "std"))]
pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
/// Without std (no thread to park): a spin mutex of the same shape.
#[cfg(all(not(loom), not(feature = "std")))]
pub(crate) type Mutex<T> = spin::mutex::SpinMutex<T, spin::relax::Spin>;

/// A cell written once (by whoever gets there first), read lock-free.
#[cfg(feature = "std")]
pub(crate) use once_cell::sync::OnceCell;
/// Without std: spin's `Once` behind `once_cell`'s names.
#[cfg(not(feature = "std"))]
pub(crate) struct OnceCell<T>(spin::Once<T>);
#[cfg(not(feature = "std"))]
impl<T> OnceCell<T> {
    pub(crate) const fn new() -> Self {
        OnceCell(spin::Once::new())
    }
    #[inline(always)]
    pub(crate) fn get(&self) -> Option<&T> {
        self.0.get()
    }
    pub(crate) fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        self.0.call_once(f)
    }
}

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
#[cfg(all(not(loom), feature = "std"))]
pub(crate) type SpinMutex<T> = spin::mutex::SpinMutex<T, spin::relax::Yield>;
#[cfg(all(not(loom), not(feature = "std")))]
pub(crate) type SpinMutex<T> = spin::mutex::SpinMutex<T, spin::relax::Spin>;
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

/// A value naming the calling thread, unique among live threads, never 0;
/// 0 where the target has no cheap way to tell (the session table then
/// takes its locked path for every issue). A value may be reused by a
/// thread created after its holder exited; the library's creation and
/// teardown of a thread order the two, so the new thread simply inherits
/// what the old one owned.
#[cfg(all(not(loom), unix, feature = "std"))]
pub(crate) fn thread_token() -> usize {
    // SAFETY: pthread_self has no preconditions; on the supported libcs it
    // returns the thread's control block address, non-zero and unique while
    // the thread lives.
    unsafe { libc::pthread_self() as usize }
}
#[cfg(all(not(loom), not(all(unix, feature = "std"))))]
pub(crate) fn thread_token() -> usize {
    0
}
#[cfg(loom)]
pub(crate) fn thread_token() -> usize {
    loom::thread_local! { static ME: u8 = 0; }
    ME.with(|b| b as *const u8 as usize)
}

/// Waits a moment for another thread to finish a short step.
pub(crate) fn spin_wait() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(all(not(loom), feature = "std"))]
    std::thread::yield_now();
    #[cfg(all(not(loom), not(feature = "std")))]
    core::hint::spin_loop();
}

/// A pair of fences for one frequent side and one rare side of a
/// store-then-load handshake (each side stores its flag, fences, then loads
/// the other's): `light` on the frequent side costs nothing at run time when
/// `heavy`, on the rare side, can make every thread of the process execute a
/// full barrier (Linux membarrier, private expedited); otherwise both are
/// sequentially consistent fences. `prepare` must run before either is used.
pub(crate) mod asymmetric {
    // Under miri (which has no membarrier) the fence pair is used.
    #[cfg(not(loom))]
    mod imp {
        use std::sync::atomic::{compiler_fence, fence, AtomicU8, Ordering};

        const UNKNOWN: u8 = 0;
        const MEMBARRIER: u8 = 1;
        const FENCES: u8 = 2;
        static MODE: AtomicU8 = AtomicU8::new(UNKNOWN);

        #[cfg(all(target_os = "linux", not(miri), feature = "std"))]
        fn membarrier(cmd: libc::c_int) -> bool {
            // SAFETY: membarrier takes two integer arguments and touches no
            // memory of ours; an unknown command only fails.
            unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as libc::c_int) == 0 }
        }

        pub(crate) fn prepare() {
            if MODE.load(Ordering::Acquire) != UNKNOWN {
                return;
            }
            #[cfg(all(target_os = "linux", not(miri), feature = "std"))]
            const REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;
            #[cfg(all(target_os = "linux", not(miri), feature = "std"))]
            let mode = if membarrier(REGISTER_PRIVATE_EXPEDITED) {
                MEMBARRIER
            } else {
                FENCES
            };
            #[cfg(not(all(target_os = "linux", not(miri), feature = "std")))]
            let mode = FENCES;
            // Every caller computes the same answer; the first store wins.
            let _ = MODE.compare_exchange(UNKNOWN, mode, Ordering::AcqRel, Ordering::Acquire);
        }

        #[inline]
        pub(crate) fn light(_cell: &super::super::AtomicUsize) {
            if MODE.load(Ordering::Relaxed) == MEMBARRIER {
                compiler_fence(Ordering::SeqCst);
            } else {
                fence(Ordering::SeqCst);
            }
        }

        pub(crate) fn heavy(_cell: &super::super::AtomicUsize) {
            #[cfg(all(target_os = "linux", not(miri), feature = "std"))]
            const PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
            #[cfg(all(target_os = "linux", not(miri), feature = "std"))]
            if MODE.load(Ordering::Relaxed) == MEMBARRIER && membarrier(PRIVATE_EXPEDITED) {
                return;
            }
            fence(Ordering::SeqCst);
        }
    }

    // loom models neither membarrier nor SeqCst fences exactly; both sides
    // do a read-modify-write of one shared cell instead, which orders the
    // two sides the same way (the later one reads from the earlier).
    #[cfg(loom)]
    mod imp {
        use super::super::{AtomicUsize, Ordering};
        pub(crate) fn prepare() {}
        pub(crate) fn light(cell: &AtomicUsize) {
            cell.fetch_add(0, Ordering::AcqRel);
        }
        pub(crate) fn heavy(cell: &AtomicUsize) {
            cell.fetch_add(0, Ordering::AcqRel);
        }
    }

    pub(crate) use imp::{heavy, light, prepare};
}
