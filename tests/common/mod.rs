//! Building C programs against the library, the way a C user does: shared by
//! `tests/c_tests.rs` and `tests/kamailio.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/<profile>/`: the test binary lives in its `deps/`.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// The static library this test run was built against. `cargo test` builds it
/// into `deps/` (only `cargo build` copies it up a level, where it may be stale).
pub fn static_lib() -> PathBuf {
    let dir = target_dir();
    [dir.join("deps"), dir.clone()]
        .iter()
        .map(|d| d.join("libpjsip_auth_shim.a"))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("static library not built under {}", dir.display()))
}

/// Compiles `src` with `-std=c11 -Wall -Wextra -Werror -pedantic`, the
/// generated header's directory and `includes` on the path, and links it with
/// the static library and `-lpthread -ldl -lm` into `out`.
pub fn build_c(src: &Path, out: &Path, includes: &[&Path]) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = env!("PJSHIM_TARGET");
    let mut cmd = cc::Build::new()
        .target(target)
        .host(target)
        .opt_level(1)
        .debug(true)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .get_compiler()
        .to_command();
    cmd.args([
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-pthread",
    ])
    .arg("-I")
    .arg(root.join("include"));
    for dir in includes {
        cmd.arg("-I").arg(dir);
    }
    cmd.arg(src)
        .arg(static_lib())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(out);
    compile(&mut cmd, "C")
}

/// Runs a compiler command; its stderr is the error when it fails.
pub fn compile(cmd: &mut Command, language: &str) -> Result<(), String> {
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run the {language} compiler: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}
