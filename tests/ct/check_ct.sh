#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Constant-time check: runs ct_driver's cases under valgrind/memcheck with the secrets marked
# undefined. Any memcheck report (a branch or memory index computed from a secret) fails.
#   check_ct.sh DRIVER              every clean case, on every Streebog and field path valgrind runs
#   check_ct.sh --selftest DRIVER   planted leaks must be reported (proves the check can fail)
set -uo pipefail

selftest=0
if [ "${1:-}" = "--selftest" ]; then
  selftest=1
  shift
fi
driver="${1:?usage: check_ct.sh [--selftest] path/to/ct_driver}"
command -v valgrind >/dev/null || { echo "check_ct: valgrind not installed"; exit 77; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

vg=(valgrind --tool=memcheck --error-exitcode=99 --track-origins=yes --num-callers=25
    --suppressions="$(dirname "$0")/ct.supp")
failures=0
runs=0

# run NAME EXPECT ARGS...: EXPECT is clean, branch (a conditional jump on a secret) or index
# (an address computed from a secret).
run() {
  local label="$1" expect="$2"
  shift 2
  local log="$scratch/run$runs.log"
  runs=$((runs + 1))
  local start=$SECONDS
  env ${RUN_ENV:-} "${vg[@]}" "$@" >"$log" 2>&1
  local rc=$?
  local secs=$((SECONDS - start))
  local branches indices
  branches=$(grep -c 'Conditional jump or move depends on uninitialised' "$log")
  indices=$(grep -c 'Use of uninitialised value of size' "$log")
  local verdict=ok
  case "$expect" in
    clean) { [ "$rc" -eq 0 ] && [ "$branches" -eq 0 ] && [ "$indices" -eq 0 ]; } || verdict=FAIL ;;
    branch) { [ "$rc" -eq 99 ] && [ "$branches" -ge 1 ]; } || verdict=FAIL ;;
    index) { [ "$rc" -eq 99 ] && [ "$indices" -ge 1 ]; } || verdict=FAIL ;;
  esac
  if [ "$rc" -eq 77 ]; then
    verdict=skip
  fi
  printf '%-4s %-44s expect %-6s rc=%-3s branch-reports=%-4s index-reports=%-4s %3ss\n' \
    "$verdict" "$label" "$expect" "$rc" "$branches" "$indices" "$secs"
  if [ "$verdict" = FAIL ]; then
    failures=$((failures + 1))
    echo "---- memcheck output ($label), first 80 lines:"
    head -80 "$log"
    echo "----"
  fi
}

if [ "$selftest" -eq 1 ]; then
  run "planted secret branch" branch "$driver" planted-branch
  run "planted secret table index" index "$driver" planted-index
  # The table-driven Streebog fed a secret key: the leak issue #15 found must be seen.
  run "hmac via public_tables (known leak)" index "$driver" hmac --streebog=public_tables
  run "pbkdf2 via public_tables (known leak)" index "$driver" pbkdf2 --streebog=public_tables
else
  for sb in ct_ssse3 ct_generic; do
    run "hmac streebog=$sb" clean "$driver" hmac --streebog=$sb
    run "pbkdf2 streebog=$sb" clean "$driver" pbkdf2 --streebog=$sb
    run "pin-unwrap streebog=$sb" clean "$driver" pin-unwrap --streebog=$sb
  done
  run "hmac streebog=automatic_secret" clean "$driver" hmac
  # The field arithmetic: valgrind's CPUID hides ADX, so the MULX/ADX kernels cannot run here;
  # --field=portable forces the portable limbs (what valgrind would pick anyway).
  for c in keygen sign vko; do
    run "$c field=portable streebog=ct_ssse3" clean "$driver" $c --field=portable --streebog=ct_ssse3
  done
  run "sign field=portable streebog=ct_generic" clean "$driver" sign --field=portable --streebog=ct_generic
  run "vko field=portable streebog=ct_generic" clean "$driver" vko --field=portable --streebog=ct_generic
  # OpenSSL's AES-256-GCM with AES-NI + PCLMUL (every CPU this project targets has them).
  run "record-unseal aes=aesni" clean "$driver" record-unseal
  # Known, not ours: with AES-NI masked, libcrypto 3.0's GCM falls back to table AES
  # (AES_set_encrypt_key / AES_encrypt), which indexes tables with the key. Reported, documented
  # in docs/security.md; expected here so that a change in either direction is noticed.
  RUN_ENV="OPENSSL_ia32cap=~0x200000000000000" \
    run "record-unseal aes=table (known libcrypto leak)" index "$driver" record-unseal
fi

echo "check_ct: $runs runs, $failures failed"
[ "$failures" -eq 0 ]
