//! The panic boundary: no Rust panic ever unwinds into C.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `body`; if it panics, returns `fallback` instead (a status such as
/// `PJ_EBUG`, a NULL pointer, or `()`).
///
/// Every `extern "C"` function wraps its body in this. `AssertUnwindSafe` is
/// sound here because shared state behind the boundary is guarded by locks or
/// atomics whose invariants hold between statements (parking_lot locks do not
/// poison, and no multi-step update is left half-done across a possible panic).
#[inline]
pub(crate) fn guard<R>(fallback: R, body: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}
