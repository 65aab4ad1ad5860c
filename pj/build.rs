//! Finds the user's pjproject and compiles the C glue (`glue/*.c`) against
//! its headers, so that every PJSIP struct layout comes from the user's own
//! `config_site.h`, never from a Rust constant.
//!
//! Where pjproject comes from, in order:
//! 1. `PJPROJECT_DIR`: a configured and built pjproject tree; its `build.mak`
//!    gives `PJ_CFLAGS` (and `PJ_LDFLAGS`/`PJ_LDLIBS` for the tests).
//! 2. `pkg-config libpjproject`.
//!
//! When neither is there the drop-in is skipped: nothing of the glue is built,
//! the crate compiles to an empty library, and a cargo warning says so, so
//! that `cargo build`/`cargo test` of the workspace still succeed. With
//! `PJSHIM_REQUIRE_PJPROJECT=1` (CI) a missing pjproject is a build error.
//!
//! When found, the glue becomes `libpjshim_glue.a`, linked whole into both
//! outputs; the shared library gets a version script that exports exactly
//! the names in `glue/exports.txt` and hides the Rust side's `pjshim_pj_*`
//! entry points (see `exports_map`).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Flags of the pjproject found, split on whitespace as make prints them.
struct Pjproject {
    origin: String,
    cflags: Vec<String>,
    ldflags: Vec<String>,
    ldlibs: Vec<String>,
}

fn main() {
    // Its own name, explicitly: Cargo hands a dependency's cdylib link args
    // to this cdylib too (the core gates its soname on `standalone`, which
    // the drop-in never enables). Unversioned: the drop-in replaces an
    // object inside the user's PJSIP build and is loaded by that file name.
    if cfg!(target_os = "linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpjsip_auth_shim_pj.so");
    }
    println!("cargo:rerun-if-env-changed=PJPROJECT_DIR");
    println!("cargo:rerun-if-env-changed=PJSHIM_REQUIRE_PJPROJECT");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=glue");
    println!("cargo:rerun-if-changed=src");
    println!(
        "cargo:rustc-env=PJSHIM_TARGET={}",
        env::var("TARGET").unwrap()
    );
    let required = env::var("PJSHIM_REQUIRE_PJPROJECT").as_deref() == Ok("1");
    match find_pjproject() {
        Ok(pj) => build_glue(&pj),
        Err(why) if required => {
            panic!(
                "PJSHIM_REQUIRE_PJPROJECT=1 but no pjproject to build the drop-in against: {why}"
            )
        }
        Err(why) => {
            println!("cargo:warning=drop-in skipped: set PJPROJECT_DIR ({why})");
            for var in ["ORIGIN", "CFLAGS", "LDFLAGS", "LDLIBS"] {
                println!("cargo:rustc-env=PJSHIM_PJ_{var}=");
            }
            println!("cargo:rustc-env=PJSHIM_PJ_FOUND=0");
        }
    }
}

fn find_pjproject() -> Result<Pjproject, String> {
    match env::var("PJPROJECT_DIR") {
        Ok(dir) if !dir.is_empty() => from_tree(Path::new(&dir)),
        _ => from_pkg_config().map_err(|e| format!("PJPROJECT_DIR is unset and {e}")),
    }
}

/// Asks make for the flags of a built tree: a two-line makefile that
/// includes its `build.mak` and echoes them. `PJDIR` is given on the command
/// line so that a copied tree (whose build.mak names the original) uses itself.
fn from_tree(dir: &Path) -> Result<Pjproject, String> {
    let dir = fs::canonicalize(dir).map_err(|e| format!("PJPROJECT_DIR={}: {e}", dir.display()))?;
    let build_mak = dir.join("build.mak");
    if !build_mak.is_file() {
        return Err(format!(
            "PJPROJECT_DIR={} has no build.mak (configure and build pjproject there first)",
            dir.display()
        ));
    }
    println!("cargo:rerun-if-changed={}", build_mak.display());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let mk = out_dir.join("pjproject-flags.mak");
    fs::write(
        &mk,
        "include $(PJSHIM_BUILD_MAK)\npjshim-flags:\n\
         \t@echo 'CFLAGS=$(PJ_CFLAGS)'\n\t@echo 'LDFLAGS=$(PJ_LDFLAGS)'\n\t@echo 'LDLIBS=$(PJ_LDLIBS)'\n",
    )
    .unwrap();
    let out = Command::new(env::var("MAKE").unwrap_or_else(|_| "make".into()))
        .arg("-s")
        .arg("--no-print-directory")
        .arg("-f")
        .arg(&mk)
        .arg(format!("PJSHIM_BUILD_MAK={}", build_mak.display()))
        .arg(format!("PJDIR={}", dir.display()))
        .arg("pjshim-flags")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .output()
        .map_err(|e| format!("cannot run make to read {}: {e}", build_mak.display()))?;
    if !out.status.success() {
        return Err(format!(
            "make could not read {}: {}",
            build_mak.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| -> Vec<String> {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    let pj = Pjproject {
        origin: format!("PJPROJECT_DIR={}", dir.display()),
        cflags: field("CFLAGS="),
        ldflags: field("LDFLAGS="),
        ldlibs: field("LDLIBS="),
    };
    if pj.cflags.is_empty() {
        return Err(format!("{} gives no PJ_CFLAGS", build_mak.display()));
    }
    Ok(pj)
}

fn from_pkg_config() -> Result<Pjproject, String> {
    let run = |what: &str| -> Result<Vec<String>, String> {
        let out = Command::new(env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into()))
            .args([what, "libpjproject"])
            .output()
            .map_err(|e| format!("pkg-config cannot run ({e})"))?;
        if !out.status.success() {
            return Err("pkg-config does not know libpjproject".into());
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect())
    };
    let cflags = run("--cflags")?;
    let libs = run("--libs")?;
    let (ldflags, ldlibs) = libs.into_iter().partition(|f| !f.starts_with("-l"));
    Ok(Pjproject {
        origin: "pkg-config libpjproject".into(),
        cflags,
        ldflags,
        ldlibs,
    })
}

fn build_glue(pj: &Pjproject) {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let glue = manifest.join("glue");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    let mut sources: Vec<PathBuf> = fs::read_dir(&glue)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    let mut build = cc::Build::new();
    build
        .files(&sources)
        .include(&glue)
        .warnings(true)
        .extra_warnings(true)
        .flag("-Werror")
        .define(
            "PJSHIM_PJ_VERSION",
            format!("\"{}\"", env::var("CARGO_PKG_VERSION").unwrap()).as_str(),
        )
        .cargo_metadata(false);
    for f in &pj.cflags {
        build.flag(f);
    }
    build.compile("pjshim_glue");

    // The C object defining the 23 is referenced by nothing in Rust: without
    // whole-archive the shared library would drop it.
    println!("cargo:rustc-link-search=native={}", out_dir.display());
    println!("cargo:rustc-link-lib=static:+whole-archive=pjshim_glue");

    let map = out_dir.join("exports.map");
    fs::write(&map, exports_map(&manifest)).unwrap();
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map.display()
    );
    println!("cargo:rustc-cfg=pjshim_pjproject");

    println!("cargo:rustc-env=PJSHIM_PJ_FOUND=1");
    println!("cargo:rustc-env=PJSHIM_PJ_ORIGIN={}", pj.origin);
    println!("cargo:rustc-env=PJSHIM_PJ_CFLAGS={}", pj.cflags.join(" "));
    println!("cargo:rustc-env=PJSHIM_PJ_LDFLAGS={}", pj.ldflags.join(" "));
    println!("cargo:rustc-env=PJSHIM_PJ_LDLIBS={}", pj.ldlibs.join(" "));
}

/// The version script of the shared library: the 23 of `glue/exports.txt`
/// global, and, named one by one, every `pjshim_pj_*` function of `src/`
/// local. (rustc's own version script makes each `#[no_mangle]` function
/// global by name, and only a name, not a wildcard, overrides that; the
/// symbol test fails if one is missed here.)
fn exports_map(manifest: &Path) -> String {
    let exports = fs::read_to_string(manifest.join("glue/exports.txt")).unwrap();
    let mut map = String::from("{\n  global:\n");
    for name in exports
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        map.push_str(&format!("    {name};\n"));
    }
    map.push_str("  local:\n");
    let mut rust = Vec::new();
    collect_rust_exports(&manifest.join("src"), &mut rust);
    rust.sort();
    rust.dedup();
    for name in rust {
        map.push_str(&format!("    {name};\n"));
    }
    map.push_str("    *;\n};\n");
    map
}

fn collect_rust_exports(dir: &Path, names: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rust_exports(&path, names);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            while let Some(at) = rest.find("fn pjshim_pj_") {
                let tail = &rest[at + 3..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(tail.len());
                names.push(tail[..end].to_owned());
                rest = &tail[end..];
            }
        }
    }
}
