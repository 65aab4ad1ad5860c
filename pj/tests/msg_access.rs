//! The glue's message accessors and appliers on real PJSIP messages
//! (tests/c/msg_access.c): what the Rust side reads from a pjsip_rx_data and
//! a pjsip_tx_data, and a request it edits, verified by PJSIP's own server.

mod common;

#[test]
fn accessors_and_appliers_on_real_pjsip_messages() {
    let Some(pj) = common::pjproject("msg_access") else {
        return;
    };
    let dir = common::scratch("msg_access");
    let obj = dir.join("msg_access.o");
    common::compile(&pj, "msg_access.c", &obj, &[]);
    let exe = dir.join("msg_access");
    let linked = common::link(
        &pj,
        &[&obj],
        &common::ours(&common::static_lib_dir(&dir)),
        &exe,
    );
    assert!(linked.our_client() && !linked.stock_client());
    let out = common::run(&exe, &[]);
    assert!(out.ends_with("done\n"), "{out}");
}
