//! The core registration client (`regc::Client`) with hooks written in Rust,
//! against a registrar on a second endpoint over 127.0.0.1: the challenge
//! answers (retry at once, fail, defer and send later from another thread,
//! defer and abandon), the CSeq rule, one transaction at a time, the refresh
//! timer, and silence after destroy. No C and no auth client involved: the
//! hooks "authorize" by adding a header the registrar looks for.

use parking_lot::Mutex;
use pjsip_auth_shim::endpoint::{Endpoint, Incoming};
use pjsip_auth_shim::regc::{
    Answer, Binding, Challenge, Client, Hooks, OutgoingRequest, Pending, Report,
};
use pjsip_auth_shim::sip::SipMessage;
use pjsip_auth_shim::status::Error;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a report said: (status, code, expiration, is_unreg).
type Seen = (Result<(), Error>, u16, Option<u32>, bool);
/// What the registrar saw: (CSeq, Call-ID, had X-Auth, Expires, when).
type Arrival = (u32, String, bool, String, Instant);

#[derive(Clone)]
struct Req(Arc<Mutex<SipMessage>>);

impl OutgoingRequest for Req {
    fn with_msg<R>(&self, f: impl FnOnce(&mut SipMessage) -> R) -> R {
        f(&mut self.0.lock())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Retry,
    Fail,
    Defer,
}

struct TestHooks {
    mode: Mutex<Mode>,
    reports: Mutex<Vec<Seen>>,
    deferred: Mutex<Option<(Pending<TestHooks>, Req)>>,
    challenges: AtomicUsize,
}

impl Hooks for TestHooks {
    type Req = Req;

    fn new_request(&self, msg: SipMessage) -> Req {
        Req(Arc::new(Mutex::new(msg)))
    }

    fn on_challenge(&self, ch: Challenge<'_, Self>) -> Answer<Req> {
        self.challenges.fetch_add(1, Ordering::SeqCst);
        assert!(matches!(ch.response.status_code(), Some(401)));
        assert_eq!(ch.pending.code(), 401);
        let mode = *self.mode.lock();
        match mode {
            Mode::Retry => {
                ch.request.with_msg(|m| m.set_header("X-Auth", "yes"));
                Answer::Retry(ch.request.clone())
            }
            Mode::Fail => Answer::Fail(Error::NoCredential),
            Mode::Defer => {
                *self.deferred.lock() = Some((ch.pending, ch.request.clone()));
                Answer::Deferred
            }
        }
    }

    fn report(&self, r: Report) {
        assert_eq!(r.contact_cnt, 1);
        self.reports
            .lock()
            .push((r.status, r.code, r.expiration, r.is_unreg));
    }
}

/// A registrar: 401 without `X-Auth`, else 200 granting `grant` seconds.
/// Records (CSeq, Call-ID, had X-Auth, Expires) of every REGISTER.
struct Registrar {
    ep: Arc<Endpoint>,
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Arrival>>>,
}

fn registrar(grant: u32) -> Registrar {
    let ep = Endpoint::new("registrar");
    let addr = ep.start_udp("127.0.0.1:0".parse().unwrap()).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (ep2, seen2) = (ep.clone(), seen.clone());
    ep.set_request_handler(Some(Arc::new(move |inc: &Incoming| {
        let m = &inc.msg;
        let authed = m.header("X-Auth", 0).is_some();
        let expires = m.header("Expires", 0).unwrap_or("").to_string();
        seen2.lock().push((
            m.cseq().unwrap().0,
            m.header("Call-ID", 0).unwrap().to_string(),
            authed,
            expires.clone(),
            Instant::now(),
        ));
        let mut resp = SipMessage::response_to(m, if authed { 200 } else { 401 }, None).unwrap();
        if !authed {
            resp.push_header("WWW-Authenticate", "Digest realm=\"t\", nonce=\"n\"");
        } else if expires != "0" {
            resp.push_header(
                "Contact",
                format!("<sip:alice@127.0.0.1:5099>;expires={grant}"),
            );
        }
        ep2.respond(m, &resp).unwrap();
        true
    })));
    Registrar { ep, addr, seen }
}

fn client(reg: &Registrar, expires: u32) -> (Arc<Endpoint>, Client<TestHooks>) {
    let ep = Endpoint::new("client");
    ep.start_udp("127.0.0.1:0".parse().unwrap()).unwrap();
    let c = Client::new(
        ep.clone(),
        TestHooks {
            mode: Mutex::new(Mode::Retry),
            reports: Mutex::new(Vec::new()),
            deferred: Mutex::new(None),
            challenges: AtomicUsize::new(0),
        },
    );
    c.init(
        Binding::new(
            &format!("sip:{}", reg.addr),
            "sip:alice@example.com",
            "sip:alice@example.com",
            vec!["sip:alice@127.0.0.1:5099".into()],
            expires,
        )
        .unwrap(),
    );
    (ep, c)
}

fn pump(a: &Arc<Endpoint>, b: &Arc<Endpoint>, max: Duration, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() && start.elapsed() < max {
        a.handle_events(Duration::from_millis(2));
        b.handle_events(Duration::from_millis(2));
    }
}

#[test]
fn retry_fail_and_the_cseq_rule() {
    let reg = registrar(60);
    let (ep, c) = client(&reg, 60);
    let h = c.hooks();
    assert_eq!(c.last_cseq(), 0);
    let req = c.register(false).unwrap();
    // Built with the number it will get if sent next.
    assert_eq!(req.with_msg(|m| m.cseq().unwrap().0), 1);
    c.send(req).unwrap();
    assert!(c.is_busy());
    pump(&reg.ep, &ep, Duration::from_secs(3), || {
        !h.reports.lock().is_empty()
    });
    assert_eq!(*h.reports.lock(), vec![(Ok(()), 200, Some(60), false)]);
    assert!(!c.is_busy());
    {
        let seen = reg.seen.lock();
        assert_eq!(seen.len(), 2);
        assert!(!seen[0].2 && seen[1].2);
        assert_eq!((seen[0].0, seen[1].0), (1, 2));
        assert_eq!(seen[0].1, seen[1].1);
    }
    assert_eq!(c.last_cseq(), 2);

    // Requests built ahead still go out with increasing CSeq, in send order.
    *h.mode.lock() = Mode::Fail;
    let early = c.register(false).unwrap();
    let late = c.register(false).unwrap();
    c.send(late).unwrap();
    pump(&reg.ep, &ep, Duration::from_secs(3), || {
        h.reports.lock().len() == 2
    });
    assert_eq!(
        h.reports.lock()[1],
        (Err(Error::NoCredential), 401, None, false)
    );
    c.send(early).unwrap();
    pump(&reg.ep, &ep, Duration::from_secs(3), || {
        h.reports.lock().len() == 3
    });
    let seen = reg.seen.lock();
    assert_eq!(seen.len(), 4);
    assert_eq!((seen[2].0, seen[3].0), (3, 4));
    drop(seen);
    c.destroy();
    ep.shutdown();
    reg.ep.shutdown();
}

#[test]
fn deferred_answers_resolve_later_and_busy_is_refused() {
    let reg = registrar(60);
    let (ep, c) = client(&reg, 60);
    let h = c.hooks();
    *h.mode.lock() = Mode::Defer;

    c.send(c.register(false).unwrap()).unwrap();
    // A second REGISTER while the first is in flight.
    assert_eq!(c.send(c.register(false).unwrap()), Err(Error::SipBusy));
    pump(&reg.ep, &ep, Duration::from_secs(3), || {
        h.deferred.lock().is_some()
    });
    assert!(h.reports.lock().is_empty());
    // While the application holds the challenge, no transaction is in
    // flight (as PJSIP): the client is not busy.
    assert!(!c.is_busy());

    // Sent from another thread.
    let (pending, req) = h.deferred.lock().take().unwrap();
    std::thread::spawn(move || {
        req.with_msg(|m| m.set_header("X-Auth", "later"));
        pending.send(req)
    })
    .join()
    .unwrap()
    .unwrap();
    pump(&reg.ep, &ep, Duration::from_secs(3), || {
        !h.reports.lock().is_empty()
    });
    assert_eq!(*h.reports.lock(), vec![(Ok(()), 200, Some(60), false)]);

    // Abandoned: the registration ends with Cancelled and the 401.
    c.send(c.unregister().unwrap()).unwrap();
    // (A new request has no X-Auth: the unregistration is challenged too.)
    pump(&reg.ep, &ep, Duration::from_secs(3), || {
        h.deferred.lock().is_some()
    });
    let (pending, _req) = h.deferred.lock().take().unwrap();
    pending.abandon();
    assert_eq!(
        h.reports.lock()[1],
        (Err(Error::Cancelled), 401, None, true)
    );
    assert_eq!(h.challenges.load(Ordering::SeqCst), 2);

    // After destroy: a pending challenge's send fails, nothing is reported.
    c.send(c.register(false).unwrap()).unwrap();
    pump(&reg.ep, &ep, Duration::from_secs(3), || {
        h.deferred.lock().is_some()
    });
    c.destroy();
    let (pending, req) = h.deferred.lock().take().unwrap();
    assert_eq!(pending.send(req), Err(Error::InvalidOp));
    assert_eq!(h.reports.lock().len(), 2);
    ep.shutdown();
    reg.ep.shutdown();
}

#[test]
fn autoreg_refreshes_with_a_higher_cseq_until_unregistered() {
    let reg = registrar(2);
    let (ep, c) = client(&reg, 2);
    let h = c.hooks();
    c.send(c.register(true).unwrap()).unwrap();
    // Initial REGISTER (challenged, retried) and one refresh. The refresh
    // carries no X-Auth (the hooks add it only on a challenge), so it is
    // challenged and retried as well.
    pump(&reg.ep, &ep, Duration::from_secs(5), || {
        h.reports.lock().len() >= 2
    });
    assert_eq!(h.reports.lock().len(), 2);
    assert!(h
        .reports
        .lock()
        .iter()
        .all(|r| *r == (Ok(()), 200, Some(2), false)));
    {
        let seen = reg.seen.lock();
        assert_eq!(seen.len(), 4);
        let cseqs: Vec<u32> = seen.iter().map(|s| s.0).collect();
        assert_eq!(cseqs, vec![1, 2, 3, 4]);
        assert!(seen.iter().all(|s| s.1 == seen[0].1));
        // The refresh went out about a second after the 200 (2 s granted).
        let gap = seen[2].4 - seen[1].4;
        assert!(
            gap >= Duration::from_millis(800) && gap <= Duration::from_millis(1900),
            "{gap:?}"
        );
    }
    c.send(c.unregister().unwrap()).unwrap();
    pump(&reg.ep, &ep, Duration::from_secs(3), || {
        h.reports.lock().len() >= 3
    });
    assert_eq!(h.reports.lock()[2], (Ok(()), 200, Some(0), true));
    let before = reg.seen.lock().len();
    pump(&reg.ep, &ep, Duration::from_millis(2500), || false);
    assert_eq!(reg.seen.lock().len(), before, "no refresh after unregister");
    c.destroy();
    ep.shutdown();
    reg.ep.shutdown();
}
