//! Group lock: reference count, recursive lock and destroy handlers. (Stub.)
