//! Memory pools: arenas whose allocations live until the pool is released. (Stub.)
