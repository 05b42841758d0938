#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sanitizer builds (issue #15), each in its own build directory beside the normal one:
#   scripts/check_sanitizers.sh asan [build-root]   ASan + UBSan, the tests selected by
#                                                   GOSTCSP_SAN_TESTS (ctest -R; default: the
#                                                   `unit` label = core, keystore, pkcs11,
#                                                   provider and engine units)
#   scripts/check_sanitizers.sh tsan [build-root]   TSan: the thread, pool and multi-process
#                                                   tests (keystore processes, module crash soak,
#                                                   token API pool, threads, forks)
# GOSTCSP_SAN_TESTS=. runs the whole suite (the documented long job, docs/security.md). Any
# report fails: ASan and UBSan abort on the first error, TSan exits non-zero (halt_on_error).
# CTest runs both from the normal build (tests sanitizer_asan, sanitizer_tsan; label sanitizer).
#
# Compiler: clang (-O1), else the default compiler. clang builds the sanitized tree several
# times faster than GCC here (ASan + UBSan over the curve units), and links the sanitizer runtime
# as a shared library (-shared-libsan, found through an rpath), so that the PKCS#11 module and the
# provider, linked with --no-undefined, resolve its symbols like any other library.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:?usage: check_sanitizers.sh asan|tsan [build-root]}"
base="${2:-$root/build}"
case "$mode" in
  asan)
    flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    select=(-L '^unit$')
    targets=(all)
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ;;
  tsan)
    flags="-fsanitize=thread -fno-omit-frame-pointer"
    # Multi-process keystore tests (ProcessTest, PinProtocolTest, the running-process rollback),
    # the module's crash soak (4 processes), the token API pool (token_api) and every test
    # named for threads, pools, forks or concurrency.
    select=(-R 'ProcessTest\.|PinProtocolTest\.|RunningProcess|P11CrashSoak|^token_api$|Thread|Pool|Fork|Concurren')
    # Only what those tests run (and what they load: the module, the provider, the tool).
    targets=(test_keystore test_keystore_processes test_p11_crypto_test test_p11_token_test
             test_p11_crash_soak test_token_api test_provider_api)
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
    ;;
  *) echo "check_sanitizers: unknown mode $mode" >&2; exit 2 ;;
esac
[ -n "${GOSTCSP_SAN_TESTS:-}" ] && select=(-R "$GOSTCSP_SAN_TESTS")
build="$base-$mode"
compiler=()
link="$flags"
if command -v clang++ >/dev/null && command -v clang >/dev/null; then
  compiler=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
            "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g -DNDEBUG"
            "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g -DNDEBUG")
  if [ "$mode" = asan ]; then
    runtime="$(dirname "$(clang++ -print-file-name=libclang_rt.asan-x86_64.so)")"
    link="$flags -shared-libsan -Wl,-rpath,$runtime"
  else
    # clang 14's shared TSan runtime crashes at start-up on this kernel (a two-line program
    # does); the static one works. It lives in each executable, which exports its symbols to
    # the module and the provider: their --no-undefined (pkcs11/, provider/CMakeLists.txt) is
    # lifted for this build only, by -z undefs at the end of every link line.
    compiler+=("-DCMAKE_CXX_STANDARD_LIBRARIES=-Wl,-z,undefs")
  fi
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOSTCSP_BUILD_BENCH=OFF \
  -DGOSTCSP_SANITIZER_TESTS=OFF "${compiler[@]}" \
  "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_C_FLAGS=$flags" \
  "-DCMAKE_EXE_LINKER_FLAGS=$link" "-DCMAKE_SHARED_LINKER_FLAGS=$link" \
  "-DCMAKE_MODULE_LINKER_FLAGS=$link" "${launcher[@]}" >/dev/null
start=$SECONDS
nice cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}" >/dev/null
echo "check_sanitizers: $mode build $((SECONDS - start)) s"
start=$SECONDS
status=0
# The one documented exception: test_engine_api (its tests are Errors.*, Routing.*, Sizes/Shell.*)
# runs without LeakSanitizer. The gostcsp engine registers its "pkcs11" OSSL_STORE loader once
# per process (engine/src/store_loader.cpp, the engine linked -z nodelete); libcrypto 3.0's
# OPENSSL_cleanup frees the loader registry but not the loaders in it, so at exit the loader and
# the engine state only it still reaches (the engine's provider context) are reported as leaked
# (208 bytes direct, ~9 KB indirect, once per process). Process-lifetime by design, not a leak that
# grows; to be lifted when the engine unregisters its loader on destroy. ASan and UBSan stay on.
# Also without LeakSanitizer: the provider's CTR-OMAC tests that compare with gost-engine
# (Both/CtrOmac.*, tests/provider/provider_ctr_omac_test.cpp on main): gost-engine 3.0.1's
# gost2015_process_unprotected_attributes leaks the ASN1_OBJECT of OBJ_txt2obj on every call
# (20,000 objects per test run) — a third-party leak in the reference, not in gostcsp.
no_lsan='^(Errors|Routing|Sizes/Shell)\.|^Both/CtrOmac\.'
exclude=(-E "$no_lsan")
[ "$mode" = asan ] || exclude=()
ctest --test-dir "$build" "${select[@]}" "${exclude[@]}" -LE 'large|ct|fuzz|sanitizer' \
  --output-on-failure -j"${JOBS:-2}" || status=$?
if [ "$mode" = asan ]; then
  ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" ctest --test-dir "$build" "${select[@]}" \
    -R "$no_lsan" -LE 'large|ct|fuzz|sanitizer' --output-on-failure || status=$?
fi
echo "check_sanitizers: $mode tests $((SECONDS - start)) s"
exit "$status"
