//! Running client transactions: the `transaction` state machine bound to the
//! endpoint's timers and transport. A transaction is keyed by its top Via
//! branch and CSeq method; its final outcome is reported once, with no lock
//! held; what the owner attached as `keepalive` is dropped when it terminates.

use super::transaction::{Action, NonInviteClient, TimerKind};
use super::{Endpoint, TimerKey};
use crate::sip::SipMessage;
use parking_lot::Mutex;
use std::any::Any;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};

/// How a client transaction ended.
#[derive(Debug)]
pub enum TsxOutcome {
    /// A final response.
    Response(SipMessage),
    /// Timer F fired or the transport failed (reported as 408 / PJ_ETIMEDOUT).
    TimedOut,
}

/// The transaction user's callback, run once.
pub type TsxCallback = Box<dyn FnOnce(TsxOutcome) + Send>;

/// Transaction key: (branch, method).
pub type TsxKey = (String, String);

/// One running client transaction.
pub struct ClientTsx {
    pub(crate) id: u64,
    pub(crate) key: TsxKey,
    dest: SocketAddr,
    bytes: Vec<u8>,
    fsm: Mutex<NonInviteClient>,
    user: Mutex<Option<TsxCallback>>,
    keepalive: Mutex<Option<Box<dyn Any + Send>>>,
}

fn timer_key(id: u64, k: TimerKind) -> TimerKey {
    let n = match k {
        TimerKind::E => 0,
        TimerKind::F => 1,
        TimerKind::K => 2,
    };
    TimerKey::Internal((id << 2) | n)
}

impl ClientTsx {
    pub(crate) fn new(
        id: u64,
        key: TsxKey,
        dest: SocketAddr,
        bytes: Vec<u8>,
        fsm: NonInviteClient,
        user: TsxCallback,
        keepalive: Option<Box<dyn Any + Send>>,
    ) -> Arc<ClientTsx> {
        Arc::new(ClientTsx {
            id,
            key,
            dest,
            bytes,
            fsm: Mutex::new(fsm),
            user: Mutex::new(Some(user)),
            keepalive: Mutex::new(keepalive),
        })
    }

    /// Performs `actions` (no lock of this transaction is held on entry).
    pub(crate) fn perform(
        self: &Arc<Self>,
        ep: &Arc<Endpoint>,
        actions: Vec<Action>,
        mut response: Option<SipMessage>,
    ) {
        for a in actions {
            match a {
                Action::Transmit => {
                    if ep.send_raw(&self.bytes, self.dest).is_err() {
                        let more = self.fsm.lock().on_transport_error();
                        self.perform(ep, more, None);
                        return;
                    }
                }
                Action::Arm(k, d) => {
                    let weak: Weak<Endpoint> = Arc::downgrade(ep);
                    let me = self.clone();
                    let key = timer_key(self.id, k);
                    let _ = ep.schedule(
                        key.clone(),
                        d,
                        Box::new(move || {
                            if let Some(ep) = weak.upgrade() {
                                let acts = me.fsm.lock().on_timer(k);
                                me.perform(&ep, acts, None);
                            }
                        }),
                    );
                    // A response handled meanwhile on another thread changed
                    // the state first, then disarmed: if that disarm came
                    // before this schedule, the state read here shows it.
                    if !self.fsm.lock().wants(k) {
                        ep.cancel(&key);
                    }
                }
                Action::Disarm(k) => {
                    ep.cancel(&timer_key(self.id, k));
                }
                Action::Final(_) => {
                    let cb = self.user.lock().take();
                    if let (Some(cb), Some(msg)) = (cb, response.take()) {
                        cb(TsxOutcome::Response(msg));
                    }
                }
                Action::TimedOut => {
                    let cb = self.user.lock().take();
                    if let Some(cb) = cb {
                        cb(TsxOutcome::TimedOut);
                    }
                }
                Action::Terminate => {
                    ep.forget_tsx(&self.key);
                    let keep = self.keepalive.lock().take();
                    drop(keep);
                }
            }
        }
    }

    /// A response matched this transaction.
    pub(crate) fn on_response(self: &Arc<Self>, ep: &Arc<Endpoint>, msg: SipMessage) {
        let code = msg.status_code().unwrap_or(500);
        let acts = self.fsm.lock().on_response(code);
        self.perform(ep, acts, Some(msg));
    }

    /// Starts the transaction.
    pub(crate) fn start(self: &Arc<Self>, ep: &Arc<Endpoint>) {
        let acts = self.fsm.lock().start();
        self.perform(ep, acts, None);
    }
}
