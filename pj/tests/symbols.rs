//! Symbol discipline of the built libraries (issue 8): the static archive
//! defines the 23 symbols of PJSIP's sip_auth_client.o, all in one member,
//! and no other global symbol of pjproject's namespaces; the shared library
//! exports exactly the 23.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// pjproject's namespaces: no defined global of ours may start with these,
/// except the 23.
const FOREIGN: [&str; 6] = ["pj_", "pjsip", "pjmedia_", "pjsua", "pjnath", "pjlib"];

fn nm(args: &[&str], file: &Path) -> String {
    let out = Command::new("nm")
        .args(args)
        .arg(file)
        .output()
        .expect("nm (binutils) must be installed");
    assert!(
        out.status.success(),
        "nm {args:?} {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (member, name, type) of every defined global symbol of an archive, from
/// `nm -P -A -g --defined-only` ("lib.a[member.o]: name T value size").
fn archive_symbols(lib: &Path) -> Vec<(String, String, char)> {
    nm(&["-P", "-A", "-g", "--defined-only"], lib)
        .lines()
        .filter_map(|line| {
            let (file, rest) = line.split_once(": ")?;
            let member = file.rsplit_once('[')?.1.trim_end_matches(']').to_owned();
            let mut parts = rest.split_whitespace();
            let name = parts.next()?.to_owned();
            let kind = parts.next()?.chars().next()?;
            Some((member, name, kind))
        })
        .collect()
}

#[test]
fn static_archive_defines_the_23_in_one_member_and_nothing_else_of_pjproject() {
    if common::pjproject("symbols").is_none() {
        return;
    }
    let lib = common::static_lib();
    let symbols = archive_symbols(&lib);
    assert!(
        !symbols.is_empty(),
        "no symbols read from {}",
        lib.display()
    );
    let exports: BTreeSet<&str> = common::exports().into_iter().collect();
    assert_eq!(exports.len(), 23, "glue/exports.txt must list 23 names");

    let mut where_defined: BTreeMap<&str, Vec<(&str, char)>> = BTreeMap::new();
    let mut foreign = Vec::new();
    for (member, name, kind) in &symbols {
        if exports.contains(name.as_str()) {
            where_defined
                .entry(name.as_str())
                .or_default()
                .push((member.as_str(), *kind));
        } else if FOREIGN.iter().any(|p| name.starts_with(p)) {
            foreign.push(format!("{name} ({kind}) in {member}"));
        }
    }
    assert!(
        foreign.is_empty(),
        "the archive defines pjproject-namespace symbols that are not among the 23 \
         (was the root crate's `standalone` feature unified in? build the drop-in \
         alone: cargo build -p pjsip-auth-shim-pj):\n{}",
        foreign.join("\n")
    );
    let missing: Vec<_> = exports
        .iter()
        .filter(|n| !where_defined.contains_key(*n))
        .collect();
    assert!(missing.is_empty(), "not defined: {missing:?}");
    let mut members = BTreeSet::new();
    for (name, defs) in &where_defined {
        assert_eq!(defs.len(), 1, "{name} defined more than once: {defs:?}");
        let (member, kind) = defs[0];
        assert!(
            matches!(kind, 'T' | 'D' | 'R'),
            "{name} has symbol type {kind} (want T, D or R)"
        );
        members.insert(member);
    }
    assert_eq!(
        members.len(),
        1,
        "the 23 are spread over several archive members: {members:?}"
    );
    assert!(
        members.iter().next().unwrap().ends_with("auth_client.o"),
        "{members:?}"
    );
}

#[test]
fn shared_library_exports_exactly_the_23() {
    if common::pjproject("symbols").is_none() {
        return;
    }
    let lib = common::shared_lib();
    let exported: BTreeSet<String> = nm(&["-D", "--defined-only"], &lib)
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace().rev();
            let name = parts.next()?;
            let kind = parts.next()?;
            // A (absolute) entries are version nodes, not symbols.
            (kind != "A").then(|| name.split('@').next().unwrap().to_owned())
        })
        .collect();
    let want: BTreeSet<String> = common::exports().into_iter().map(String::from).collect();
    assert_eq!(
        exported,
        want,
        "extra: {:?}, missing: {:?}",
        exported.difference(&want).collect::<Vec<_>>(),
        want.difference(&exported).collect::<Vec<_>>()
    );
    // Everything else of pjproject comes from the application: the library
    // imports pjlib (pjsip_cred_info_dup allocates from the caller's pool).
    let undefined = nm(&["-D", "--undefined-only"], &lib);
    assert!(
        undefined.lines().any(|l| l.ends_with(" pj_pool_alloc")),
        "expected pj_pool_alloc among the imports of {}",
        lib.display()
    );
}
