#!/usr/bin/env bash
# Hardening runs (issue 9), called from .ci/run: bounded fuzzing of every
# cargo-fuzz target, the C tests under AddressSanitizer+UndefinedBehavior-
# Sanitizer, the threaded C tests under ThreadSanitizer, and miri over the
# modules holding `unsafe`. Exits non-zero on any crash, sanitizer report or
# miri error. Each sanitizer stage first shows that it can fail: a canary
# with a known bug must be reported.
#
# Knobs: FUZZ_SECONDS (per target, default 45), FUZZ_TARGETS (default all),
# HARDENING_STAGES (default "fuzz asan tsan miri").
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-45}
FUZZ_TARGETS=${FUZZ_TARGETS:-"message_parse challenge_parse authorization_parse reinit server_verify sessions_model"}
HARDENING_STAGES=${HARDENING_STAGES:-"fuzz asan tsan miri"}
export CARGO_TERM_COLOR=never

section() { printf '\n=== hardening: %s ===\n' "$*"; }
stage() { [[ " $HARDENING_STAGES " == *" $1 "* ]]; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

section "toolchain: nightly with miri and rust-src, cargo-fuzz"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup component add --toolchain nightly miri rust-src >/dev/null
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
command -v gcc >/dev/null 2>&1
HOST=$(rustc +nightly -vV | sed -n 's/^host: //p')
SYSROOT=$(rustc +nightly --print sysroot)
cargo +nightly fuzz --version

CFLAGS_C=(-std=c11 -Wall -Wextra -Werror -pedantic -pthread -g -O1 -Iinclude -Ic-tests)
LIBS=(-lpthread -ldl -lm)

# ---------------------------------------------------------------------------
if stage fuzz; then
  section "fuzz: ${FUZZ_SECONDS}s per target (libFuzzer + ASan), seeds in fuzz/seeds"
  t0=$(date +%s)
  cargo +nightly fuzz build
  bin=fuzz/target/$HOST/release
  for t in $FUZZ_TARGETS; do
    # New inputs go to a scratch corpus; the checked-in seeds are read only.
    work=target/fuzz-corpus/$t
    mkdir -p "$work" target/fuzz-artifacts
    log=target/fuzz-$t.log
    if ! "$bin/$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
        -artifact_prefix="target/fuzz-artifacts/$t-" "$work" "fuzz/seeds/$t" >"$log" 2>&1; then
      tail -60 "$log"
      echo "FUZZ FAILURE in $t (input saved under target/fuzz-artifacts/)"
      exit 1
    fi
    printf '%-20s %s\n' "$t" "$(grep -E '^Done' "$log")"
  done
  echo "fuzz stage: $(elapsed "$t0")"
fi

# ---------------------------------------------------------------------------
if stage asan; then
  section "C tests under AddressSanitizer + UndefinedBehaviorSanitizer (gcc)"
  t0=$(date +%s)
  cargo build --release --lib
  lib=target/release/libpjsip_auth_shim.a
  out=target/asan
  mkdir -p "$out"
  SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=99
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  # Canaries: a heap overflow, a leak and a signed overflow must each fail.
  cat >"$out/canary.c" <<'EOF'
#include <limits.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    (void)argv;
    if (argc == 2) { char *p = malloc(8); memset(p, 0, 9); free(p); }
    if (argc == 3) { void *p = malloc(64); p = NULL; (void)p; }
    if (argc == 4) { int x = INT_MAX; x += argc; return x == 0; }
    return 0;
}
EOF
  gcc -std=c11 -g -O0 -w "${SAN[@]}" "$out/canary.c" -o "$out/canary"
  "$out/canary" >/dev/null 2>&1 || { echo "the clean canary failed"; exit 1; }
  for args in "a" "a b" "a b c"; do
    # shellcheck disable=SC2086
    if "$out/canary" $args >/dev/null 2>&1; then
      echo "sanitizer canary ($args) was not reported: the sanitizers are not working"; exit 1
    fi
  done
  echo "canaries: heap overflow, leak and signed overflow reported"
  for src in c-tests/*.c; do
    t=$(basename "$src" .c)
    gcc "${CFLAGS_C[@]}" "${SAN[@]}" "$src" "$lib" "${LIBS[@]}" -o "$out/$t"
    s=$(date +%s)
    if ! "$out/$t" >"$out/$t.log" 2>&1; then
      tail -60 "$out/$t.log"; echo "ASAN/UBSAN FAILURE in $t"; exit 1
    fi
    echo "c-test $t ... ok under ASan+UBSan ($(elapsed "$s"))"
  done
  unset ASAN_OPTIONS UBSAN_OPTIONS
  echo "asan stage: $(elapsed "$t0")"
fi

# ---------------------------------------------------------------------------
if stage tsan; then
  # The Rust side must be instrumented too: with an uninstrumented library
  # TSan cannot see Rust's atomics and reports the session table's
  # lock-protected accesses as races. So the library (and std, -Zbuild-std)
  # is built with -Zsanitizer=thread, the C tests with gcc -fsanitize=thread,
  # and both linked against the Rust toolchain's TSan runtime (gcc 12's own
  # lacks __tsan_memset, which current LLVM emits).
  section "threaded C tests under ThreadSanitizer (Rust library instrumented)"
  t0=$(date +%s)
  RUSTFLAGS="-Zsanitizer=thread" CARGO_TARGET_DIR=target/tsan-rust \
    cargo +nightly build -Zbuild-std --target "$HOST" --release --lib
  lib=target/tsan-rust/$HOST/release/libpjsip_auth_shim.a
  rt=$SYSROOT/lib/rustlib/$HOST/lib/librustc-nightly_rt.tsan.a
  out=target/tsan
  mkdir -p "$out"
  export TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$PWD/.ci/tsan.supp"
  tsan_build() { # src exe
    gcc "${CFLAGS_C[@]}" -fsanitize=thread -c "$1" -o "$2.o"
    gcc -pthread "$2.o" "$lib" -Wl,--whole-archive "$rt" -Wl,--no-whole-archive \
      "${LIBS[@]}" -lstdc++ -o "$2"
  }
  cat >"$out/canary.c" <<'EOF'
#include <pthread.h>
static int shared;
static void *bump(void *a) { (void)a; shared++; return 0; }
int main(void) {
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, bump, 0);
    for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
    return shared == 0;
}
EOF
  tsan_build "$out/canary.c" "$out/canary"
  if "$out/canary" >/dev/null 2>&1; then
    echo "TSan canary race was not reported: ThreadSanitizer is not working"; exit 1
  fi
  echo "canary: data race reported"
  for t in async_race async_deinit_race grp_lock async_api; do
    tsan_build "c-tests/$t.c" "$out/$t"
    s=$(date +%s)
    if ! "$out/$t" >"$out/$t.log" 2>&1; then
      tail -80 "$out/$t.log"; echo "TSAN FAILURE in $t"; exit 1
    fi
    echo "c-test $t ... ok under TSan ($(elapsed "$s"))"
  done
  unset TSAN_OPTIONS
  echo "tsan stage: $(elapsed "$t0")"
fi

# ---------------------------------------------------------------------------
if stage miri; then
  # The registry (handle), the token slots, the session table, and the C
  # front end's casts and tables (through tests/ffi_abi.rs). Isolation is
  # off for the clock the handle keys are seeded from. The slow tests
  # (100,000-iteration loops, thread races) are left to the native runs and
  # the loom model.
  section "miri: token, handle, session table, C ABI casts"
  t0=$(date +%s)
  export MIRIFLAGS="-Zmiri-disable-isolation"
  export CARGO_TARGET_DIR=target/miri
  cargo +nightly miri test --lib -- token:: handle::
  cargo +nightly miri test --test ffi_abi
  cargo +nightly miri test --test sessions -- a_token_is_claimed close_revokes \
    closed_and_never issue_without parents_act the_protocol
  unset MIRIFLAGS CARGO_TARGET_DIR
  echo "miri stage: $(elapsed "$t0")"
fi

section "hardening: all stages passed ($HARDENING_STAGES)"
