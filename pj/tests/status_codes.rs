//! The drop-in returns the core's status numbers (one table,
//! `pjsip_auth_shim::status`). Here each row is checked against the user's
//! own pjlib/pjsip headers: a C file with one `_Static_assert` per row, built
//! with the tree's flags, so a number that differs cannot pass.

mod common;

use pjsip_auth_shim::status::Error;

/// Rows of the table that stock PJSIP's headers do not define (none today;
/// a row added for the standalone front end's own objects would go here).
const NOT_IN_PJSIP: &[&str] = &[];

#[test]
fn every_status_number_matches_the_users_pjproject_headers() {
    let Some(pj) = common::pjproject("status_codes") else {
        return;
    };
    let dir = common::scratch("status_codes");
    let mut c =
        String::from("#include <pjlib.h>\n#include <pjsip.h>\n#include <pjsip/sip_errno.h>\n");
    for &e in Error::ALL {
        let name = e.name();
        if NOT_IN_PJSIP.contains(&name) {
            c.push_str(&format!(
                "#ifdef {name}\n#error {name} is defined by PJSIP now: check it\n#endif\n"
            ));
        } else {
            c.push_str(&format!(
                "_Static_assert({name} == {code}, \"{name} is {code} in the core's table\");\n",
                code = e.code()
            ));
        }
    }
    c.push_str("int pjshim_status_codes_checked(void) { return 0; }\n");
    let src = dir.join("status_codes.c");
    std::fs::write(&src, c).unwrap();
    common::compile(&pj, src.to_str().unwrap(), &dir.join("status_codes.o"), &[]);
}
