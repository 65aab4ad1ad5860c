#!/usr/bin/env bash
# Builds the C library in release mode and installs it under a prefix:
#
#   PREFIX=/opt/pjshim scripts/install.sh        (or: scripts/install.sh --prefix /opt/pjshim)
#
#   $PREFIX/lib/libpjsip_auth_shim.a
#   $PREFIX/lib/libpjsip_auth_shim.so.<full>     (soname libpjsip_auth_shim.so.<major>)
#   $PREFIX/lib/libpjsip_auth_shim.so.<major> -> libpjsip_auth_shim.so.<full>
#   $PREFIX/lib/libpjsip_auth_shim.so         -> libpjsip_auth_shim.so.<major>
#   $PREFIX/include/pjsip-auth-shim/           pjsip_auth_shim.h, pjsip_auth_shim.hpp and
#                                              the forwarding pjsip.h, pjlib.h, pjsip_ua.h,
#                                              pjsip/sip_auth.h
#   $PREFIX/lib/pkgconfig/pjsip-auth-shim.pc
#   $PREFIX/lib/cmake/pjsip-auth-shim/         CMake package config: imported targets
#                                              pjsip-auth-shim::pjsip-auth-shim (shared)
#                                              and pjsip-auth-shim::static
#
# With --drop-in it installs the drop-in for real PJSIP instead (crate
# pjsip-auth-shim-pj, built against PJPROJECT_DIR or `pkg-config libpjproject`):
#
#   $PREFIX/lib/libpjsip_auth_shim_pj.a
#   $PREFIX/lib/libpjsip_auth_shim_pj.so      (soname libpjsip_auth_shim_pj.so)
#   $PREFIX/lib/pkgconfig/pjsip-auth-shim-pj.pc
#
# That .pc has `Requires: libpjproject` (when pkg-config knows it), so
# `pkg-config --libs pjsip-auth-shim-pj` prints our library ahead of
# libpjsip, the order the replacement needs. No headers: PJSIP's own serve.
#
# The headers go in a subdirectory because the forwarding headers carry PJSIP's
# own names: in a shared include directory they would shadow a real pjproject.
# The .pc file's Cflags point there, so `#include <pjsip_auth_shim.h>` and an
# unchanged `#include <pjsip.h>` both resolve.
#
# Options (each also an environment variable):
#   --prefix DIR    PREFIX   install root (default /usr/local)
#   --libdir DIR    LIBDIR   library directory (default $PREFIX/lib)
#   --destdir DIR   DESTDIR  staging root prepended to every path (packagers);
#                            the .pc file still names $PREFIX
#   --no-build               install what is already built, do not run cargo
#   --drop-in                install the drop-in (above) instead of the
#                            standalone library
# CARGO_TARGET_DIR is honoured (default: target/ in the repository);
# CARGO selects the cargo binary (default: cargo).
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

PREFIX="${PREFIX:-/usr/local}"
LIBDIR="${LIBDIR:-}"
DESTDIR="${DESTDIR:-}"
build=1
dropin=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --prefix=*) PREFIX="${1#*=}"; shift ;;
    --libdir) LIBDIR="$2"; shift 2 ;;
    --libdir=*) LIBDIR="${1#*=}"; shift ;;
    --destdir) DESTDIR="$2"; shift 2 ;;
    --destdir=*) DESTDIR="${1#*=}"; shift ;;
    --no-build) build=0; shift ;;
    --drop-in) dropin=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$PREFIX" in
  /*) ;;
  *) echo "install.sh: the prefix must be an absolute path (got '$PREFIX')" >&2; exit 2 ;;
esac
LIBDIR="${LIBDIR:-$PREFIX/lib}"
INCDIR="$PREFIX/include/pjsip-auth-shim"

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
out="$target_dir/release"

d() { printf '%s%s' "$DESTDIR" "$1"; }
pc_libdir="$LIBDIR"
case "$LIBDIR" in "$PREFIX"/*) pc_libdir="\${prefix}${LIBDIR#"$PREFIX"}" ;; esac
# The version from the installed package's Cargo.toml [package] section.
package_version() { sed -n '/^\[package\]/,/^\[/ s/^version *= *"\([^"]*\)".*/\1/p' "$1" | head -1; }
version="$(package_version Cargo.toml)"
[ "$dropin" = 0 ] || version="$(package_version pj/Cargo.toml)"
[ -n "$version" ] || { echo "install.sh: no version in Cargo.toml" >&2; exit 1; }
# What either static library needs beyond libc, as `cargo rustc --
# --print native-static-libs` reports it on Linux (-lutil and -lrt are empty
# stubs in glibc >= 2.34, needed before): for the .pc files and CMake.
sys_libs="pthread dl m rt util gcc_s"
libs_private="$(printf -- '-l%s ' $sys_libs)"
libs_private="${libs_private% }"

if [ "$dropin" = 1 ]; then
  if [ "$build" = 1 ]; then
    # Required: without a pjproject the build would skip the drop-in quietly.
    PJSHIM_REQUIRE_PJPROJECT=1 CARGO_TARGET_DIR="$target_dir" \
      "${CARGO:-cargo}" build --release --lib -p pjsip-auth-shim-pj
  fi
  for f in libpjsip_auth_shim_pj.a libpjsip_auth_shim_pj.so; do
    [ -f "$out/$f" ] || { echo "install.sh: $out/$f is missing (set PJPROJECT_DIR, or drop --no-build)" >&2; exit 1; }
  done
  install -d "$(d "$LIBDIR")" "$(d "$LIBDIR/pkgconfig")"
  install -m 644 "$out/libpjsip_auth_shim_pj.a" "$(d "$LIBDIR")/"
  install -m 755 "$out/libpjsip_auth_shim_pj.so" "$(d "$LIBDIR")/"
  if "${PKG_CONFIG:-pkg-config}" --exists libpjproject 2>/dev/null; then
    requires="Requires: libpjproject"
  else
    requires="# No libpjproject.pc was found at install time: list your PJSIP libraries after this one."
    echo "install.sh: warning: pkg-config does not know libpjproject; the .pc names only our library" >&2
  fi
  cat > "$(d "$LIBDIR/pkgconfig")/pjsip-auth-shim-pj.pc" <<PC
prefix=$PREFIX
libdir=$pc_libdir

Name: pjsip-auth-shim-pj
Description: pjsip-auth-shim's drop-in for PJSIP: replaces sip_auth_client.o, linked ahead of libpjsip
Version: $version
$requires
Libs: -L\${libdir} -lpjsip_auth_shim_pj
Libs.private: $libs_private
PC
  echo "installed pjsip-auth-shim-pj $version under ${DESTDIR}${PREFIX}"
  exit 0
fi

if [ "$build" = 1 ]; then
  # The root package only (not the pj/ drop-in, which needs a pjproject).
  CARGO_TARGET_DIR="$target_dir" "${CARGO:-cargo}" build --release --lib -p pjsip-auth-shim
fi
for f in libpjsip_auth_shim.a libpjsip_auth_shim.so; do
  [ -f "$out/$f" ] || { echo "install.sh: $out/$f is missing (build first, or drop --no-build)" >&2; exit 1; }
done

# The soname from the built library itself, so build.rs stays the one place
# that decides it.
soname=""
if command -v readelf >/dev/null 2>&1; then
  soname="$(readelf -d "$out/libpjsip_auth_shim.so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')"
elif command -v objdump >/dev/null 2>&1; then
  soname="$(objdump -p "$out/libpjsip_auth_shim.so" | awk '$1 == "SONAME" { print $2 }')"
fi
case "$soname" in
  libpjsip_auth_shim.so.*) ;;
  "") echo "install.sh: cannot read the soname (no readelf/objdump, or the library has none)" >&2; exit 1 ;;
  *) echo "install.sh: unexpected soname '$soname'" >&2; exit 1 ;;
esac
full="libpjsip_auth_shim.so.$version"

install -d "$(d "$LIBDIR")" "$(d "$LIBDIR/pkgconfig")" "$(d "$INCDIR/pjsip")"
install -m 644 "$out/libpjsip_auth_shim.a" "$(d "$LIBDIR")/libpjsip_auth_shim.a"
install -m 755 "$out/libpjsip_auth_shim.so" "$(d "$LIBDIR")/$full"
if [ "$soname" != "$full" ]; then
  ln -sfn "$full" "$(d "$LIBDIR")/$soname"
fi
ln -sfn "$soname" "$(d "$LIBDIR")/libpjsip_auth_shim.so"

install -m 644 include/pjsip_auth_shim.h include/pjsip.h include/pjlib.h include/pjsip_ua.h \
  "$(d "$INCDIR")/"
install -m 644 include/pjsip/sip_auth.h "$(d "$INCDIR")/pjsip/"
if [ -f include/pjsip_auth_shim.hpp ]; then
  install -m 644 include/pjsip_auth_shim.hpp "$(d "$INCDIR")/"
fi

cat > "$(d "$LIBDIR/pkgconfig")/pjsip-auth-shim.pc" <<PC
prefix=$PREFIX
libdir=$pc_libdir
includedir=\${prefix}/include/pjsip-auth-shim

Name: pjsip-auth-shim
Description: PJSIP-compatible SIP client digest authentication (async challenge API), standalone C library
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lpjsip_auth_shim
Libs.private: $libs_private
PC

# CMake package config (find_package(pjsip-auth-shim CONFIG)): absolute
# paths under $PREFIX, as the .pc file has.
cmake_dir="$LIBDIR/cmake/pjsip-auth-shim"
install -d "$(d "$cmake_dir")"
cat > "$(d "$cmake_dir")/pjsip-auth-shimConfig.cmake" <<CM
# pjsip-auth-shim $version, installed by scripts/install.sh.
# Targets: pjsip-auth-shim::pjsip-auth-shim (the shared library) and
# pjsip-auth-shim::static (the archive, with the system libraries it needs).
include(CMakeFindDependencyMacro)
find_dependency(Threads)
if(NOT TARGET pjsip-auth-shim::pjsip-auth-shim)
  add_library(pjsip-auth-shim::pjsip-auth-shim SHARED IMPORTED)
  set_target_properties(pjsip-auth-shim::pjsip-auth-shim PROPERTIES
    IMPORTED_LOCATION "$LIBDIR/$full"
    IMPORTED_SONAME "$soname"
    INTERFACE_INCLUDE_DIRECTORIES "$INCDIR")
  add_library(pjsip-auth-shim::static STATIC IMPORTED)
  set_target_properties(pjsip-auth-shim::static PROPERTIES
    IMPORTED_LOCATION "$LIBDIR/libpjsip_auth_shim.a"
    INTERFACE_INCLUDE_DIRECTORIES "$INCDIR"
    INTERFACE_LINK_LIBRARIES "Threads::Threads;$(echo $sys_libs | sed 's/^pthread //; s/ /;/g')")
endif()
CM
# Quoted: the body is CMake's own ${...}; the version goes in after.
cat > "$(d "$cmake_dir")/pjsip-auth-shimConfigVersion.cmake" <<'CM'
# Compatible when the requested version has the same major (from 1.0) or,
# before 1.0, the same major.minor: the soname's rule.
set(PACKAGE_VERSION "@VERSION@")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
if(NOT PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
elseif(NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  string(REGEX MATCH "^[0-9]+" _have_major "${PACKAGE_VERSION}")
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" _have_minor "${PACKAGE_VERSION}")
  if(_have_major STREQUAL "0")
    if("${PACKAGE_FIND_VERSION_MAJOR}.${PACKAGE_FIND_VERSION_MINOR}" STREQUAL _have_minor)
      set(PACKAGE_VERSION_COMPATIBLE TRUE)
    endif()
  elseif(PACKAGE_FIND_VERSION_MAJOR STREQUAL _have_major)
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  endif()
endif()
if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
  set(PACKAGE_VERSION_EXACT TRUE)
endif()
CM
sed -i "s/@VERSION@/$version/" "$(d "$cmake_dir")/pjsip-auth-shimConfigVersion.cmake"

echo "installed pjsip-auth-shim $version (soname $soname) under ${DESTDIR}${PREFIX}"
