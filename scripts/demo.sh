#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's main command: installs what is missing, builds, and runs the end-to-end demo.
# Current demo: Streebog-256/512 (GOST R 34.11-2012) of generated files through gostcsp-tool,
# beside Botan's and gost-engine's digests of the same files; MATCH or MISMATCH per line, and a
# non-zero exit status on any mismatch.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOSTCSP_BUILD_DIR:-$root/build}"

"$root/scripts/deps.sh"
echo "== building gostcsp in $build"
"$root/scripts/build.sh"
tool="$build/tools/gostcsp-tool"
[ -x "$tool" ] || { echo "demo: $tool was not built" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/gostcsp-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
head -c $((1024 * 1024)) /dev/urandom > "$work/random-1MiB.bin"
{
    echo "GOST R 34.11-2012 (Streebog) demo file, made $(date -u +%Y-%m-%dT%H:%M:%SZ)."
    echo "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы"
} > "$work/text.txt"
: > "$work/empty.txt"

# The first run of hex digits (64 or 128 of them) in a line, lower-cased.
first_hex() { grep -oiE '[0-9a-f]{64,128}' | head -n 1 | tr 'A-F' 'a-f'; }

status=0
echo
echo "== Streebog digests: gostcsp-tool (fastest code path, and portable) vs Botan 2 vs"
echo "   gost-engine (OpenSSL provider gostprov)"
for bits in 256 512; do
    for f in "$work/random-1MiB.bin" "$work/text.txt" "$work/empty.txt"; do
        ours="$("$tool" digest --algorithm "streebog$bits" "$f" | first_hex)" || true
        portable="$("$tool" digest --impl portable --algorithm "streebog$bits" "$f" | first_hex)" || true
        botan_d="$(botan hash --algo="Streebog-$bits" "$f" | first_hex)" || true
        engine_d="$(openssl dgst -provider gostprov "-md_gost12_$bits" "$f" | first_hex)" || true
        if [ -n "$ours" ] && [ "$ours" = "$portable" ] && [ "$ours" = "$botan_d" ] &&
            [ "$ours" = "$engine_d" ]; then
            verdict=MATCH
        else
            verdict=MISMATCH
            status=1
        fi
        echo
        echo "Streebog-$bits  $(basename "$f") ($(wc -c < "$f") bytes): $verdict"
        printf '  %-24s %s\n' "gostcsp-tool" "$ours" "gostcsp-tool (portable)" "$portable" \
            "Botan" "$botan_d" "gost-engine" "$engine_d"
    done
done
echo
if [ "$status" -eq 0 ]; then
    echo "demo: all digests MATCH"
else
    echo "demo: MISMATCH found" >&2
fi

# --- Soft token (keystore): a factory token's default PINs must be replaced before keys are
# used; a default PIN is refused as a new PIN; keys are generated inside and never leave.
echo
echo "== Soft token in a temporary directory: factory PINs, refused default, real PIN, key"
export GOSTCSP_TOKEN_DIR="$work/tokens" GOSTCSP_CONF="$work/gostcsp.conf"
printf '# demo configuration (defaults otherwise)\nuser_max_retries = 5\n' > "$GOSTCSP_CONF"
# PINs reach the tool through environment variables named on the command line, never as arguments.
export DEMO_FACTORY_PIN=12345678 DEMO_WEAK_PIN=00000000 DEMO_USER_PIN='Amber-Falcon-2718'
export DEMO_SO_PIN='Granite-Orchid-9034'
token_step() {  # token_step EXPECTED_STATUS DESCRIPTION -- gostcsp-tool arguments...
    local want="$1" what="$2" rc=0
    shift 3
    echo
    echo "-- $what"
    echo "\$ gostcsp-tool $*"
    "$tool" "$@" 2>&1 | sed 's/^/   /' || rc=${PIPESTATUS[0]}
    if [ "$rc" -ne "$want" ]; then
        echo "demo: unexpected exit status $rc (expected $want)" >&2
        status=1
    fi
}
token_step 0 "initialise a token with the vendor default SO PIN (accepted as factory state)" -- \
    init-token --label demo-token --so-pin-env DEMO_FACTORY_PIN
token_step 0 "the SO gives the user a factory PIN too" -- \
    unblock --so-pin-env DEMO_FACTORY_PIN --new-pin-env DEMO_FACTORY_PIN
token_step 0 "both PINs are flagged TO_BE_CHANGED" -- list-tokens
token_step 1 "changing to another default PIN is refused" -- \
    change-pin --pin-env DEMO_FACTORY_PIN --new-pin-env DEMO_WEAK_PIN
token_step 0 "set a real user PIN" -- \
    change-pin --pin-env DEMO_FACTORY_PIN --new-pin-env DEMO_USER_PIN
token_step 0 "set a real SO PIN" -- \
    change-pin --so --pin-env DEMO_FACTORY_PIN --new-pin-env DEMO_SO_PIN
token_step 0 "generate a GOST R 34.10-2012 256-bit key pair inside the token" -- \
    keygen --pin-env DEMO_USER_PIN --bits 256 --param-set A --label demo-key --id 01
token_step 0 "list the token's objects (private ones after login)" -- \
    list-objects --login --pin-env DEMO_USER_PIN
token_step 1 "a wrong PIN is counted and reported with the tries left" -- \
    list-objects --login --pin-env DEMO_WEAK_PIN
token_step 0 "the token now: no TO_BE_CHANGED flags, one failed user attempt" -- list-tokens
echo
if [ "$status" -eq 0 ]; then
    echo "demo: soft token steps behaved as expected"
else
    echo "demo: a step failed" >&2
fi
exit "$status"
