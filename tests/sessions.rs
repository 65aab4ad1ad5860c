//! The core session table and async protocol (`auth::sessions`,
//! `auth::async_challenge`), without C: handles, parents, issue/claim/close,
//! and races between them on real threads.

use pjsip_auth_shim::auth::async_challenge::Outcome;
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::auth::sessions::{SessionId, Sessions};
use pjsip_auth_shim::status::Error;
use pjsip_auth_shim::token::Token;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

type Table = Sessions<u32, u64>;

fn open(t: &Table) -> SessionId {
    let id = t.open(ClientSession::default(), 0).unwrap();
    t.configure(id, 7).unwrap();
    id
}

#[test]
fn a_token_is_claimed_once_on_its_own_session() {
    let t = Table::new(16, 64);
    let (a, b) = (open(&t), open(&t));
    let issued = t.issue(a, 42).unwrap();
    assert_eq!(issued.setting, 7);
    assert_eq!(issued.acting.id, a);
    assert_eq!(t.pending(a), Ok(1));
    assert_eq!(t.claim(b, issued.token), Err(Error::InvalidArg), "foreign");
    assert_eq!(t.claim(a, issued.token), Ok(42));
    assert_eq!(t.claim(a, issued.token), Err(Error::InvalidArg), "reused");
    assert_eq!(t.pending(a), Ok(0));
    assert_eq!(t.live_tokens(), 0);
}

#[test]
fn forged_random_and_stale_values_are_refused() {
    let t = Table::new(4, 64);
    let a = open(&t);
    let first = t.issue(a, 1).unwrap().token;
    t.claim(a, first).unwrap();
    let live = t.issue(a, 2).unwrap().token;
    assert_ne!(first, live);
    assert_eq!(t.claim(a, first), Err(Error::InvalidArg), "stale");
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let raw = x as usize;
        if raw != live.raw() {
            assert!(t.claim(a, Token::from_raw(raw)).is_err());
        }
    }
    for raw in [
        0,
        usize::MAX,
        live.raw() + 1,
        live.raw() ^ (1 << (usize::BITS / 2)),
    ] {
        assert_eq!(t.claim(a, Token::from_raw(raw)), Err(Error::InvalidArg));
    }
    assert_eq!(t.claim(a, live), Ok(2));
}

#[test]
fn closed_and_never_opened_sessions_are_errors() {
    let t = Table::new(4, 16);
    let a = open(&t);
    assert_eq!(t.close(a), Ok(vec![]));
    assert_eq!(t.close(a), Err(Error::InvalidArg));
    assert_eq!(t.issue(a, 1).unwrap_err(), Error::InvalidArg);
    assert_eq!(t.pending(a), Err(Error::InvalidArg));
    assert_eq!(t.with_client(a, |_| ()), Err(Error::InvalidArg));
    // The slot is reused with a new generation: the old id stays dead.
    let b = open(&t);
    assert_ne!(a, b);
    assert_eq!(t.pending(a), Err(Error::InvalidArg));
    for raw in [0, 1, usize::MAX, b.raw() ^ 1] {
        assert!(t.pending(SessionId::from_raw(raw)).is_err());
    }
}

#[test]
fn issue_without_a_setting_is_an_invalid_op() {
    let t = Table::new(4, 16);
    let a = t.open(ClientSession::default(), 0).unwrap();
    assert_eq!(t.issue(a, 1).unwrap_err(), Error::InvalidOp);
    assert_eq!(t.live_tokens(), 0);
}

#[test]
fn close_revokes_exactly_the_pending_tokens() {
    let t = Table::new(4, 4096);
    let (a, b) = (open(&t), open(&t));
    let mine: Vec<_> = (0..100).map(|i| t.issue(a, i).unwrap().token).collect();
    let theirs = t.issue(b, 1000).unwrap().token;
    for tok in &mine[..40] {
        t.claim(a, *tok).unwrap();
    }
    let mut revoked = t.close(a).unwrap();
    revoked.sort();
    assert_eq!(revoked, (40..100).collect::<Vec<u64>>());
    assert!(mine.iter().all(|tok| t.claim(a, *tok).is_err()));
    assert_eq!(t.live_tokens(), 1);
    assert_eq!(t.claim(b, theirs), Ok(1000));
}

#[test]
fn capacity_is_enforced_with_too_many_and_recovers() {
    let t = Table::new(2, 1024);
    let a = open(&t);
    let mut n = 0;
    let err = loop {
        match t.issue(a, n) {
            Ok(_) => n += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(err, Error::TooMany);
    assert_eq!(n, 1024);
    assert_eq!(t.close(a).unwrap().len(), 1024);
    let b = open(&t);
    assert!(t.issue(b, 0).is_ok(), "slots came back at close");
}

#[test]
fn parents_act_for_children_and_cycles_are_refused() {
    let t = Table::new(8, 64);
    let (p, c, other) = (open(&t), open(&t), open(&t));
    assert_eq!(t.set_parent(c, c), Err(Error::InvalidArg));
    t.set_parent(c, p).unwrap();
    assert_eq!(t.set_parent(p, c), Err(Error::InvalidArg), "two-cycle");
    t.set_parent(c, other).unwrap(); // re-parenting without a cycle is fine
    t.set_parent(c, p).unwrap();
    let (x, y, z) = (open(&t), open(&t), open(&t));
    t.set_parent(x, y).unwrap();
    t.set_parent(y, z).unwrap();
    assert_eq!(t.set_parent(z, x), Err(Error::InvalidArg), "three-cycle");
    let issued = t.issue(c, 5).unwrap();
    assert_eq!(issued.acting.id, p, "issued on the parent");
    assert_eq!(t.pending(p), Ok(1));
    assert_eq!(t.claim(other, issued.token), Err(Error::InvalidArg));
    assert_eq!(t.claim(c, issued.token), Ok(5), "claimed through the child");
    t.issue(c, 6).unwrap();
    assert_eq!(t.close(p), Ok(vec![6]), "the parent's close revokes it");
    assert_eq!(t.issue(c, 7).unwrap_err(), Error::InvalidArg, "parent gone");
}

#[test]
fn the_protocol_takes_back_a_declined_token_and_not_a_consumed_one() {
    let t = Table::new(4, 64);
    let a = open(&t);
    assert_eq!(t.challenge(a, 1, |_| false), Ok(Outcome::Declined(1)));
    assert_eq!(t.challenge(a, 2, |_| true), Ok(Outcome::Handled));
    assert_eq!(t.pending(a), Ok(1));
    let got = std::cell::Cell::new(None);
    let outcome = t.challenge(a, 3, |i| {
        got.set(t.claim(a, i.token).ok());
        false
    });
    assert_eq!(
        outcome,
        Ok(Outcome::Handled),
        "consumed inside the callback"
    );
    assert_eq!(got.get(), Some(3));
    let outcome = t.challenge(a, 4, |_| {
        assert_eq!(t.close(a).unwrap().len(), 2);
        false
    });
    assert_eq!(outcome, Ok(Outcome::Handled), "revoked inside the callback");
    assert_eq!(t.live_tokens(), 0);
}

/// One thread issues tokens on a session (directly or through a child) while
/// another closes it: every issued token ends exactly once, by the issuer's
/// own claim or by the close, and none is issued after close returned.
fn issue_races_close(with_parent: bool) {
    let t = Arc::new(Table::new(64, 1 << 16));
    let mut stranded = 0;
    for _round in 0..300 {
        let owner = open(&t);
        let via = if with_parent {
            let child = open(&t);
            t.set_parent(child, owner).unwrap();
            child
        } else {
            owner
        };
        let start = Arc::new(Barrier::new(3));
        let closed = Arc::new(AtomicBool::new(false));
        let issuer = {
            let (t, start, closed) = (t.clone(), start.clone(), closed.clone());
            std::thread::spawn(move || {
                start.wait();
                let (mut issued, mut claimed) = (Vec::new(), 0u64);
                for i in 0..20_000 {
                    let was_closed = closed.load(Ordering::Acquire);
                    match t.issue(via, i) {
                        Ok(x) => {
                            assert!(!was_closed, "issued after close returned");
                            if i % 3 == 0 && t.claim(via, x.token).is_ok() {
                                claimed += 1;
                            } else {
                                issued.push(i);
                            }
                        }
                        Err(e) => {
                            assert_eq!(e, Error::InvalidArg);
                            break;
                        }
                    }
                }
                (issued, claimed)
            })
        };
        let closer = {
            let (t, start, closed) = (t.clone(), start.clone(), closed.clone());
            std::thread::spawn(move || {
                start.wait();
                std::thread::yield_now();
                let revoked = t.close(owner).unwrap();
                closed.store(true, Ordering::Release);
                revoked
            })
        };
        start.wait();
        let (kept, _claimed) = issuer.join().unwrap();
        let mut revoked = closer.join().unwrap();
        revoked.sort();
        // Every token the issuer kept pending was revoked, and nothing else.
        if revoked != kept {
            stranded += 1;
        }
        if with_parent {
            t.close(via).unwrap();
        }
    }
    assert_eq!(stranded, 0, "rounds with a token not revoked exactly once");
    assert_eq!(t.live_tokens(), 0);
}

#[test]
fn issue_racing_close_strands_nothing() {
    issue_races_close(false);
}

#[test]
fn issue_through_a_child_racing_the_parents_close_strands_nothing() {
    issue_races_close(true);
}

/// Many threads consume every token at once while the owner closes midway:
/// each token has exactly one winner among consumers and the close.
#[test]
fn consumers_racing_close_end_each_token_once() {
    let t = Arc::new(Table::new(16, 1 << 16));
    for _round in 0..50 {
        let a = open(&t);
        let tokens: Arc<Vec<Token>> =
            Arc::new((0..500).map(|i| t.issue(a, i).unwrap().token).collect());
        let wins: Arc<Vec<AtomicUsize>> = Arc::new((0..500).map(|_| AtomicUsize::new(0)).collect());
        let start = Arc::new(Barrier::new(5));
        let consumers: Vec<_> = (0..4)
            .map(|k| {
                let (t, tokens, wins, start) =
                    (t.clone(), tokens.clone(), wins.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    for (i, tok) in tokens.iter().enumerate() {
                        if k == 3 && i == 250 {
                            for p in t.close(a).unwrap_or_default() {
                                wins[p as usize].fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        if let Ok(p) = t.claim(a, *tok) {
                            wins[p as usize].fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        start.wait();
        consumers.into_iter().for_each(|h| h.join().unwrap());
        assert!(wins.iter().all(|w| w.load(Ordering::Relaxed) == 1));
        assert_eq!(t.live_tokens(), 0);
    }
}

/// Two threads issue on one session (the first to issue owns its lane and
/// issues lock-free; the other goes through the record), a third consumes
/// whatever they publish, and a fourth closes the session midway, for many
/// rounds: every token ends exactly once (consumed or revoked) and none is
/// issued after the close returned.
#[test]
fn lane_and_record_issuers_racing_consumers_and_close_end_each_token_once() {
    use std::sync::Mutex;
    let t = Arc::new(Table::new(64, 1 << 16));
    for round in 0..200u64 {
        let a = open(&t);
        let published = Arc::new(Mutex::new(Vec::<Token>::new()));
        let ended = Arc::new(Mutex::new(Vec::<u64>::new()));
        let closed = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(4));
        let issuers: Vec<_> = (0..2u64)
            .map(|k| {
                let (t, published, closed, start) =
                    (t.clone(), published.clone(), closed.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let mut issued = Vec::new();
                    for i in 0..2_000u64 {
                        let was_closed = closed.load(Ordering::Acquire);
                        let payload = (round << 32) | (k << 16) | i;
                        match t.issue(a, payload) {
                            Ok(x) => {
                                assert!(!was_closed, "issued after close returned");
                                issued.push(payload);
                                published.lock().unwrap().push(x.token);
                            }
                            Err(e) => {
                                assert_eq!(e, Error::InvalidArg);
                                break;
                            }
                        }
                    }
                    issued
                })
            })
            .collect();
        let consumer = {
            let (t, published, ended, start) =
                (t.clone(), published.clone(), ended.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..3_000 {
                    let tok = published.lock().unwrap().pop();
                    match tok {
                        Some(tok) => {
                            if let Ok(p) = t.claim(a, tok) {
                                ended.lock().unwrap().push(p);
                            }
                        }
                        None => std::thread::yield_now(),
                    }
                }
            })
        };
        start.wait();
        for _ in 0..(round % 7) * 50 {
            std::thread::yield_now();
        }
        let revoked = t.close(a).unwrap();
        closed.store(true, Ordering::Release);
        let mut issued: Vec<u64> = issuers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        consumer.join().unwrap();
        let mut ends = ended.lock().unwrap().clone();
        ends.extend(revoked);
        ends.sort_unstable();
        issued.sort_unstable();
        assert_eq!(
            ends, issued,
            "round {round}: each issued token ends exactly once"
        );
        assert_eq!(t.live_tokens(), 0);
    }
}

/// Closing a child revokes the tokens issued through it (they are pending
/// on its parent) and only those: a sibling's and the parent's own stay.
#[test]
fn closing_a_child_revokes_what_was_issued_through_it_and_nothing_else() {
    let t = Table::new(16, 1 << 12);
    let parent = open(&t);
    let (a, b) = (open(&t), open(&t));
    t.set_parent(a, parent).unwrap();
    t.set_parent(b, parent).unwrap();
    // Beyond the lane's few slots too, so both the lane and the list hold some.
    let through_a: Vec<Token> = (0..10).map(|i| t.issue(a, i).unwrap().token).collect();
    let through_b = t.issue(b, 100).unwrap().token;
    let own = t.issue(parent, 200).unwrap().token;
    assert_eq!(t.pending(parent), Ok(12));
    let mut revoked = t.close(a).unwrap();
    revoked.sort_unstable();
    assert_eq!(revoked, (0..10).collect::<Vec<u64>>());
    for tok in through_a {
        assert_eq!(t.claim(parent, tok), Err(Error::InvalidArg));
    }
    assert_eq!(t.pending(parent), Ok(2));
    assert_eq!(t.claim(b, through_b), Ok(100));
    assert_eq!(t.claim(parent, own), Ok(200));
    assert_eq!(t.live_tokens(), 0);
}

/// A token issued on a session before it got a parent stays consumable
/// through that session, whether it sits in the session's lane or on its
/// list (the two must agree), and not through an unrelated session.
#[test]
fn a_token_issued_before_set_parent_is_claimed_through_its_session() {
    let t = Table::new(16, 1 << 12);
    let (a, p, other) = (open(&t), open(&t), open(&t));
    // More than the lane holds: the later ones go to the list.
    let tokens: Vec<Token> = (0..8).map(|i| t.issue(a, i).unwrap().token).collect();
    t.set_parent(a, p).unwrap();
    for (i, tok) in tokens.iter().enumerate() {
        assert_eq!(t.claim(other, *tok), Err(Error::InvalidArg));
        assert_eq!(t.claim(a, *tok), Ok(i as u64), "token {i}");
    }
    assert_eq!(t.live_tokens(), 0);
}

#[test]
fn fixed_capacity_tables_refuse_past_their_budget_and_reuse_freed_places() {
    type T = Sessions<u8, u32>;
    assert!(T::with_fixed_capacity(0, 1).is_err());
    assert!(T::with_fixed_capacity(1, 0).is_err());
    assert!(T::with_fixed_capacity(1, T::max_capacity() + 1).is_err());
    let t = T::with_fixed_capacity(2, 3).unwrap();
    let a = t.open(ClientSession::default(), 1).unwrap();
    let b = t.open(ClientSession::default(), 2).unwrap();
    assert_eq!(t.open(ClientSession::default(), 3), Err(Error::TooMany));
    t.configure(a, 0).unwrap();
    t.configure(b, 0).unwrap();
    let first = t.issue(a, 10).unwrap().token;
    t.issue(b, 11).unwrap();
    t.issue(a, 12).unwrap();
    assert_eq!(t.issue(b, 13).map(|i| i.token), Err(Error::TooMany));
    assert_eq!(t.live_tokens(), 3);
    assert_eq!(t.claim(a, first), Ok(10));
    t.issue(b, 14).expect("the claimed place is free again");
    assert_eq!(
        t.close(b).map(|mut v| {
            v.sort();
            v
        }),
        Ok(vec![11, 14])
    );
    t.open(ClientSession::default(), 4)
        .expect("the closed session's place");
}
