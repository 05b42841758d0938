#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI job: the constant-time check (issue #15). Builds ct_driver in the normal build directory
# (the normal RelWithDebInfo build: the valgrind client requests are compiled into every build)
# and runs the self-test (planted leaks must be reported) and the check (no report allowed).
#   scripts/check_ct.sh [build-dir]     (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
command -v valgrind >/dev/null || { echo "check_ct: valgrind missing (scripts/deps.sh)" >&2; exit 1; }
cmake --build "$build" -j"${JOBS:-2}" --target ct_driver
ctest --test-dir "$build" -L '^ct$' --output-on-failure
