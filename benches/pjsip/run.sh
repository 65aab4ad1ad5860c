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
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

quick=""
for a in "$@"; do
  case "$a" in
    --quick) quick="--quick" ;;
    *) echo "usage: $0 [--quick]" >&2; exit 64 ;;
  esac
done

out="$repo/target/pjsip-bench"
mkdir -p "$out"
CC=${CC:-cc}

if [ -z "${PJPROJECT_DIR:-}" ]; then
  build_sh="$repo/../shared/pjproject/build.sh"
  [ -f "$build_sh" ] || { echo "no PJPROJECT_DIR and no $build_sh" >&2; exit 1; }
  PJPROJECT_DIR=$(bash "$build_sh" target/pjproject | tail -1)
fi
[ -f "$PJPROJECT_DIR/build.mak" ] || { echo "$PJPROJECT_DIR/build.mak not found: not a built pjproject tree" >&2; exit 1; }

# PJ_CFLAGS / PJ_LDFLAGS / PJ_LDLIBS from the tree's build.mak.
flags_mk="$out/pjflags.mk"
printf 'include %s/build.mak\nall:\n\t@echo "$(PJ_CFLAGS)"\n\t@echo "$(PJ_LDFLAGS)"\n\t@echo "$(PJ_LDLIBS)"\n' \
  "$PJPROJECT_DIR" >"$flags_mk"
{ read -r PJ_CFLAGS; read -r PJ_LDFLAGS; read -r PJ_LDLIBS; } < <(make -s -f "$flags_mk")

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
runs=${BENCH_RUNS:-3}
[ -z "$quick" ] || runs=1
: >"$out/ours.txt"
: >"$out/pjsip.txt"
for run in $(seq 1 "$runs"); do
  for section in basic deinit pending; do
    for lib in ours pjsip; do
      echo "run $run/$runs: $lib $section ${quick:-(full)}" >&2
      "$out/auth_bench_$lib" $quick "$section" >>"$out/$lib.txt"
    done
  done
done

mode=${quick:+quick (timings not meaningful)}
echo
echo "pjsip-auth-shim vs PJSIP 2.17 ($PJPROJECT_DIR), ${mode:-full run}, median of $runs run(s), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
awk -F'\t' '
  FNR == 1 { file++ }
  $1 != "RESULT" { next }
  file == 1 { if (!($2 in nours)) { order[++n] = $2; unit[$2] = $4; what[$2] = $5 }
              vo[$2, ++nours[$2]] = $3 }
  file == 2 { vp[$2, ++npj[$2]] = $3 }
  # Median of the m values a[k, 1..m] (insertion sort; m is small).
  function med(a, k, m,    i, j, x, t) {
    for (i = 1; i <= m; i++) t[i] = a[k, i] + 0
    for (i = 2; i <= m; i++) { x = t[i]; for (j = i - 1; j >= 1 && t[j] > x; j--) t[j + 1] = t[j]; t[j + 1] = x }
    return (m % 2) ? t[(m + 1) / 2] : (t[m / 2] + t[m / 2 + 1]) / 2
  }
  function show(v, u) { return (v + 0 < 1 && u == " ns") ? "< 1 ns" : sprintf("%.1f%s", v, u) }
  function rel(a, b) { return (b + 0 > 0) ? sprintf("%.2fx", a / b) : "-" }
  END {
    for (i = 1; i <= n; i++) { k = order[i]; ours[k] = med(vo, k, nours[k]); if (k in npj) pj[k] = med(vp, k, npj[k]) }
    printf "| operation | ours | PJSIP 2.17 | ours/PJSIP |\n|---|---:|---:|---:|\n"
    for (i = 1; i <= n; i++) {
      k = order[i]; u = " " unit[k]
      if (!(k in pj)) { ps = "-"; r = "-" }
      else {
        ps = show(pj[k], u)
        # A ratio only where both do the same work: not for memory, nor for
        # deinit (PJSIP leaves the pending tokens alone, and is near the
        # clock resolution there).
        r = (unit[k] == "ns" && k !~ /^deinit\./) ? rel(ours[k], pj[k]) : "-"
      }
      printf "| %s | %s | %s | %s |\n", what[k], show(ours[k], u), ps, r
    }
    printf "\nours against ours (the 1M-pending and deinit goals):\n\n"
    printf "| comparison | ratio |\n|---|---:|\n"
    printf "| issue with the table full / empty | %s |\n", rel(ours["pending.full.issue"], ours["pending.empty.issue"])
    printf "| claim with the table full / empty | %s |\n", rel(ours["pending.full.claim"], ours["pending.empty.claim"])
    split("0 10 1000", ks, " ")
    for (j = 1; j <= 3; j++) {
      f = "deinit.k" ks[j] ".fresh"
      printf "| deinit, %s pending: after a burst elsewhere / fresh | %s |\n", ks[j], rel(ours["deinit.k" ks[j] ".after_burst"], ours[f])
      printf "| deinit, %s pending: burst pending elsewhere / fresh | %s |\n", ks[j], rel(ours["deinit.k" ks[j] ".burst_pending"], ours[f])
    }
  }' "$out/ours.txt" "$out/pjsip.txt"
