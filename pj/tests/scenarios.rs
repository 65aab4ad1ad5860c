//! The scenarios of issue 8's proof on real PJSIP objects, each C program
//! (tests/c/scenario_*.c) linked once with stock PJSIP and once with the
//! drop-in ahead of libpjsip:
//!
//! - race: N = 2, 4, 8, 16 threads consume one token (send_req / abandon)
//!   on a real tdata, rdata and pj_grp_lock: ours never double-consumes and
//!   leaves the group lock balanced; stock's counts are reported.
//! - regc_uaf: a token deferred, pjsip_regc_destroy, then send_req and
//!   abandon in both orders on PJSIP's own regc: ours PJ_EINVAL twice, no
//!   REGISTER leaves, the transaction is destroyed, clean under valgrind;
//!   what stock does is reported (run in a child, it may crash).
//! - parent: B (parent A) called from inside its challenge callback: ours
//!   returns; stock's outcome (it hangs) is reported.
//!
//! Stock results never fail a test (they are what issue 8 fixes); that the
//! stock programs build, link PJSIP's client and run to their first line
//! does, since otherwise the harness proves nothing. Figures go to stderr
//! and to target/<profile>/pjshim-pj-tests/scenario_*/report.txt.

mod common;

use common::scenario::{self, field, report, run_bounded, setup_failure, Outcome};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// One scenario at a time: the race needs the cores it finds, and valgrind
/// runs of the others would take them (2 cores on CI).
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

const PJ_SUCCESS: &str = "0";
const PJ_EINVAL: &str = "70004";

/// Fails with the program's output when the drop-in run did not even start
/// the scenario (say so plainly: today's PJ_ENOTSUP stubs end up here).
fn assert_set_up(what: &str, o: &Outcome) {
    if let Some(line) = setup_failure(o) {
        panic!("{what}: the scenario could not run with the drop-in: {line}");
    }
}

/// Every line of a race run: 0 double consumptions, none lost, the group
/// lock balanced, all rounds run.
fn assert_exactly_once(who: &str, o: &Outcome, rounds: &str) {
    assert!(o.success(), "{who}:\n{}", o.dump());
    let lines = o.lines("RACE");
    assert_eq!(lines.len(), 4, "{who}:\n{}", o.dump());
    for line in lines {
        for key in ["double", "double_ok", "lost", "unbalanced"] {
            assert_eq!(field(line, key), "0", "{who}, {key}: {line}");
        }
        assert_eq!(field(line, "rounds"), rounds, "{who}: {line}");
    }
}

#[test]
fn race_one_token_consumed_exactly_once_by_many_threads() {
    let Some(pj) = common::pjproject("scenario_race") else {
        return;
    };
    let _serial = serial();
    let dir = common::scratch("scenario_race");
    let built = scenario::build(&pj, &dir, "race");
    let rounds = std::env::var("PJSHIM_RACE_ROUNDS").unwrap_or_else(|_| "5000".into());
    let run = |exe: &std::path::Path, args: &[&str]| {
        let mut cmd = Command::new(exe);
        cmd.args(args).env("PJSHIM_RACE_ROUNDS", &rounds);
        run_bounded(cmd, Duration::from_secs(120))
    };

    let stock = run(&built.stock, &[]);
    assert!(
        stock.success() && stock.lines("RACE").len() == 4,
        "the stock run must complete (it is the harness's control):\n{}",
        stock.dump()
    );
    // How often the race shows depends on the threads sharing the cores at
    // once: the machine's load goes with the figures.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    report(&dir, &format!("load average: {}", load.trim()));
    for line in stock.lines("RACE") {
        report(&dir, &format!("stock PJSIP: {line}"));
    }
    // The control: with a parent, stock PJSIP serializes every call under
    // the parent's mutex, so a harness that counts right sees 0 there.
    let control = run(&built.stock, &["--parent"]);
    for line in control.lines("RACE") {
        report(&dir, &format!("stock PJSIP: {line}"));
    }
    assert_exactly_once(
        "stock PJSIP with a parent (the harness's control)",
        &control,
        &rounds,
    );

    for args in [&[][..], &["--parent"][..]] {
        let ours = run(&built.ours, args);
        assert_set_up("race", &ours);
        for line in ours.lines("RACE") {
            report(&dir, &format!("drop-in:     {line}"));
        }
        assert_exactly_once("drop-in", &ours, &rounds);
    }
}

/// Under valgrind when it is installed (errors exit 99; definite leaks
/// count), else plainly.
fn under_valgrind(exe: &std::path::Path, args: &[&str]) -> (Command, bool) {
    match scenario::valgrind() {
        Some(vg) => {
            let mut cmd = Command::new(vg);
            cmd.args([
                "--error-exitcode=99",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--track-origins=no",
            ])
            .arg(exe)
            .args(args);
            (cmd, true)
        }
        None => {
            let mut cmd = Command::new(exe);
            cmd.args(args);
            (cmd, false)
        }
    }
}

/// What a stock run printed about memory errors, in one line.
fn valgrind_summary(o: &Outcome) -> String {
    let invalid = o.stderr.matches("Invalid read").count();
    let writes = o.stderr.matches("Invalid write").count();
    let assert = o
        .stderr
        .lines()
        .find(|l| l.contains("Assertion"))
        .map(|l| l.trim().to_owned())
        .unwrap_or_else(|| "no assertion".into());
    let first = o
        .stderr
        .lines()
        .skip_while(|l| !l.contains("Invalid read") && !l.contains("Invalid write"))
        .nth(1)
        .map(|l| {
            l.split_once("at 0x")
                .map_or(l, |(_, r)| r)
                .trim()
                .to_owned()
        })
        .unwrap_or_default();
    format!("{invalid} invalid reads, {writes} invalid writes (first at {first}); {assert}")
}

/// The control's figures (the regc kept): PJSIP's behaviour, which ours
/// keeps: send_req sends the retry (counted at the registrar), the other
/// call is refused, the first transaction ends.
fn assert_control(who: &str, order: &str, o: &Outcome) {
    assert!(o.success(), "{who}, {order}:\n{}", o.dump());
    let lines = o.lines("UAF");
    assert_eq!(lines.len(), 1, "{who}, {order}:\n{}", o.dump());
    let line = lines[0];
    let registers: u32 = field(line, "registers").parse().unwrap();
    if order == "send-first" {
        assert_eq!(field(line, "send_req"), PJ_SUCCESS, "{who}: {line}");
        assert_eq!(field(line, "abandon"), PJ_EINVAL, "{who}: {line}");
        assert!(registers >= 2, "{who}: the retry was not counted: {line}");
    } else {
        assert_eq!(field(line, "abandon"), PJ_SUCCESS, "{who}: {line}");
        assert_eq!(field(line, "send_req"), PJ_EINVAL, "{who}: {line}");
        assert_eq!(registers, 1, "{who}: {line}");
    }
    assert_eq!(field(line, "tsx_destroyed"), "1", "{who}: {line}");
}

#[test]
fn regc_token_used_after_regc_destroy_is_refused_in_both_orders() {
    let Some(pj) = common::pjproject("scenario_regc_uaf") else {
        return;
    };
    let _serial = serial();
    let dir = common::scratch("scenario_regc_uaf");
    let built = scenario::build(&pj, &dir, "regc_uaf");
    let limit = Duration::from_secs(90);
    let orders = ["send-first", "abandon-first"];

    // Stock first, both orders, so that its report is complete whatever
    // ours does.
    for order in orders {
        let (cmd, vg) = under_valgrind(&built.stock, &[order]);
        let stock = run_bounded(cmd, limit);
        assert!(
            stock.stdout.contains("regc destroyed, token deferred"),
            "the stock run must reach the scenario (harness control):\n{}",
            stock.dump()
        );
        let line = stock
            .lines("UAF")
            .first()
            .copied()
            .unwrap_or("(no result line)");
        let memory = if vg {
            valgrind_summary(&stock)
        } else {
            "valgrind not installed".into()
        };
        report(
            &dir,
            &format!("stock PJSIP, {order}: {}; {line}; {memory}", stock.ending()),
        );
    }
    // The control, with stock PJSIP: the same steps with the regc alive
    // show that a REGISTER sent with the token is counted.
    for order in orders {
        let mut cmd = Command::new(&built.stock);
        cmd.args([order, "--keep-regc"]);
        let control = run_bounded(cmd, limit);
        report(
            &dir,
            &format!(
                "stock PJSIP, {order}, regc kept (control): {}; {}",
                control.ending(),
                control
                    .lines("UAF")
                    .first()
                    .copied()
                    .unwrap_or("(no result line)")
            ),
        );
        assert_control("stock PJSIP (the harness's control)", order, &control);
    }

    for order in orders {
        let (cmd, vg) = under_valgrind(&built.ours, &[order]);
        let ours = run_bounded(cmd, limit);
        assert_set_up(order, &ours);
        report(
            &dir,
            &format!(
                "drop-in, {order}{}: {}; {}",
                if vg { " (valgrind)" } else { "" },
                ours.ending(),
                ours.lines("UAF")
                    .first()
                    .copied()
                    .unwrap_or("(no result line)")
            ),
        );
        assert!(
            ours.success(),
            "{order}: the drop-in run failed (exit 99 = valgrind errors):\n{}",
            ours.dump()
        );
        let lines = ours.lines("UAF");
        assert_eq!(lines.len(), 1, "{}", ours.dump());
        let line = lines[0];
        assert_eq!(field(line, "send_req"), PJ_EINVAL, "{order}: {line}");
        assert_eq!(field(line, "abandon"), PJ_EINVAL, "{order}: {line}");
        // The first REGISTER, challenged; nothing after the destroy.
        assert_eq!(field(line, "registers"), "1", "{order}: {line}");
        assert_eq!(field(line, "tsx_destroyed"), "1", "{order}: {line}");
        assert!(ours.stdout.ends_with("done\n"), "{}", ours.dump());
    }
    // With the regc alive, ours behaves as PJSIP does.
    for order in orders {
        let mut cmd = Command::new(&built.ours);
        cmd.args([order, "--keep-regc"]);
        let ours = run_bounded(cmd, limit);
        assert_set_up(order, &ours);
        assert_control("drop-in, regc kept", order, &ours);
    }
}

/// A parent-scenario run that returned with what the inner call must give.
fn assert_returned(who: &str, mode: &str, o: &Outcome, limit: Duration) {
    assert!(
        !o.timed_out(),
        "{who}, {mode}: deadlock: no exit within {limit:?} after entering the callback:\n{}",
        o.dump()
    );
    assert!(o.success(), "{who}, {mode}:\n{}", o.dump());
    let lines = o.lines("PARENT");
    assert_eq!(lines.len(), 1, "{who}:\n{}", o.dump());
    let line = lines[0];
    assert_eq!(field(line, "on_challenge"), PJ_SUCCESS, "{who}: {line}");
    assert_eq!(field(line, "inner"), PJ_SUCCESS, "{who}: {line}");
    assert_eq!(field(line, "balanced"), "1", "{who}: {line}");
    if mode == "send" {
        assert_eq!(field(line, "sends"), "1", "{who}: {line}");
        assert_eq!(field(line, "abandons"), "0", "{who}: {line}");
    } else {
        assert_eq!(field(line, "authorization"), "1", "{who}: {line}");
        assert_eq!(field(line, "abandon"), PJ_SUCCESS, "{who}: {line}");
        assert_eq!(field(line, "sends"), "0", "{who}: {line}");
        assert_eq!(field(line, "abandons"), "1", "{who}: {line}");
    }
}

#[test]
fn child_session_called_inside_its_callback_does_not_deadlock() {
    let Some(pj) = common::pjproject("scenario_parent") else {
        return;
    };
    let _serial = serial();
    let dir = common::scratch("scenario_parent");
    let built = scenario::build(&pj, &dir, "parent");
    // Ample for a program that takes milliseconds; a hang is a deadlock.
    let limit = Duration::from_secs(10);
    let run = |exe: &std::path::Path, args: &[&str]| {
        let mut cmd = Command::new(exe);
        cmd.args(args);
        run_bounded(cmd, limit)
    };
    let modes = ["send", "reinit"];

    // Stock first, both modes, so that its report is complete whatever ours
    // does.
    for mode in modes {
        // Stock hangs here: 5 s say so as well as 10.
        let mut cmd = Command::new(&built.stock);
        cmd.arg(mode);
        let stock = run_bounded(cmd, Duration::from_secs(5));
        assert!(
            stock.stdout.contains("entered callback"),
            "the stock run must reach the callback (harness control):\n{}",
            stock.dump()
        );
        let line = stock
            .lines("PARENT")
            .first()
            .copied()
            .unwrap_or("(no result line)");
        report(
            &dir,
            &format!("stock PJSIP, {mode}: {}; {line}", stock.ending()),
        );
        // The control: without a parent stock PJSIP takes no lock, returns,
        // and gives what the checks below expect of ours.
        let control = run(&built.stock, &[mode, "--no-parent"]);
        assert_returned(
            "stock PJSIP without a parent (the harness's control)",
            mode,
            &control,
            limit,
        );
    }

    for mode in modes {
        let ours = run(&built.ours, &[mode]);
        assert_set_up(mode, &ours);
        report(
            &dir,
            &format!(
                "drop-in, {mode}: {}; {}",
                ours.ending(),
                ours.lines("PARENT")
                    .first()
                    .copied()
                    .unwrap_or("(no result line)")
            ),
        );
        assert_returned("drop-in", mode, &ours, limit);
        let ours = run(&built.ours, &[mode, "--no-parent"]);
        assert_returned("drop-in without a parent", mode, &ours, limit);
    }
}
