#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's test command: install what is missing, build with warnings as errors, run every
# CTest test (unit, conformance, integration).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/deps.sh"
# GOSTCSP_SANITIZERS=1 adds the ASan+UBSan and TSan builds as tests (docs/security.md).
sanitizers=OFF
[ "${GOSTCSP_SANITIZERS:-0}" = 1 ] && sanitizers=ON
"$root/scripts/build.sh" "-DGOSTCSP_SANITIZER_TESTS=$sanitizers"
build="${GOSTCSP_BUILD_DIR:-$root/build}"
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 1500
