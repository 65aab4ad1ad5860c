#!/usr/bin/env bash
# The firmware profile's footprint (issue 11): builds the no_std + alloc core
# for Cortex-M4F (thumbv7em-none-eabihf) with opt-level "z", fat LTO and
# panic=abort, links firmware/src/lib.rs (an integrator's static library: a
# fixed-capacity session table, its own message model, the async protocol)
# against it, and reports the code and data that library carries. Fails when
# its flash (text + data) exceeds the recorded figure in firmware/size-budget by more than
# its margin.
#
#   firmware/size.sh            measure and check
#   firmware/size.sh --record   measure and write the figure to size-budget
#
# Two steps rather than a Cargo dependency: Cargo builds every crate type of
# a dependency, and the root crate's staticlib and cdylib (the C library)
# cannot be built without std (they need a panic handler and an allocator,
# which only the final firmware may define). So the core is built as an rlib
# with cargo, and the firmware library with rustc against it.
set -euo pipefail
cd "$(dirname "$0")/.."
target=thumbv7em-none-eabihf
out=target/firmware
mkdir -p "$out"
rustup target list --installed | grep -qx "$target" || rustup target add "$target" >/dev/null

CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=fat \
CARGO_PROFILE_RELEASE_PANIC=abort CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_TARGET_DIR="$out/cargo" \
  cargo rustc --release --lib --no-default-features --target "$target" \
    --crate-type rlib -- -D warnings
deps="$out/cargo/$target/release/deps"
rlib=$(ls -t "$deps"/libpjsip_auth_shim-*.rlib | head -1)
rustc --edition 2021 --crate-type staticlib --crate-name pjshim_firmware \
  --target "$target" -C opt-level=z -C lto=fat -C panic=abort -C codegen-units=1 \
  -D warnings -L "dependency=$deps" --extern pjsip_auth_shim="$rlib" \
  firmware/src/lib.rs -o "$out/libpjshim_firmware.a"

# The archive holds the LTO object (our code with what it uses of core,
# alloc and the hash crates) and compiler_builtins' members; the linker
# takes from the latter only the few intrinsics referenced. Report the LTO
# object. The budget is its flash: text (code and read-only data) + data.
# bss is RAM and reported apart: it is mostly the measurement's own 64 KiB
# allocator arena.
size_tool=$(command -v llvm-size || true)
[ -n "$size_tool" ] || { echo "size.sh: llvm-size not found (Debian package llvm)" >&2; exit 1; }
# (awk reads to the end: an early exit would fail the pipe under pipefail.)
line=$("$size_tool" "$out/libpjshim_firmware.a" | awk '!found && /pjshim_firmware/ && !/compiler_builtins/ { print; found = 1 }')
[ -n "$line" ] || { echo "size.sh: no LTO object in the archive" >&2; "$size_tool" "$out/libpjshim_firmware.a" | head >&2; exit 1; }
read -r text data bss _ <<<"$line"
total=$((text + data))
echo "firmware core on $target (opt-level z, LTO): flash $total B (text $text, data $data); bss $bss B (64 KiB of it the arena)"

budget=firmware/size-budget
if [ "${1:-}" = "--record" ]; then
  margin=$(sed -n 's/^margin_percent=//p' "$budget" 2>/dev/null || true)
  printf 'total_bytes=%s\nmargin_percent=%s\n' "$total" "${margin:-10}" > "$budget"
  echo "recorded in $budget"
  exit 0
fi
recorded=$(sed -n 's/^total_bytes=//p' "$budget")
margin=$(sed -n 's/^margin_percent=//p' "$budget")
limit=$((recorded + recorded * margin / 100))
echo "budget: recorded $recorded B + ${margin}% = $limit B"
if [ "$total" -gt "$limit" ]; then
  echo "size.sh: the firmware core grew to $total B, over its budget of $limit B" >&2
  echo "(if the growth is wanted, say why in the commit and run firmware/size.sh --record)" >&2
  exit 1
fi
