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

pub mod faults;
pub mod timer;
pub mod transaction;
pub mod transport;
pub mod tsx;

use crate::sip::{params, SipMessage};
use crate::status::{Error, Result};
use parking_lot::{Mutex, RwLock};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use timer::TimerHeap;
use transaction::{NonInviteClient, Timers};
use transport::UdpTransport;
use tsx::{ClientTsx, TsxCallback, TsxKey};

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

/// A received request, as handed to the request handler.
#[derive(Debug)]
pub struct Incoming {
    /// The message.
    pub msg: SipMessage,
    /// Where it came from.
    pub source: SocketAddr,
}

/// The server role's hook: returns whether it handled the request (else the
/// endpoint answers 501, except to ACK). Runs with no endpoint lock held.
pub type RequestHandler = Arc<dyn Fn(&Incoming) -> bool + Send + Sync>;

/// How many request sources are remembered for `respond`.
const SOURCES_KEPT: usize = 256;

/// A request prepared for a client transaction: fresh branch, printed.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Transaction key (branch, CSeq method).
    pub key: TsxKey,
    /// Wire bytes.
    pub bytes: Vec<u8>,
}

/// A SIP endpoint. See the module docs.
pub struct Endpoint {
    name: String,
    tsx: Mutex<HashMap<TsxKey, Arc<ClientTsx>>>,
    handler: Mutex<Option<RequestHandler>>,
    sources: Mutex<VecDeque<(String, SocketAddr)>>,
    timer_values: Timers,
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
            tsx: Mutex::new(HashMap::new()),
            handler: Mutex::new(None),
            sources: Mutex::new(VecDeque::new()),
            timer_values: Timers::default(),
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

    /// Sets (or with `None` removes) a fault plan on the transport's
    /// outgoing datagrams (tests: loss, duplication, reordering; see
    /// `faults`). `Error::InvalidOp` without a transport.
    pub fn set_fault_plan(&self, plan: Option<faults::FaultPlan>) -> Result<()> {
        self.transport()
            .ok_or(Error::InvalidOp)?
            .set_fault_plan(plan);
        Ok(())
    }

    /// Faults injected by the transport so far (zero without a transport).
    pub fn fault_counts(&self) -> faults::FaultCounts {
        self.transport()
            .map(|t| t.fault_counts())
            .unwrap_or_default()
    }

    /// Sends raw bytes. `Error::InvalidOp` without a transport.
    pub fn send_raw(&self, bytes: &[u8], dest: SocketAddr) -> Result<()> {
        self.transport()
            .ok_or(Error::InvalidOp)?
            .send_to(bytes, dest)
    }

    /// Handles one received datagram: responses go to their client
    /// transaction, requests to the request handler; what does not parse
    /// (or lacks Via, From, To, Call-ID or CSeq) is dropped and counted.
    fn dispatch(self: &Arc<Self>, bytes: Vec<u8>, src: SocketAddr) {
        self.stats.received.fetch_add(1, Ordering::Relaxed);
        let msg = match SipMessage::parse(&bytes).and_then(|m| m.check_mandatory().map(|()| m)) {
            Ok(m) => m,
            Err(_) => {
                self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        if msg.is_request() {
            self.on_request(Incoming { msg, source: src });
            return;
        }
        let key = match (msg.top_via_branch(), msg.cseq()) {
            (Some(b), Some((_, m))) => (b.to_string(), m.to_ascii_uppercase()),
            _ => {
                self.stats.unmatched.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        let tsx = self.tsx.lock().get(&key).cloned();
        match tsx {
            Some(t) => t.on_response(self, msg),
            None => {
                self.stats.unmatched.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn source_key(msg: &SipMessage) -> String {
        format!(
            "{}|{}|{}",
            msg.top_via_branch().unwrap_or(""),
            msg.header("Call-ID", 0).unwrap_or(""),
            msg.header("CSeq", 0).unwrap_or("")
        )
    }

    fn on_request(&self, inc: Incoming) {
        {
            let mut s = self.sources.lock();
            if s.len() >= SOURCES_KEPT {
                s.pop_front();
            }
            s.push_back((Self::source_key(&inc.msg), inc.source));
        }
        let handler = self.handler.lock().clone();
        let handled = handler.is_some_and(|h| h(&inc));
        if !handled && inc.msg.method() != Some("ACK") {
            if let Ok(resp) = SipMessage::response_to(&inc.msg, 501, None) {
                let _ = self.respond(&inc.msg, &resp);
            }
        }
    }

    /// Sets (or with `None` clears) the request handler.
    pub fn set_request_handler(&self, h: Option<RequestHandler>) {
        let old = std::mem::replace(&mut *self.handler.lock(), h);
        drop(old);
    }

    /// Sends `response` to where `request` came from: its remembered source
    /// address, else the top Via's `received`/`rport` or sent-by (RFC 3261
    /// section 18.2.2).
    pub fn respond(&self, request: &SipMessage, response: &SipMessage) -> Result<()> {
        let key = Self::source_key(request);
        let known = self
            .sources
            .lock()
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| *a);
        let dest = match known {
            Some(a) => a,
            None => via_destination(request.header("Via", 0).ok_or(Error::MissingHdr)?)?,
        };
        self.send_raw(&response.to_bytes(), dest)
    }

    // ---- client transactions ----------------------------------------------

    /// Gives `msg` a fresh top Via branch and prints it. `Error::MissingHdr`
    /// without Via or CSeq.
    pub fn prepare_request(msg: &mut SipMessage) -> Result<Prepared> {
        msg.clear_top_via_branch();
        if !msg.ensure_top_via_branch() {
            return Err(Error::MissingHdr);
        }
        let branch = msg.top_via_branch().ok_or(Error::MissingHdr)?.to_string();
        let method = msg.cseq().ok_or(Error::MissingHdr)?.1.to_ascii_uppercase();
        Ok(Prepared {
            key: (branch, method),
            bytes: msg.to_bytes(),
        })
    }

    /// Starts a non-INVITE client transaction sending `req` to `dest`.
    /// `on_final` runs once (final response or timeout) inside
    /// `handle_events` (or here, when the transport fails at once);
    /// `keepalive` is dropped when the transaction terminates.
    pub fn send_request(
        self: &Arc<Self>,
        req: Prepared,
        dest: SocketAddr,
        on_final: TsxCallback,
        keepalive: Option<Box<dyn std::any::Any + Send>>,
    ) -> Result<()> {
        if self.transport().is_none() {
            return Err(Error::InvalidOp);
        }
        let tsx = ClientTsx::new(
            self.next_id(),
            req.key.clone(),
            dest,
            req.bytes,
            NonInviteClient::new(self.timer_values),
            on_final,
            keepalive,
        );
        {
            let mut table = self.tsx.lock();
            if table.contains_key(&req.key) {
                return Err(Error::Exists);
            }
            table.insert(req.key, tsx.clone());
        }
        tsx.start(self);
        Ok(())
    }

    pub(crate) fn forget_tsx(&self, key: &TsxKey) {
        let t = {
            let mut table = self.tsx.lock();
            let t = table.remove(key);
            // After a burst (every transaction lingers T4 once completed),
            // the table's memory returns.
            timer::shrink_sparse(&mut table);
            t
        };
        drop(t);
    }

    /// Client transactions alive.
    pub fn tsx_count(&self) -> usize {
        self.tsx.lock().len()
    }

    // ---- event loop ------------------------------------------------------

    /// Runs due timers and received datagrams on the calling thread, waiting
    /// up to `max` for something to happen. Returns how many events ran.
    pub fn handle_events(self: &Arc<Self>, max: Duration) -> usize {
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
        let handler = self.handler.lock().take();
        drop(handler);
        let jobs = self.timers.lock().drain();
        drop(jobs);
        let tsx: Vec<_> = self.tsx.lock().drain().collect();
        drop(tsx);
    }
}

/// Where to send a response given the request's top Via value:
/// `received`/`rport` when present, else the sent-by host and port (5060).
pub fn via_destination(via: &str) -> Result<SocketAddr> {
    let (first, _) = params::split_element(via);
    let sent_by = params::head(first)
        .split_whitespace()
        .nth(1)
        .ok_or(Error::InvalidHdr)?;
    let (mut host, mut port) = split_host_port(sent_by)?;
    for p in params::params(first) {
        let value = p.value_in(first);
        if value.is_empty() {
            continue;
        }
        if p.is(first, "received") {
            host = value.to_string();
        } else if p.is(first, "rport") {
            port = value.parse().map_err(|_| Error::InvalidHdr)?;
        }
    }
    resolve(&host, port)
}

/// Splits `host[:port]` (IPv6 in brackets); port 5060 when absent.
fn split_host_port(s: &str) -> Result<(String, u16)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').ok_or(Error::InvalidHdr)?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| Error::InvalidHdr)?,
            None => 5060,
        };
        return Ok((h.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_string(), p.parse().map_err(|_| Error::InvalidHdr)?)),
        None => Ok((s.to_string(), 5060)),
    }
}

fn resolve(host: &str, port: u16) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    (host, port)
        .to_socket_addrs()
        .map_err(|_| Error::InvalidArg)?
        .next()
        .ok_or(Error::InvalidArg)
}

/// The destination of a SIP URI (`sip:[user@]host[:port][;params]`, angle
/// brackets allowed); only the host and port are used, port 5060 by default.
pub fn uri_destination(uri: &str) -> Result<SocketAddr> {
    let u = uri.trim().trim_start_matches('<');
    let u = u.split('>').next().unwrap_or(u);
    let u = u
        .strip_prefix("sip:")
        .or_else(|| u.strip_prefix("SIP:"))
        .ok_or(Error::InvalidArg)?;
    let u = u.rsplit_once('@').map_or(u, |(_, h)| h);
    let hostport = u.split([';', '?']).next().unwrap_or(u);
    let (h, p) = split_host_port(hostport).map_err(|_| Error::InvalidArg)?;
    resolve(&h, p)
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

    #[test]
    fn request_response_over_loopback_with_a_lost_first_request() {
        let server = Endpoint::new("server");
        let client = Endpoint::new("client");
        let saddr = server.start_udp("127.0.0.1:0".parse().unwrap()).unwrap();
        let caddr = client.start_udp("127.0.0.1:0".parse().unwrap()).unwrap();
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let srv = server.clone();
        let seen2 = seen.clone();
        server.set_request_handler(Some(Arc::new(move |inc: &Incoming| {
            // Drop the first datagram: Timer E must retransmit it.
            if seen2.fetch_add(1, Ordering::SeqCst) == 0 {
                return true;
            }
            let resp = SipMessage::response_to(&inc.msg, 200, None).unwrap();
            srv.respond(&inc.msg, &resp).unwrap();
            true
        })));
        let mut req = SipMessage::parse(
            format!(
                "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {caddr}\r\n\
                 From: <sip:a@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c1\r\n\
                 CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
        let prepared = Endpoint::prepare_request(&mut req).unwrap();
        assert!(prepared.key.0.starts_with("z9hG4bK"));
        let got = Arc::new(StdMutex::new(None));
        let got2 = got.clone();
        client
            .send_request(
                prepared,
                saddr,
                Box::new(move |o| {
                    *got2.lock().unwrap() = Some(match o {
                        tsx::TsxOutcome::Response(m) => m.status_code().unwrap(),
                        tsx::TsxOutcome::TimedOut => 408,
                    })
                }),
                None,
            )
            .unwrap();
        let start = Instant::now();
        while got.lock().unwrap().is_none() && start.elapsed() < Duration::from_secs(5) {
            server.handle_events(Duration::from_millis(5));
            client.handle_events(Duration::from_millis(5));
        }
        assert_eq!(*got.lock().unwrap(), Some(200));
        assert_eq!(seen.load(Ordering::SeqCst), 2);
        // Garbage is counted, not fatal.
        client.send_raw(b"garbage", saddr).unwrap();
        let start = Instant::now();
        while server.stats().malformed.load(Ordering::SeqCst) == 0
            && start.elapsed() < Duration::from_secs(2)
        {
            server.handle_events(Duration::from_millis(5));
        }
        assert_eq!(server.stats().malformed.load(Ordering::SeqCst), 1);
        client.shutdown();
        server.shutdown();
        assert_eq!(client.tsx_count(), 0);
    }

    #[test]
    fn destinations_from_via_and_uri() {
        assert_eq!(
            via_destination("SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx;rport=5080").unwrap(),
            "127.0.0.1:5080".parse().unwrap()
        );
        assert_eq!(
            via_destination("SIP/2.0/UDP 10.0.0.1;received=127.0.0.1").unwrap(),
            "127.0.0.1:5060".parse().unwrap()
        );
        assert_eq!(
            uri_destination("<sip:bob@127.0.0.1:5090;transport=udp>").unwrap(),
            "127.0.0.1:5090".parse().unwrap()
        );
        assert!(uri_destination("http://x").is_err());
    }
}
