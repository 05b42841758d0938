#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The openssl CLI with gostcsp.so's ciphers and MACs, checked against gost-engine's provider
# `gostprov` (a separate openssl process that does not load gostcsp). Outputs must be equal.
# gostcsp runs alone (-provider-path/-provider gostcsp; `default` only where OpenSSL's own CMAC or
# the `enc` salt generation needs it). Exit 0 = pass, 77 = gostprov not installed.
set -euo pipefail
prov_dir="${GOSTCSP_PROVIDER_DIR:?}"
scratch="${GOSTCSP_SCRATCH:-$PWD/scratch}/sym"
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
fail() { echo "FAIL [sym]: $*" >&2; exit 1; }

G() { local cmd="$1"; shift; env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl "$cmd" -provider-path "$prov_dir" -provider gostcsp "$@"; }
GD() { local cmd="$1"; shift; G "$cmd" -provider default "$@"; }
# gostprov needs `default` for its random generator.
E() { local cmd="$1"; shift; env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl "$cmd" -provider gostprov -provider default "$@"; }
E list -cipher-algorithms 2>/dev/null | grep -q "magma-ctr @ gostprov" || { echo "gostprov not installed" >&2; exit 77; }

same() {  # same <what> <file-a> <file-b>
    cmp -s "$2" "$3" || fail "$1: gostcsp and gostprov differ"
}

key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
n=0
for len in 0 1 15 1023 1024 1025 4096 5000 70000; do
    head -c "$len" /dev/urandom > m.bin
    while read -r c iv; do
        ivo=(); [ "$iv" = "-" ] || ivo=(-iv "$iv")
        G enc "-$c" -K "$key" "${ivo[@]}" -in m.bin -out g.bin || fail "gostcsp enc -$c ($len bytes)"
        E enc "-$c" -K "$key" "${ivo[@]}" -in m.bin -out e.bin 2>/dev/null || fail "gostprov enc -$c"
        same "enc -$c ($len bytes)" g.bin e.bin
        G enc -d "-$c" -K "$key" "${ivo[@]}" -in e.bin -out d.bin || fail "gostcsp enc -d -$c"
        cmp -s d.bin m.bin || fail "enc -d -$c does not give the plaintext back"
        n=$((n + 1))
    done <<'LIST'
kuznyechik-ctr-acpkm 0123456789abcdef
kuznyechik-ctr 0123456789abcdef
kuznyechik-cbc 00112233445566778899aabbccddeeff
kuznyechik-cfb 00112233445566778899aabbccddeeff
kuznyechik-ofb 00112233445566778899aabbccddeeff
kuznyechik-ecb -
magma-ctr 01234567
magma-ctr-acpkm 01234567
magma-cbc 0011223344556677
gost89 0011223344556677
gost89-cnt 0011223344556677
gost89-cnt-12 0011223344556677
gost89-cbc 0011223344556677
LIST
    for m in gost-mac gost-mac-12 magma-mac kuznyechik-mac; do
        G mac -macopt "hexkey:$key" -in m.bin "$m" > g.txt || fail "gostcsp mac $m"
        E mac -macopt "hexkey:$key" -in m.bin "$m" > e.txt || fail "gostprov mac $m"
        same "mac $m ($len bytes)" g.txt e.txt
        n=$((n + 1))
    done
    for c in kuznyechik-cbc magma-cbc; do
        GD mac -cipher "$c" -macopt "hexkey:$key" -in m.bin CMAC > g.txt || fail "CMAC over our $c"
        E mac -cipher "$c" -macopt "hexkey:$key" -in m.bin CMAC > e.txt || fail "gostprov CMAC $c"
        same "mac -cipher $c CMAC ($len bytes)" g.txt e.txt
        [ "$c" = kuznyechik-cbc ] && m=kuznyechik-mac || m=magma-mac
        G mac -macopt "hexkey:$key" -in m.bin "$m" > o.txt
        same "CMAC($c) = $m" g.txt o.txt
        n=$((n + 1))
    done
done
# Password-based: openssl enc -pass with PBKDF2 (default provider's KDF, our cipher).
echo "secret text" > p.txt
GD enc -kuznyechik-ctr-acpkm -pbkdf2 -pass pass:pw -in p.txt -out p.enc
E enc -d -kuznyechik-ctr-acpkm -pbkdf2 -pass pass:pw -in p.enc -out p.dec 2>/dev/null
cmp -s p.txt p.dec || fail "gostprov cannot decrypt our -pbkdf2 -kuznyechik-ctr-acpkm file"
# Bad input: a MAC key of the wrong length gets a reason, no crash (`enc -K` zero-pads short keys
# itself, so it never reaches the provider with a wrong length).
rc=0; G mac -macopt hexkey:0011 -in p.txt kuznyechik-mac 2> err.txt || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && grep -q "wrong length" err.txt || fail "short MAC key: status $rc, $(cat err.txt)"
echo "ok [sym]: $n openssl enc/mac comparisons equal to gostprov"
