//! Send fault injection: the next N sends fail with a chosen status, as if
//! the transport had refused them. The front end applies it where a request
//! leaves the library (the async `send_req`), so a harness can check what
//! happens to a token whose send failed.

use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::Mutex;

static LEFT: AtomicU32 = AtomicU32::new(0);
static STATUS: AtomicI32 = AtomicI32::new(0);
// Arming writes two values; the lock keeps a concurrent take from pairing
// a new count with an old status. Takes only lock when armed.
static ARM: Mutex<()> = Mutex::new(());

/// Makes the next `n` sends fail with `status` (0 disarms).
pub fn fail_next(n: u32, status: i32) {
    let _g = ARM.lock().unwrap_or_else(|p| p.into_inner());
    STATUS.store(status, Ordering::Relaxed);
    LEFT.store(n, Ordering::Relaxed);
}

/// For one send: the status to fail it with, if a failure is armed (and
/// then one fewer is left).
#[inline(always)]
pub fn take() -> Option<i32> {
    if LEFT.load(Ordering::Relaxed) == 0 {
        return None;
    }
    take_armed()
}

#[cold]
#[inline(never)]
fn take_armed() -> Option<i32> {
    let _g = ARM.lock().unwrap_or_else(|p| p.into_inner());
    let left = LEFT.load(Ordering::Relaxed);
    if left == 0 {
        return None;
    }
    LEFT.store(left - 1, Ordering::Relaxed);
    Some(STATUS.load(Ordering::Relaxed))
}

/// Failures still armed.
pub fn pending() -> u32 {
    LEFT.load(Ordering::Relaxed)
}
