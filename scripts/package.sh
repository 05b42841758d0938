#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian package gostcsp_<version>_amd64.deb and checks it with lintian (an error
# fails). CPack's DEB generator packs what the CMake install rules install, from the same build
# tree as scripts/build.sh (${GOSTCSP_BUILD_DIR:-build}); dpkg-shlibdeps computes Depends and
# every ELF file is stripped (docs/packaging.md).
#   scripts/package.sh [OUTPUT_DIR]      default: <build>/package
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOSTCSP_BUILD_DIR:-$root/build}"
"$root/scripts/deps.sh" --packaging
# The package's layout is the /usr prefix's (the build's default; said here in case the tree
# was configured with another one).
"$root/scripts/build.sh" -DCMAKE_INSTALL_PREFIX=/usr
out="${1:-$build/package}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
arch="$(dpkg --print-architecture)"
deb="$out/gostcsp_${version}_${arch}.deb"
rm -f "$deb"
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) ||
  { tail -n 30 "$out/cpack.log" >&2; echo "package.sh: cpack failed" >&2; exit 1; }
[ -f "$deb" ] || { echo "package.sh: cpack did not write $deb" >&2; exit 1; }
rm -rf "$out/_CPack_Packages"
echo "package.sh: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Package Version Architecture Depends | sed 's/^/  /'
echo "package.sh: lintian $(basename "$deb")"
lintian --fail-on error --tag-display-limit 0 "$deb"
echo "package.sh: lintian reports no errors"
