//! Fault injection on the UDP transport: a seeded plan that drops,
//! duplicates or holds back (reorders) outgoing datagrams, so that a test
//! can drive the whole stack (transactions, registration, async auth) over
//! a lossy network on loopback and reproduce a run from its seed.
//!
//! Off unless a plan is set ([`Endpoint::set_fault_plan`]); a transport
//! without one pays one relaxed atomic load per datagram sent. Meant for
//! tests and diagnostics, never for production traffic.
//!
//! [`Endpoint::set_fault_plan`]: super::Endpoint::set_fault_plan

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// What to do to outgoing datagrams. Rates are per thousand datagrams and
/// exclusive (a datagram is dropped, duplicated, held back, or sent as is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultPlan {
    /// Seed of the plan's generator (xorshift64*; 0 is replaced by 1).
    pub seed: u64,
    /// Datagrams not sent at all.
    pub loss_per_mille: u16,
    /// Datagrams sent twice.
    pub duplicate_per_mille: u16,
    /// Datagrams held back and sent after the next one sent (or, when no
    /// other comes, once `hold` has passed, at the transport's next receive).
    pub reorder_per_mille: u16,
    /// Longest a held datagram waits.
    pub hold: Duration,
}

/// Faults injected so far by a transport (all zero without a plan).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Datagrams that went through the plan.
    pub seen: u64,
    /// Datagrams dropped.
    pub dropped: u64,
    /// Datagrams sent twice.
    pub duplicated: u64,
    /// Datagrams held back and sent after a later one (or late).
    pub reordered: u64,
}

/// Most datagrams held back at once; past it, a datagram picked for
/// holding is sent as is.
const MAX_HELD: usize = 8;

/// What the plan decided for one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    Drop,
    Twice,
    Hold,
    Send,
}

/// A plan with its generator, the held datagrams and the counts.
#[derive(Debug)]
pub(crate) struct Faults {
    plan: FaultPlan,
    rng: u64,
    held: Vec<(Instant, Vec<u8>, SocketAddr)>,
    pub(crate) counts: FaultCounts,
}

impl Faults {
    pub(crate) fn new(plan: FaultPlan) -> Faults {
        Faults {
            plan,
            rng: plan.seed.max(1),
            held: Vec::new(),
            counts: FaultCounts::default(),
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64* (Vigna): enough for picking fates, and reproducible.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Decides the fate of one datagram (and counts it).
    pub(crate) fn decide(&mut self) -> Fate {
        self.counts.seen += 1;
        let roll = (self.next() % 1000) as u32;
        let p = self.plan;
        // Summed as u32: rates need not add up to 1000 or less.
        let loss = u32::from(p.loss_per_mille);
        let dup = loss + u32::from(p.duplicate_per_mille);
        let fate = if roll < loss {
            Fate::Drop
        } else if roll < dup {
            Fate::Twice
        } else if roll < dup + u32::from(p.reorder_per_mille) && self.held.len() < MAX_HELD {
            Fate::Hold
        } else {
            Fate::Send
        };
        match fate {
            Fate::Drop => self.counts.dropped += 1,
            Fate::Twice => self.counts.duplicated += 1,
            Fate::Hold => self.counts.reordered += 1,
            Fate::Send => {}
        }
        fate
    }

    /// Holds a datagram back.
    pub(crate) fn hold(&mut self, bytes: &[u8], dest: SocketAddr) {
        self.held.push((Instant::now(), bytes.to_vec(), dest));
    }

    /// Takes every held datagram (after a datagram went out), or with
    /// `only_due` those held longer than the plan's `hold`.
    pub(crate) fn release(&mut self, only_due: bool) -> Vec<(Vec<u8>, SocketAddr)> {
        if self.held.is_empty() {
            return Vec::new();
        }
        let now = Instant::now();
        let hold = self.plan.hold;
        let mut out = Vec::new();
        self.held.retain_mut(|(at, bytes, dest)| {
            if only_due && now.duration_since(*at) < hold {
                return true;
            }
            out.push((std::mem::take(bytes), *dest));
            false
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(seed: u64) -> FaultPlan {
        FaultPlan {
            seed,
            loss_per_mille: 100,
            duplicate_per_mille: 100,
            reorder_per_mille: 100,
            hold: Duration::from_millis(5),
        }
    }

    #[test]
    fn fates_follow_the_rates_and_the_seed() {
        let mut a = Faults::new(plan(7));
        let mut b = Faults::new(plan(7));
        let fates: Vec<Fate> = (0..10_000).map(|_| a.decide()).collect();
        let again: Vec<Fate> = (0..10_000).map(|_| b.decide()).collect();
        assert_eq!(fates, again, "same seed, same fates");
        let c = a.counts;
        assert_eq!(c.seen, 10_000);
        for n in [c.dropped, c.duplicated, c.reordered] {
            assert!((800..=1200).contains(&n), "{c:?}");
        }
        // With MAX_HELD datagrams held, none more is picked for holding.
        let to: SocketAddr = "127.0.0.1:9".parse().unwrap();
        for _ in 0..MAX_HELD {
            a.hold(b"x", to);
        }
        assert!((0..1_000).all(|_| a.decide() != Fate::Hold));
        let mut other = Faults::new(plan(8));
        let other: Vec<Fate> = (0..10_000).map(|_| other.decide()).collect();
        assert_ne!(fates, other);
    }

    #[test]
    fn held_datagrams_are_released_after_the_next_or_when_due() {
        let mut f = Faults::new(plan(1));
        let to: SocketAddr = "127.0.0.1:9".parse().unwrap();
        f.hold(b"a", to);
        assert!(f.release(true).is_empty(), "not due yet");
        std::thread::sleep(Duration::from_millis(6));
        f.hold(b"b", to);
        assert_eq!(f.release(true), vec![(b"a".to_vec(), to)]);
        assert_eq!(f.release(false), vec![(b"b".to_vec(), to)]);
        assert!(f.release(false).is_empty());
    }
}
