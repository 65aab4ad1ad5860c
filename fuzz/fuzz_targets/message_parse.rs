//! Arbitrary bytes to `SipMessage::parse`: it must never panic, and a message
//! it accepts must print to bytes it accepts again, with the same start line,
//! body and (Content-Length aside) headers.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pjsip_auth_shim::sip::{names_equal, SipMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = SipMessage::parse(data) else {
        return;
    };
    let _ = msg.check_mandatory();
    let wire = msg.to_bytes();
    let again = SipMessage::parse(&wire).expect("a printed message parses");
    assert_eq!(again.start, msg.start);
    assert_eq!(again.body, msg.body);
    let others = |m: &SipMessage| {
        m.headers
            .iter()
            .filter(|h| !names_equal(&h.name, "Content-Length"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(others(&again), others(&msg));
    // Printing is a fixed point after one round.
    assert_eq!(again.to_bytes(), wire);
});
