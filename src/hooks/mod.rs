//! Harness hooks: what a test harness swaps in to make the library's
//! output reproducible (randomness, clock), to make sends fail on purpose,
//! and to watch notable events (log). Each hook is process-wide, settable
//! from any thread, and costs one atomic load on the default path.

#[cfg(feature = "std")]
pub mod clock;
#[cfg(feature = "std")]
pub mod fault;
#[cfg(feature = "std")]
pub mod log;
pub mod random;
