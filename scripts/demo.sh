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
exit "$status"
