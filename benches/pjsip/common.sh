# Shared by run.sh and run_dropin.sh (sourced, not run): argument parsing,
# the pjproject tree and its flags, the repeated runs, and the median table.

# bench_setup OUTDIR_NAME "$@": sets repo, out, quick, CC, PJPROJECT_DIR
# (building the shared source once when unset) and PJ_CFLAGS, PJ_LDFLAGS,
# PJ_LDLIBS from the tree's build.mak; cds to the repository.
bench_setup() {
  local name=$1
  shift
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$repo"
  quick=""
  for a in "$@"; do
    case "$a" in
      --quick) quick="--quick" ;;
      *) echo "usage: $0 [--quick]" >&2; exit 64 ;;
    esac
  done
  out="$repo/target/$name"
  mkdir -p "$out"
  CC=${CC:-cc}
  if [ -z "${PJPROJECT_DIR:-}" ]; then
    local build_sh="$repo/../shared/pjproject/build.sh"
    [ -f "$build_sh" ] || { echo "no PJPROJECT_DIR and no $build_sh" >&2; exit 1; }
    PJPROJECT_DIR=$(bash "$build_sh" target/pjproject | tail -1)
  fi
  [ -f "$PJPROJECT_DIR/build.mak" ] ||
    { echo "$PJPROJECT_DIR/build.mak not found: not a built pjproject tree" >&2; exit 1; }
  export PJPROJECT_DIR
  local flags_mk="$out/pjflags.mk"
  printf 'include %s/build.mak\nall:\n\t@echo "$(PJ_CFLAGS)"\n\t@echo "$(PJ_LDFLAGS)"\n\t@echo "$(PJ_LDLIBS)"\n' \
    "$PJPROJECT_DIR" >"$flags_mk"
  { read -r PJ_CFLAGS; read -r PJ_LDFLAGS; read -r PJ_LDLIBS; } < <(make -s -f "$flags_mk")
}

# bench_runs "SECTIONS" LIB...: each section in its own process, the binaries
# $out/auth_bench_<lib> in turn, the whole set BENCH_RUNS times (default 3,
# quick 1), appended to $out/<lib>.txt; sets runs.
bench_runs() {
  local sections=$1 run section lib
  shift
  runs=${BENCH_RUNS:-3}
  [ -z "$quick" ] || runs=1
  for lib in "$@"; do : >"$out/$lib.txt"; done
  for run in $(seq 1 "$runs"); do
    for section in $sections; do
      for lib in "$@"; do
        echo "run $run/$runs: $lib $section ${quick:-(full)}" >&2
        "$out/auth_bench_$lib" $quick "$section" >>"$out/$lib.txt"
      done
    done
  done
}

# bench_table TITLE LABEL OURS.txt PJSIP.txt [self]: the heading line and the
# median table (operation, LABEL, PJSIP 2.17, LABEL/PJSIP); with "self", also
# our figures against each other (the 1M-pending and deinit goals).
bench_table() {
  local mode=${quick:+quick (timings not meaningful)}
  echo
  echo "$1, PJSIP 2.17 ($PJPROJECT_DIR), ${mode:-full run}, median of $runs run(s), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  awk -F'\t' -v label="$2" -v self="${5:-}" -f "$repo/benches/pjsip/table.awk" "$3" "$4"
}
