//! Fuzzes both header parsers and the typed Digest view: no input may panic,
//! and the documented bounds must hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pjsip_auth_shim::digest::{parse_authorization, parse_challenges};

fuzz_target!(|data: &[u8]| {
    let all = parse_challenges(data);
    // Every element is at least one byte and a comma; a value over the
    // length limit is the single entry TooLong.
    assert!(all.len() <= data.len() / 2 + 1);
    for challenge in all.into_iter().flatten() {
        assert!(challenge.params.len() <= 32);
        if let Ok(d) = challenge.to_digest() {
            let _ = d.algorithm();
            let _ = d.choose_qop();
            let _ = d.into_owned();
        }
    }
    if let Ok(c) = parse_authorization(data) {
        let _ = c.nc_value();
    }
});
