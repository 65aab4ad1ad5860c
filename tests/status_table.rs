//! The C header's status constants against the one status table
//! (`pjsip_auth_shim::status`), both ways, and against the values the C API
//! contract (API.md, section 1) fixes.

use pjsip_auth_shim::status::{code, strerror, Error, SUCCESS};
use std::collections::BTreeMap;

/// API.md section 1, as written there: the contract C programs are built on.
const CONTRACT: &[(&str, i32)] = &[
    ("PJ_SUCCESS", 0),
    ("PJ_EUNKNOWN", 70001),
    ("PJ_EPENDING", 70002),
    ("PJ_EINVAL", 70004),
    ("PJ_ENOTFOUND", 70006),
    ("PJ_ENOMEM", 70007),
    ("PJ_EBUG", 70008),
    ("PJ_ETIMEDOUT", 70009),
    ("PJ_ETOOMANY", 70010),
    ("PJ_ENOTSUP", 70012),
    ("PJ_EINVALIDOP", 70013),
    ("PJ_ECANCELLED", 70014),
    ("PJ_EEXISTS", 70015),
    ("PJ_ETOOBIG", 70017),
    ("PJ_EIGNORED", 70020),
    ("PJ_EGONE", 70023),
    ("PJSIP_EINVALIDMSG", 171020),
    ("PJSIP_ENOTREQUESTMSG", 171021),
    ("PJSIP_ENOTRESPONSEMSG", 171022),
    ("PJSIP_EMSGTOOLONG", 171023),
    ("PJSIP_EMISSINGHDR", 171050),
    ("PJSIP_EINVALIDHDR", 171051),
    ("PJSIP_EINVALIDSTATUS", 171030),
    ("PJSIP_EBUFDESTROYED", 171063),
    ("PJSIP_ETSXDESTROYED", 171070),
    ("PJSIP_EFAILEDCREDENTIAL", 171100),
    ("PJSIP_ENOCREDENTIAL", 171101),
    ("PJSIP_EINVALIDALGORITHM", 171102),
    ("PJSIP_EINVALIDQOP", 171103),
    ("PJSIP_EINVALIDAUTHSCHEME", 171104),
    ("PJSIP_EAUTHNOPREVCHAL", 171105),
    ("PJSIP_EAUTHNOAUTH", 171106),
    ("PJSIP_EAUTHACCNOTFOUND", 171107),
    ("PJSIP_EAUTHINVALIDREALM", 171109),
    ("PJSIP_EAUTHINVALIDDIGEST", 171110),
    ("PJSIP_EAUTHSTALECOUNT", 171111),
    ("PJSIP_EAUTHINNONCE", 171112),
    ("PJSIP_EAUTHNOCHAL", 171114),
];

/// Rows of the table that API.md does not list (with PJSIP's numbers):
/// adding one more is a decision, so it must be named here.
const BEYOND_CONTRACT: &[&str] = &["PJ_EBUSY", "PJSIP_EBUSY"];

/// A status constant's name: `PJ_E…` or `PJSIP_E…` with no further
/// underscore (so `PJ_ERR_MSG_SIZE` is not one), or `PJ_SUCCESS`.
fn is_status_name(name: &str) -> bool {
    let rest = name
        .strip_prefix("PJSIP_E")
        .or_else(|| name.strip_prefix("PJ_E"));
    name == "PJ_SUCCESS"
        || rest.is_some_and(|r| {
            !r.is_empty()
                && r.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// Every `#define NAME <integer>` of the checked-in header with a status name.
fn header_constants() -> BTreeMap<String, i32> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/pjsip_auth_shim.h");
    let text = std::fs::read_to_string(path).expect("include/pjsip_auth_shim.h is checked in");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("#define") {
            continue;
        }
        let (Some(name), Some(value), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        if !is_status_name(name) {
            continue;
        }
        let value: i32 = value
            .parse()
            .unwrap_or_else(|_| panic!("{name} is not a plain integer: {value}"));
        assert!(
            out.insert(name.to_owned(), value).is_none(),
            "{name} defined twice"
        );
    }
    out
}

/// The table as (name, number), success included.
fn table() -> BTreeMap<&'static str, i32> {
    let mut t: BTreeMap<_, _> = Error::ALL.iter().map(|e| (e.name(), e.code())).collect();
    t.insert("PJ_SUCCESS", SUCCESS);
    t
}

#[test]
fn status_names_are_recognised() {
    assert!(is_status_name("PJ_EINVAL"));
    assert!(is_status_name("PJSIP_EAUTHNOCHAL"));
    assert!(is_status_name("PJ_SUCCESS"));
    assert!(!is_status_name("PJ_ERR_MSG_SIZE"));
    assert!(!is_status_name("PJ_TRUE"));
    assert!(!is_status_name("PJ_E"));
}

#[test]
fn every_row_is_exported_with_its_number() {
    let header = header_constants();
    for (name, number) in table() {
        assert_eq!(
            header.get(name),
            Some(&number),
            "{name} = {number} in the table, not so in the header"
        );
    }
}

#[test]
fn every_exported_status_constant_is_a_row() {
    let table = table();
    let header = header_constants();
    assert!(
        header.len() >= CONTRACT.len(),
        "header parse found too little"
    );
    for (name, number) in &header {
        assert_eq!(
            table.get(name.as_str()),
            Some(number),
            "the header exports {name} = {number}, the table does not have it"
        );
    }
}

#[test]
fn the_table_holds_the_contract_values() {
    let table = table();
    for &(name, number) in CONTRACT {
        assert_eq!(table.get(name), Some(&number), "API.md: {name} = {number}");
    }
    for name in table.keys() {
        assert!(
            CONTRACT.iter().any(|(n, _)| n == name) || BEYOND_CONTRACT.contains(name),
            "{name} is neither in API.md nor listed as beyond it"
        );
    }
}

#[test]
fn plain_constants_and_strerror_follow_the_table() {
    // What the drop-in crate uses, without the standalone feature.
    assert_eq!(code::PJ_SUCCESS, 0);
    assert_eq!(code::PJ_EINVAL, 70004);
    assert_eq!(code::PJ_EBUG, 70008);
    assert_eq!(code::PJ_ENOTSUP, 70012);
    assert_eq!(
        Error::from_code(code::PJ_ENOTSUP),
        Some(Error::NotSupported)
    );
    assert_eq!(strerror(code::PJ_SUCCESS), Some("Success"));
    assert_eq!(strerror(code::PJ_EINVAL), Some(Error::InvalidArg.message()));
    assert_eq!(strerror(70003), None);
}
