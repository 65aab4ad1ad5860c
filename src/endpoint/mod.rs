//! The SIP endpoint: a timer heap, a UDP transport and the event loop that
//! runs both on the caller's thread (`handle_events`).
//!
//! Promises:
//! - timers may be scheduled and cancelled from any thread; they fire only
//!   inside `handle_events`, in deadline order, with no internal lock held
//!   (a job may schedule or cancel timers, send, or shut the endpoint down);
//! - `handle_events(max)` returns within about `max` (plus one receive tick,
//!   10 ms), earlier once it has processed something;
//! - `shutdown` closes the socket and drops every pending job outside the
//!   endpoint's locks, so the destructors of what jobs captured may re-enter.

pub mod timer;
pub mod transaction;
pub mod transport;

use crate::status::{Error, Result};
use parking_lot::{Mutex, RwLock};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use timer::TimerHeap;
use transport::UdpTransport;

/// A job run when its timer fires.
pub type Job = Box<dyn FnOnce() + Send>;

/// Identity of a scheduled timer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TimerKey {
    /// A timer of the application (for C: the address of its `pj_timer_entry`).
    External(usize),
    /// A timer of the library (transactions, registration refresh).
    Internal(u64),
}

/// Counters, for tests and diagnostics.
#[derive(Debug, Default)]
pub struct Stats {
    /// Datagrams received.
    pub received: AtomicU64,
    /// Datagrams dropped because they did not parse.
    pub malformed: AtomicU64,
    /// Responses that matched no transaction.
    pub unmatched: AtomicU64,
}

/// A SIP endpoint. See the module docs.
pub struct Endpoint {
    name: String,
    timers: Mutex<TimerHeap<TimerKey, Job>>,
    transport: RwLock<Option<Arc<UdpTransport>>>,
    next_id: AtomicU64,
    stats: Stats,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// A new endpoint without transport.
    pub fn new(name: &str) -> Arc<Endpoint> {
        Arc::new(Endpoint {
            name: name.to_string(),
            timers: Mutex::new(TimerHeap::new()),
            transport: RwLock::new(None),
            next_id: AtomicU64::new(1),
            stats: Stats::default(),
        })
    }

    /// The name given at creation.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// A fresh number, unique within this endpoint (for internal timer keys).
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    // ---- timers ----------------------------------------------------------

    /// Schedules `job` under `key` after `delay`. `Error::Exists` if `key` is
    /// already scheduled (the job is dropped, outside the lock).
    pub fn schedule(&self, key: TimerKey, delay: Duration, job: Job) -> Result<()> {
        let at = Instant::now() + delay;
        let mut heap = self.timers.lock();
        if heap.is_scheduled(&key) {
            drop(heap);
            drop(job);
            return Err(Error::Exists);
        }
        heap.schedule(key, at, job)
    }

    /// Cancels the timer under `key`; returns whether one was scheduled. The
    /// job is dropped (not run) outside the lock.
    pub fn cancel(&self, key: &TimerKey) -> bool {
        let job = self.timers.lock().cancel(key);
        job.is_some()
    }

    /// Whether a timer is scheduled under `key`.
    pub fn is_scheduled(&self, key: &TimerKey) -> bool {
        self.timers.lock().is_scheduled(key)
    }

    /// Runs every timer due now, each with no lock held. Returns how many ran.
    fn run_due_timers(&self) -> usize {
        let mut n = 0;
        loop {
            let due = self.timers.lock().pop_due(Instant::now());
            match due {
                Some((_, job)) => {
                    job();
                    n += 1;
                }
                None => return n,
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.timers.lock().next_deadline()
    }

    // ---- transport -------------------------------------------------------

    /// Starts the UDP transport on `addr` (port 0: ephemeral); returns the
    /// bound address. `Error::Exists` if the endpoint has one already or the
    /// address is in use.
    pub fn start_udp(&self, addr: SocketAddr) -> Result<SocketAddr> {
        let mut slot = self.transport.write();
        if slot.is_some() {
            return Err(Error::Exists);
        }
        let t = UdpTransport::bind(addr)?;
        let local = t.local_addr();
        *slot = Some(Arc::new(t));
        Ok(local)
    }

    /// The transport's bound address, if it is started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.transport.read().as_ref().map(|t| t.local_addr())
    }

    fn transport(&self) -> Option<Arc<UdpTransport>> {
        self.transport.read().clone()
    }

    /// Sends raw bytes. `Error::InvalidOp` without a transport.
    pub fn send_raw(&self, bytes: &[u8], dest: SocketAddr) -> Result<()> {
        self.transport()
            .ok_or(Error::InvalidOp)?
            .send_to(bytes, dest)
    }

    /// Handles one received datagram.
    fn dispatch(&self, _bytes: Vec<u8>, _src: SocketAddr) {
        self.stats.received.fetch_add(1, Ordering::Relaxed);
    }

    // ---- event loop ------------------------------------------------------

    /// Runs due timers and received datagrams on the calling thread, waiting
    /// up to `max` for something to happen. Returns how many events ran.
    pub fn handle_events(&self, max: Duration) -> usize {
        let deadline = Instant::now() + max;
        loop {
            let mut n = self.run_due_timers();
            if n > 0 {
                return n;
            }
            let now = Instant::now();
            let until = self.next_deadline().map_or(deadline, |t| t.min(deadline));
            let wait = until.saturating_duration_since(now);
            match self.transport() {
                Some(t) => {
                    if let Some((bytes, src)) = t.recv(wait) {
                        self.dispatch(bytes, src);
                        n += 1;
                    }
                }
                None => std::thread::sleep(wait.min(transport::RECV_TICK)),
            }
            n += self.run_due_timers();
            if n > 0 || now >= deadline {
                return n;
            }
        }
    }

    /// Stops the endpoint: closes the socket and drops every pending timer
    /// job (without running it), outside the locks.
    pub fn shutdown(&self) {
        let transport = self.transport.write().take();
        drop(transport);
        let jobs = self.timers.lock().drain();
        drop(jobs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    #[test]
    fn timers_fire_in_order_inside_handle_events_and_may_reschedule() {
        let ep = Endpoint::new("t");
        let log = Arc::new(StdMutex::new(Vec::new()));
        for (k, ms) in [(3u64, 30u64), (1, 10), (2, 20)] {
            let log = log.clone();
            ep.schedule(
                TimerKey::Internal(k),
                Duration::from_millis(ms),
                Box::new(move || log.lock().unwrap().push(k)),
            )
            .unwrap();
        }
        assert_eq!(
            ep.schedule(TimerKey::Internal(1), Duration::ZERO, Box::new(|| {})),
            Err(Error::Exists)
        );
        assert!(ep.cancel(&TimerKey::Internal(2)));
        assert!(!ep.cancel(&TimerKey::Internal(2)));
        // A job that schedules another one from inside.
        let ep2 = ep.clone();
        let log2 = log.clone();
        ep.schedule(
            TimerKey::Internal(4),
            Duration::from_millis(40),
            Box::new(move || {
                let log3 = log2.clone();
                ep2.schedule(
                    TimerKey::Internal(5),
                    Duration::ZERO,
                    Box::new(move || log3.lock().unwrap().push(5)),
                )
                .unwrap();
                log2.lock().unwrap().push(4);
            }),
        )
        .unwrap();
        let start = Instant::now();
        while log.lock().unwrap().len() < 4 && start.elapsed() < Duration::from_secs(5) {
            ep.handle_events(Duration::from_millis(20));
        }
        assert_eq!(*log.lock().unwrap(), vec![1, 3, 4, 5]);
        ep.shutdown();
    }
}
