//! pjsip_auth_clt_init_req / reinit_req on real PJSIP messages
//! (tests/c/clt_reinit.c): MD5, SHA-256, qop=auth, stale nonces, a 407,
//! two realms, a parent's credentials, initial_auth, and PJSIP's statuses
//! for what cannot be answered; every answer verified by PJSIP's own server.
//! The same program also runs linked with stock PJSIP, so the statuses it
//! asserts (outside its `#ifndef STOCK` part) are PJSIP's.

mod common;

fn run_with(pj: &common::Pjproject, ours: bool) -> String {
    let name = if ours {
        "clt_reinit"
    } else {
        "clt_reinit_stock"
    };
    let dir = common::scratch(name);
    let obj = dir.join("clt_reinit.o");
    let defines: &[&str] = if ours { &[] } else { &["STOCK"] };
    common::compile(pj, "clt_reinit.c", &obj, defines);
    let exe = dir.join(name);
    let before = if ours {
        common::ours(&common::static_lib_dir(&dir))
    } else {
        Vec::new()
    };
    let linked = common::link(pj, &[&obj], &before, &exe);
    assert_eq!(linked.our_client(), ours);
    assert_eq!(linked.stock_client(), !ours);
    common::run(&exe, &[])
}

#[test]
fn init_req_and_reinit_req_on_real_pjsip_messages() {
    let Some(pj) = common::pjproject("client") else {
        return;
    };
    let out = run_with(&pj, true);
    assert!(out.ends_with("done\n"), "{out}");
}

#[test]
fn the_same_checks_pass_with_stock_pjsip() {
    let Some(pj) = common::pjproject("client") else {
        return;
    };
    let out = run_with(&pj, false);
    assert!(out.ends_with("done\n"), "{out}");
}
