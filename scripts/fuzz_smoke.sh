#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan) and runs each over its seed corpus
# (fuzz/corpus/<target>) for a short fixed budget; any crash, leak or sanitizer report fails.
#   scripts/fuzz_smoke.sh [build-dir]        FUZZ_SECONDS per target (default 20; one target's
#                                            own: FUZZ_SECONDS_<target>, e.g. FUZZ_SECONDS_decoder)
#   FUZZ_RUNS=10000000 scripts/fuzz_smoke.sh  a fixed number of executions per target instead
# The long runs (docs/security.md) keep their corpus outside the repository.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}/fuzz"
command -v clang++ >/dev/null || { echo "fuzz_smoke: clang++ not installed" >&2; exit 77; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root/fuzz" -B "$build" -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" >/dev/null
cmake --build "$build" -j"${JOBS:-2}" >/dev/null
# The targets' token directories go into the scratch directory too (GOSTCSP_FUZZ_TMP): libFuzzer
# exits without running atexit handlers. /dev/shm when there is one (SQLite syncs every commit).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch="$(mktemp -d /dev/shm/gostcsp-fuzz-smoke.XXXXXX)"
else scratch="$(mktemp -d)"; fi
trap 'rm -rf "$scratch"' EXIT
export GOSTCSP_FUZZ_TMP="$scratch"
status=0
for seeds in "$root"/fuzz/corpus/*/; do
  name="$(basename "$seeds")"
  seconds_var="FUZZ_SECONDS_$name"
  budget=(-max_total_time="${!seconds_var:-${FUZZ_SECONDS:-20}}")
  [ -n "${FUZZ_RUNS:-}" ] && budget=(-runs="$FUZZ_RUNS")
  corpus="$scratch/$name"
  cp -r "$seeds" "$corpus"  # the repository's seeds stay as they are
  if "$build/fuzz_$name" "${budget[@]}" -rss_limit_mb=2048 -artifact_prefix="$scratch/" \
      "$corpus" >"$scratch/$name.log" 2>&1; then
    echo "fuzz_smoke: $name ok: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$scratch/$name.log")"
  else
    status=1
    echo "fuzz_smoke: $name FAILED"
    tail -40 "$scratch/$name.log"
    ls "$scratch"/crash-* "$scratch"/leak-* 2>/dev/null || true
  fi
done
exit "$status"
