//! The random source hook: when set, every byte of randomness that reaches
//! a message (cnonces, Via branches, From/To tags, Call-IDs, the embedded
//! server's opaque values and nonce key) comes from it, so two runs print
//! byte-identical messages. Handle keys (`crate::handle`) do not: they
//! never appear in a message.

use alloc::sync::Arc;
use spin::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// A source filling its argument with bytes.
pub type Source = Arc<dyn Fn(&mut [u8]) + Send + Sync>;

static SET: AtomicBool = AtomicBool::new(false);
// A spin lock (also without std): held only to swap or clone the Arc.
static SOURCE: RwLock<Option<Source>> = RwLock::new(None);

/// Installs `source`, or restores the default with `None`. Without std this
/// is where cnonces get their randomness: install one at start.
pub fn set(source: Option<Source>) {
    let mut s = SOURCE.write();
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
    let source = SOURCE.read().clone();
    match source {
        Some(f) => {
            f(buf);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Draws race installs and removals on real threads: every draw either
    /// comes whole from one call of the source (all bytes equal, non-zero)
    /// or reports none (buffer untouched), never a mix, and nothing
    /// deadlocks. Restores the default. (The source's values differ from
    /// call to call: other tests of this binary may draw meanwhile and
    /// expect distinct values.)
    #[test]
    fn set_races_draws() {
        static HITS: AtomicUsize = AtomicUsize::new(0);
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let source = || -> Source {
            Arc::new(|b: &mut [u8]| {
                let n = CALLS.fetch_add(1, Ordering::Relaxed);
                b.fill((n % 255) as u8 + 1);
            })
        };
        static DONE: AtomicUsize = AtomicUsize::new(0);
        std::thread::scope(|sc| {
            for _ in 0..3 {
                sc.spawn(|| {
                    // At least 20,000 draws, and on until one saw the source.
                    let mut i = 0u32;
                    while i < 20_000 || (HITS.load(Ordering::Relaxed) == 0 && i < 5_000_000) {
                        let mut b = [0u8; 16];
                        if fill(&mut b) {
                            assert!(b[0] != 0 && b.iter().all(|&x| x == b[0]), "{b:?}");
                            HITS.fetch_add(1, Ordering::Relaxed);
                        } else {
                            assert_eq!(b, [0u8; 16]);
                        }
                        i += 1;
                    }
                    DONE.fetch_add(1, Ordering::Relaxed);
                });
            }
            sc.spawn(|| {
                let mut on = false;
                while DONE.load(Ordering::Relaxed) < 3 {
                    on = !on;
                    set(if on { Some(source()) } else { None });
                    std::thread::yield_now();
                }
                set(None);
            });
        });
        assert!(HITS.load(Ordering::Relaxed) > 0, "no draw saw the source");
        let mut b = [0u8; 4];
        assert!(!fill(&mut b), "the default is back");
        // A source may replace itself from inside a draw (no lock is held).
        set(Some(Arc::new(|b: &mut [u8]| {
            let n = CALLS.fetch_add(1, Ordering::Relaxed);
            b.fill((n % 255) as u8 + 1);
            set(None);
        })));
        assert!(fill(&mut b) && b[0] != 0);
        assert!(!fill(&mut b));
    }
}
