//! The registration client's state machine over the endpoint.
//!
//! Promises:
//! - one REGISTER transaction at a time: [`Client::send`] while one is in
//!   flight is `Error::SipBusy` (PJSIP's `PJSIP_EBUSY`); the client is idle
//!   again as soon as the final response (or the timeout) is handled, before
//!   the owner hears of it, so a report or a challenge hook may send;
//! - every request sent gets the next CSeq ([`request`](super::request));
//! - a 401/407 goes to [`Hooks::on_challenge`] with a [`Pending`]: the hook
//!   retries at once, fails, or defers (the application later calls
//!   [`Pending::send`] or [`Pending::abandon`], from any thread);
//! - after a 2xx with auto-registration on, a refresh REGISTER is sent
//!   before the binding expires ([`refresh_delay`]), until unregistered or
//!   destroyed;
//! - no lock of the client is held while a hook runs; after
//!   [`Client::destroy`] no report is made and no refresh is sent.

use super::expiry::{granted_expiry, refresh_delay};
use super::request::{build_register, is_unregister, set_cseq, Binding, Identity};
use crate::endpoint::tsx::TsxOutcome;
use crate::endpoint::{Endpoint, TimerKey};
use crate::sip::{reason_phrase, SipMessage};
use crate::status::{Error, Result};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

/// A request the client sends, shared with its owner (for C: a tx_data
/// reference): the client only needs to edit its message.
pub trait OutgoingRequest: Send + 'static {
    /// Runs `f` on the message.
    fn with_msg<R>(&self, f: impl FnOnce(&mut SipMessage) -> R) -> R;
}

/// What the owner of the client supplies.
pub trait Hooks: Send + Sync + Sized + 'static {
    /// The request handle.
    type Req: OutgoingRequest;

    /// Wraps a REGISTER the client built (registration, unregistration,
    /// refresh) into a request handle, adding what the owner adds to every
    /// request (pre-emptive authorization).
    fn new_request(&self, msg: SipMessage) -> Self::Req;

    /// A 401/407 arrived for `challenge.request`.
    fn on_challenge(&self, challenge: Challenge<'_, Self>) -> Answer<Self::Req>;

    /// The outcome of a registration attempt, for the application.
    fn report(&self, report: Report);
}

/// A 401/407 handed to [`Hooks::on_challenge`].
pub struct Challenge<'a, H: Hooks> {
    /// The request that was challenged.
    pub request: &'a H::Req,
    /// The 401/407.
    pub response: &'a SipMessage,
    /// The handle through which a deferred answer is given. Dropping it
    /// unresolved makes no report.
    pub pending: Pending<H>,
}

/// How a challenge hook answers.
#[derive(Debug)]
pub enum Answer<R> {
    /// The application has the [`Pending`] and will resolve it.
    Deferred,
    /// Send this (authorized) request now.
    Retry(R),
    /// The challenge cannot be answered: report this with the 401/407.
    Fail(Error),
}

/// One outcome, as the application sees it.
#[derive(Debug)]
pub struct Report {
    /// `Ok` when a final response came (see `code`); `TimedOut` (408) on
    /// timeout; `Cancelled` when the application abandoned a challenge; the
    /// failure when a challenge could not be answered or a request not sent.
    pub status: Result<()>,
    /// SIP status code.
    pub code: u16,
    /// Reason phrase.
    pub reason: String,
    /// The response, when there is one.
    pub response: Option<SipMessage>,
    /// Granted seconds after a 2xx (0 for an unregistration), else `None`.
    pub expiration: Option<u32>,
    /// Contacts this client binds.
    pub contact_cnt: usize,
    /// Whether the request was an unregistration.
    pub is_unreg: bool,
}

#[derive(Debug)]
struct State {
    binding: Option<Binding>,
    id: Identity,
    /// The CSeq of the last request sent.
    cseq: u32,
    autoreg: bool,
    busy: bool,
}

struct Shared<H: Hooks> {
    endpt: Arc<Endpoint>,
    hooks: H,
    state: Mutex<State>,
    destroyed: AtomicBool,
    refresh_key: TimerKey,
}

/// A registration client. See the module doc.
pub struct Client<H: Hooks> {
    shared: Arc<Shared<H>>,
}

/// A challenge whose answer the application gives later: consumed by
/// [`send`](Pending::send) or [`abandon`](Pending::abandon).
pub struct Pending<H: Hooks> {
    shared: Arc<Shared<H>>,
    code: u16,
    is_unreg: bool,
}

impl<H: Hooks> Client<H> {
    /// A client on `endpt` (whose transport must be started before sending).
    pub fn new(endpt: Arc<Endpoint>, hooks: H) -> Client<H> {
        let refresh_key = TimerKey::Internal(endpt.next_id() | (1 << 62));
        Client {
            shared: Arc::new(Shared {
                endpt,
                hooks,
                state: Mutex::new(State {
                    binding: None,
                    id: Identity::random(),
                    cseq: 0,
                    autoreg: false,
                    busy: false,
                }),
                destroyed: AtomicBool::new(false),
                refresh_key,
            }),
        }
    }

    /// The hooks given at creation.
    pub fn hooks(&self) -> &H {
        &self.shared.hooks
    }

    /// Sets (or replaces) what is registered.
    pub fn init(&self, binding: Binding) {
        self.shared.state.lock().binding = Some(binding);
    }

    /// A REGISTER with the next CSeq. `autoreg`: refresh before expiry after
    /// a 2xx. `Error::InvalidOp` before [`init`](Self::init) or without a
    /// transport.
    pub fn register(&self, autoreg: bool) -> Result<H::Req> {
        self.shared.build(false, autoreg)
    }

    /// An unregistration (`Expires: 0`); stops refreshing.
    pub fn unregister(&self) -> Result<H::Req> {
        self.shared.endpt.cancel(&self.shared.refresh_key);
        self.shared.build(true, false)
    }

    /// Sends `req` as a new transaction with the next CSeq; the outcome is
    /// reported inside the endpoint's `handle_events`. `Error::SipBusy` while
    /// another REGISTER is in flight; `Error::InvalidOp` before
    /// [`init`](Self::init), without a transport or after destroy. The
    /// request is released whatever happens.
    pub fn send(&self, req: H::Req) -> Result<()> {
        self.shared.send(req)
    }

    /// Whether a REGISTER transaction is in flight.
    pub fn is_busy(&self) -> bool {
        self.shared.state.lock().busy
    }

    /// The CSeq of the last request sent (0 before any).
    pub fn last_cseq(&self) -> u32 {
        self.shared.state.lock().cseq
    }

    /// Stops the client: no report afterwards, the refresh timer cancelled;
    /// transactions in flight end silently. Pending challenges may still be
    /// resolved (sending then fails with `Error::InvalidOp`).
    pub fn destroy(&self) {
        self.shared.destroyed.store(true, Ordering::Release);
        self.shared.endpt.cancel(&self.shared.refresh_key);
    }
}

impl<H: Hooks> Pending<H> {
    /// The status code of the challenge (401 or 407).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// Sends the authorized request as a new transaction. On failure the
    /// registration ends with a report of it (code: the challenge's), and
    /// the error is returned too.
    pub fn send(self, req: H::Req) -> Result<()> {
        let r = self.shared.send(req);
        if let Err(e) = r {
            self.end(e);
        }
        r
    }

    /// Gives up: the registration ends with `Error::Cancelled` and the
    /// challenge's code.
    pub fn abandon(self) {
        self.end(Error::Cancelled);
    }

    fn end(&self, e: Error) {
        self.shared.report(Report {
            status: Err(e),
            code: self.code,
            reason: reason_phrase(self.code).to_string(),
            response: None,
            expiration: None,
            contact_cnt: self.shared.contact_cnt(),
            is_unreg: self.is_unreg,
        });
    }
}

impl<H: Hooks> Shared<H> {
    fn contact_cnt(&self) -> usize {
        self.state
            .lock()
            .binding
            .as_ref()
            .map_or(0, |b| b.contacts.len())
    }

    fn build(&self, unreg: bool, autoreg: bool) -> Result<H::Req> {
        let local = self.endpt.local_addr().ok_or(Error::InvalidOp)?;
        let msg = {
            let mut s = self.state.lock();
            let b = s.binding.as_ref().ok_or(Error::InvalidOp)?;
            let m = build_register(b, &s.id, local, s.cseq.wrapping_add(1), unreg);
            s.autoreg = autoreg;
            m
        };
        Ok(self.hooks.new_request(msg))
    }

    fn send(self: &Arc<Self>, req: H::Req) -> Result<()> {
        if self.destroyed.load(Ordering::Acquire) {
            return Err(Error::InvalidOp);
        }
        let (dest, cseq) = {
            let mut s = self.state.lock();
            let dest = s.binding.as_ref().ok_or(Error::InvalidOp)?.dest;
            if s.busy {
                return Err(Error::SipBusy);
            }
            s.busy = true;
            s.cseq = s.cseq.wrapping_add(1);
            (dest, s.cseq)
        };
        let prepared = req.with_msg(|m| {
            set_cseq(m, cseq)?;
            Endpoint::prepare_request(m).map(|p| (p, is_unregister(m)))
        });
        let result = prepared.and_then(|(prepared, is_unreg)| {
            let me = self.clone();
            self.endpt.send_request(
                prepared,
                dest,
                Box::new(move |outcome| me.on_final(req, is_unreg, outcome)),
                None,
            )
        });
        if result.is_err() {
            // No transaction started, so no final report will clear it.
            self.state.lock().busy = false;
        }
        result
    }

    fn report(&self, r: Report) {
        if !self.destroyed.load(Ordering::Acquire) {
            self.hooks.report(r);
        }
    }

    fn on_final(self: Arc<Self>, req: H::Req, is_unreg: bool, outcome: TsxOutcome) {
        let (asked, ours) = {
            let mut s = self.state.lock();
            s.busy = false;
            let b = s.binding.as_ref();
            (
                b.map_or(0, |b| b.expires),
                b.map_or_else(Vec::new, |b| b.contacts.clone()),
            )
        };
        if self.destroyed.load(Ordering::Acquire) {
            return;
        }
        let report = |status, code: u16, response: Option<SipMessage>, expiration| {
            let reason = response
                .as_ref()
                .and_then(|m| m.reason())
                .unwrap_or_else(|| reason_phrase(code))
                .to_string();
            self.report(Report {
                status,
                code,
                reason,
                response,
                expiration,
                contact_cnt: ours.len(),
                is_unreg,
            })
        };
        let msg = match outcome {
            TsxOutcome::TimedOut => return report(Err(Error::TimedOut), 408, None, None),
            TsxOutcome::Response(m) => m,
        };
        let code = msg.status_code().unwrap_or(500);
        match code {
            401 | 407 => {
                let pending = Pending {
                    shared: self.clone(),
                    code,
                    is_unreg,
                };
                let answer = self.hooks.on_challenge(Challenge {
                    request: &req,
                    response: &msg,
                    pending,
                });
                match answer {
                    Answer::Deferred => {}
                    Answer::Retry(new) => {
                        if let Err(e) = self.send(new) {
                            report(Err(e), code, Some(msg), None);
                        }
                    }
                    Answer::Fail(e) => report(Err(e), code, Some(msg), None),
                }
            }
            200..=299 => {
                let exp = if is_unreg {
                    0
                } else {
                    granted_expiry(&msg, &ours, asked)
                };
                if !is_unreg {
                    self.schedule_refresh(exp, asked);
                }
                report(Ok(()), code, Some(msg), Some(exp));
            }
            _ => report(Ok(()), code, Some(msg), None),
        }
    }

    /// Arms the refresh timer after a 2xx granting `granted` seconds, when
    /// auto-registration is on.
    fn schedule_refresh(self: &Arc<Self>, granted: u32, asked: u32) {
        self.endpt.cancel(&self.refresh_key);
        if granted == 0 || !self.state.lock().autoreg {
            return;
        }
        let weak: Weak<Self> = Arc::downgrade(self);
        let _ = self.endpt.schedule(
            self.refresh_key.clone(),
            refresh_delay(granted, asked),
            Box::new(move || {
                if let Some(me) = weak.upgrade() {
                    me.refresh();
                }
            }),
        );
    }

    /// The refresh timer fired: send the next REGISTER, or report why not
    /// (code 400, as PJSIP's regc does).
    fn refresh(self: &Arc<Self>) {
        if self.destroyed.load(Ordering::Acquire) || !self.state.lock().autoreg {
            return;
        }
        if let Err(e) = self.build(false, true).and_then(|req| self.send(req)) {
            self.report(Report {
                status: Err(e),
                code: 400,
                reason: e.message().to_string(),
                response: None,
                expiration: None,
                contact_cnt: self.contact_cnt(),
                is_unreg: false,
            });
        }
    }
}
