//! PJSIP's own pjsua application, relinked in a copy of the user's tree with
//! the drop-in ahead of libpjsip (issue 8's proof), registers to Kamailio on
//! 127.0.0.1 with MD5 and with SHA-256 (interop/kamailio, the standalone
//! interop test's configuration) and unregisters when told `q`.
//!
//! The tree's stock pjsua runs the same steps first against the same
//! registrar: it is the rig's control (if it fails, the rig is broken, and
//! the test says so). Skips with a note when kamailio is not installed,
//! unless PJSHIM_REQUIRE_KAMAILIO=1. Every Kamailio started here is stopped
//! through its process group in a Drop guard; pjsua is killed by its pid if
//! it outlives its time limit.

mod common;
#[path = "../../interop/kamailio_rig.rs"]
mod kamailio_rig;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kamailio_rig::{find_program, Kamailio};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The "shim: REGISTER ..." lines the configuration logs for `src`
/// (127.0.0.1:<port>), as their has_auth= values.
fn registers_from(reg: &Kamailio, src: &str) -> Vec<String> {
    reg.log()
        .lines()
        .filter(|l| l.contains("shim: REGISTER") && l.contains(&format!("src={src} ")))
        .filter_map(|l| l.split("has_auth=").nth(1).map(|v| v.trim().to_owned()))
        .collect()
}

/// The copy of the tree with pjsua relinked against our archive; returns
/// the relinked binary. The copy is kept between runs (cp -a keeps the
/// timestamps, so make relinks only the binary deleted here).
fn relink_pjsua(tree: &Path, stock_bin: &Path) -> PathBuf {
    let work = common::deps_dir().join("../pjshim-pj-tests-trees");
    std::fs::create_dir_all(&work).unwrap();
    let dest = std::fs::canonicalize(&work).unwrap().join("pjsua-tree");
    let marker = dest.join(".pjshim-copy-of");
    if std::fs::read_to_string(&marker).ok().as_deref() != tree.to_str() {
        let _ = std::fs::remove_dir_all(&dest);
        let st = Command::new("cp")
            .arg("-a")
            .arg(tree)
            .arg(&dest)
            .status()
            .unwrap();
        assert!(st.success(), "copying {} failed", tree.display());
        std::fs::write(&marker, tree.to_str().unwrap()).unwrap();
    }
    // pjsua-<target>: the tree's own target name.
    let name = stock_bin.file_name().unwrap().to_str().unwrap().to_owned();
    let target = name.strip_prefix("pjsua-").unwrap().to_owned();
    let libdir = dest.join("pjshim-lib");
    let _ = std::fs::remove_dir_all(&libdir);
    std::fs::create_dir_all(&libdir).unwrap();
    std::fs::copy(common::static_lib(), libdir.join("libpjsip_auth_shim_pj.a")).unwrap();
    let bin = dest.join("pjsip-apps/bin").join(&name);
    let _ = std::fs::remove_file(&bin);
    // PJDIR on the command line: the copy's build.mak names the original
    // tree. Our archive ahead of libpjsip, as for pjsip-test
    // (pj/scripts/relink-pjsip-test.sh); -ldl -lpthread -lm for Rust's std.
    let out = Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(dest.join("pjsip-apps/build"))
        .arg("pjsua")
        .arg(format!("PJDIR={}", dest.display()))
        .arg(format!(
            "PJSIP_LDLIB=-L{} -lpjsip_auth_shim_pj -lpjsip-{target} -ldl -lpthread -lm",
            libdir.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success() && bin.is_file(),
        "relinking pjsua failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

fn symbols(bin: &Path) -> String {
    let out = Command::new("nm").arg(bin).output().unwrap();
    assert!(out.status.success(), "nm {}", bin.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What one pjsua run showed.
struct PjsuaRun {
    registered: bool,
    unregistered: bool,
    exited: bool,
    /// The Authorization headers pjsua sent (its level-5 log prints them).
    authorizations: Vec<String>,
    /// Its SIP port, to find its REGISTERs in Kamailio's log.
    src: Option<String>,
    log: String,
}

/// Runs pjsua against `reg`: waits for the registration's outcome, sends
/// `q` (unregister and quit), waits for it to exit. Its console log (level
/// 5: the messages it sends) is read from its stdout, line-buffered through
/// stdbuf (pjsua's --log-file is block-buffered), and kept in `log_path`.
fn run_pjsua(bin: &Path, reg: &Kamailio, log_path: &Path) -> PjsuaRun {
    let mut child = Command::new("stdbuf")
        .arg("-oL")
        .arg(bin)
        .args([
            "--id",
            "sip:alice@shim.test",
            "--registrar",
            &format!("sip:127.0.0.1:{}", reg.port),
            "--realm",
            "shim.test",
            "--username",
            "alice",
            "--password",
            "secret",
            "--null-audio",
            "--no-tcp",
            "--local-port",
            "0",
            "--bound-addr",
            "127.0.0.1",
            "--ip-addr",
            "127.0.0.1",
            "--log-level",
            "5",
            "--app-log-level",
            "5",
        ])
        .current_dir(log_path.parent().unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn pjsua (through stdbuf)");
    let log = Arc::new(Mutex::new(String::new()));
    let reader = {
        let log = Arc::clone(&log);
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        })
    };
    let read = || log.lock().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(15);
    // Success, or a final failure pjsua reports for the account.
    while Instant::now() < deadline {
        let l = read();
        if [
            "registration success",
            "registration failed",
            "registration error",
        ]
        .iter()
        .any(|m| l.contains(m))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let registered = read().contains("registration success");
    let _ = child.stdin.as_mut().unwrap().write_all(b"q\n");
    let _ = child.stdin.as_mut().unwrap().flush();
    let deadline = Instant::now() + Duration::from_secs(15);
    let exited = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    reader.join().unwrap();
    let log = read();
    std::fs::write(log_path, &log).unwrap();
    let authorizations = log
        .lines()
        .filter(|l| l.starts_with("Authorization:"))
        .map(str::to_owned)
        .collect();
    // "SIP UDP transport started, published address is 127.0.0.1:NNNN"
    let src = log
        .lines()
        .find(|l| l.contains("published address is"))
        .and_then(|l| l.rsplit(' ').next())
        .map(|s| s.trim().to_owned());
    PjsuaRun {
        registered,
        unregistered: log.contains("unregistration success"),
        exited,
        authorizations,
        src,
        log,
    }
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// Registered, unregistered, exited; every Authorization it sent names
/// `alg`; Kamailio saw its REGISTERs, with credentials after the challenge.
fn check(who: &str, alg: &str, run: &PjsuaRun, reg: &Kamailio) {
    let ctx = || {
        let reg_lines: Vec<&str> = run
            .log
            .lines()
            .filter(|l| l.contains("egistration") || l.starts_with("Authorization:"))
            .collect();
        format!(
            "{who}, {alg}; pjsua's registration lines:\n{}\npjsua log tail:\n{}",
            reg_lines.join("\n"),
            tail(&run.log, 40)
        )
    };
    assert!(run.registered, "{who} did not register: {}", ctx());
    assert!(run.unregistered, "{who} did not unregister: {}", ctx());
    assert!(run.exited, "{who} did not exit after q: {}", ctx());
    // Register and unregister, each answered once.
    assert!(run.authorizations.len() >= 2, "{}", ctx());
    for a in &run.authorizations {
        // Kamailio's MD5 challenge names no algorithm (RFC 2617: MD5), and
        // then neither does the answer.
        let named = a.contains(&format!("algorithm={alg}"));
        let unnamed_md5 = alg == "MD5" && !a.contains("algorithm=");
        assert!(named || unnamed_md5, "{a}\n{}", ctx());
        assert!(
            a.contains("username=\"alice\"") && a.contains("qop=auth"),
            "{a}"
        );
    }
    let src = run
        .src
        .as_deref()
        .expect("pjsua's published address in its log");
    let seen = registers_from(reg, src);
    assert!(
        seen.iter().filter(|v| *v == "yes").count() >= 2 && seen.contains(&"no".to_owned()),
        "{who}, {alg}: Kamailio's REGISTERs from {src}: {seen:?}\n{}",
        tail(&reg.log(), 30)
    );
}

#[test]
fn relinked_pjsua_registers_and_unregisters_through_kamailio_md5_and_sha256() {
    if common::pjproject("pjsua_kamailio").is_none() {
        return;
    }
    let Some(tree) = env!("PJSHIM_PJ_ORIGIN").strip_prefix("PJPROJECT_DIR=") else {
        eprintln!("pjsua_kamailio: skipped, pjproject came from pkg-config (no tree to relink in)");
        return;
    };
    let required = std::env::var("PJSHIM_REQUIRE_KAMAILIO").is_ok_and(|v| v == "1");
    let Some(kamailio) = find_program("kamailio") else {
        assert!(
            !required,
            "PJSHIM_REQUIRE_KAMAILIO=1 but kamailio is not installed"
        );
        eprintln!("pjsua_kamailio: skipped, kamailio not installed");
        return;
    };
    let tree = Path::new(tree);
    let stock = std::fs::read_dir(tree.join("pjsip-apps/bin"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("pjsua-")
        })
        .expect("the tree has a built pjsua");
    let ours = relink_pjsua(tree, &stock);

    let syms = symbols(&ours);
    assert!(
        syms.lines().any(|l| l.ends_with(" T pjshim_pj_version")),
        "the relinked pjsua lacks pjshim_pj_version: our library was not linked"
    );
    // auth_respond is a static function of PJSIP's sip_auth_client.c.
    assert!(
        !syms.lines().any(|l| l.ends_with(" t auth_respond")),
        "the relinked pjsua contains PJSIP's sip_auth_client.o"
    );
    assert!(!symbols(&stock).contains("pjshim_pj_version"));

    let work = common::scratch("pjsua_kamailio");
    for alg in ["MD5", "SHA-256"] {
        let reg = Kamailio::start(&kamailio, repo(), alg);
        let control = run_pjsua(&stock, &reg, &work.join(format!("stock-{alg}.log")));
        check("stock pjsua (the rig's control)", reg.alg, &control, &reg);
        let run = run_pjsua(&ours, &reg, &work.join(format!("ours-{alg}.log")));
        check("the relinked pjsua", reg.alg, &run, &reg);
        eprintln!(
            "pjsua_kamailio {alg}: stock and relinked pjsua registered and unregistered \
             (Kamailio on udp:127.0.0.1:{})",
            reg.port
        );
    }
}
