//! The pool's promises (API.md section 1), on the safe core.

use pjsip_auth_shim::pool::{Pool, PoolFactory};
use std::sync::Arc;

#[test]
fn allocations_are_16_byte_aligned() {
    let pool = Pool::new(Some(b"align"), 100, 100);
    for size in [0, 1, 3, 7, 8, 15, 16, 17, 33, 99, 100, 101, 1000] {
        let p = pool.alloc(size).unwrap();
        assert_eq!(p.as_ptr() as usize % 16, 0, "size {size}");
    }
}

#[test]
fn earlier_allocations_stay_put_and_intact() {
    let pool = Pool::new(None, 64, 256);
    let mut seen = Vec::new();
    for i in 0..5000usize {
        let size = 1 + i % 300; // some exceed the increment: dedicated blocks
        let p = pool.alloc(size).unwrap();
        let fill = (i % 251) as u8;
        // SAFETY: p is a fresh allocation of `size` bytes owned by this test.
        unsafe { std::ptr::write_bytes(p.as_ptr(), fill, size) };
        seen.push((p, size, fill));
    }
    let mut ranges: Vec<(usize, usize)> = seen
        .iter()
        .map(|(p, size, _)| (p.as_ptr() as usize, *size))
        .collect();
    ranges.sort();
    for w in ranges.windows(2) {
        assert!(w[0].0 + w[0].1 <= w[1].0, "allocations overlap");
    }
    for (p, size, fill) in seen {
        // SAFETY: the pool is alive, so every allocation is still valid.
        let bytes = unsafe { std::slice::from_raw_parts(p.as_ptr(), size) };
        assert!(bytes.iter().all(|&b| b == fill));
    }
}

#[test]
fn zalloc_and_calloc_zero_fill() {
    let pool = Pool::new(None, 128, 128);
    for _ in 0..50 {
        let p = pool.alloc(40).unwrap();
        // SAFETY: fresh allocation of 40 bytes.
        unsafe { std::ptr::write_bytes(p.as_ptr(), 0xAB, 40) };
    }
    for size in [1, 24, 128, 129, 5000] {
        let p = pool.zalloc(size).unwrap();
        // SAFETY: fresh allocation of `size` bytes.
        let bytes = unsafe { std::slice::from_raw_parts(p.as_ptr(), size) };
        assert!(bytes.iter().all(|&b| b == 0));
    }
    let p = pool.calloc(10, 12).unwrap();
    // SAFETY: fresh allocation of 120 bytes.
    assert!(unsafe { std::slice::from_raw_parts(p.as_ptr(), 120) }
        .iter()
        .all(|&b| b == 0));
    assert!(pool.calloc(usize::MAX, 2).is_err());
    assert!(pool.alloc(usize::MAX).is_err());
}

#[test]
fn large_requests_get_their_own_block() {
    let pool = Pool::new(None, 256, 256);
    let a = pool.alloc(16).unwrap();
    let big = pool.alloc(10_000).unwrap();
    let b = pool.alloc(16).unwrap();
    // The small ones still come from the first block, one after the other.
    assert_eq!(b.as_ptr() as usize - a.as_ptr() as usize, 16);
    assert!(big.as_ptr() as usize % 16 == 0);
    assert!(pool.capacity() >= 256 + 10_000);
}

#[test]
fn dup_copies_with_a_nul() {
    let pool = Pool::new(None, 0, 0);
    let p = pool.dup(b"realm").unwrap();
    // SAFETY: dup returns len + 1 bytes.
    assert_eq!(
        unsafe { std::slice::from_raw_parts(p.as_ptr(), 6) },
        b"realm\0"
    );
}

#[test]
fn pools_allocate_from_several_threads() {
    let pool = Arc::new(Pool::new(Some(b"mt"), 512, 512));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || {
                (0..2000)
                    .map(|_| {
                        let p = pool.alloc(24).unwrap();
                        // SAFETY: fresh 24-byte allocation.
                        unsafe { std::ptr::write_bytes(p.as_ptr(), t as u8, 24) };
                        p.as_ptr() as usize
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<usize> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 16_000, "every allocation is distinct");
}

#[test]
fn factory_owns_and_frees_its_pools() {
    let factory = PoolFactory::new();
    let a = factory.create_pool(Some(b"a"), 100, 100);
    let b = factory.create_pool(Some(b"b%p"), 100, 100);
    assert_eq!(factory.pool_count(), 2);
    // SAFETY: pools of a live factory, not released yet.
    let (pa, pb) = unsafe { (a.as_ref(), b.as_ref()) };
    assert_eq!(pa.name().to_bytes(), b"a");
    assert!(pb.name().to_bytes().starts_with(b"b"));
    assert!(pa.is_from_factory() && pa.factory().is_some());
    pa.alloc(1000).unwrap();
    assert_eq!(factory.release_pool(a.as_ptr()), Ok(()));
    assert_eq!(
        factory.release_pool(a.as_ptr()),
        Err(pjsip_auth_shim::status::Error::NotFound),
        "a second release touches nothing"
    );
    assert_eq!(factory.pool_count(), 1);
    pb.alloc(5000).unwrap();
    // `b` is forgotten: dropping the factory frees it (valgrind/ASan check the C side).
    drop(factory);
    assert!(!Pool::new(None, 0, 0).is_from_factory());
}
