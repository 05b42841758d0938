#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds gostcsp into ${GOSTCSP_BUILD_DIR:-build}. Extra arguments go to cmake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOSTCSP_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${GOSTCSP_BUILD_TYPE:-RelWithDebInfo}" \
  -DGOSTCSP_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
