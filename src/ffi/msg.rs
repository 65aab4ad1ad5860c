//! SIP messages for C: pjsip_tx_data, pjsip_rx_data and the pjshim_ message helpers.
//! (Stub; filled by the messages work.)

/// A message to send (opaque): reference counted; freed when the last reference goes.
pub struct pjsip_tx_data {
    _private: (),
}

/// A received message (opaque).
pub struct pjsip_rx_data {
    _private: (),
}
