//! Builds every `c-tests/*.c` against the static library and the generated
//! header, the way a C user would, and runs it.
//!
//! Each program exits 0 on success. `PJSHIM_C_TEST_WRAPPER` (for example
//! `valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite`)
//! runs every program under that command; `.ci/run` uses it.
//! `PJSHIM_C_TEST_FILTER` runs only programs whose name contains it.
//! Programs get `PJSHIM_C_TESTS_DIR` (the c-tests directory) to find their
//! golden files; `PJSHIM_GOLDEN_UPDATE=1` makes them rewrite those (and fail).

mod common;

use common::{build_c, static_lib, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(exe: &Path) -> Result<String, String> {
    let wrapper = std::env::var("PJSHIM_C_TEST_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let mut cmd = match words.next() {
        Some(prog) => {
            let mut c = Command::new(prog);
            c.args(words).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    // Where programs with golden files find them (c-tests/golden).
    cmd.env(
        "PJSHIM_C_TESTS_DIR",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("c-tests"),
    );
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("exit status {:?}\n{text}", output.status))
    }
}

#[test]
fn c_programs_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let _ = static_lib(); // fail early and clearly when it is missing
    let out_dir = target_dir().join("c-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let filter = std::env::var("PJSHIM_C_TEST_FILTER").unwrap_or_default();

    let mut sources: Vec<PathBuf> = std::fs::read_dir(root.join("c-tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .filter(|p| p.file_stem().unwrap().to_string_lossy().contains(&filter))
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no C test matched");

    let mut failures = Vec::new();
    for src in &sources {
        let name = src.file_stem().unwrap().to_string_lossy().into_owned();
        let exe = out_dir.join(&name);
        let result = build_c(src, &exe, &[&root.join("c-tests")])
            .map_err(|e| format!("compile error:\n{e}"))
            .and_then(|()| run(&exe));
        match result {
            Ok(_) => eprintln!("c-test {name} ... ok"),
            Err(e) => {
                eprintln!("c-test {name} ... FAILED\n{e}");
                failures.push(name);
            }
        }
    }
    assert!(failures.is_empty(), "C tests failed: {failures:?}");
}
