//! The non-INVITE client transaction of RFC 3261 section 17.1.2, as a pure
//! state machine: events in, actions out. No clock, no socket, no lock; the
//! endpoint performs the actions (sends, arms timers, reports).
//!
//! Over UDP: the request goes out at once; Timer E retransmits it after T1,
//! then 2*T1, 4*T1... capped at T2 (T2 right away once a provisional response
//! came); Timer F (64*T1) ends the transaction with a timeout; a final response
//! completes it, and Timer K (T4) then absorbs retransmitted responses before
//! it terminates. Each final outcome is reported exactly once.

use std::time::Duration;

/// RFC 3261 timer values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// RTT estimate (500 ms).
    pub t1: Duration,
    /// Longest retransmit interval for non-INVITE requests (4 s).
    pub t2: Duration,
    /// Longest time a message stays in the network (5 s): Timer K.
    pub t4: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

/// The transaction's timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKind {
    /// Retransmission.
    E,
    /// Transaction timeout.
    F,
    /// Wait for response retransmissions.
    K,
}

/// State (RFC 3261 figure 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Created, not started.
    Null,
    /// Request sent, no response yet.
    Trying,
    /// A provisional response came.
    Proceeding,
    /// A final response came; waiting for Timer K.
    Completed,
    /// Over.
    Terminated,
}

/// What the owner must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// (Re)transmit the request.
    Transmit,
    /// Arm a timer to fire after the given delay.
    Arm(TimerKind, Duration),
    /// Disarm a timer.
    Disarm(TimerKind),
    /// Report the final response (its status code) to the transaction user.
    Final(u16),
    /// Report a timeout (Timer F) to the transaction user.
    TimedOut,
    /// The transaction is over: forget it.
    Terminate,
}

/// A non-INVITE client transaction. See the module docs.
#[derive(Debug, Clone)]
pub struct NonInviteClient {
    timers: Timers,
    state: State,
    interval: Duration,
}

impl NonInviteClient {
    /// A transaction in the `Null` state.
    pub fn new(timers: Timers) -> Self {
        NonInviteClient {
            timers,
            state: State::Null,
            interval: timers.t1,
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Starts the transaction: transmit, arm E (T1) and F (64*T1).
    pub fn start(&mut self) -> Vec<Action> {
        if self.state != State::Null {
            return Vec::new();
        }
        self.state = State::Trying;
        self.interval = self.timers.t1;
        vec![
            Action::Transmit,
            Action::Arm(TimerKind::E, self.interval),
            Action::Arm(TimerKind::F, self.timers.t1 * 64),
        ]
    }

    /// Whether timer `kind` still has a purpose in the current state (E and
    /// F while no final response came, K once completed). A timer armed
    /// after the state moved on (a response handled on another thread
    /// between `start` and its arming) is cancelled by its armer: otherwise
    /// it would hold the transaction until it fires, up to 64*T1 later.
    pub fn wants(&self, kind: TimerKind) -> bool {
        match kind {
            TimerKind::E | TimerKind::F => matches!(self.state, State::Trying | State::Proceeding),
            TimerKind::K => self.state == State::Completed,
        }
    }

    /// A response with status `code` arrived.
    pub fn on_response(&mut self, code: u16) -> Vec<Action> {
        match (self.state, code) {
            (State::Trying | State::Proceeding, 100..=199) => {
                self.state = State::Proceeding;
                Vec::new()
            }
            (State::Trying | State::Proceeding, _) => {
                self.state = State::Completed;
                vec![
                    Action::Disarm(TimerKind::E),
                    Action::Disarm(TimerKind::F),
                    Action::Final(code),
                    Action::Arm(TimerKind::K, self.timers.t4),
                ]
            }
            // Retransmissions of the final response are absorbed.
            _ => Vec::new(),
        }
    }

    /// A timer fired.
    pub fn on_timer(&mut self, kind: TimerKind) -> Vec<Action> {
        match (self.state, kind) {
            (State::Trying, TimerKind::E) => {
                self.interval = (self.interval * 2).min(self.timers.t2);
                vec![Action::Transmit, Action::Arm(TimerKind::E, self.interval)]
            }
            (State::Proceeding, TimerKind::E) => {
                self.interval = self.timers.t2;
                vec![Action::Transmit, Action::Arm(TimerKind::E, self.interval)]
            }
            (State::Trying | State::Proceeding, TimerKind::F) => {
                self.state = State::Terminated;
                vec![
                    Action::Disarm(TimerKind::E),
                    Action::TimedOut,
                    Action::Terminate,
                ]
            }
            (State::Completed, TimerKind::K) => {
                self.state = State::Terminated;
                vec![Action::Terminate]
            }
            _ => Vec::new(),
        }
    }

    /// The transport failed to send: terminate with a timeout report (as PJSIP
    /// reports transport errors on a transaction).
    pub fn on_transport_error(&mut self) -> Vec<Action> {
        match self.state {
            State::Trying | State::Proceeding => {
                self.state = State::Terminated;
                vec![
                    Action::Disarm(TimerKind::E),
                    Action::Disarm(TimerKind::F),
                    Action::TimedOut,
                    Action::Terminate,
                ]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Drives a transaction with a fake clock; returns the transmit times (ms)
    /// and what was reported, given responses at fixed times.
    fn simulate(responses: &[(u64, u16)], until_ms: u64) -> (Vec<u64>, Vec<Action>, State) {
        let mut tsx = NonInviteClient::new(Timers::default());
        let mut armed: HashMap<TimerKind, u64> = HashMap::new();
        let mut sends = Vec::new();
        let mut reports = Vec::new();
        let mut pending: Vec<(u64, u16)> = responses.to_vec();
        let mut apply = |now: u64, acts: Vec<Action>, armed: &mut HashMap<TimerKind, u64>| {
            for a in acts {
                match a {
                    Action::Transmit => sends.push(now),
                    Action::Arm(k, d) => {
                        armed.insert(k, now + d.as_millis() as u64);
                    }
                    Action::Disarm(k) => {
                        armed.remove(&k);
                    }
                    other => reports.push(other),
                }
            }
        };
        let acts = tsx.start();
        apply(0, acts, &mut armed);
        for now in 0..=until_ms {
            if let Some(i) = pending.iter().position(|(t, _)| *t == now) {
                let (_, code) = pending.remove(i);
                let acts = tsx.on_response(code);
                apply(now, acts, &mut armed);
            }
            let due: Vec<TimerKind> = armed
                .iter()
                .filter(|(_, t)| **t == now)
                .map(|(k, _)| *k)
                .collect();
            for k in due {
                armed.remove(&k);
                let acts = tsx.on_timer(k);
                apply(now, acts, &mut armed);
            }
        }
        (sends, reports, tsx.state())
    }

    #[test]
    fn timers_are_wanted_only_in_the_states_that_use_them() {
        let mut tsx = NonInviteClient::new(Timers::default());
        let wanted =
            |t: &NonInviteClient| [TimerKind::E, TimerKind::F, TimerKind::K].map(|k| t.wants(k));
        tsx.start();
        assert_eq!(wanted(&tsx), [true, true, false]);
        tsx.on_response(100);
        assert_eq!(wanted(&tsx), [true, true, false]);
        // A final response handled before the starter armed E and F: those
        // arms must be undone (the soak's heap grew by them, 32 s each).
        tsx.on_response(401);
        assert_eq!(wanted(&tsx), [false, false, true]);
        tsx.on_timer(TimerKind::K);
        assert_eq!(wanted(&tsx), [false, false, false]);
    }

    #[test]
    fn retransmits_doubling_to_t2_and_times_out_at_64_t1() {
        let (sends, reports, state) = simulate(&[], 40_000);
        assert_eq!(
            sends,
            vec![0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
        );
        assert_eq!(reports, vec![Action::TimedOut, Action::Terminate]);
        assert_eq!(state, State::Terminated);
    }

    #[test]
    fn provisional_jumps_to_t2_and_final_completes_then_k_terminates() {
        let (sends, reports, state) = simulate(&[(600, 100), (9000, 200), (9500, 200)], 20_000);
        assert_eq!(sends, vec![0, 500, 1500, 5500]);
        assert_eq!(reports, vec![Action::Final(200), Action::Terminate]);
        assert_eq!(state, State::Terminated);
    }

    #[test]
    fn final_response_is_reported_once_and_k_waits_t4() {
        let (sends, reports, state) = simulate(&[(100, 401)], 5_099);
        assert_eq!(sends, vec![0]);
        assert_eq!(reports, vec![Action::Final(401)]);
        assert_eq!(state, State::Completed);
        let (_, reports, _) = simulate(&[(100, 401)], 5_100);
        assert_eq!(reports, vec![Action::Final(401), Action::Terminate]);
    }

    #[test]
    fn transport_error_times_out_once() {
        let mut tsx = NonInviteClient::new(Timers::default());
        tsx.start();
        assert!(tsx.on_transport_error().contains(&Action::TimedOut));
        assert!(tsx.on_transport_error().is_empty());
        assert!(tsx.on_response(200).is_empty());
    }
}
