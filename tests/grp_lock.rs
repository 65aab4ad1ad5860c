//! The group lock's promises (API.md section 2), on the safe core.

use pjsip_auth_shim::grp_lock::{DecRef, GroupLock};
use pjsip_auth_shim::status::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A handler that appends `tag` to `log`.
fn logging(log: &Arc<Mutex<Vec<u32>>>, tag: u32) -> Box<dyn FnOnce() + Send> {
    let log = Arc::clone(log);
    Box::new(move || log.lock().unwrap().push(tag))
}

#[test]
fn count_starts_at_zero_and_dec_ref_at_zero_is_an_error() {
    let g = GroupLock::new();
    assert_eq!(g.ref_count(), 0);
    assert_eq!(g.dec_ref(), Err(Error::InvalidOp));
    assert!(!g.is_destroyed());
    assert_eq!(g.add_ref(), Ok(1));
    assert_eq!(g.add_ref(), Ok(2));
    assert_eq!(g.ref_count(), 2);
    assert_eq!(g.dec_ref(), Ok(DecRef::Alive(1)));
    assert_eq!(g.dec_ref(), Ok(DecRef::Destroyed));
    assert!(g.is_destroyed());
    assert_eq!(g.ref_count(), 0);
    assert_eq!(g.dec_ref(), Err(Error::Gone));
    assert_eq!(g.add_ref(), Err(Error::Gone));
}

#[test]
fn handlers_run_once_in_order_when_the_last_reference_goes() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let g = GroupLock::new();
    for tag in 1..=4 {
        g.add_handler((tag as usize, 0), logging(&log, tag))
            .unwrap();
    }
    g.add_ref().unwrap();
    g.add_ref().unwrap();
    g.dec_ref().unwrap();
    assert!(log.lock().unwrap().is_empty());
    assert_eq!(g.dec_ref(), Ok(DecRef::Destroyed));
    assert_eq!(*log.lock().unwrap(), vec![1, 2, 3, 4]);
    // Nothing can run them again, nor add more.
    assert_eq!(g.destroy(), Err(Error::Gone));
    assert_eq!(g.add_handler((9, 0), logging(&log, 9)), Err(Error::Gone));
    assert_eq!(*log.lock().unwrap(), vec![1, 2, 3, 4]);
}

#[test]
fn del_handler_removes_one_by_identity() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let g = GroupLock::new();
    g.add_handler((1, 7), logging(&log, 1)).unwrap();
    g.add_handler((2, 7), logging(&log, 2)).unwrap();
    g.add_handler((2, 7), logging(&log, 3)).unwrap();
    assert_eq!(g.del_handler((2, 7)), Ok(()));
    assert_eq!(g.del_handler((2, 8)), Err(Error::NotFound));
    g.destroy().unwrap();
    assert_eq!(*log.lock().unwrap(), vec![1, 3]);
    assert_eq!(g.del_handler((1, 7)), Err(Error::NotFound));
}

#[test]
fn explicit_destroy_runs_handlers_whatever_the_count() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let g = GroupLock::new();
    g.add_handler((0, 0), logging(&log, 1)).unwrap();
    g.add_ref().unwrap();
    assert_eq!(g.destroy(), Ok(()));
    assert_eq!(*log.lock().unwrap(), vec![1]);
    assert_eq!(g.dec_ref(), Err(Error::Gone));
}

#[test]
fn handlers_run_without_internal_locks_held() {
    // A handler may use the dying lock (and others) without deadlocking.
    let g = Arc::new(GroupLock::new());
    let other = Arc::new(GroupLock::new());
    let seen = Arc::new(Mutex::new(None));
    {
        let (g2, other2, seen2) = (Arc::clone(&g), Arc::clone(&other), Arc::clone(&seen));
        g.add_handler(
            (0, 0),
            Box::new(move || {
                let _ = g2.del_handler((5, 5));
                other2.add_ref().unwrap();
                *seen2.lock().unwrap() = Some((g2.add_ref(), g2.is_destroyed()));
            }),
        )
        .unwrap();
    }
    g.add_ref().unwrap();
    assert_eq!(g.dec_ref(), Ok(DecRef::Destroyed));
    assert_eq!(*seen.lock().unwrap(), Some((Err(Error::Gone), true)));
    assert_eq!(other.ref_count(), 1);
}

#[test]
fn racing_destroyers_destroy_exactly_once() {
    for _ in 0..200 {
        let runs = Arc::new(AtomicUsize::new(0));
        let g = Arc::new(GroupLock::new());
        let r = Arc::clone(&runs);
        g.add_handler(
            (0, 0),
            Box::new(move || {
                r.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
        for _ in 0..4 {
            g.add_ref().unwrap();
        }
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let g = Arc::clone(&g);
                std::thread::spawn(move || {
                    if i % 2 == 0 {
                        g.dec_ref()
                    } else {
                        g.destroy().map(|()| DecRef::Destroyed)
                    }
                })
            })
            .collect();
        let destroyed = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|r| *r == Ok(DecRef::Destroyed))
            .count();
        assert_eq!(destroyed, 1);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn eight_threads_of_add_ref_dec_ref_pairs_leave_the_count_unchanged() {
    let g = Arc::new(GroupLock::new());
    g.add_ref().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let g = Arc::clone(&g);
            std::thread::spawn(move || {
                for _ in 0..10_000 {
                    g.add_ref().unwrap();
                    assert!(matches!(g.dec_ref(), Ok(DecRef::Alive(_))));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(g.ref_count(), 1);
    assert!(!g.is_destroyed());
}

#[test]
fn the_lock_is_recursive_and_keeps_a_reference_while_held() {
    let g = GroupLock::new();
    assert_eq!(
        g.acquire(),
        Err(Error::InvalidOp),
        "count 0: nobody keeps it alive"
    );
    g.add_ref().unwrap();
    g.acquire().unwrap();
    g.acquire().unwrap();
    g.try_acquire().unwrap();
    assert!(g.is_held_by_current_thread());
    assert_eq!(g.ref_count(), 4);
    // Dropping the owner's reference does not destroy a held lock...
    assert_eq!(g.dec_ref(), Ok(DecRef::Alive(3)));
    assert_eq!(g.release(), Ok(DecRef::Alive(2)));
    assert_eq!(g.release(), Ok(DecRef::Alive(1)));
    // ...the last release does.
    assert_eq!(g.release(), Ok(DecRef::Destroyed));
    assert!(!g.is_held_by_current_thread());
}

#[test]
fn release_by_a_thread_that_does_not_hold_it_is_an_error() {
    let g = Arc::new(GroupLock::new());
    g.add_ref().unwrap();
    assert_eq!(g.release(), Err(Error::InvalidOp));
    g.acquire().unwrap();
    let g2 = Arc::clone(&g);
    let other = std::thread::spawn(move || g2.release()).join().unwrap();
    assert_eq!(other, Err(Error::InvalidOp));
    assert_eq!(g.release(), Ok(DecRef::Alive(1)));
    assert_eq!(g.ref_count(), 1);
}

#[test]
fn try_acquire_fails_while_another_thread_holds_it() {
    let g = Arc::new(GroupLock::new());
    g.add_ref().unwrap();
    g.acquire().unwrap();
    let g2 = Arc::clone(&g);
    let (result, count_after) = std::thread::spawn(move || (g2.try_acquire(), g2.ref_count()))
        .join()
        .unwrap();
    assert_eq!(result, Err(Error::Busy));
    assert_eq!(count_after, 2, "the failed attempt gave its reference back");
    g.release().unwrap();
    let g3 = Arc::clone(&g);
    let result = std::thread::spawn(move || {
        let r = g3.try_acquire();
        g3.release().unwrap();
        r
    })
    .join()
    .unwrap();
    assert_eq!(result, Ok(()));
}

#[test]
fn acquire_waits_for_the_holder() {
    let g = Arc::new(GroupLock::new());
    g.add_ref().unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (g, counter) = (Arc::clone(&g), Arc::clone(&counter));
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    g.acquire().unwrap();
                    // A non-atomic read-modify-write, made safe only by the lock.
                    let v = counter.load(Ordering::Relaxed);
                    counter.store(v + 1, Ordering::Relaxed);
                    g.release().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::Relaxed), 4000);
    assert_eq!(g.ref_count(), 1);
}
