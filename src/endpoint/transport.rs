//! The UDP transport: one socket, datagrams in and out.
//!
//! Receiving waits at most a short tick per call, so that an event loop
//! thread notices timers scheduled from other threads and deadlines promptly.
//! Sending goes through a fault plan when one is set (`super::faults`).

use super::faults::{Fate, FaultCounts, FaultPlan, Faults};
use crate::status::{Error, Result};
use parking_lot::Mutex;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Longest a single receive blocks.
pub const RECV_TICK: Duration = Duration::from_millis(10);

/// Largest datagram read (the SIP parser accepts at most 64 KiB).
const MAX_DATAGRAM: usize = 65_535;

/// A bound UDP socket.
#[derive(Debug)]
pub struct UdpTransport {
    socket: UdpSocket,
    local: SocketAddr,
    /// Whether `faults` holds a plan: the only thing a send reads without one.
    faulty: AtomicBool,
    faults: Mutex<Option<Faults>>,
    /// The counts of plans replaced or removed, so none are lost.
    past: Mutex<FaultCounts>,
}

impl UdpTransport {
    /// Binds `addr` (port 0: an ephemeral port).
    pub fn bind(addr: SocketAddr) -> Result<UdpTransport> {
        let socket = UdpSocket::bind(addr).map_err(|e| match e.kind() {
            ErrorKind::AddrInUse => Error::Exists,
            _ => Error::InvalidArg,
        })?;
        let local = socket.local_addr().map_err(|_| Error::Unknown)?;
        Ok(UdpTransport {
            socket,
            local,
            faulty: AtomicBool::new(false),
            faults: Mutex::new(None),
            past: Mutex::new(FaultCounts::default()),
        })
    }

    /// Sets (or with `None` removes) the fault plan of outgoing datagrams.
    /// Datagrams held back by a plan removed are sent now.
    pub fn set_fault_plan(&self, plan: Option<FaultPlan>) {
        let old = {
            let mut f = self.faults.lock();
            let old = std::mem::replace(&mut *f, plan.map(Faults::new));
            self.faulty.store(f.is_some(), Ordering::Release);
            old
        };
        if let Some(mut old) = old {
            for (b, d) in old.release(false) {
                let _ = self.send_now(&b, d);
            }
            let mut past = self.past.lock();
            let c = old.counts;
            past.seen += c.seen;
            past.dropped += c.dropped;
            past.duplicated += c.duplicated;
            past.reordered += c.reordered;
        }
    }

    /// Faults injected on this transport so far, by every plan it had.
    pub fn fault_counts(&self) -> FaultCounts {
        let mut c = *self.past.lock();
        if let Some(f) = self.faults.lock().as_ref() {
            c.seen += f.counts.seen;
            c.dropped += f.counts.dropped;
            c.duplicated += f.counts.duplicated;
            c.reordered += f.counts.reordered;
        }
        c
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Sends one datagram (through the fault plan, when one is set: a
    /// datagram it drops or holds back counts as sent).
    pub fn send_to(&self, bytes: &[u8], dest: SocketAddr) -> Result<()> {
        if !self.faulty.load(Ordering::Relaxed) {
            return self.send_now(bytes, dest);
        }
        self.send_faulty(bytes, dest)
    }

    #[cold]
    fn send_faulty(&self, bytes: &[u8], dest: SocketAddr) -> Result<()> {
        // Sent under the plan's lock, so that "after the next datagram" is
        // what the wire sees.
        let mut guard = self.faults.lock();
        let Some(f) = guard.as_mut() else {
            drop(guard);
            return self.send_now(bytes, dest);
        };
        match f.decide() {
            Fate::Drop => Ok(()),
            Fate::Hold => {
                f.hold(bytes, dest);
                Ok(())
            }
            fate => {
                let r = self.send_now(bytes, dest);
                if fate == Fate::Twice {
                    let _ = self.send_now(bytes, dest);
                }
                for (b, d) in f.release(false) {
                    let _ = self.send_now(&b, d);
                }
                r
            }
        }
    }

    /// Sends what a fault plan held back longer than its `hold`.
    fn send_due(&self) {
        if !self.faulty.load(Ordering::Relaxed) {
            return;
        }
        let mut guard = self.faults.lock();
        if let Some(f) = guard.as_mut() {
            for (b, d) in f.release(true) {
                let _ = self.send_now(&b, d);
            }
        }
    }

    fn send_now(&self, bytes: &[u8], dest: SocketAddr) -> Result<()> {
        match self.socket.send_to(bytes, dest) {
            Ok(n) if n == bytes.len() => Ok(()),
            Ok(_) => Err(Error::TooBig),
            Err(_) => Err(Error::Unknown),
        }
    }

    /// Receives one datagram, waiting at most `wait` (clamped to 1 ms ..
    /// `RECV_TICK`). `None` when nothing came.
    pub fn recv(&self, wait: Duration) -> Option<(Vec<u8>, SocketAddr)> {
        self.send_due();
        let wait = wait.clamp(Duration::from_millis(1), RECV_TICK);
        self.socket.set_read_timeout(Some(wait)).ok()?;
        let mut buf = vec![0u8; MAX_DATAGRAM];
        match self.socket.recv_from(&mut buf) {
            Ok((n, src)) => {
                buf.truncate(n);
                Some((buf, src))
            }
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_round_trip() {
        let a = UdpTransport::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let b = UdpTransport::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert_ne!(a.local_addr().port(), 0);
        assert!(b.recv(Duration::from_millis(1)).is_none());
        a.send_to(b"hello", b.local_addr()).unwrap();
        let mut got = None;
        for _ in 0..200 {
            got = b.recv(RECV_TICK);
            if got.is_some() {
                break;
            }
        }
        let (bytes, src) = got.expect("datagram");
        assert_eq!(bytes, b"hello");
        assert_eq!(src, a.local_addr());
        assert_eq!(
            UdpTransport::bind(a.local_addr()).map(|_| ()),
            Err(Error::Exists)
        );
    }

    #[test]
    fn a_fault_plan_drops_duplicates_and_reorders_on_the_wire() {
        let a = UdpTransport::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let b = UdpTransport::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let recv_all = |t: &UdpTransport| {
            let mut got = Vec::new();
            while let Some((bytes, _)) = t.recv(Duration::from_millis(20)) {
                got.push(bytes);
            }
            got
        };
        let plan = |loss, dup, reorder| FaultPlan {
            seed: 3,
            loss_per_mille: loss,
            duplicate_per_mille: dup,
            reorder_per_mille: reorder,
            hold: Duration::from_millis(1),
        };
        a.set_fault_plan(Some(plan(1000, 0, 0)));
        a.send_to(b"lost", b.local_addr()).unwrap();
        assert!(recv_all(&b).is_empty());
        a.set_fault_plan(Some(plan(0, 1000, 0)));
        a.send_to(b"twice", b.local_addr()).unwrap();
        assert_eq!(recv_all(&b), vec![b"twice".to_vec(), b"twice".to_vec()]);
        a.set_fault_plan(Some(plan(0, 0, 1000)));
        a.send_to(b"first", b.local_addr()).unwrap();
        a.set_fault_plan(Some(plan(0, 0, 0)));
        // Removing the plan that held "first" sent it; a held one goes
        // after the next datagram otherwise.
        a.set_fault_plan(Some(plan(0, 0, 1000)));
        a.send_to(b"one", b.local_addr()).unwrap();
        a.set_fault_plan(None);
        a.send_to(b"plain", b.local_addr()).unwrap();
        let got = recv_all(&b);
        assert_eq!(
            got,
            vec![b"first".to_vec(), b"one".to_vec(), b"plain".to_vec()]
        );
        let c = a.fault_counts();
        assert_eq!((c.seen, c.dropped, c.duplicated, c.reordered), (4, 1, 1, 2));
    }
}
