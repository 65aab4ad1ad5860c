//! Builds every `cpp-tests/*.cpp` and `examples/cpp/*.cpp` against `include/pjsip_auth_shim.hpp` and the
//! static library with `-std=c++17 -Wall -Wextra -Werror -pedantic`, and runs
//! it; then builds and runs each again under
//! `-fsanitize=address,undefined` (any report fails the program).
//!
//! Each program exits 0 on success. A first line `// cpp-test-flags: ...`
//! adds compiler flags for that program (`no_exceptions.cpp`:
//! `-fno-exceptions`). `PJSHIM_CPP_TEST_FILTER` runs only programs whose
//! name contains it; `PJSHIM_CPP_TEST_NO_SANITIZERS=1` skips the sanitizer
//! builds (for a toolchain without libasan).

#[allow(dead_code)] // build_c is for the C programs
mod common;

use common::{static_lib, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

const SANITIZE: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];

fn extra_flags(src: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(src).unwrap();
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("// cpp-test-flags:"))
        .map(|f| f.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn build_cpp(src: &Path, out: &Path, sanitize: bool) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = env!("PJSHIM_TARGET");
    let mut cmd = cc::Build::new()
        .cpp(true)
        .target(target)
        .host(target)
        .opt_level(1)
        .debug(true)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .get_compiler()
        .to_command();
    cmd.args([
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-pthread",
    ])
    .args(extra_flags(src));
    if sanitize {
        cmd.args(SANITIZE);
    }
    cmd.arg("-I")
        .arg(root.join("include"))
        .arg("-I")
        .arg(root.join("cpp-tests"))
        .arg(src)
        .arg(static_lib())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(out);
    common::compile(&mut cmd, "C++")
}

fn run(exe: &Path) -> Result<(), String> {
    let output = Command::new(exe)
        // The library allocates through malloc, so LeakSanitizer sees its
        // memory too: a challenge that leaked a message fails here.
        .env("ASAN_OPTIONS", "detect_leaks=1")
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "exit status {:?}\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[test]
fn cpp_programs_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let _ = static_lib(); // fail early and clearly when it is missing
    let out_dir = target_dir().join("cpp-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let filter = std::env::var("PJSHIM_CPP_TEST_FILTER").unwrap_or_default();
    let sanitizers = std::env::var("PJSHIM_CPP_TEST_NO_SANITIZERS").map_or(true, |v| v != "1");

    // The wrapper's tests, and the C++ example programs (each exits non-zero on failure).
    let mut sources: Vec<PathBuf> = ["cpp-tests", "examples/cpp"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cpp"))
        .filter(|p| p.file_stem().unwrap().to_string_lossy().contains(&filter))
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no C++ test matched");

    let mut failures = Vec::new();
    for src in &sources {
        let stem = src.file_stem().unwrap().to_string_lossy().into_owned();
        for sanitize in [false, true] {
            if sanitize && !sanitizers {
                continue;
            }
            let name = if sanitize {
                format!("{stem} (asan+ubsan)")
            } else {
                stem.clone()
            };
            let exe = out_dir.join(if sanitize {
                format!("{stem}-asan")
            } else {
                stem.clone()
            });
            let result = build_cpp(src, &exe, sanitize)
                .map_err(|e| format!("compile error:\n{e}"))
                .and_then(|()| run(&exe));
            match result {
                Ok(()) => eprintln!("cpp-test {name} ... ok"),
                Err(e) => {
                    eprintln!("cpp-test {name} ... FAILED\n{e}");
                    failures.push(name);
                }
            }
        }
    }
    assert!(failures.is_empty(), "C++ tests failed: {failures:?}");
}
