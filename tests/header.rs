//! The checked-in header must equal what cbindgen generates from the sources.

#[test]
fn checked_in_header_is_current() {
    let generated = std::fs::read_to_string(env!("PJSHIM_GENERATED_HEADER"))
        .expect("build.rs writes the generated header");
    let checked_in = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/pjsip_auth_shim.h"),
    )
    .expect("include/pjsip_auth_shim.h is checked in");
    assert!(
        generated == checked_in,
        "include/pjsip_auth_shim.h is stale: run `cargo build` outside CI and commit the header"
    );
}
