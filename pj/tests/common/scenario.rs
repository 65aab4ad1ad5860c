//! The scenario programs of tests/c/scenario_*.c: one C source linked twice,
//! with stock PJSIP (its own sip_auth_client.o) and with the drop-in ahead of
//! libpjsip, and run as child processes with a time limit, so that a stock
//! run that crashes or deadlocks is reported instead of taking the test
//! harness down.

use super::Pjproject;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// One scenario, linked both ways.
pub struct Built {
    pub stock: PathBuf,
    pub ours: PathBuf,
}

/// Compiles `tests/c/scenario_<name>.c` with the shared scenario_util.c and
/// links it with stock PJSIP and with our archive; checks each link took
/// the client it should.
pub fn build(pj: &Pjproject, dir: &Path, name: &str) -> Built {
    let util = dir.join("scenario_util.o");
    super::compile(pj, "scenario_util.c", &util, &[]);
    let obj = dir.join(format!("scenario_{name}.o"));
    super::compile(pj, &format!("scenario_{name}.c"), &obj, &[]);

    let stock = dir.join(format!("{name}-stock"));
    let linked = super::link(pj, &[&obj, &util], &[], &stock);
    assert!(
        linked.stock_client() && !linked.our_client(),
        "the stock link of {name} did not take PJSIP's sip_auth_client.o"
    );
    let ours = dir.join(format!("{name}-ours"));
    let linked = super::link(
        pj,
        &[&obj, &util],
        &super::ours(&super::static_lib_dir(dir)),
        &ours,
    );
    assert!(
        linked.our_client() && !linked.stock_client(),
        "the drop-in link of {name} did not take our client alone"
    );
    Built { stock, ours }
}

/// How a bounded run ended.
pub struct Outcome {
    /// None: killed at the time limit.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
    /// The output lines starting with `tag `.
    pub fn lines(&self, tag: &str) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with(tag) && l[tag.len()..].starts_with(' '))
            .collect()
    }
    /// One line for a report: how it ended.
    pub fn ending(&self) -> String {
        use std::os::unix::process::ExitStatusExt;
        match self.status {
            None => "killed at the time limit (hung)".into(),
            Some(s) => match (s.code(), s.signal()) {
                (Some(c), _) => format!("exit {c}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                _ => format!("{s:?}"),
            },
        }
    }
    pub fn dump(&self) -> String {
        format!(
            "{}\n--- stdout\n{}--- stderr\n{}",
            self.ending(),
            self.stdout,
            self.stderr
        )
    }
}

/// Runs `cmd` with its output captured; kills it (by its pid) after `limit`.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Outcome {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    // Readers on threads: a child filling a pipe must not stall the wait.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        status,
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

/// The valgrind on PATH, if any.
pub fn valgrind() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("valgrind"))
        .find(|p| p.is_file())
}

/// `key=value` fields of a scenario's output line, as (key, value) pairs.
pub fn fields(line: &str) -> Vec<(&str, &str)> {
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .collect()
}

/// The value of `key` in `line`; panics (with the line) when absent.
pub fn field<'a>(line: &'a str, key: &str) -> &'a str {
    fields(line)
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

/// Appends `text` to the scenario report in `dir` and shows it on stderr
/// (cargo test prints it with --nocapture, or when the test fails).
pub fn report(dir: &Path, text: &str) {
    use std::io::Write;
    eprintln!("{text}");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("report.txt"))
        .unwrap();
    writeln!(f, "{text}").unwrap();
}

/// A line for the report saying a scenario could not run at all with ours
/// (the program exits 2 when a function it needs fails, e.g. PJ_ENOTSUP).
pub fn setup_failure(o: &Outcome) -> Option<&str> {
    o.stdout.lines().find(|l| l.starts_with("SETUP FAILED"))
}
