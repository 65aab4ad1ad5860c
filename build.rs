//! Generates the C header with cbindgen.
//!
//! The header always goes to `$OUT_DIR/pjsip_auth_shim.h`; outside CI it is also
//! copied to `include/` when it changed, so a developer's build keeps the
//! checked-in copy current. In CI (`CI` set) nothing in the source tree is
//! written, and `tests/header.rs` fails if the checked-in copy is stale.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");
    // The C tests (tests/c_tests.rs) build for the same target.
    println!(
        "cargo:rustc-env=PJSHIM_TARGET={}",
        std::env::var("TARGET").unwrap()
    );

    // A soname on the shared library (Linux and other ELF targets), so that a
    // program linked against the installed libpjsip_auth_shim.so records
    // libpjsip_auth_shim.so.<major> and scripts/install.sh can lay out the
    // usual .so -> .so.<major> -> .so.<full version> links.
    // Cargo sets no object-format cfg, so ELF is recognised by the target OS
    // (Apple's linker spells it -install_name, Windows has none).
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = [
        "linux",
        "android",
        "freebsd",
        "netbsd",
        "openbsd",
        "dragonfly",
        "illumos",
        "solaris",
    ];
    // Only with the standalone front end: Cargo passes a dependency's
    // cdylib link args on to its dependents' cdylibs too, so without this
    // gate the drop-in (which depends on this crate without `standalone`)
    // would record libpjsip_auth_shim.so.* as its name and programs linked
    // against it would fail to load.
    let standalone = std::env::var_os("CARGO_FEATURE_STANDALONE").is_some();
    if standalone && elf.contains(&os.as_str()) {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,-soname,libpjsip_auth_shim.so.{}",
            soname_major()
        );
    }

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml must parse");
    let generated = out_dir.join("pjsip_auth_shim.h");
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(&generated);
        }
        Err(e) => {
            // A syntax error in the sources is reported by rustc with a better message.
            println!("cargo:warning=cbindgen could not generate the header: {e}");
            return;
        }
    }
    println!(
        "cargo:rustc-env=PJSHIM_GENERATED_HEADER={}",
        generated.display()
    );

    if std::env::var_os("CI").is_none() {
        let checked_in = crate_dir.join("include").join("pjsip_auth_shim.h");
        let new = std::fs::read(&generated).unwrap();
        if std::fs::read(&checked_in).ok().as_deref() != Some(new.as_slice()) {
            std::fs::write(&checked_in, new).expect("write include/pjsip_auth_shim.h");
        }
    }
}

/// The soname's version: the major version, or `0.<minor>` before 1.0 (an
/// incompatible release bumps it, as Cargo's caret rules read the version).
fn soname_major() -> String {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    if major == "0" {
        format!("0.{}", std::env::var("CARGO_PKG_VERSION_MINOR").unwrap())
    } else {
        major
    }
}
