//! pjlib basics for C: pj_init, threads, strings. (Stub.)
