//! The drop-in links into PJSIP programs in place of sip_auth_client.o
//! (issue 8): `gcc prog.o -L<dir> -lpjsip_auth_shim_pj <PJSIP libs>` takes
//! all 23 symbols from our archive whatever order the program references
//! them in, the stock object never enters the link, and the program runs
//! our code (a symbol only we define resolves; the RFC 7616 vector comes
//! out of pjsip_auth_create_digest2). The shared library interposes too.

mod common;

use common::Pjproject;
use std::path::Path;

/// Builds tests/c/link_prog.c with `order`, links it with `before` ahead of
/// the PJSIP libraries, and returns the link's trace and the program's path.
fn build(
    pj: &Pjproject,
    dir: &Path,
    name: &str,
    defines: &[&str],
    before: &[String],
) -> (common::Linked, std::path::PathBuf) {
    let obj = dir.join(format!("{name}.o"));
    let exe = dir.join(name);
    common::compile(pj, "link_prog.c", &obj, defines);
    let linked = common::link(pj, &[&obj], before, &exe);
    (linked, exe)
}

#[test]
fn static_link_takes_all_23_from_us_in_every_reference_order() {
    let Some(pj) = common::pjproject("link") else {
        return;
    };
    let dir = common::scratch("link_static");
    let ours = common::ours(&common::static_lib_dir(&dir));
    for order in ["0", "1", "2"] {
        let define = format!("PJSHIM_ORDER={order}");
        let (linked, exe) = build(&pj, &dir, &format!("order{order}"), &[&define], &ours);
        assert!(
            linked.our_client() && !linked.stock_client(),
            "order {order}: ours loaded: {}, stock sip_auth_client.o loaded: {}",
            linked.our_client(),
            linked.stock_client()
        );
        let out = common::run(&exe, &[]);
        assert!(
            out.starts_with("pjsip-auth-shim-pj ") && out.ends_with("ok\n"),
            "order {order}: {out}"
        );
    }
}

#[test]
fn without_a_direct_reference_the_stock_object_wins_unless_forced() {
    // The caveat of ../shared/pjproject/README.md, shown both ways: a
    // program that references none of the 23 itself gets PJSIP's object
    // from libpjsip (through regc's references), and -Wl,-u forces ours.
    let Some(pj) = common::pjproject("link") else {
        return;
    };
    let dir = common::scratch("link_caveat");
    let ours = common::ours(&common::static_lib_dir(&dir));
    let (linked, _) = build(&pj, &dir, "unforced", &["PJSHIM_ORDER=3"], &ours);
    assert!(linked.stock_client() && !linked.our_client());

    let mut forced = vec!["-Wl,-u,pjsip_auth_clt_init".to_owned()];
    forced.extend(ours);
    let (linked, exe) = build(&pj, &dir, "forced", &["PJSHIM_ORDER=3"], &forced);
    assert!(linked.our_client() && !linked.stock_client());
    assert_eq!(common::run(&exe, &[]), "ok\n");
}

#[test]
fn shared_library_first_interposes_every_call() {
    let Some(pj) = common::pjproject("link") else {
        return;
    };
    let dir = common::scratch("link_shared");
    let lib_dir = common::shared_lib_dir(&dir);
    for order in ["0", "1"] {
        let define = format!("PJSHIM_ORDER={order}");
        let (linked, exe) = build(
            &pj,
            &dir,
            &format!("shared{order}"),
            &[&define, "PJSHIM_SHARED"],
            &common::ours(&lib_dir),
        );
        assert!(
            !linked.stock_client(),
            "order {order}: the stock object was linked next to the shared library"
        );
        let out = common::run(&exe, &[("LD_LIBRARY_PATH", &lib_dir)]);
        assert!(
            out.contains("from ")
                && out.contains("libpjsip_auth_shim_pj.so")
                && out.ends_with("ok\n"),
            "order {order}: {out}"
        );
    }
}
