#!/usr/bin/env bash
# Side-by-side C benchmark of the drop-in: benches/pjsip/auth_bench.c compiled
# once in its PJSIP mode (-DBENCH_PJSIP) against the tree's own headers, that
# one object linked twice, with stock PJSIP (its sip_auth_client.o) and with
# the drop-in's archive (libpjsip_auth_shim_pj.a) ahead of libpjsip; both run,
# one table: operation, drop-in, PJSIP, drop-in/PJSIP.
#
#   benches/pjsip/run_dropin.sh            # full run (a few minutes on 2 cores)
#   benches/pjsip/run_dropin.sh --quick    # smoke run: builds, links, runs,
#                                          # prints; its timings mean little
#
# PJPROJECT_DIR=<a built pjproject tree> picks the tree; otherwise the shared
# source is built (once, cached) with ../shared/pjproject/build.sh into
# target/pjproject. The archive comes from
# `cargo build --release -p pjsip-auth-shim-pj` against that tree. Raw outputs
# in target/pjsip-bench-dropin/. Fails only when a build, a link check or a
# run fails (the benchmark checks every status); never judges timings.
#
# Sections: basic (create_digest2, reinit_req, token cycles with and without
# a parent), deinit (auth_bench.c's cleanup after deinit accepts a library
# that revokes pending tokens, as the drop-in does) and pending.
set -euo pipefail
# shellcheck source=benches/pjsip/common.sh
. "$(dirname "$0")/common.sh"
bench_setup pjsip-bench-dropin "$@"

echo "building libpjsip_auth_shim_pj.a (cargo build --release -p pjsip-auth-shim-pj)" >&2
PJSHIM_REQUIRE_PJPROJECT=1 cargo build --release -p pjsip-auth-shim-pj --quiet
# Only the archive in the -L directory, so that -l cannot take the .so.
libdir="$out/lib"
rm -rf "$libdir"
mkdir -p "$libdir"
cp target/release/libpjsip_auth_shim_pj.a "$libdir/"

# One object, two links.
obj="$out/auth_bench.o"
# shellcheck disable=SC2086  # the pjproject flags are word lists
"$CC" -O2 -std=c11 -Wall -Wextra -Werror -DBENCH_PJSIP $PJ_CFLAGS -c benches/pjsip/auth_bench.c -o "$obj"
# shellcheck disable=SC2086
"$CC" "$obj" $PJ_LDFLAGS $PJ_LDLIBS -o "$out/auth_bench_pjsip"
# shellcheck disable=SC2086
"$CC" "$obj" -L"$libdir" -lpjsip_auth_shim_pj $PJ_LDFLAGS $PJ_LDLIBS -ldl -lpthread -lm \
  -o "$out/auth_bench_dropin"

# Which client each binary carries: the pjshim_glue_* functions are ours
# alone (our client object pulls them in; pjshim_pj_version may sit in an
# archive member nothing here references); auth_respond is a static function
# of PJSIP's sip_auth_client.c.
# (nm into files: grep -q closing a pipe early would fail the pipeline.)
nm "$out/auth_bench_dropin" >"$out/dropin.nm"
nm "$out/auth_bench_pjsip" >"$out/pjsip.nm"
grep -q ' T pjshim_glue_' "$out/dropin.nm" ||
  { echo "auth_bench_dropin: our library was not linked" >&2; exit 1; }
! grep -q ' t auth_respond$' "$out/dropin.nm" ||
  { echo "auth_bench_dropin: PJSIP's sip_auth_client.o is in the binary" >&2; exit 1; }
grep -q ' t auth_respond$' "$out/pjsip.nm" ||
  { echo "auth_bench_pjsip: PJSIP's own client missing" >&2; exit 1; }

# Each section in its own process, the two binaries in turn; the whole set
# BENCH_RUNS times (default 3, quick 1); each figure is the median over runs.
bench_runs "basic deinit pending" dropin pjsip
bench_table "drop-in (libpjsip_auth_shim_pj.a) vs stock sip_auth_client.o, one auth_bench.c object" \
  drop-in "$out/dropin.txt" "$out/pjsip.txt"
