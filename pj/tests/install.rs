//! The drop-in's install path (issue 10): `scripts/install.sh --drop-in`
//! into a fresh prefix, then a PJSIP program built with nothing but
//! `pkg-config pjsip-auth-shim-pj` (whose `Requires: libpjproject` brings
//! PJSIP's own flags), shared and static, and run.
//!
//! - The .pc's link line must put `-lpjsip_auth_shim_pj` ahead of libpjsip,
//!   the order the replacement needs.
//! - The shared build must call our functions (dladdr names our .so); the
//!   static one must take our client object and not PJSIP's (the link map).
//! - A pjproject tree given as PJPROJECT_DIR has no libpjproject.pc until it
//!   is installed: the test runs its `make install` into a scratch prefix
//!   first, as a user of an installed PJSIP has done.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The target directory of this run: the test binary is
/// `<target>/<profile>/deps/install-<hash>`.
fn target_root() -> PathBuf {
    common::deps_dir().ancestors().nth(2).unwrap().to_path_buf()
}

fn out(cmd: &mut Command, what: &str) -> String {
    let mut c = std::mem::replace(cmd, Command::new("true"));
    c.env_remove("MAKEFLAGS").env_remove("MFLAGS");
    String::from_utf8_lossy(&common::run_checked(c, what).stdout).into_owned()
}

/// The pkg-config search path holding libpjproject.pc: a scratch install of
/// the tree the drop-in was built against, or the caller's own path.
fn pjproject_pc_path(work: &Path) -> String {
    let origin = env!("PJSHIM_PJ_ORIGIN");
    let Some(tree) = origin.strip_prefix("PJPROJECT_DIR=") else {
        return std::env::var("PKG_CONFIG_PATH").unwrap_or_default();
    };
    let prefix = work.join("pjproject");
    out(
        Command::new("make")
            .arg("-C")
            .arg(tree)
            .arg("install")
            .arg(format!("prefix={}", prefix.display()))
            .arg(format!("libdir={}/lib", prefix.display()))
            .arg(format!("includedir={}/include", prefix.display())),
        "make install (pjproject, into a scratch prefix)",
    );
    prefix.join("lib/pkgconfig").display().to_string()
}

fn pkg_config(path: &str, args: &[&str]) -> Vec<String> {
    out(
        Command::new("pkg-config")
            .env("PKG_CONFIG_PATH", path)
            .args(args),
        &format!("pkg-config {args:?}"),
    )
    .split_whitespace()
    .map(str::to_owned)
    .collect()
}

/// Compiles tests/c/link_prog.c with the .pc's Cflags and links it with its
/// Libs: our shared library, or (`static_`) our archive, named with `-l:`.
fn build(path: &str, dir: &Path, name: &str, defines: &[&str], static_: bool) -> (PathBuf, String) {
    let exe = dir.join(name);
    let map = dir.join(format!("{name}.map"));
    // --static either way: pjproject builds static libraries by default,
    // whose own dependencies (ssl, uuid, ...) its .pc lists as private.
    let mut libs = pkg_config(path, &["--libs", "--static", "pjsip-auth-shim-pj"]);
    if static_ {
        for l in &mut libs {
            if l == "-lpjsip_auth_shim_pj" {
                *l = "-l:libpjsip_auth_shim_pj.a".into();
            }
        }
    }
    let mut cmd = common::compiler();
    cmd.args(["-std=gnu11", "-Wall", "-Wextra", "-Werror"]);
    cmd.args(pkg_config(path, &["--cflags", "pjsip-auth-shim-pj"]));
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    cmd.arg(repo().join("pj/tests/c/link_prog.c"))
        .args(&libs)
        .args(["-ldl", "-lpthread", "-lm"])
        .arg(format!("-Wl,-Map,{}", map.display()))
        .arg("-o")
        .arg(&exe);
    common::run_checked(cmd, &format!("building {name} through pkg-config"));
    (exe, std::fs::read_to_string(&map).unwrap())
}

#[test]
fn install_then_build_a_pjsip_program_through_pkg_config() {
    if common::pjproject("install").is_none() {
        return;
    }
    let work = common::scratch("install");
    let pj_path = pjproject_pc_path(&work);
    let prefix = work.join("prefix");
    out(
        Command::new(repo().join("scripts/install.sh"))
            .arg("--drop-in")
            .arg("--prefix")
            .arg(&prefix)
            .env("CARGO_TARGET_DIR", target_root())
            .env("PKG_CONFIG_PATH", &pj_path),
        "scripts/install.sh --drop-in",
    );
    let lib = prefix.join("lib");
    for f in ["libpjsip_auth_shim_pj.a", "libpjsip_auth_shim_pj.so"] {
        assert!(lib.join(f).is_file(), "{f} not installed");
    }
    let pc = std::fs::read_to_string(lib.join("pkgconfig/pjsip-auth-shim-pj.pc")).unwrap();
    assert!(pc.contains("\nRequires: libpjproject\n"), "{pc}");

    let path = format!("{}:{pj_path}", lib.join("pkgconfig").display());
    let version = pkg_config(&path, &["--modversion", "pjsip-auth-shim-pj"]);
    assert_eq!(version, [env!("CARGO_PKG_VERSION")]);
    let libs = pkg_config(&path, &["--libs", "pjsip-auth-shim-pj"]);
    let ours = libs.iter().position(|l| l == "-lpjsip_auth_shim_pj");
    let pjsip = libs.iter().position(|l| l.starts_with("-lpjsip-"));
    assert!(
        matches!((ours, pjsip), (Some(o), Some(p)) if o < p),
        "our library must come ahead of libpjsip: {libs:?}"
    );

    let (exe, map) = build(
        &path,
        &work,
        "shared",
        &["PJSHIM_ORDER=0", "PJSHIM_SHARED"],
        false,
    );
    assert!(!map.contains("(sip_auth_client.o)"), "stock client linked");
    let text = common::run(&exe, &[("LD_LIBRARY_PATH", &lib)]);
    assert!(
        text.contains(&format!(
            "{}",
            lib.join("libpjsip_auth_shim_pj.so").display()
        )) && text.ends_with("ok\n"),
        "shared: {text}"
    );

    let (exe, map) = build(&path, &work, "static", &["PJSHIM_ORDER=1"], true);
    let linked = common::Linked { map };
    assert!(
        linked.our_client() && !linked.stock_client(),
        "static: ours {}, stock {}",
        linked.our_client(),
        linked.stock_client()
    );
    let text = common::run(&exe, &[]);
    assert!(
        text.starts_with("pjsip-auth-shim-pj ") && text.ends_with("ok\n"),
        "static: {text}"
    );
    std::fs::remove_dir_all(&work).unwrap();
}
