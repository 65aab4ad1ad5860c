//! The stateless half of the drop-in against PJSIP itself: one C program
//! (tests/c/digest_vectors.c), built against the real pjproject headers,
//! linked once with our library ahead of libpjsip and once with libpjsip
//! alone. Both must produce the RFC 2617 / RFC 7616 vectors, and every
//! other case (statuses, result lengths, what is left in the buffer, the
//! algorithm table and lookups, cred_info_cmp/_dup, pref_dup) must print
//! the same with ours as with PJSIP's own sip_auth_client.o.

mod common;

#[test]
fn create_digest_and_friends_match_pjsip_itself() {
    let Some(pj) = common::pjproject("digest") else {
        return;
    };
    let dir = common::scratch("digest");

    let ours_obj = dir.join("ours.o");
    common::compile(&pj, "digest_vectors.c", &ours_obj, &["PJSHIM_OURS"]);
    let ours_exe = dir.join("ours");
    let linked = common::link(
        &pj,
        &[&ours_obj],
        &common::ours(&common::static_lib_dir(&dir)),
        &ours_exe,
    );
    assert!(linked.our_client() && !linked.stock_client());
    let ours = common::run(&ours_exe, &[]);

    let stock_obj = dir.join("stock.o");
    common::compile(&pj, "digest_vectors.c", &stock_obj, &[]);
    let stock_exe = dir.join("stock");
    let linked = common::link(&pj, &[&stock_obj], &[], &stock_exe);
    assert!(linked.stock_client() && !linked.our_client());
    let stock = common::run(&stock_exe, &[]);

    assert!(ours.ends_with("done\n"), "{ours}");
    assert!(stock.ends_with("done\n"), "{stock}");
    let (o, s): (Vec<_>, Vec<_>) = (ours.lines().collect(), stock.lines().collect());
    let diff: Vec<String> = o
        .iter()
        .zip(&s)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("ours:  {a}\nPJSIP: {b}"))
        .collect();
    assert!(
        diff.is_empty() && o.len() == s.len(),
        "{} of {} lines differ from PJSIP ({} vs {} lines):\n{}",
        diff.len(),
        s.len(),
        o.len(),
        s.len(),
        diff.join("\n")
    );
    assert!(o.len() > 80, "too few cases ran:\n{ours}");
}
