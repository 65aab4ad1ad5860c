#!/usr/bin/env bash
# Relinks PJSIP's own test program, pjsip-test, with the drop-in's static
# library ahead of libpjsip, so that PJSIP's sip_auth_client.o is not in the
# binary, and optionally runs some of its tests.
#
#   pj/scripts/relink-pjsip-test.sh PJPROJECT_DIR LIB [DEST] [-- TEST...]
#
# PJPROJECT_DIR  a built pjproject tree (../shared/pjproject/build.sh); left
#                untouched, so its stock pjsip-test stays available for
#                side-by-side runs and benchmarks.
# LIB            libpjsip_auth_shim_pj.a (cargo build -p pjsip-auth-shim-pj).
# DEST           where the tree is copied and relinked (default:
#                target/pjproject-relink next to this repository's Cargo.toml);
#                a copy made earlier from the same tree is reused.
# TEST...        pjsip-test test names to run in the copy (for instance
#                auth_async_test pjsua_auth_test regc_test); exit status is
#                pjsip-test's.
#
# Prints the relinked binary's path. Fails unless the binary contains
# pjshim_pj_version (a symbol only our library defines) and none of the
# stock object's own functions.
set -euo pipefail
usage() { sed -n '2,21p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
src=$(cd "$1" && pwd)
lib=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
shift 2
repo=$(cd "$(dirname "$0")/../.." && pwd)
dest="$repo/target/pjproject-relink"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then dest=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
tests=("$@")

[ -f "$src/build.mak" ] || { echo "$src: not a configured pjproject tree (no build.mak)" >&2; exit 1; }
[ -f "$lib" ] || { echo "$lib: no such library" >&2; exit 1; }

# The copy: cp -a keeps timestamps, so make relinks only what we delete.
mkdir -p "$(dirname "$dest")"
dest=$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")
if [ "$(cat "$dest/.pjshim-copy-of" 2>/dev/null || true)" != "$src" ]; then
  rm -rf "$dest"
  cp -a "$src" "$dest"
  echo "$src" >"$dest/.pjshim-copy-of"
fi

target=$(printf 'include %s/build.mak\npjshim-target:\n\t@echo $(TARGET_NAME)\n' "$dest" |
  make -s --no-print-directory -f - PJDIR="$dest" pjshim-target)
bin="$dest/pjsip/bin/pjsip-test-$target"

# Only the static library in its directory, so -l cannot pick a .so.
libdir="$dest/pjshim-lib"
rm -rf "$libdir"
mkdir -p "$libdir"
cp "$lib" "$libdir/libpjsip_auth_shim_pj.a"

rm -f "$bin"
# PJDIR on the command line: the copy's build.mak names the original tree.
# -ldl -lpthread -lm: what the Rust standard library in our archive needs.
make -s -C "$dest/pjsip/build" pjsip-test PJDIR="$dest" \
  PJSIP_LDLIB="-L$libdir -lpjsip_auth_shim_pj -lpjsip-$target -ldl -lpthread -lm" >&2

symbols=$(nm "$bin")
if ! grep -q ' T pjshim_pj_version$' <<<"$symbols"; then
  echo "$bin: pjshim_pj_version missing: our library was not linked" >&2; exit 1
fi
# auth_respond is a static function of PJSIP's sip_auth_client.c.
if grep -q ' t auth_respond$' <<<"$symbols"; then
  echo "$bin: PJSIP's sip_auth_client.o is in the binary" >&2; exit 1
fi
echo "$bin"

if [ ${#tests[@]} -gt 0 ]; then
  cd "$dest/pjsip"
  "$bin" "${tests[@]}"
fi
