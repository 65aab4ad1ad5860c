//! Digest functions for C: algorithm lookup and pjsip_auth_create_digest*. (Stub.)
