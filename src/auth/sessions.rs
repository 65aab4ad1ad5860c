//! The session table: every client authentication session, its parent link,
//! its async setting, and the tokens pending on it.
//!
//! Sessions and token slots are both handle maps (`crate::handle`): a
//! `SessionId` is a generation-checked handle, so a closed or never-opened
//! session is an error, not a dangling reference.
//!
//! What each operation costs, and what it promises:
//! - Looking a live session up takes no lock and writes nothing shared: it
//!   reads the entry's state word and compares generations.
//! - Each session has a lane: a few token slots that one thread (the first
//!   to issue on the session) issues from with plain stores and no lock,
//!   and that a claimer frees in place with one store. So the steady-state
//!   cycle (issue, then send or abandon, on the session's usual thread) does
//!   exactly one atomic read-modify-write, the claim's CAS (`crate::token`),
//!   touches no other session's memory and allocates nothing. A claim of a
//!   lane token needs no session lookup at all.
//! - Everything else goes through the session's record (a small spin lock,
//!   never held while callers' code runs): whether it is open, its async
//!   setting, the list of tokens pending beyond the lane, and a few free
//!   token slots of its own, refilled from and spilled to the global slot
//!   pool in batches.
//! - Close and issue are ordered so that no token can ever be issued on a
//!   closed session, and close finds every token issued before it: for the
//!   list, by the record lock (close marks the record closed and takes its
//!   list in one critical section; issue refuses a closed record in its
//!   own); for the lane, by a store-then-load handshake with an asymmetric
//!   fence (`Lane`; free on the issuer's side where the OS offers a
//!   process-wide barrier, Linux membarrier, which close pays instead).
//!   Close costs O(k) for k pending tokens, whatever other sessions did.
//! - A parent link is one word; parents are resolved one level deep (as
//!   PJSIP does), and a link that would close a cycle is refused.

use super::session::ClientSession;
use crate::handle::{self, next_generation, Chunks, IndexPool, LOW_MASK};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::status::{Error, Result};
use crate::sync::{asymmetric, spin_wait, thread_token};
use crate::sync::{AtomicUsize, Mutex, Ordering, SpinMutex, UnsafeCell};
use crate::token::{Slot, Token, NIL};

/// Token slots a session takes from the global pool at a time.
const REFILL: usize = 16;
/// Free token slots a session keeps for reuse; more go back to the pool.
const LOCAL_FREE_MAX: usize = 64;
/// The state word's "live" bit (the rest is the generation).
const LIVE: usize = 1;
/// Token slots of a session's issuing lane.
const LANE_SLOTS: usize = 4;

/// A session handle: opaque, pointer-sized, never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(usize);

impl SessionId {
    /// Rebuilds an id from a raw value (validity is checked on use).
    pub fn from_raw(raw: usize) -> SessionId {
        SessionId(raw)
    }

    /// The raw value.
    pub fn raw(self) -> usize {
        self.0
    }
}

/// The session that acts for a caller's session: its parent when one is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acting {
    /// The acting session.
    pub id: SessionId,
    /// The value its front end attached at open (for C: the session struct's
    /// address, which callbacks receive).
    pub home: usize,
}

/// The session an issue came through, when a parent acts for it: it must
/// still be open when the token is published.
#[derive(Clone, Copy)]
struct Through<'a, S> {
    id: SessionId,
    via: Option<(&'a Entry<S>, usize)>,
}

impl<S> Through<'_, S> {
    fn open(&self) -> bool {
        self.via.map_or(true, |(e, g)| {
            e.word.load(Ordering::Acquire) == g << 1 | LIVE
        })
    }
}

/// A token just issued.
#[derive(Debug, Clone, Copy)]
pub struct Issued<S> {
    /// The token.
    pub token: Token,
    /// The async setting of the acting session at the moment of issue.
    pub setting: S,
    /// The session the token is pending on.
    pub acting: Acting,
}

/// A token found pending by `Sessions::find_pending`, to be claimed with
/// `Sessions::claim_found`.
pub struct Found<'a, P> {
    index: usize,
    generation: usize,
    slot: &'a Slot<P>,
}

struct Record<S> {
    generation: usize,
    open: bool,
    setting: Option<S>,
    /// Head of the pending list (slot indices linked through `Slot::next/prev`).
    head: usize,
    pending: usize,
    free: Vec<u32>,
}

struct ClientCell {
    generation: usize,
    open: bool,
    client: ClientSession,
}

/// A session's issuing lane: a few token slots that one thread (the first
/// to issue on the session, for the entry's whole life) issues from without
/// a lock, and that claimers free in place with a store.
///
/// The lane's issuer and the session's close meet in a store-then-load
/// handshake: the issuer sets `busy`, fences (`asymmetric::light`), then
/// checks that the session is still open (the entry's word); close changes
/// the word, fences (`asymmetric::heavy`), then waits for `busy` to clear.
/// So either the issuer sees the close and backs off with nothing touched,
/// or close sees the issue and waits for it to finish, then revokes what it
/// published. No token is ever left pending on a closed session.
struct Lane<S> {
    /// `thread_token()` of the issuing thread, or 0 while no thread has
    /// adopted the lane. Written once, under the record lock.
    thread: AtomicUsize,
    /// 1 while the issuer is in its issue step.
    busy: AtomicUsize,
    /// The lane's slot indices (NIL until adopted). Written once, under the
    /// record lock, with the slots' `in_lane` mark; never given back.
    slots: [AtomicUsize; LANE_SLOTS],
    /// Touched only by the issuing thread.
    own: UnsafeCell<LaneOwn<S>>,
}

// SAFETY: `own` is only reached by the lane's issuing thread (every access
// checks `thread` first, and `thread` is written once); the other fields are
// atomics.
unsafe impl<S: Send> Sync for Lane<S> {}

/// The lane issuer's own copy of the setting, and where it last issued.
struct LaneOwn<S> {
    /// `Entry::setting_version` the copy was made at (0: none made yet).
    version: usize,
    setting: Option<S>,
    next: usize,
    /// Addresses of the lane's slots (the `Slot<P>` of `Lane::slots`, in
    /// the table's never-freed storage), so that the issuer reaches them
    /// without a lookup. Written at adoption, before the first issue.
    at: [usize; LANE_SLOTS],
}

struct Entry<S> {
    /// `generation << 1 | LIVE`.
    word: AtomicUsize,
    /// Changes (under the record lock) whenever the record's setting does,
    /// so that the lane's issuer knows when its copy is out of date. Never 0.
    setting_version: AtomicUsize,
    lane: Lane<S>,
    /// Raw id of the parent, or 0.
    parent: AtomicUsize,
    home: AtomicUsize,
    record: SpinMutex<Record<S>>,
    client: Mutex<ClientCell>,
}

impl<S> Entry<S> {
    fn new() -> Self {
        Entry {
            word: AtomicUsize::new(0),
            setting_version: AtomicUsize::new(1),
            lane: Lane {
                thread: AtomicUsize::new(0),
                busy: AtomicUsize::new(0),
                slots: std::array::from_fn(|_| AtomicUsize::new(NIL)),
                own: UnsafeCell::new(LaneOwn {
                    version: 0,
                    setting: None,
                    next: 0,
                    at: [0; LANE_SLOTS],
                }),
            },
            parent: AtomicUsize::new(0),
            home: AtomicUsize::new(0),
            record: SpinMutex::new(Record {
                generation: 0,
                open: false,
                setting: None,
                head: NIL,
                pending: 0,
                free: Vec::new(),
            }),
            client: Mutex::new(ClientCell {
                generation: 0,
                open: false,
                client: ClientSession::default(),
            }),
        }
    }
}

impl<S> Entry<S> {
    /// Changes the record's setting (the caller holds the record lock).
    fn set_setting(&self, r: &mut Record<S>, setting: Option<S>) {
        r.setting = setting;
        // Wrapping past 0 would be taken for "no copy made": skip it.
        let v = self
            .setting_version
            .load(Ordering::Relaxed)
            .wrapping_add(1)
            .max(1);
        self.setting_version.store(v, Ordering::Release);
    }
}

/// The table of sessions `S`-configured for async challenges, whose tokens
/// carry a payload `P` (what the front end needs to finish a challenge).
pub struct Sessions<S, P> {
    entries: Chunks<Entry<S>>,
    entry_pool: IndexPool,
    key: usize,
    slots: Chunks<Slot<P>>,
    slot_pool: IndexPool,
    slot_key: usize,
    /// Serialises parent changes, so two of them cannot close a cycle together.
    topology: Mutex<()>,
    /// The shared cell of the lane handshake's fences (used under loom only).
    fence_cell: AtomicUsize,
    /// A fixed-capacity table: no lanes and no per-session free lists, so no
    /// session holds free places another one could use (`TooMany` means
    /// every token place is pending).
    fixed: bool,
}

impl<S: Copy, P> Sessions<S, P> {
    /// A table for up to `sessions` sessions and `tokens` pending tokens
    /// (each capped to what a handle's index half can name on this target).
    pub fn new(sessions: usize, tokens: usize) -> Self {
        let (entries, slots) = (storage(sessions, 128), storage(tokens, 1024));
        let pools = (
            IndexPool::new(entries.capacity()),
            IndexPool::new(slots.capacity()),
        );
        Self::with_storage(entries, slots, pools, false)
    }

    /// A table of exactly `sessions` sessions and `tokens` pending tokens,
    /// all allocated here (firmware, fixed budgets): past either count, open
    /// and issue get `TooMany`, and the token path (issue, claim, send,
    /// abandon) allocates nothing once each session and thread has warmed
    /// up (its first issue). `InvalidArg` for 0 or more than a handle's index
    /// half can name on this target (`max_capacity`).
    pub fn with_fixed_capacity(sessions: usize, tokens: usize) -> Result<Self> {
        let max = Self::max_capacity();
        if sessions == 0 || tokens == 0 || sessions > max || tokens > max {
            return Err(Error::InvalidArg);
        }
        // Chunks no larger than needed: a budget of 8 tokens allocates 8 slots.
        let chunk = |wanted: usize, at_most: usize| wanted.next_power_of_two().min(at_most);
        let entries = storage(sessions, chunk(sessions, 128));
        let slots = storage(tokens, chunk(tokens, 1024));
        entries.init_all(Entry::new);
        slots.init_all(Slot::new);
        let pools = (
            IndexPool::with_reserved(sessions),
            IndexPool::with_reserved(tokens),
        );
        Ok(Self::with_storage(entries, slots, pools, true))
    }

    /// The table over `entries` and `slots`, whose free places `pools`
    /// (sessions, tokens) hand out.
    fn with_storage(
        entries: Chunks<Entry<S>>,
        slots: Chunks<Slot<P>>,
        (entry_pool, slot_pool): (IndexPool, IndexPool),
        fixed: bool,
    ) -> Self {
        asymmetric::prepare();
        Sessions {
            entries,
            entry_pool,
            key: handle::random_key(),
            slots,
            slot_pool,
            slot_key: handle::random_key(),
            topology: Mutex::new(()),
            fence_cell: AtomicUsize::new(0),
            fixed,
        }
    }

    /// The most sessions, and the most pending tokens, a table can hold on
    /// this target: 64,512 with 32-bit pointers, 4,294,966,272 with 64-bit.
    pub const fn max_capacity() -> usize {
        // One index of the half is kept back, as `storage` does.
        (LOW_MASK - 1) / 1024 * 1024
    }

    /// How many freed token places a session keeps for itself.
    #[inline]
    fn local_free_max(&self) -> usize {
        if self.fixed {
            0
        } else {
            LOCAL_FREE_MAX
        }
    }

    /// The live entry behind `id`, with its generation. Lock-free.
    #[inline]
    fn entry(&self, id: SessionId) -> Result<(&Entry<S>, usize)> {
        let (index, generation) = handle::decode(id.0, self.key).ok_or(Error::InvalidArg)?;
        let e = self.entries.get(index).ok_or(Error::InvalidArg)?;
        if e.word.load(Ordering::Acquire) != generation << 1 | LIVE {
            return Err(Error::InvalidArg);
        }
        Ok((e, generation))
    }

    /// Opens a session with `client` state; `home` is the front end's value
    /// for it (see `Acting::home`).
    pub fn open(&self, client: ClientSession, home: usize) -> Result<SessionId> {
        let mut got = Vec::with_capacity(1);
        self.entry_pool.take(1, &mut got)?;
        let index = got[0] as usize;
        let e = self.entries.get_or_init(index, Entry::new);
        // Not live, and the index is ours alone: it came out of the pool.
        let generation = e.word.load(Ordering::Relaxed) >> 1;
        {
            let mut r = e.record.lock();
            r.generation = generation;
            r.open = true;
            e.set_setting(&mut r, None);
        }
        {
            let mut c = e.client.lock();
            c.generation = generation;
            c.open = true;
            c.client = client;
        }
        e.parent.store(0, Ordering::Relaxed);
        e.home.store(home, Ordering::Relaxed);
        e.word.store(generation << 1 | LIVE, Ordering::Release);
        Ok(SessionId(handle::encode(index, generation, self.key)))
    }

    /// Opens a copy of `src`: its client state, async setting and parent link
    /// (not its pending tokens).
    pub fn open_copy(&self, src: SessionId, home: usize) -> Result<SessionId> {
        let (e, generation) = self.entry(src)?;
        let client = {
            let c = e.client.lock();
            check_open(c.open, c.generation, generation)?;
            c.client.clone()
        };
        let setting = {
            let r = e.record.lock();
            check_open(r.open, r.generation, generation)?;
            r.setting
        };
        let parent = e.parent.load(Ordering::Acquire);
        let id = self.open(client, home)?;
        let (copy, _) = self.entry(id)?;
        copy.set_setting(&mut copy.record.lock(), setting);
        copy.parent.store(parent, Ordering::Release);
        Ok(id)
    }

    /// Closes `id` and revokes its pending tokens, returning their payloads
    /// for the front end to finish (each exactly once: a token being claimed
    /// concurrently is left to its claimer). `id` is invalid afterwards.
    pub fn close(&self, id: SessionId) -> Result<Vec<P>> {
        let (index, _) = handle::decode(id.0, self.key).ok_or(Error::InvalidArg)?;
        let (e, generation) = self.entry(id)?;
        let mut revoked = Vec::new();
        let mut to_pool = Vec::new();
        {
            let mut r = e.record.lock();
            check_open(r.open, r.generation, generation)?;
            r.open = false;
            e.set_setting(&mut r, None);
            // From here on lookups fail; nothing can be issued on the record.
            e.word
                .store(next_generation(generation) << 1, Ordering::Release);
            let mut cur = std::mem::replace(&mut r.head, NIL);
            r.pending = 0;
            while cur != NIL {
                let slot = self.listed_slot(cur);
                let next = slot.next.load(Ordering::Relaxed);
                slot.listed_on.store(0, Ordering::Relaxed);
                if let Some(g) = slot.pending_generation() {
                    if let Some(p) = slot.claim(g, id.0) {
                        slot.release(g);
                        revoked.push(p);
                        to_pool.push(cur as u32);
                    }
                }
                cur = next;
            }
            to_pool.append(&mut r.free);
            self.revoke_lane(e, id, None, &mut revoked);
        }
        self.slot_pool.give(to_pool);
        // Tokens issued through this session while a parent acts for it are
        // pending on the parent: they end now too, so that no token outlives
        // the session (and the object owning it) it was issued through.
        if let parent @ 1.. = e.parent.load(Ordering::Acquire) {
            self.revoke_through(SessionId(parent), id, &mut revoked);
        }
        {
            let mut c = e.client.lock();
            c.open = false;
            c.client = ClientSession::default();
        }
        self.entry_pool.give([index as u32]);
        Ok(revoked)
    }

    /// Revokes the tokens pending on `owner` that were issued through
    /// `via`, which has just closed (its word changed before this takes
    /// `owner`'s record lock, and issue checks that word under the same lock,
    /// or in the lane's handshake). O(tokens pending on `owner`).
    fn revoke_through(&self, owner: SessionId, via: SessionId, revoked: &mut Vec<P>) {
        let Ok((e, generation)) = self.entry(owner) else {
            return; // closed: its own close revoked everything pending on it
        };
        let mut spill = Vec::new();
        {
            let mut r = e.record.lock();
            if check_open(r.open, r.generation, generation).is_err() {
                return;
            }
            let mut cur = r.head;
            while cur != NIL {
                let slot = self.listed_slot(cur);
                let next = slot.next.load(Ordering::Relaxed);
                if let Some(g) = slot.pending_generation() {
                    if slot.parties().1 == via.0 {
                        if let Some(p) = slot.claim(g, owner.0) {
                            self.unlink(&mut r, slot);
                            slot.release(g);
                            revoked.push(p);
                            if r.free.len() < self.local_free_max() {
                                r.free.push(cur as u32);
                            } else {
                                spill.push(cur as u32);
                            }
                        }
                    }
                }
                cur = next;
            }
            self.revoke_lane(e, owner, Some(via), revoked);
        }
        self.slot_pool.give(spill);
    }

    /// The session acting for `id`: its parent when one is set, else itself.
    pub fn acting(&self, id: SessionId) -> Result<Acting> {
        self.acting_entry(id).map(|(acting, _, _)| acting)
    }

    /// `acting`, with the acting session's entry and generation.
    fn acting_entry(&self, id: SessionId) -> Result<(Acting, &Entry<S>, usize)> {
        self.resolve(id, None)
            .map(|(acting, e, g, _)| (acting, e, g))
    }

    /// `acting_entry`, plus `id`'s own entry and generation when a parent
    /// acts for it (what issue must check is still open). With `home`, `id`
    /// must also have been opened with that value (checked in the same lookup).
    #[allow(clippy::type_complexity)]
    #[inline]
    fn resolve(
        &self,
        id: SessionId,
        home: Option<usize>,
    ) -> Result<(Acting, &Entry<S>, usize, Option<(&Entry<S>, usize)>)> {
        let (e, generation) = self.entry(id)?;
        if home.is_some_and(|h| e.home.load(Ordering::Relaxed) != h) {
            return Err(Error::InvalidArg);
        }
        let (acting, ae, ag, via) = match e.parent.load(Ordering::Acquire) {
            0 => (id, e, generation, None),
            parent => {
                let parent = SessionId(parent);
                let (p, g) = self.entry(parent)?;
                (parent, p, g, Some((e, generation)))
            }
        };
        let home = ae.home.load(Ordering::Relaxed);
        Ok((Acting { id: acting, home }, ae, ag, via))
    }

    /// `acting`, for a front end that keeps handles in memory it does not
    /// own: `id` must have been opened with `home` (`InvalidArg` otherwise),
    /// so a byte copy of a handle elsewhere is not the session.
    pub fn acting_at(&self, id: SessionId, home: usize) -> Result<Acting> {
        self.resolve(id, Some(home)).map(|(acting, ..)| acting)
    }

    /// Makes `child` act through `parent`. Refused (`InvalidArg`) when either
    /// is not open or when `child` is `parent` or one of its ancestors.
    pub fn set_parent(&self, child: SessionId, parent: SessionId) -> Result<()> {
        let _serial = self.topology.lock();
        let (c, _) = self.entry(child)?;
        self.entry(parent)?;
        let mut cur = parent;
        // Bounded: links are only made here, one at a time, never into a cycle.
        loop {
            if cur == child {
                return Err(Error::InvalidArg);
            }
            match self.entry(cur) {
                Ok((e, _)) => match e.parent.load(Ordering::Acquire) {
                    0 => break,
                    up => cur = SessionId(up),
                },
                Err(_) => break,
            }
        }
        c.parent.store(parent.0, Ordering::Release);
        Ok(())
    }

    /// Makes `child` act for itself again (PJSIP's set_parent with NULL).
    /// `InvalidArg` when `child` is not open.
    pub fn clear_parent(&self, child: SessionId) -> Result<()> {
        let _serial = self.topology.lock();
        let (c, _) = self.entry(child)?;
        c.parent.store(0, Ordering::Release);
        Ok(())
    }

    /// The value the front end attached to `id` itself at open (not its
    /// parent's): lets a front end check that a handle it reads back from
    /// memory belongs to that memory.
    pub fn home(&self, id: SessionId) -> Result<usize> {
        let (e, _) = self.entry(id)?;
        Ok(e.home.load(Ordering::Relaxed))
    }

    /// Runs `f` on the client state of the session acting for `id`, under
    /// that session's client lock (never held while the caller's callbacks run).
    pub fn with_client<R>(
        &self,
        id: SessionId,
        f: impl FnOnce(&mut ClientSession) -> R,
    ) -> Result<R> {
        let (_, e, generation) = self.acting_entry(id)?;
        let mut c = e.client.lock();
        check_open(c.open, c.generation, generation)?;
        Ok(f(&mut c.client))
    }

    /// Sets the async setting of the session acting for `id`.
    pub fn configure(&self, id: SessionId, setting: S) -> Result<()> {
        let (_, e, generation) = self.acting_entry(id)?;
        let mut r = e.record.lock();
        check_open(r.open, r.generation, generation)?;
        e.set_setting(&mut r, Some(setting));
        Ok(())
    }

    /// Issues a token carrying `payload` on the session acting for `id`.
    /// `InvalidOp` when that session has no async setting, `TooMany` when
    /// every token slot is pending, `InvalidArg` when it is not open.
    ///
    /// The thread that issues first on a session adopts its lane and then
    /// issues from it with no lock and no read-modify-write (while a lane
    /// slot is free and its copy of the setting is current); every other
    /// issue takes the session's record lock.
    #[inline]
    pub fn issue(&self, id: SessionId, payload: P) -> Result<Issued<S>> {
        self.issue_at(id, None, payload)
    }

    /// `issue`; with `home`, `id` must have been opened with it (as `acting_at`).
    #[inline]
    pub fn issue_at(&self, id: SessionId, home: Option<usize>, payload: P) -> Result<Issued<S>> {
        let (acting, e, generation, via) = self.resolve(id, home)?;
        let through = Through { id, via };
        let me = thread_token();
        let payload = if me != 0 && e.lane.thread.load(Ordering::Relaxed) == me {
            match self.issue_in_lane(acting, e, generation, through, payload) {
                Ok(issued) => return issued,
                Err(payload) => payload,
            }
        } else {
            payload
        };
        self.issue_locked(acting, e, generation, through, payload, me)
    }

    /// The lane's issue step, by the lane's own thread. Gives the payload
    /// back when the locked path must do it (no lane slot free, or the
    /// setting changed since the lane copied it).
    #[inline]
    fn issue_in_lane(
        &self,
        acting: Acting,
        e: &Entry<S>,
        generation: usize,
        through: Through<'_, S>,
        payload: P,
    ) -> std::result::Result<Result<Issued<S>>, P> {
        let lane = &e.lane;
        let version = e.setting_version.load(Ordering::Acquire);
        lane.own.with_mut(|own| {
            // SAFETY: the caller checked that this thread is the lane's
            // issuer, the only thread that touches `own`.
            let own = unsafe { &mut *own };
            if own.version != version {
                return Err(payload);
            }
            lane.busy.store(1, Ordering::Relaxed);
            // The handshake with close (see `Lane`): the busy store above is
            // ordered before the word load below.
            asymmetric::light(&self.fence_cell);
            let finish = |r| {
                lane.busy.store(0, Ordering::Release);
                r
            };
            if e.word.load(Ordering::Acquire) != generation << 1 | LIVE || !through.open() {
                return Ok(finish(Err(Error::InvalidArg)));
            }
            let Some(setting) = own.setting else {
                return Ok(finish(Err(Error::InvalidOp)));
            };
            if let Some((index, slot)) = self.free_lane_slot(lane, own) {
                let token = slot.fill(index, acting.id.0, through.id.0, payload, self.slot_key);
                return Ok(finish(Ok(Issued {
                    token,
                    setting,
                    acting,
                })));
            }
            lane.busy.store(0, Ordering::Release);
            Err(payload)
        })
    }

    /// A free slot of `lane`, looked for from where its issuer last issued
    /// (last in, first out: in a steady cycle the slot just claimed is the
    /// one issued next). Called by the lane's issuer, with its `own`.
    #[inline]
    fn free_lane_slot(&self, lane: &Lane<S>, own: &mut LaneOwn<S>) -> Option<(usize, &Slot<P>)> {
        (0..LANE_SLOTS).find_map(|k| {
            let at = (own.next + k) % LANE_SLOTS;
            // SAFETY: `own.at[at]` is the address of a slot of this table's
            // storage (`adopt_lane`), which is never freed while `self` lives.
            let slot = unsafe { &*(own.at[at] as *const Slot<P>) };
            slot.is_free().then(|| {
                own.next = at;
                (lane.slots[at].load(Ordering::Relaxed), slot)
            })
        })
    }

    /// Issue under the record lock: adopts the lane for this thread when no
    /// thread has, refreshes the lane's copy of the setting when this thread
    /// is the lane's, and uses a free lane slot or else the pending list.
    #[inline(never)]
    fn issue_locked(
        &self,
        acting: Acting,
        e: &Entry<S>,
        generation: usize,
        through: Through<'_, S>,
        payload: P,
        me: usize,
    ) -> Result<Issued<S>> {
        let mut r = e.record.lock();
        check_open(r.open, r.generation, generation)?;
        // Under the acting record's lock, which a closing child takes before
        // it revokes its tokens here: see `close`.
        if !through.open() {
            return Err(Error::InvalidArg);
        }
        if me != 0 && !self.fixed && e.lane.thread.load(Ordering::Relaxed) == 0 {
            self.adopt_lane(e, me);
        }
        if me != 0 && e.lane.thread.load(Ordering::Relaxed) == me {
            let setting = r.setting;
            let version = e.setting_version.load(Ordering::Relaxed);
            let from_lane = e.lane.own.with_mut(|own| {
                // SAFETY: this thread is the lane's issuer (checked above).
                let own = unsafe { &mut *own };
                own.version = version;
                own.setting = setting;
                let setting = setting?;
                // The record lock orders this issue with close, as for the list.
                let (index, slot) = self.free_lane_slot(&e.lane, own)?;
                Some((index, slot, setting))
            });
            if let Some((index, slot, setting)) = from_lane {
                let token = slot.fill(index, acting.id.0, through.id.0, payload, self.slot_key);
                return Ok(Issued {
                    token,
                    setting,
                    acting,
                });
            }
        }
        let setting = r.setting.ok_or(Error::InvalidOp)?;
        if r.free.is_empty() {
            let batch = if self.fixed { 1 } else { REFILL };
            self.slot_pool.take(batch, &mut r.free)?;
        }
        let index = r.free.pop().ok_or(Error::Bug)? as usize;
        let slot = self.slots.get_or_init(index, Slot::new);
        let token = slot.fill(index, acting.id.0, through.id.0, payload, self.slot_key);
        slot.prev.store(NIL, Ordering::Relaxed);
        slot.next.store(r.head, Ordering::Relaxed);
        if r.head != NIL {
            self.listed_slot(r.head)
                .prev
                .store(index, Ordering::Relaxed);
        }
        r.head = index;
        r.pending += 1;
        slot.listed_on.store(acting.id.0, Ordering::Relaxed);
        Ok(Issued {
            token,
            setting,
            acting,
        })
    }

    /// Gives `e` a lane issued from by thread `me` (record lock held). The
    /// lane's slots come from the global pool and stay with the entry; when
    /// the pool cannot spare them, the entry simply has no lane yet.
    fn adopt_lane(&self, e: &Entry<S>, me: usize) {
        let mut got = Vec::with_capacity(LANE_SLOTS);
        if self.slot_pool.take(LANE_SLOTS, &mut got).is_err() || got.len() < LANE_SLOTS {
            self.slot_pool.give(got);
            return;
        }
        for (at, &index) in got.iter().enumerate() {
            let slot = self.slots.get_or_init(index as usize, Slot::new);
            slot.in_lane.store(1, Ordering::Relaxed);
            e.lane.slots[at].store(index as usize, Ordering::Relaxed);
            // SAFETY: no thread has adopted the lane yet (checked under the
            // record lock, which is held), so nothing else touches `own`;
            // this thread becomes its only user below.
            e.lane.own.with_mut(|own| unsafe {
                (*own).at[at] = slot as *const Slot<P> as usize;
            });
        }
        e.lane.thread.store(me, Ordering::Relaxed);
    }

    /// Tokens pending in `e`'s lane (record lock held).
    fn lane_pending(&self, e: &Entry<S>) -> usize {
        if e.lane.thread.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        e.lane
            .slots
            .iter()
            .filter(|i| {
                self.listed_slot(i.load(Ordering::Relaxed))
                    .pending_generation()
                    .is_some()
            })
            .count()
    }

    /// Close's part for the lane (record lock held, the session's word
    /// already changed): waits out an issue in progress, then claims every
    /// token pending in the lane into `revoked`.
    /// With `only_via`, only the tokens issued through that session (a child
    /// closing) are revoked.
    fn revoke_lane(
        &self,
        e: &Entry<S>,
        id: SessionId,
        only_via: Option<SessionId>,
        revoked: &mut Vec<P>,
    ) {
        let issuer = e.lane.thread.load(Ordering::Relaxed);
        if issuer == 0 {
            return;
        }
        // The issuer cannot be mid-issue when it is the thread closing.
        if issuer != thread_token() {
            asymmetric::heavy(&self.fence_cell);
            while e.lane.busy.load(Ordering::Acquire) != 0 {
                spin_wait();
            }
        }
        for at in &e.lane.slots {
            let slot = self.listed_slot(at.load(Ordering::Relaxed));
            loop {
                if let Some(g) = slot.pending_generation() {
                    if only_via.is_some_and(|v| slot.parties().1 != v.0) {
                        break;
                    }
                    if let Some(p) = slot.claim(g, id.0) {
                        slot.release(g);
                        revoked.push(p);
                        break;
                    }
                } else if slot.is_free() {
                    break;
                }
                // Claimed by a consumer that frees it in a few instructions
                // (no callback runs in between); wait so that the entry is
                // reopened with every lane slot free.
                spin_wait();
            }
        }
    }

    /// Consumes `token`, pending on `id` or on the session acting for it,
    /// and returns its payload. Of any number of concurrent claims of one token exactly
    /// one succeeds; the rest, and any claim of an unknown, consumed, revoked,
    /// foreign or forged token, get `InvalidArg` and change nothing.
    #[inline]
    pub fn claim(&self, id: SessionId, token: Token) -> Result<P> {
        let (index, generation) =
            handle::decode(token.raw(), self.slot_key).ok_or(Error::InvalidArg)?;
        let slot = self.slots.get(index).ok_or(Error::InvalidArg)?;
        // The token must be pending on `id` itself (even if a parent acts for
        // it now: the token was issued before the link) or on the session
        // acting for it. `parties` is only a hint here: the claim below
        // checks the owner again, in the slot.
        let owner = if slot.parties().0 == id.0 {
            id
        } else {
            let (e, _) = self.entry(id)?;
            match e.parent.load(Ordering::Acquire) {
                0 => return Err(Error::InvalidArg),
                parent => SessionId(parent),
            }
        };
        // A lane token needs no lookup of its owner: it exists only while the
        // owner is open (close revokes every one, and a claim racing that
        // revocation is decided by the one CAS), and its slot is freed in place.
        if slot.in_lane.load(Ordering::Relaxed) != 0 {
            let payload = slot.claim(generation, owner.0).ok_or(Error::InvalidArg)?;
            slot.release(generation);
            return Ok(payload);
        }
        let (e, owner_gen) = self.entry(owner)?;
        self.claim_on(owner, e, owner_gen, token)
    }

    /// True while `token` is pending (a snapshot: it may end right after).
    /// Reads only the table's own memory, so a front end can refuse a dead
    /// token before it reads anything the caller passed with it.
    pub fn is_pending(&self, token: Token) -> bool {
        handle::decode(token.raw(), self.slot_key)
            .and_then(|(index, generation)| {
                let slot = self.slots.get(index)?;
                Some(slot.pending_generation() == Some(generation))
            })
            .unwrap_or(false)
    }

    /// Consumes `token` on whichever session it is pending, returning that
    /// session and the payload. For a front end whose callers may present a
    /// token through an unrelated session (PJSIP's pjsua hands the
    /// application its account's session with a token its regc issued).
    /// Exactly once, as `claim`; an unknown, consumed, revoked or forged
    /// token gets `InvalidArg`. The token must have reached the caller
    /// after it was issued (through the callback, or any synchronisation).
    pub fn claim_any(&self, token: Token) -> Result<(SessionId, P)> {
        let found = self.find_pending(token).ok_or(Error::InvalidArg)?;
        self.claim_found(found)
    }

    /// Where `token` is pending, if it is (a snapshot, as `is_pending`),
    /// for `claim_found`: a front end checks the token first, from the
    /// table's own memory, then reads what the caller passed with it, then
    /// claims without decoding the token again.
    #[inline]
    pub fn find_pending(&self, token: Token) -> Option<Found<'_, P>> {
        let (index, generation) = handle::decode(token.raw(), self.slot_key)?;
        let slot = self.slots.get(index)?;
        (slot.pending_generation() == Some(generation)).then_some(Found {
            index,
            generation,
            slot,
        })
    }

    /// `claim_any` for a token `find_pending` found: `InvalidArg` when it
    /// ended since.
    #[inline]
    pub fn claim_found(&self, found: Found<'_, P>) -> Result<(SessionId, P)> {
        let Found {
            index,
            generation,
            slot,
        } = found;
        // Written before the token was published; a stale value fails the
        // claim's owner check.
        let owner = SessionId(slot.parties().0);
        if slot.in_lane.load(Ordering::Relaxed) != 0 {
            let p = slot.claim(generation, owner.0).ok_or(Error::InvalidArg)?;
            slot.release(generation);
            return Ok((owner, p));
        }
        let (e, owner_gen) = self.entry(owner)?;
        let p = slot.claim(generation, owner.0).ok_or(Error::InvalidArg)?;
        self.retire(owner, e, owner_gen, index, slot, generation);
        Ok((owner, p))
    }

    /// As `claim`, with the owner given exactly (no parent resolution).
    pub(crate) fn claim_exact(&self, owner: SessionId, token: Token) -> Result<P> {
        let (e, generation) = self.entry(owner)?;
        self.claim_on(owner, e, generation, token)
    }

    #[inline(never)]
    fn claim_on(
        &self,
        owner: SessionId,
        e: &Entry<S>,
        owner_gen: usize,
        token: Token,
    ) -> Result<P> {
        let (index, generation) =
            handle::decode(token.raw(), self.slot_key).ok_or(Error::InvalidArg)?;
        let slot = self.slots.get(index).ok_or(Error::InvalidArg)?;
        let payload = slot.claim(generation, owner.0).ok_or(Error::InvalidArg)?;
        self.retire(owner, e, owner_gen, index, slot, generation);
        Ok(payload)
    }

    /// Takes a claimed slot off its owner's record and frees it.
    fn retire(
        &self,
        owner: SessionId,
        e: &Entry<S>,
        owner_gen: usize,
        index: usize,
        slot: &Slot<P>,
        generation: usize,
    ) {
        if slot.in_lane.load(Ordering::Relaxed) != 0 {
            // A lane slot stays with its session: freeing it is one store.
            slot.release(generation);
            return;
        }
        {
            let mut r = e.record.lock();
            // Checked under the lock: the owner may have closed (and the entry
            // been reused) since the lookup.
            if r.open && r.generation == owner_gen {
                if slot.listed_on.load(Ordering::Relaxed) == owner.0 {
                    self.unlink(&mut r, slot);
                }
                slot.release(generation);
                if r.free.len() < self.local_free_max() {
                    r.free.push(index as u32);
                    return;
                }
                drop(r);
                self.slot_pool.give([index as u32]);
                return;
            }
        }
        // The owner closed meanwhile; its close already took the slot off
        // the list and left the slot to us.
        slot.release(generation);
        self.slot_pool.give([index as u32]);
    }

    fn unlink(&self, r: &mut Record<S>, slot: &Slot<P>) {
        let (prev, next) = (
            slot.prev.load(Ordering::Relaxed),
            slot.next.load(Ordering::Relaxed),
        );
        if prev == NIL {
            r.head = next;
        } else {
            self.listed_slot(prev).next.store(next, Ordering::Relaxed);
        }
        if next != NIL {
            self.listed_slot(next).prev.store(prev, Ordering::Relaxed);
        }
        slot.listed_on.store(0, Ordering::Relaxed);
        r.pending -= 1;
    }

    /// A slot on some record's list: it exists, its chunk was made at issue.
    #[inline]
    fn listed_slot(&self, index: usize) -> &Slot<P> {
        self.slots
            .get(index)
            .expect("a listed slot was allocated when it was issued")
    }

    /// Tokens pending on the session acting for `id`.
    pub fn pending(&self, id: SessionId) -> Result<usize> {
        let (_, e, generation) = self.acting_entry(id)?;
        let r = e.record.lock();
        check_open(r.open, r.generation, generation)?;
        Ok(r.pending + self.lane_pending(e))
    }

    /// Tokens pending over every session. A diagnostic: O(sessions).
    pub fn live_tokens(&self) -> usize {
        (0..self.entry_pool.high_water())
            .filter_map(|i| self.entries.get(i))
            .map(|e| {
                let r = e.record.lock();
                if r.open {
                    r.pending + self.lane_pending(e)
                } else {
                    0
                }
            })
            .sum()
    }
}

fn check_open(open: bool, generation: usize, expected: usize) -> Result<()> {
    if open && generation == expected {
        Ok(())
    } else {
        Err(Error::InvalidArg)
    }
}

/// Chunked storage for `wanted` items, capped to what a handle can index.
fn storage<T>(wanted: usize, chunk: usize) -> Chunks<T> {
    let max = (LOW_MASK - 1) / chunk;
    Chunks::new(wanted.div_ceil(chunk).clamp(1, max), chunk)
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! Model checking of the real table code (loom's atomics, mutexes and
    //! cells are swapped in by `crate::sync`):
    //! `RUSTFLAGS="--cfg loom" cargo test --release --lib auth::sessions::loom_tests`.
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    fn table() -> Arc<Sessions<u8, u32>> {
        Arc::new(Sessions::new(4, 4))
    }

    fn open(t: &Sessions<u8, u32>) -> SessionId {
        let id = t.open(ClientSession::default(), 0).unwrap();
        t.configure(id, 1).unwrap();
        id
    }

    /// Two consumers race on one token: exactly one gets it.
    #[test]
    fn two_claims_one_winner() {
        loom::model(|| {
            let t = table();
            let a = open(&t);
            let tok = t.issue(a, 42).unwrap().token;
            let t2 = t.clone();
            let other = thread::spawn(move || t2.claim(a, tok).ok());
            let mine = t.claim(a, tok).ok();
            let theirs = other.join().unwrap();
            assert_eq!(
                usize::from(mine.is_some()) + usize::from(theirs.is_some()),
                1
            );
            assert_eq!(mine.or(theirs), Some(42));
            assert_eq!(t.live_tokens(), 0);
        });
    }

    /// Issue races close: a token issued is revoked by the close, or the
    /// issue fails; never a token left pending on a closed session.
    fn issue_races_close(with_parent: bool) {
        loom::model(move || {
            let t = table();
            let owner = open(&t);
            let via = if with_parent {
                let child = t.open(ClientSession::default(), 0).unwrap();
                t.set_parent(child, owner).unwrap();
                child
            } else {
                owner
            };
            let t2 = t.clone();
            let issuer = thread::spawn(move || t2.issue(via, 7).ok().map(|i| i.token));
            let revoked = t.close(owner).unwrap();
            let issued = issuer.join().unwrap();
            match issued {
                Some(tok) => {
                    assert_eq!(revoked, vec![7], "issued before close: revoked by it");
                    assert!(t.claim(via, tok).is_err());
                }
                None => assert!(revoked.is_empty()),
            }
            assert_eq!(t.live_tokens(), 0);
        });
    }

    #[test]
    fn issue_races_close_without_parent() {
        issue_races_close(false);
    }

    #[test]
    fn issue_through_child_races_parent_close() {
        issue_races_close(true);
    }

    /// The lane's lock-free issue races close: the issuing thread adopts the
    /// session's lane with a first token, consumes it, then issues a second
    /// one from the lane while another thread closes the session. Every
    /// token issued ends exactly once (consumed or revoked), none is left
    /// pending, and a revoked token cannot be consumed afterwards.
    #[test]
    fn lane_issue_races_close() {
        loom::model(|| {
            let t = table();
            let owner = open(&t);
            let t2 = t.clone();
            let issuer = thread::spawn(move || {
                let mut issued = 0;
                let mut consumed = 0;
                let mut last = None;
                if let Ok(first) = t2.issue(owner, 1) {
                    issued += 1;
                    consumed += usize::from(t2.claim(owner, first.token).is_ok());
                    if let Ok(second) = t2.issue(owner, 2) {
                        issued += 1;
                        last = Some(second.token);
                    }
                }
                (issued, consumed, last)
            });
            let revoked = t.close(owner).unwrap();
            let (issued, consumed, last) = issuer.join().unwrap();
            assert_eq!(revoked.len() + consumed, issued, "each token ends once");
            if let Some(tok) = last {
                assert!(revoked.contains(&2), "the lane token was revoked by close");
                assert_eq!(t.claim(owner, tok), Err(Error::InvalidArg));
            }
            assert_eq!(t.live_tokens(), 0);
        });
    }

    /// A lane token consumed by another thread while its issuer issues the
    /// next one from the same lane: the claim frees the slot in place, and
    /// the issuer either reuses it or takes another; both tokens end once.
    #[test]
    fn lane_claim_races_lane_issue() {
        loom::model(|| {
            let t = table();
            let owner = open(&t);
            let tok = t.issue(owner, 1).unwrap().token; // adopts the lane
            let t2 = t.clone();
            let consumer = thread::spawn(move || t2.claim(owner, tok));
            let next = t.issue(owner, 2).unwrap().token;
            assert_eq!(consumer.join().unwrap(), Ok(1));
            assert_eq!(t.claim(owner, tok), Err(Error::InvalidArg));
            assert_eq!(t.claim(owner, next), Ok(2));
            assert_eq!(t.live_tokens(), 0);
            assert!(t.close(owner).unwrap().is_empty());
        });
    }

    /// Issue through a child races the child's own close (the parent stays
    /// open): a token issued through the child is revoked by that close, or
    /// the issue fails; the parent is left with nothing pending. Twice: the
    /// second issue of the thread goes through the parent's lane.
    #[test]
    fn issue_through_child_races_child_close() {
        loom::model(|| {
            let t = table();
            let parent = open(&t);
            let child = t.open(ClientSession::default(), 0).unwrap();
            t.set_parent(child, parent).unwrap();
            let t2 = t.clone();
            let issuer = thread::spawn(move || {
                let mut kept = Vec::new();
                for p in [7, 8] {
                    match t2.issue(child, p) {
                        Ok(i) => kept.push((p, i.token)),
                        Err(_) => break,
                    }
                }
                kept
            });
            let mut revoked = t.close(child).unwrap();
            let kept = issuer.join().unwrap();
            revoked.sort_unstable();
            let issued: Vec<u32> = kept.iter().map(|k| k.0).collect();
            assert_eq!(
                revoked, issued,
                "every token through the child revoked once"
            );
            for (_, tok) in kept {
                assert_eq!(t.claim(parent, tok), Err(Error::InvalidArg));
            }
            assert_eq!(t.pending(parent), Ok(0));
            assert!(t.close(parent).unwrap().is_empty());
            assert_eq!(t.live_tokens(), 0);
        });
    }

    /// A consumer races the owner's close, and the freed slot is reused by
    /// another session: the token ends exactly once, and the stale token
    /// never reaches the new one.
    #[test]
    fn claim_races_close_and_reuse() {
        loom::model(|| {
            let t = table();
            let a = open(&t);
            let tok = t.issue(a, 1).unwrap().token;
            let t2 = t.clone();
            let consumer = thread::spawn(move || t2.claim(a, tok).ok());
            let revoked = t.close(a).unwrap();
            let b = open(&t);
            let fresh = t.issue(b, 2).unwrap().token;
            let consumed = consumer.join().unwrap();
            assert_eq!(revoked.len() + usize::from(consumed.is_some()), 1);
            assert!(consumed.is_none() || consumed == Some(1));
            assert_eq!(t.claim(b, tok), Err(Error::InvalidArg));
            assert_eq!(t.claim(b, fresh), Ok(2));
            assert_eq!(t.live_tokens(), 0);
        });
    }
}
