//! Digest authentication: algorithms, challenge parsing, response computation (pure functions). (Stub.)
