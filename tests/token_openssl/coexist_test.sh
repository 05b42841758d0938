#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# gostcsp beside gost-engine in one openssl process (issue #13's "never break gost-engine").
# OpenSSL 3.0 hands every GOST EVP_PKEY_CTX to gost-engine's pkey methods once that engine is
# loaded, provider keys included; before the fix, gost-engine's own file keys aborted
# (gost_ec_sign.c:197) and token keys crashed it. Now, in both load orders:
#   - gost-engine file keys sign, make certificates and verify (gostcsp leaves them to the engine);
#   - token keys are refused with one clear message naming the engine and the fix, no crash;
#   - with gost-engine's *provider* gostprov instead of its engine, token keys sign.
# Every signature is checked by gost-engine alone in a separate process.
#   coexist_test.sh <flow>      (flows: filekey, token, gostprov)
set -euo pipefail

flow="${1:?flow name}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prov_dir="${GOSTCSP_PROVIDER_DIR:?}"
module="${GOSTCSP_P11_MODULE:?path of libgostcsp-pkcs11.so}"
tool="${GOSTCSP_TOOL:?path of gostcsp-tool}"
scratch="${GOSTCSP_SCRATCH:-$PWD/scratch}/coexist-$flow"
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
source "$here/../support/cli_common.sh"

export GOSTCSP_TOKEN_DIR="$scratch/tokens" GOSTCSP_CONF="$scratch/gostcsp.conf"
printf 'test_token = true\nkdf_iterations = 64\nallow_factory_pins = true\n' > "$GOSTCSP_CONF"  # the SO PIN stays the factory one

# openssl.cnf variants. engines_first: the [openssl_init] order (engines, then providers).
write_cnf() {  # write_cnf FILE with_engine(0/1) engines_first(0/1) with_gostprov(0/1)
    local f="$1" eng="$2" first="$3" gp="$4"
    {
        printf 'openssl_conf = openssl_init\n[openssl_init]\n'
        [ "$eng" = 1 ] && [ "$first" = 1 ] && printf 'engines = engine_sect\n'
        printf 'providers = provider_sect\n'
        [ "$eng" = 1 ] && [ "$first" = 0 ] && printf 'engines = engine_sect\n'
        printf '[provider_sect]\ndefault = default_sect\ngostcsp = gostcsp_sect\n'
        [ "$gp" = 1 ] && printf 'gostprov = gostprov_sect\n'
        printf '[default_sect]\nactivate = 1\n'
        printf '[gostcsp_sect]\nactivate = 1\npkcs11-module = %s\n' "$module"
        [ "$gp" = 1 ] && printf '[gostprov_sect]\nactivate = 1\n'
        [ "$eng" = 1 ] && printf '[engine_sect]\ngost = gost_sect\n[gost_sect]\nengine_id = gost\ndefault_algorithms = ALL\n'
        true
    } > "$f"
}
write_cnf both.cnf 1 0 0
write_cnf both_engines_first.cnf 1 1 0
write_cnf with_gostprov.cnf 0 0 1
# The modules directory holds gostcsp.so and, for the gostprov flow, gost-engine's provider.
mkdir -p mods && cp "$prov_dir/gostcsp.so" mods/
sysmods="$(pkg-config --variable=modulesdir libcrypto 2>/dev/null || true)"
[ -e "$sysmods/gostprov.so" ] && ln -sf "$sysmods/gostprov.so" mods/
X() { local c="$1"; shift; env OPENSSL_CONF="$scratch/$c" OPENSSL_MODULES="$scratch/mods" openssl "$@"; }
# gost-engine alone, separate process: the oracle.
E() { local cmd="$1"; shift; env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl "$cmd" -engine gost "$@" 2>>engine.err; }
no_crash() {  # no_crash DESCRIPTION command...: runs it; fails on a signal (abort, SIGSEGV)
    local what="$1"; shift
    local rc=0
    "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" -lt 128 ] || { cat err.txt >&2; fail "$what: crashed with status $rc"; }
    return "$rc"
}
echo "to be signed" > doc.txt

token_ready() {
    export SO_PIN=12345678 FACTORY_PIN=87654321 USER_PIN='Teal-Otter-5531'
    "$tool" init-token --label coex --so-pin-env SO_PIN >/dev/null 2>&1
    "$tool" unblock --token coex --so-pin-env SO_PIN --new-pin-env FACTORY_PIN >/dev/null 2>&1
    "$tool" change-pin --token coex --pin-env FACTORY_PIN --new-pin-env USER_PIN >/dev/null 2>&1
    "$tool" keygen --token coex --pin-env USER_PIN --bits 256 --param-set "${GOSTCSP_TEST_PARAMSET_256B:-tc26-256-B}" \
        --label k256 --id 01 >/dev/null 2>&1 || fail "keygen on the soft token"
}
URI="pkcs11:token=coex;object=k256;type=private"

case "$flow" in
filekey)
    E genpkey -algorithm gost2012_256 -pkeyopt paramset:A -out key256.pem
    E genpkey -algorithm gost2012_512 -pkeyopt paramset:C -out key512.pem
    E pkey -in key256.pem -pubout -out pub256.pem
    E pkey -in key512.pem -pubout -out pub512.pem
    for cnf in both.cnf both_engines_first.cnf; do
        for bits in 256 512; do
            no_crash "$cnf dgst -sign with a gost-engine $bits-bit file key" \
                X "$cnf" dgst -md_gost12_$bits -sign key$bits.pem -out sig$bits.bin doc.txt ||
                { cat err.txt >&2; fail "$cnf: gost-engine's own $bits-bit file key no longer signs"; }
            E dgst -md_gost12_$bits -verify pub$bits.pem -signature sig$bits.bin doc.txt >/dev/null ||
                fail "$cnf: gost-engine rejects the $bits-bit signature"
        done
        no_crash "$cnf req -x509" X "$cnf" req -new -x509 -key key256.pem -subj /CN=coexist \
            -md_gost12_256 -days 1 -out cert.pem || { cat err.txt >&2; fail "$cnf: req -x509"; }
        no_crash "$cnf verify" X "$cnf" verify -CAfile cert.pem cert.pem ||
            { cat err.txt >&2; fail "$cnf: verify of a gost-engine-signed certificate"; }
        E verify -CAfile cert.pem cert.pem >/dev/null || fail "$cnf: gost-engine rejects the certificate"
        no_crash "$cnf genpkey" X "$cnf" genpkey -algorithm gost2012_256 -pkeyopt paramset:TCB \
            -out gen.pem || { cat err.txt >&2; fail "$cnf: genpkey"; }
        X "$cnf" dgst -md_gost12_256 -sign gen.pem -out gsig.bin doc.txt 2>err.txt ||
            { cat err.txt >&2; fail "$cnf: a key generated beside gost-engine does not sign"; }
        E pkey -in gen.pem -pubout -out genpub.pem
        E dgst -md_gost12_256 -verify genpub.pem -signature gsig.bin doc.txt >/dev/null ||
            fail "$cnf: gost-engine rejects the generated key's signature"
        ok "$cnf: gost-engine file keys sign, certify and verify beside gostcsp"
    done
    ;;
token)
    token_ready
    for cnf in both.cnf both_engines_first.cnf; do
        rc=0
        no_crash "$cnf token key" X "$cnf" dgst -md_gost12_256 -sign "$URI" -passin env:USER_PIN \
            -out tsig.bin doc.txt || rc=$?
        [ "$rc" -ne 0 ] || fail "$cnf: a token key was handed out to an engine that cannot use it"
        grep -qF 'engine "gost" implements gost2012_256 keys in this process' err.txt ||
            { cat err.txt >&2; fail "$cnf: no clear message for the refused token key"; }
        grep -qF "gostprov" err.txt || fail "$cnf: the message does not name the working form"
        ok "$cnf: token key refused with a clear message, no crash"
    done
    ;;
gostprov)
    [ -e mods/gostprov.so ] || skip "gost-engine's provider gostprov.so is not installed"
    token_ready
    X with_gostprov.cnf dgst -md_gost12_256 -sign "$URI" -passin env:USER_PIN -out tsig.bin doc.txt \
        2>err.txt || { cat err.txt >&2; fail "token key beside gostprov"; }
    X with_gostprov.cnf pkey -pubin -in "pkcs11:token=coex;object=k256;type=public" -pubout -out tpub.pem \
        2>err.txt || { cat err.txt >&2; fail "token public key beside gostprov"; }
    E dgst -md_gost12_256 -verify tpub.pem -signature tsig.bin doc.txt >/dev/null ||
        fail "gost-engine rejects the token key's signature"
    X with_gostprov.cnf enc -kuznyechik-ctr -K 8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef \
        -iv 1234567890abcef0 -in doc.txt -out ct.bin 2>err.txt ||
        { cat err.txt >&2; fail "gostprov's ciphers beside gostcsp"; }
    ok "token key signs beside gostprov (gost-engine verifies); gostprov's ciphers work"
    ;;
*) fail "unknown flow" ;;
esac
