//! The install path a C user follows: `scripts/install.sh` into a fresh
//! prefix under `target/`, then the two example consumers (`examples/c-make`,
//! `examples/c-cmake`) built against that prefix through `PKG_CONFIG_PATH`
//! alone, and run.
//!
//! - Checks the layout: the archive, the shared library as
//!   `libpjsip_auth_shim.so.<version>` with its soname (read with `readelf -d`)
//!   and the `.so -> .so.<soname version> -> .so.<version>` links, the headers
//!   and the `.pc` file (`pkg-config --modversion` is the crate's version).
//! - Each example must exit 0, and a shared build must record the soname as
//!   NEEDED and run without `LD_LIBRARY_PATH`.
//! - The CMake half skips (and passes) when `cmake` is not installed, unless
//!   `PJSHIM_REQUIRE_CMAKE=1` (CI), which makes a missing cmake fail.
//!
//! install.sh runs `cargo build --release` with this run's target directory,
//! so after the first time it costs only Cargo's freshness check. The prefix
//! is removed when the test passes and kept for inspection when it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory of this run (`target/`, or `CARGO_TARGET_DIR`): the
/// test binary is `<target>/<profile>/deps/install-<hash>`.
fn target_root() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

fn required_cmake() -> bool {
    std::env::var("PJSHIM_REQUIRE_CMAKE").is_ok_and(|v| v == "1")
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs `cmd`, returning its stdout; panics with everything it printed on failure.
fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The soname build.rs gives: `.so.<major>`, or `.so.0.<minor>` before 1.0.
fn expected_soname() -> String {
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let v = if major == "0" {
        format!("0.{}", env!("CARGO_PKG_VERSION_MINOR"))
    } else {
        major.to_string()
    };
    format!("libpjsip_auth_shim.so.{v}")
}

/// The `readelf -d` entries of `tag` (SONAME, NEEDED) in `file`.
fn dynamic_entries(file: &Path, tag: &str) -> Vec<String> {
    let text = run(Command::new("readelf").arg("-d").arg(file), "readelf -d");
    let marker = format!("({tag})");
    text.lines()
        .filter(|l| l.contains(&marker))
        .filter_map(|l| {
            let start = l.find('[')?;
            let end = l.rfind(']')?;
            Some(l[start + 1..end].to_string())
        })
        .collect()
}

fn link_target(p: &Path) -> String {
    std::fs::read_link(p)
        .unwrap_or_else(|e| panic!("{} is not a symlink: {e}", p.display()))
        .to_string_lossy()
        .into_owned()
}

fn check_layout(prefix: &Path) {
    let lib = prefix.join("lib");
    let full = format!("libpjsip_auth_shim.so.{}", env!("CARGO_PKG_VERSION"));
    let soname = expected_soname();
    assert!(lib.join("libpjsip_auth_shim.a").is_file());
    let real = lib.join(&full);
    assert!(real.is_file() && !real.is_symlink(), "{full} is not a file");
    assert_eq!(dynamic_entries(&real, "SONAME"), vec![soname.clone()]);
    assert_eq!(link_target(&lib.join(&soname)), full);
    assert_eq!(link_target(&lib.join("libpjsip_auth_shim.so")), soname);
    let inc = prefix.join("include/pjsip-auth-shim");
    for h in [
        "pjsip_auth_shim.h",
        "pjsip.h",
        "pjlib.h",
        "pjsip_ua.h",
        "pjsip/sip_auth.h",
    ] {
        assert!(inc.join(h).is_file(), "{h} not installed");
    }
    if root().join("include/pjsip_auth_shim.hpp").is_file() {
        assert!(inc.join("pjsip_auth_shim.hpp").is_file());
    }
    for f in [
        "pjsip-auth-shimConfig.cmake",
        "pjsip-auth-shimConfigVersion.cmake",
    ] {
        assert!(
            lib.join("cmake/pjsip-auth-shim").join(f).is_file(),
            "{f} not installed"
        );
    }
    let installed = std::fs::read(inc.join("pjsip_auth_shim.h")).unwrap();
    assert_eq!(
        installed,
        std::fs::read(root().join("include/pjsip_auth_shim.h")).unwrap(),
        "the installed header is not the checked-in one"
    );
    let version = run(
        pkg_config(prefix).args(["--modversion", "pjsip-auth-shim"]),
        "pkg-config --modversion",
    );
    assert_eq!(version.trim(), env!("CARGO_PKG_VERSION"));
    eprintln!("install layout ... ok ({soname})");
}

fn pkg_config_path(prefix: &Path) -> PathBuf {
    prefix.join("lib/pkgconfig")
}

fn pkg_config(prefix: &Path) -> Command {
    let mut c = Command::new("pkg-config");
    c.env("PKG_CONFIG_PATH", pkg_config_path(prefix));
    c
}

/// Runs an example binary with no library path help: the rpath and soname
/// (or static linking) must be enough.
fn run_example(exe: &Path, what: &str) {
    let out = run(Command::new(exe).env_remove("LD_LIBRARY_PATH"), what);
    assert!(
        out.contains("vault_async: registered as alice"),
        "{what}: unexpected output:\n{out}"
    );
}

fn assert_needs_soname(exe: &Path, what: &str) {
    let needed = dynamic_entries(exe, "NEEDED");
    assert!(
        needed.contains(&expected_soname()),
        "{what}: NEEDED is {needed:?}, without {}",
        expected_soname()
    );
}

fn check_make(prefix: &Path, work: &Path) {
    let makefile = root().join("examples/c-make/Makefile");
    for (name, static_) in [("make", false), ("make-static", true)] {
        let dir = work.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("make");
        cmd.arg("-f")
            .arg(&makefile)
            .arg("-C")
            .arg(&dir)
            .env("PKG_CONFIG_PATH", pkg_config_path(prefix));
        if static_ {
            cmd.arg("STATIC=1");
        }
        run(&mut cmd, name);
        let exe = dir.join("vault_async");
        if static_ {
            let needed = dynamic_entries(&exe, "NEEDED");
            assert!(
                !needed.iter().any(|n| n.starts_with("libpjsip_auth_shim")),
                "STATIC=1 still links the shared library: {needed:?}"
            );
        } else {
            assert_needs_soname(&exe, name);
        }
        run_example(&exe, name);
        eprintln!("examples/c-make ({name}) ... ok");
    }
}

fn check_cmake(prefix: &Path, work: &Path) {
    let Some(cmake) = find_program("cmake") else {
        assert!(
            !required_cmake(),
            "PJSHIM_REQUIRE_CMAKE=1 but cmake is not installed (apt-get install cmake)"
        );
        eprintln!("SKIP examples/c-cmake: cmake is not installed (Debian package `cmake`)");
        return;
    };
    // Found through pkg-config, then through the CMake package config (no
    // PKG_CONFIG_PATH: only CMAKE_PREFIX_PATH).
    for (name, config) in [("cmake", false), ("cmake-config", true)] {
        let build = work.join(name);
        let mut configure = Command::new(&cmake);
        configure
            .arg("-S")
            .arg(root().join("examples/c-cmake"))
            .arg("-B")
            .arg(&build);
        if config {
            configure
                .arg("-DPJSHIM_FIND=CONFIG")
                .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
                .env_remove("PKG_CONFIG_PATH");
        } else {
            configure.env("PKG_CONFIG_PATH", pkg_config_path(prefix));
        }
        run(&mut configure, &format!("{name} configure"));
        run(
            Command::new(&cmake).arg("--build").arg(&build),
            &format!("{name} --build"),
        );
        let exe = build.join("vault_async");
        assert_needs_soname(&exe, name);
        run_example(&exe, name);
        eprintln!("examples/c-cmake ({name}) ... ok");
    }
}

#[test]
fn install_then_build_and_run_the_examples() {
    let target = target_root();
    let work = target.join("install-test");
    let prefix = work.join("prefix");
    if work.exists() {
        std::fs::remove_dir_all(&work).unwrap();
    }
    let started = std::time::Instant::now();
    run(
        Command::new(root().join("scripts/install.sh"))
            .arg("--prefix")
            .arg(&prefix)
            .env("CARGO_TARGET_DIR", &target),
        "scripts/install.sh",
    );
    eprintln!("scripts/install.sh ... ok ({:.1?})", started.elapsed());

    check_layout(&prefix);
    check_make(&prefix, &work);
    check_cmake(&prefix, &work);
    std::fs::remove_dir_all(&work).unwrap();
}
