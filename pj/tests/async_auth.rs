//! The async challenge API and the session lifecycle on real PJSIP objects
//! (tests/c/clt_async.c): exactly-once tokens with a real pj_grp_lock kept
//! balanced, forged / reused / revoked tokens refused, deinit revoking
//! pending tokens without abandon_impl, re-init and clone onto live
//! sessions leaking nothing, a child session called from inside its
//! parent's callback, and threads racing send_req/abandon on one token.

mod common;

#[test]
fn async_tokens_and_session_lifecycle_on_real_pjsip() {
    let Some(pj) = common::pjproject("async_auth") else {
        return;
    };
    let dir = common::scratch("async_auth");
    let obj = dir.join("clt_async.o");
    common::compile(&pj, "clt_async.c", &obj, &[]);
    let exe = dir.join("clt_async");
    let linked = common::link(
        &pj,
        &[&obj],
        &common::ours(&common::static_lib_dir(&dir)),
        &exe,
    );
    assert!(linked.our_client() && !linked.stock_client());
    let out = common::run(&exe, &[]);
    assert!(out.contains("race: 2000 rounds, 2000 wins"), "{out}");
    assert!(out.ends_with("done\n"), "{out}");
}
