//! Pools and pjlib basics for C (pj_caching_pool, pj_pool_t, pj_init, pj_str). (Stub.)
