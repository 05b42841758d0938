#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `gostcsp-tool digest` on the Streebog (GOST R 34.11-2012, RFC 6986) vectors of streebog.txt,
# from files and stdin, with both code paths; and its errors: missing file, bad option.
# Usage: digest_cli_test.sh PATH/TO/gostcsp-tool VECTORS_DIR
set -euo pipefail
tool="$1"
vectors="$2/streebog.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" != "$3" ]; then
        echo "FAIL: $1"; echo "  expected: $2"; echo "  actual:   $3"; fail=1
    fi
}

# Records of streebog.txt as "name bits msg_hex digest_hex" lines (msg may be empty).
records="$(awk -F' = |=' '
    /^name/   { name = $2 } /^bits/ { bits = $2 }
    /^msg *=/ { msg = $2; gsub(/ /, "", msg) }
    /^digest *=/ { print name, bits, (msg == "" ? "-" : msg), $2 }
' "$vectors")"
count="$(printf '%s\n' "$records" | grep -c .)"
[ "$count" -ge 16 ] || { echo "FAIL: read only $count records from $vectors"; exit 1; }

while read -r name bits msg digest; do
    [ "$msg" = "-" ] && msg=""
    file="$work/$name.bin"
    printf "$(printf '%s' "$msg" | sed 's/../\\x&/g')" > "$file"
    for impl in automatic portable public_tables avx512_gfni ct_ssse3 ct_generic; do  # an unsupported path falls back
        check "$name file ($impl)" "$digest  $file" \
            "$("$tool" digest --impl "$impl" --algorithm "streebog$bits" "$file")"
    done
    check "$name stdin" "$digest  -" "$("$tool" digest -a "streebog$bits" < "$file")"
    check "$name stdin '-'" "$digest  -" "$("$tool" digest -a "streebog$bits" - < "$file")"
done <<< "$records"

# Default algorithm is streebog256; several files keep their order.
read -r _ _ m1 d1 <<< "$(printf '%s\n' "$records" | grep '^M1-256 ')"
read -r _ _ m2 d2 <<< "$(printf '%s\n' "$records" | grep '^M2-256 ')"
check "default algorithm, two files" "$d1  $work/M1-256.bin
$d2  $work/M2-256.bin" "$("$tool" digest "$work/M1-256.bin" "$work/M2-256.bin")"

# A missing file: message on stderr naming it, exit status 1, the other files still hashed.
set +e
out="$("$tool" digest "$work/M1-256.bin" "$work/no-such-file" "$work/M2-256.bin" 2> "$work/err")"
rc=$?
set -e
check "missing file: exit status" "1" "$rc"
check "missing file: other files hashed" "$d1  $work/M1-256.bin
$d2  $work/M2-256.bin" "$out"
grep -q "no-such-file" "$work/err" || { echo "FAIL: stderr does not name the missing file"; fail=1; }

# A directory cannot be read as a file either.
set +e
"$tool" digest "$work" > /dev/null 2>&1
rc=$?
set -e
check "directory: exit status" "1" "$rc"

# Usage errors are not silent successes.
set +e
"$tool" digest --algorithm sha256 "$work/M1-256.bin" > /dev/null 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || { echo "FAIL: unknown algorithm accepted"; fail=1; }

[ "$fail" -eq 0 ] && echo "digest CLI: all checks passed ($count vectors)"
exit "$fail"
