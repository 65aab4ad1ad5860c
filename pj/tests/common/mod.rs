//! Building and running C programs against the drop-in and the user's
//! pjproject, as a PJSIP application is built: shared by the tests here.
//!
//! Without a pjproject (build.rs found none) every test returns early with
//! a note, unless PJSHIM_REQUIRE_PJPROJECT=1, where build.rs already failed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod scenario;

/// The pjproject build.rs compiled the glue against.
pub struct Pjproject {
    pub cflags: Vec<&'static str>,
    pub ldflags: Vec<&'static str>,
    pub ldlibs: Vec<&'static str>,
}

/// `Some` when the drop-in was built; `None` (with a note) when it was
/// skipped.
pub fn pjproject(test: &str) -> Option<Pjproject> {
    if env!("PJSHIM_PJ_FOUND") != "1" {
        assert_ne!(
            std::env::var("PJSHIM_REQUIRE_PJPROJECT").as_deref(),
            Ok("1"),
            "PJSHIM_REQUIRE_PJPROJECT=1 but the drop-in was built without pjproject \
             (rebuild: build.rs reruns when PJPROJECT_DIR changes)"
        );
        eprintln!("{test}: skipped, the drop-in was not built (set PJPROJECT_DIR)");
        return None;
    }
    let split = |s: &'static str| s.split_whitespace().collect::<Vec<_>>();
    Some(Pjproject {
        cflags: split(env!("PJSHIM_PJ_CFLAGS")),
        ldflags: split(env!("PJSHIM_PJ_LDFLAGS")),
        ldlibs: split(env!("PJSHIM_PJ_LDLIBS")),
    })
}

/// The 23 names of glue/exports.txt.
pub fn exports() -> Vec<&'static str> {
    include_str!("../../glue/exports.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// `target/<profile>/deps`, where `cargo test` put the libraries it built.
pub fn deps_dir() -> PathBuf {
    std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn static_lib() -> PathBuf {
    deps_dir().join("libpjsip_auth_shim_pj.a")
}

pub fn shared_lib() -> PathBuf {
    deps_dir().join("libpjsip_auth_shim_pj.so")
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = deps_dir().join("..").join("pjshim-pj-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(dir).unwrap()
}

/// A directory holding only the static library, so that `-L dir -l...`
/// cannot pick the shared one.
pub fn static_lib_dir(scratch: &Path) -> PathBuf {
    let dir = scratch.join("static");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(static_lib(), dir.join("libpjsip_auth_shim_pj.a")).unwrap();
    dir
}

pub fn shared_lib_dir(scratch: &Path) -> PathBuf {
    let dir = scratch.join("shared");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(shared_lib(), dir.join("libpjsip_auth_shim_pj.so")).unwrap();
    dir
}

pub fn compiler() -> Command {
    let target = env!("PJSHIM_TARGET");
    cc::Build::new()
        .target(target)
        .host(target)
        .opt_level(1)
        .debug(true)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .get_compiler()
        .to_command()
}

pub fn run_checked(mut cmd: Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Compiles one of tests/c/ against the user's pjproject headers.
pub fn compile(pj: &Pjproject, src: &str, obj: &Path, defines: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(src);
    let mut cmd = compiler();
    cmd.args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-c"]);
    cmd.args(&pj.cflags);
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    cmd.arg(&path).arg("-o").arg(obj);
    run_checked(cmd, &format!("compiling {src}"));
}

/// Which of ours and PJSIP's clients a link used.
pub struct Linked {
    /// The linker's map file: its first section names every archive member
    /// loaded and the reference that pulled it in.
    pub map: String,
}

impl Linked {
    /// True when PJSIP's own sip_auth_client.o was pulled in.
    pub fn stock_client(&self) -> bool {
        self.map.contains("(sip_auth_client.o)")
    }
    /// True when the drop-in's auth_client.o was pulled in.
    pub fn our_client(&self) -> bool {
        self.map
            .lines()
            .any(|l| l.contains("libpjsip_auth_shim_pj.a(") && l.contains("-auth_client.o)"))
    }
}

/// Links `objs` as a PJSIP program: `gcc objs <before> <PJ_LDFLAGS>
/// <PJ_LDLIBS> -ldl`. `before` is where our library goes (`-L<dir>
/// -lpjsip_auth_shim_pj`), ahead of libpjsip; empty for the stock link.
pub fn link(pj: &Pjproject, objs: &[&Path], before: &[String], exe: &Path) -> Linked {
    let mut cmd = compiler();
    cmd.args(objs).args(before);
    cmd.args(&pj.ldflags).args(&pj.ldlibs);
    let map = exe.with_extension("map");
    cmd.args(["-ldl", "-lpthread", "-lm"])
        .arg(format!("-Wl,-Map,{}", map.display()))
        .arg("-o")
        .arg(exe);
    run_checked(cmd, &format!("linking {}", exe.display()));
    Linked {
        map: std::fs::read_to_string(&map).unwrap(),
    }
}

/// `-L<dir> -lpjsip_auth_shim_pj`.
pub fn ours(dir: &Path) -> Vec<String> {
    vec![
        format!("-L{}", dir.display()),
        "-lpjsip_auth_shim_pj".into(),
    ]
}

/// Runs a test program; panics with its output unless it exits 0.
pub fn run(exe: &Path, envs: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new(exe);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = run_checked(cmd, &format!("running {}", exe.display()));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
