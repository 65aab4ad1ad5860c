//! The clock hook: when set, the wall-clock seconds the library writes into
//! messages (the embedded server's nonce timestamps) and checks them
//! against come from it, so golden files of whole exchanges stay valid.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// A clock returning seconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

static SET: AtomicBool = AtomicBool::new(false);
static CLOCK: RwLock<Option<Clock>> = RwLock::new(None);

/// Installs `clock`, or restores the system clock with `None`.
pub fn set(clock: Option<Clock>) {
    let mut c = CLOCK.write().unwrap_or_else(|p| p.into_inner());
    SET.store(clock.is_some(), Ordering::Release);
    *c = clock;
}

/// Seconds since the Unix epoch, from the installed clock or the system's.
pub fn now_secs() -> u64 {
    if SET.load(Ordering::Acquire) {
        let clock = CLOCK.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(f) = clock {
            return f();
        }
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
