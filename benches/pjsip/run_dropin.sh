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
# a parent) and pending. Not deinit: in its PJSIP mode auth_bench.c expects
# tokens to stay valid after pjsip_auth_clt_deinit (PJSIP's leak), which the
# drop-in revokes, so that section's cleanup check fails by design there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

quick=""
for a in "$@"; do
  case "$a" in
    --quick) quick="--quick" ;;
    *) echo "usage: $0 [--quick]" >&2; exit 64 ;;
  esac
done

out="$repo/target/pjsip-bench-dropin"
mkdir -p "$out"
CC=${CC:-cc}

if [ -z "${PJPROJECT_DIR:-}" ]; then
  build_sh="$repo/../shared/pjproject/build.sh"
  [ -f "$build_sh" ] || { echo "no PJPROJECT_DIR and no $build_sh" >&2; exit 1; }
  PJPROJECT_DIR=$(bash "$build_sh" target/pjproject | tail -1)
fi
[ -f "$PJPROJECT_DIR/build.mak" ] || { echo "$PJPROJECT_DIR/build.mak not found: not a built pjproject tree" >&2; exit 1; }
export PJPROJECT_DIR

flags_mk="$out/pjflags.mk"
printf 'include %s/build.mak\nall:\n\t@echo "$(PJ_CFLAGS)"\n\t@echo "$(PJ_LDFLAGS)"\n\t@echo "$(PJ_LDLIBS)"\n' \
  "$PJPROJECT_DIR" >"$flags_mk"
{ read -r PJ_CFLAGS; read -r PJ_LDFLAGS; read -r PJ_LDLIBS; } < <(make -s -f "$flags_mk")

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
runs=${BENCH_RUNS:-3}
[ -z "$quick" ] || runs=1
: >"$out/dropin.txt"
: >"$out/pjsip.txt"
for run in $(seq 1 "$runs"); do
  for section in basic pending; do
    for lib in dropin pjsip; do
      echo "run $run/$runs: $lib $section ${quick:-(full)}" >&2
      "$out/auth_bench_$lib" $quick "$section" >>"$out/$lib.txt"
    done
  done
done

mode=${quick:+quick (timings not meaningful)}
echo
echo "drop-in (libpjsip_auth_shim_pj.a) vs stock sip_auth_client.o, one auth_bench.c object, PJSIP 2.17 ($PJPROJECT_DIR), ${mode:-full run}, median of $runs run(s), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
awk -F'\t' '
  FNR == 1 { file++ }
  $1 != "RESULT" { next }
  file == 1 { if (!($2 in nd)) { order[++n] = $2; unit[$2] = $4; what[$2] = $5 }
              vd[$2, ++nd[$2]] = $3 }
  file == 2 { vp[$2, ++np[$2]] = $3 }
  function med(a, k, m,    i, j, x, t) {
    for (i = 1; i <= m; i++) t[i] = a[k, i] + 0
    for (i = 2; i <= m; i++) { x = t[i]; for (j = i - 1; j >= 1 && t[j] > x; j--) t[j + 1] = t[j]; t[j + 1] = x }
    return (m % 2) ? t[(m + 1) / 2] : (t[m / 2] + t[m / 2 + 1]) / 2
  }
  END {
    printf "| operation | drop-in | PJSIP 2.17 | drop-in/PJSIP |\n|---|---:|---:|---:|\n"
    for (i = 1; i <= n; i++) {
      k = order[i]; d = med(vd, k, nd[k])
      if (k in np) { p = med(vp, k, np[k]); ps = sprintf("%.1f %s", p, unit[k]) } else { p = 0; ps = "-" }
      # Ratios of times only (memory figures are not comparable: PJSIP keeps
      # no per-token state).
      r = (unit[k] == "ns" && p > 0) ? sprintf("%.2fx", d / p) : "-"
      printf "| %s | %.1f %s | %s | %s |\n", what[k], d, unit[k], ps, r
    }
  }' "$out/dropin.txt" "$out/pjsip.txt"
