#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds gostcsp into ${GOSTCSP_BUILD_DIR:-build}. Extra arguments go to cmake.
# Uses ccache when it is installed (GOSTCSP_CCACHE=0 turns that off); never requires it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOSTCSP_BUILD_DIR:-$root/build}"
launcher=()
if [ "${GOSTCSP_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${GOSTCSP_BUILD_TYPE:-RelWithDebInfo}" \
  -DGOSTCSP_WERROR=ON "${launcher[@]}" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
