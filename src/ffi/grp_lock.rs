//! Group locks for C (pj_grp_lock_t). (Stub; filled by the group lock work.)

/// A group lock (opaque): reference counted, recursive, with destroy handlers.
pub struct pj_grp_lock_t {
    _private: (),
}
