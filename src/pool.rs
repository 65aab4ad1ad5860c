//! Memory pools: arenas whose allocations live until the pool is dropped, as
//! pjlib's `pj_pool_t`, and a factory that owns the pools made from it.
//!
//! Promises:
//! - every allocation is `ALIGN` (16) bytes aligned, so it suits any C type;
//! - an address handed out stays valid and never moves until the pool is
//!   dropped (blocks are never reallocated or reused);
//! - memory comes zero-filled (blocks are allocated zeroed and never reused);
//! - `&Pool` allocates from any number of threads (a mutex guards the arena);
//! - dropping a `PoolFactory` frees every pool still registered with it, so a
//!   C program that forgets `pj_pool_release` does not leak.

use crate::status::{Error, Result};
use parking_lot::Mutex;
use std::alloc::{self, Layout};
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

/// Alignment of every allocation.
pub(crate) const ALIGN: usize = 16;
/// Block size used when a pool is created with an increment of 0.
pub(crate) const DEFAULT_INCREMENT: usize = 4096;
/// Longest pool name kept (pjlib's PJ_MAX_OBJ_NAME minus the NUL).
pub(crate) const MAX_NAME: usize = 31;

/// Rounds `size` up to a multiple of `ALIGN` (at least `ALIGN`), or fails on overflow.
fn round_up(size: usize) -> Result<usize> {
    let size = size.max(1);
    size.checked_add(ALIGN - 1)
        .map(|s| s & !(ALIGN - 1))
        .filter(|&s| s <= isize::MAX as usize)
        .ok_or(Error::NoMemory)
}

/// One zero-filled heap block, exclusively owned.
struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: a Block is the sole owner of its allocation (like a Box<[u8]>); the
// pointer is only dereferenced by whoever the pool handed an address to.
unsafe impl Send for Block {}

impl Block {
    /// A zeroed block of `size` bytes (a multiple of ALIGN, non-zero).
    fn new(size: usize) -> Result<Block> {
        let layout = Layout::from_size_align(size, ALIGN).map_err(|_| Error::NoMemory)?;
        // SAFETY: layout has a non-zero size (callers pass round_up results).
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).ok_or(Error::NoMemory)?;
        Ok(Block { ptr, layout })
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: ptr was allocated with exactly this layout in Block::new.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

#[derive(Default)]
struct Arena {
    /// The block allocations are carved from, and how much of it is used.
    current: Option<(Block, usize)>,
    /// Blocks that are full, or dedicated to one large allocation.
    retired: Vec<Block>,
}

impl Arena {
    fn capacity(&self) -> usize {
        self.retired.iter().map(|b| b.layout.size()).sum::<usize>()
            + self.current.as_ref().map_or(0, |(b, _)| b.layout.size())
    }
}

/// Who frees a pool.
enum Owner {
    /// Whoever holds the `Pool` value.
    Caller,
    /// The factory behind this link.
    Factory(Weak<Registry>),
}

/// An arena allocator. See the module docs.
pub struct Pool {
    name: CString,
    initial: usize,
    increment: usize,
    arena: Mutex<Arena>,
    owner: Owner,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.name)
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

/// Makes a pool name as pjlib does: at most MAX_NAME bytes, "%p" replaced by a
/// unique number (in hex), a default when none is given.
fn make_name(name: Option<&[u8]>) -> CString {
    static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
    let name = name.unwrap_or(b"pool%p");
    let mut out = Vec::with_capacity(MAX_NAME);
    if let Some(at) = name.windows(2).position(|w| w == b"%p") {
        let id = format!("{:x}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
        out.extend_from_slice(&name[..at]);
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&name[at + 2..]);
    } else {
        out.extend_from_slice(name);
    }
    out.retain(|&b| b != 0);
    out.truncate(MAX_NAME);
    CString::new(out).expect("NUL bytes were removed")
}

impl Pool {
    /// A pool owned by the caller. The first block has `initial` bytes, later
    /// ones `increment` bytes (0 means `DEFAULT_INCREMENT`); a request larger
    /// than that gets a block of its own. Nothing is allocated until needed.
    pub fn new(name: Option<&[u8]>, initial: usize, increment: usize) -> Pool {
        Pool::with_owner(name, initial, increment, Owner::Caller)
    }

    fn with_owner(name: Option<&[u8]>, initial: usize, increment: usize, owner: Owner) -> Pool {
        let increment = if increment == 0 {
            DEFAULT_INCREMENT
        } else {
            increment
        };
        Pool {
            name: make_name(name),
            initial: if initial == 0 { increment } else { initial },
            increment,
            arena: Mutex::new(Arena::default()),
            owner,
        }
    }

    /// The pool's name (NUL-terminated, lives as long as the pool).
    pub fn name(&self) -> &CStr {
        &self.name
    }

    /// Total bytes of the blocks allocated so far.
    pub fn capacity(&self) -> usize {
        self.arena.lock().capacity()
    }

    /// `size` bytes (zero-filled), `ALIGN`-aligned, valid until the pool is
    /// dropped. A size of 0 still gets a distinct address.
    ///
    /// `Error::NoMemory` when the size cannot be represented or the system
    /// has no memory for a new block.
    pub fn alloc(&self, size: usize) -> Result<NonNull<u8>> {
        let need = round_up(size)?;
        let mut arena = self.arena.lock();
        if let Some((block, used)) = arena.current.as_mut() {
            if block.layout.size() - *used >= need {
                // SAFETY: used + need <= the block's size, so the result is in
                // bounds (or one past the end) of the block's allocation.
                let p = unsafe { block.ptr.as_ptr().add(*used) };
                *used += need;
                return Ok(NonNull::new(p).expect("in-bounds pointer is not null"));
            }
        }
        let standard = if arena.current.is_none() && arena.retired.is_empty() {
            round_up(self.initial)?
        } else {
            round_up(self.increment)?
        };
        if need > standard {
            // A dedicated block; the current block keeps serving small requests.
            let block = Block::new(need)?;
            let p = block.ptr;
            arena.retired.push(block);
            return Ok(p);
        }
        let block = Block::new(standard)?;
        let p = block.ptr;
        if let Some((full, _)) = arena.current.replace((block, need)) {
            arena.retired.push(full);
        }
        Ok(p)
    }

    /// Like `alloc`, and guaranteed zero-filled.
    pub fn zalloc(&self, size: usize) -> Result<NonNull<u8>> {
        // Blocks are allocated zeroed and never reused, so alloc already zeroes.
        self.alloc(size)
    }

    /// `count * elem` zero-filled bytes; `Error::NoMemory` on overflow.
    pub fn calloc(&self, count: usize, elem: usize) -> Result<NonNull<u8>> {
        let size = count.checked_mul(elem).ok_or(Error::NoMemory)?;
        self.zalloc(size)
    }

    /// Copies `bytes` into the pool, followed by a NUL; returns the copy's
    /// address (the `bytes.len()` bytes, NUL not counted, are at it).
    pub fn dup(&self, bytes: &[u8]) -> Result<NonNull<u8>> {
        let p = self.alloc(bytes.len().checked_add(1).ok_or(Error::NoMemory)?)?;
        // SAFETY: p is a fresh allocation of at least len + 1 bytes, which cannot
        // overlap `bytes` (a live borrow of other memory); the NUL is already there.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.as_ptr(), bytes.len()) };
        Ok(p)
    }

    /// Whether a `PoolFactory` owns this pool.
    pub fn is_from_factory(&self) -> bool {
        matches!(self.owner, Owner::Factory(_))
    }

    /// The factory that owns this pool, while it exists.
    pub fn factory(&self) -> Option<PoolFactory> {
        match &self.owner {
            Owner::Caller => None,
            Owner::Factory(weak) => weak.upgrade().map(|registry| PoolFactory { registry }),
        }
    }
}

/// The pools of a factory, keyed by address.
struct Registry {
    pools: Mutex<HashMap<usize, Arc<Pool>>>,
}

/// Makes pools and owns them until they are released, or until the last handle
/// to the factory is dropped, which frees every pool still registered.
///
/// Cloning gives another handle to the same factory.
#[derive(Clone)]
pub struct PoolFactory {
    registry: Arc<Registry>,
}

impl Default for PoolFactory {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for PoolFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolFactory")
            .field("pools", &self.pool_count())
            .finish()
    }
}

impl PoolFactory {
    /// A factory without pools.
    pub fn new() -> Self {
        PoolFactory {
            registry: Arc::new(Registry {
                pools: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Makes a pool (see `Pool::new`) owned by this factory and returns its
    /// address, stable until `release_pool` or the factory's end.
    pub fn create_pool(
        &self,
        name: Option<&[u8]>,
        initial: usize,
        increment: usize,
    ) -> NonNull<Pool> {
        let owner = Owner::Factory(Arc::downgrade(&self.registry));
        let pool = Arc::new(Pool::with_owner(name, initial, increment, owner));
        let ptr = NonNull::from(&*pool);
        self.registry
            .pools
            .lock()
            .insert(ptr.as_ptr() as usize, pool);
        ptr
    }

    /// Frees the pool at `pool`, made by this factory. `Error::NotFound` if it
    /// is not one of this factory's live pools (nothing is touched then).
    pub fn release_pool(&self, pool: *const Pool) -> Result<()> {
        let removed = self.registry.pools.lock().remove(&(pool as usize));
        // Dropped outside the registry's lock.
        removed.map(drop).ok_or(Error::NotFound)
    }

    /// How many pools are registered.
    pub fn pool_count(&self) -> usize {
        self.registry.pools.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_truncated_and_numbered() {
        assert_eq!(make_name(Some(b"abc")).to_bytes(), b"abc");
        assert_eq!(make_name(Some(&[b'x'; 40])).to_bytes().len(), MAX_NAME);
        let n = make_name(Some(b"tsx%p"));
        assert!(n.to_bytes().starts_with(b"tsx") && n.to_bytes().len() > 3);
        assert!(!make_name(None).to_bytes().is_empty());
    }

    #[test]
    fn round_up_rejects_overflow() {
        assert_eq!(round_up(0), Ok(ALIGN));
        assert_eq!(round_up(17), Ok(32));
        assert_eq!(round_up(usize::MAX), Err(Error::NoMemory));
    }
}
