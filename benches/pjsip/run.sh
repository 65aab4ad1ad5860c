#!/usr/bin/env bash
# Side-by-side C benchmark: benches/pjsip/auth_bench.c compiled once against
# this library's header and static library, once against stock PJSIP 2.17, run
# both, and print one table (operation, ours ns, PJSIP ns, ours/PJSIP).
#
#   benches/pjsip/run.sh            # full run (a few minutes on 2 cores)
#   benches/pjsip/run.sh --quick    # smoke run, a few seconds: proves it builds,
#                                   # runs and prints; its timings mean little
#
# PJPROJECT_DIR=<a built pjproject tree> uses that tree; otherwise the shared
# source is built (once, cached) with ../shared/pjproject/build.sh into
# target/pjproject. CC picks the compiler (default cc). Raw outputs are kept in
# target/pjsip-bench/. The script fails only when a build or a run fails (a
# benchmark run checks every status it gets); it never judges timings.
set -euo pipefail
# shellcheck source=benches/pjsip/common.sh
. "$(dirname "$0")/common.sh"
bench_setup pjsip-bench "$@"

echo "building libpjsip_auth_shim.a (cargo build --release --lib)" >&2
cargo build --release --lib --quiet

src=benches/pjsip/auth_bench.c
common=(-O2 -std=c11 -Wall -Wextra -Werror)
# shellcheck disable=SC2086  # the pjproject flags are word lists
"$CC" "${common[@]}" -Iinclude "$src" target/release/libpjsip_auth_shim.a \
  -lpthread -ldl -lm -o "$out/auth_bench_ours"
# shellcheck disable=SC2086
"$CC" "${common[@]}" -DBENCH_PJSIP $PJ_CFLAGS "$src" $PJ_LDFLAGS $PJ_LDLIBS \
  -o "$out/auth_bench_pjsip"

# Each section in its own process, ours and PJSIP's in turn; the whole set
# BENCH_RUNS times (default 3, quick 1), and each figure is the median over
# runs, so that a load change on a shared machine hits both libraries alike.
bench_runs "basic deinit pending" ours pjsip
bench_table "pjsip-auth-shim vs PJSIP 2.17" ours "$out/ours.txt" "$out/pjsip.txt" self
