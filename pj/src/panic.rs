//! No panic crosses into C: every `pjshim_pj_*` body runs inside `guard`.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`; a panic becomes `fallback` (for statuses: `PJ_EBUG`).
pub(crate) fn guard<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}
