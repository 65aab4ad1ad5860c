//! The random source hook: when set, every byte of randomness that reaches
//! a message (cnonces, Via branches, From/To tags, Call-IDs, the embedded
//! server's opaque values and nonce key) comes from it, so two runs print
//! byte-identical messages. Handle keys (`crate::handle`) do not: they
//! never appear in a message.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// A source filling its argument with bytes.
pub type Source = Arc<dyn Fn(&mut [u8]) + Send + Sync>;

static SET: AtomicBool = AtomicBool::new(false);
static SOURCE: RwLock<Option<Source>> = RwLock::new(None);

/// Installs `source`, or restores the default with `None`.
pub fn set(source: Option<Source>) {
    let mut s = SOURCE.write().unwrap_or_else(|p| p.into_inner());
    SET.store(source.is_some(), Ordering::Release);
    *s = source;
}

/// Fills `buf` from the installed source and returns true, or returns false
/// (and leaves `buf` alone) when none is installed. The source runs with no
/// lock held, so it may itself call `set`.
pub fn fill(buf: &mut [u8]) -> bool {
    if !SET.load(Ordering::Acquire) {
        return false;
    }
    let source = SOURCE.read().unwrap_or_else(|p| p.into_inner()).clone();
    match source {
        Some(f) => {
            f(buf);
            true
        }
        None => false,
    }
}
