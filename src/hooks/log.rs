//! The log hook: notable events (challenge received, token issued, claimed
//! or revoked, credentials refused, send failures) go to one sink with a
//! PJ_LOG-like level, 1 error .. 6 trace. Nothing is logged, and no message
//! is formatted, until a sink is installed.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

/// Errors.
pub const ERROR: u8 = 1;
/// Warnings (credentials refused, send failures).
pub const WARN: u8 = 2;
/// Information.
pub const INFO: u8 = 3;
/// Protocol events (challenges, tokens).
pub const DEBUG: u8 = 4;
/// Details.
pub const DETAIL: u8 = 5;
/// Everything.
pub const TRACE: u8 = 6;

/// A sink receiving (level, message).
pub type Sink = Arc<dyn Fn(u8, &str) + Send + Sync>;

/// The highest level delivered; 0 while no sink is installed.
static LEVEL: AtomicU8 = AtomicU8::new(0);
static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Installs `sink` for events up to `level` (clamped to 0..=6), or removes
/// it with `None` (or level 0).
pub fn set(level: u8, sink: Option<Sink>) {
    let mut s = SINK.write().unwrap_or_else(|p| p.into_inner());
    let level = if sink.is_some() { level.min(TRACE) } else { 0 };
    LEVEL.store(level, Ordering::Release);
    *s = sink;
}

/// Whether an event at `level` would be delivered.
#[inline]
pub fn enabled(level: u8) -> bool {
    level != 0 && level <= LEVEL.load(Ordering::Acquire)
}

/// Delivers the message `msg` builds at `level`, if enabled (`msg` runs
/// only then). The sink runs with no lock held. Inlined down to the level
/// check: the token path calls it twice per cycle with logging off.
#[inline(always)]
pub fn log(level: u8, msg: impl FnOnce() -> String) {
    if enabled(level) {
        deliver(level, msg);
    }
}

#[cold]
#[inline(never)]
fn deliver(level: u8, msg: impl FnOnce() -> String) {
    let sink = SINK.read().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(f) = sink {
        f(level, &msg());
    }
}
