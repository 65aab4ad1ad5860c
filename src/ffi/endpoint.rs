//! The SIP endpoint for C (pjsip_endpoint). Opaque for now: client sessions
//! accept one and keep it for the transaction layer.

/// A SIP endpoint (opaque).
pub struct pjsip_endpoint {
    _private: (),
}
