//! A timer heap: jobs keyed by an identity, ordered by deadline, popped when due.
//!
//! Pure data structure over `std::time::Instant`: the caller passes "now", so
//! tests drive it with a fake clock. Promises:
//! - a key is scheduled at most once (`Error::Exists` otherwise);
//! - jobs with the same deadline pop in the order they were scheduled;
//! - `cancel` of a key that is not scheduled is harmless (`None`);
//! - nothing here runs a job: `pop_due` hands it out, so the owner can release
//!   its lock before running it (a job may schedule or cancel timers).

use crate::status::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::Instant;

/// Jobs of type `J` keyed by `K`, ordered by deadline then scheduling order.
#[derive(Debug)]
pub struct TimerHeap<K, J> {
    by_time: BTreeMap<(Instant, u64), (K, J)>,
    by_key: HashMap<K, (Instant, u64)>,
    seq: u64,
}

impl<K: Eq + Hash + Clone, J> Default for TimerHeap<K, J> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash + Clone, J> TimerHeap<K, J> {
    /// An empty heap.
    pub fn new() -> Self {
        TimerHeap {
            by_time: BTreeMap::new(),
            by_key: HashMap::new(),
            seq: 0,
        }
    }

    /// Schedules `job` under `key` to be due at `at`. `Error::Exists` if `key`
    /// is already scheduled (the job is dropped then).
    pub fn schedule(&mut self, key: K, at: Instant, job: J) -> Result<()> {
        if self.by_key.contains_key(&key) {
            return Err(Error::Exists);
        }
        self.seq += 1;
        let slot = (at, self.seq);
        self.by_key.insert(key.clone(), slot);
        self.by_time.insert(slot, (key, job));
        Ok(())
    }

    /// Removes the job scheduled under `key`, if any, and hands it back.
    pub fn cancel(&mut self, key: &K) -> Option<J> {
        let slot = self.by_key.remove(key)?;
        shrink_sparse(&mut self.by_key);
        self.by_time.remove(&slot).map(|(_, job)| job)
    }

    /// Whether `key` is scheduled.
    pub fn is_scheduled(&self, key: &K) -> bool {
        self.by_key.contains_key(key)
    }

    /// The earliest deadline, if any job is scheduled.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.by_time.keys().next().map(|(at, _)| *at)
    }

    /// Removes and returns the earliest job due at or before `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<(K, J)> {
        let (&slot, _) = self.by_time.iter().next()?;
        if slot.0 > now {
            return None;
        }
        let (key, job) = self.by_time.remove(&slot)?;
        self.by_key.remove(&key);
        shrink_sparse(&mut self.by_key);
        Some((key, job))
    }

    /// Removes every job (for shutdown), in deadline order.
    pub fn drain(&mut self) -> Vec<(K, J)> {
        self.by_key.clear();
        std::mem::take(&mut self.by_time).into_values().collect()
    }

    /// Number of scheduled jobs.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether no job is scheduled.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// Gives a map's memory back after a burst (a hash map never shrinks by
/// itself): at most a quarter full, it shrinks to about twice its length.
/// Each shrink follows at least half a capacity's worth of removals, so the
/// cost is amortised; small maps are left alone.
pub(crate) fn shrink_sparse<K: Eq + Hash, V>(m: &mut HashMap<K, V>) {
    let cap = m.capacity();
    if cap > 256 && m.len() * 4 <= cap {
        m.shrink_to(m.len() * 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn memory_returns_after_a_burst() {
        let t0 = Instant::now();
        let mut h = TimerHeap::new();
        for k in 0..10_000u32 {
            h.schedule(k, t0, k).unwrap();
        }
        let full = h.by_key.capacity();
        for k in 0..9_990u32 {
            assert_eq!(h.cancel(&k), Some(k));
        }
        assert!(
            h.by_key.capacity() <= 256,
            "{full} -> {}",
            h.by_key.capacity()
        );
        let mut left = 0;
        while h.pop_due(Instant::now()).is_some() {
            left += 1;
        }
        assert_eq!(left, 10);
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn pops_in_deadline_then_fifo_order() {
        let t0 = Instant::now();
        let mut h = TimerHeap::new();
        h.schedule("c", t0 + ms(30), 3).unwrap();
        h.schedule("a", t0 + ms(10), 1).unwrap();
        h.schedule("b", t0 + ms(10), 2).unwrap();
        assert_eq!(h.next_deadline(), Some(t0 + ms(10)));
        assert_eq!(h.pop_due(t0 + ms(9)), None);
        assert_eq!(h.pop_due(t0 + ms(10)), Some(("a", 1)));
        assert_eq!(h.pop_due(t0 + ms(10)), Some(("b", 2)));
        assert_eq!(h.pop_due(t0 + ms(29)), None);
        assert_eq!(h.pop_due(t0 + ms(100)), Some(("c", 3)));
        assert!(h.is_empty());
    }

    #[test]
    fn exists_cancel_and_reschedule() {
        let t0 = Instant::now();
        let mut h = TimerHeap::new();
        h.schedule(1, t0, "x").unwrap();
        assert_eq!(h.schedule(1, t0, "y"), Err(Error::Exists));
        assert!(h.is_scheduled(&1));
        assert_eq!(h.cancel(&1), Some("x"));
        assert_eq!(h.cancel(&1), None);
        assert_eq!(h.pop_due(t0 + ms(1)), None);
        h.schedule(1, t0, "z").unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h.drain(), vec![(1, "z")]);
        assert!(!h.is_scheduled(&1));
    }
}
