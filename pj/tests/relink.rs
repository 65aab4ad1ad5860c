//! pj/scripts/relink-pjsip-test.sh: PJSIP's own pjsip-test, relinked in a
//! copy of the tree with our library ahead of libpjsip, contains our client
//! (pjshim_pj_version) and not PJSIP's, the original tree's stock binary is
//! left as it was, and PJSIP's own auth tests pass on the relinked binary:
//! auth_async_test, pjsua_auth_test and regc_test (regc_test alone takes
//! about a minute or more: its refresh cases wait on real timers).

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn relinked_pjsip_test_has_our_client_and_the_stock_binary_stays() {
    if common::pjproject("relink").is_none() {
        return;
    }
    let Some(tree) = env!("PJSHIM_PJ_ORIGIN").strip_prefix("PJPROJECT_DIR=") else {
        eprintln!("relink: skipped, pjproject came from pkg-config (no tree to relink in)");
        return;
    };
    let tree = Path::new(tree);
    let stock = std::fs::read_dir(tree.join("pjsip/bin"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("pjsip-test-")
        })
        .expect("the tree has a built pjsip-test");
    let before = std::fs::metadata(&stock).unwrap().modified().unwrap();

    let dest = common::scratch("relink").join("tree");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/relink-pjsip-test.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(tree)
        .arg(common::static_lib())
        .arg(&dest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "relink failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(bin.starts_with(dest.to_str().unwrap()), "{bin}");
    let syms = Command::new("nm").arg(&bin).output().unwrap();
    let syms = String::from_utf8_lossy(&syms.stdout);
    assert!(syms.lines().any(|l| l.ends_with(" T pjshim_pj_version")));
    assert!(!syms.lines().any(|l| l.ends_with(" t auth_respond")));

    let stock_syms = Command::new("nm").arg(&stock).output().unwrap();
    let stock_syms = String::from_utf8_lossy(&stock_syms.stdout);
    assert!(!stock_syms.contains("pjshim_pj_version"));
    assert!(stock_syms.lines().any(|l| l.ends_with(" t auth_respond")));
    assert_eq!(
        std::fs::metadata(&stock).unwrap().modified().unwrap(),
        before
    );

    // PJSIP's tests find their files relative to pjsip/.
    let tests = ["auth_async_test", "pjsua_auth_test", "regc_test"];
    let run = Command::new(&bin)
        .args(tests)
        .current_dir(dest.join("pjsip"))
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "pjsip-test failed:\n{log}");
    for t in tests {
        assert!(
            log.lines().any(|l| l.contains(t) && l.contains("[OK]")),
            "{t} did not pass:\n{log}"
        );
    }
}
