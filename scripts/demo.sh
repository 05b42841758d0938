#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's main command: installs what is missing, builds, and runs the end-to-end demo.
# Current demo: Streebog-256/512 (GOST R 34.11-2012) of generated files through gostcsp-tool,
# beside Botan's and gost-engine's digests of the same files; MATCH or MISMATCH per line, and a
# non-zero exit status on any mismatch. Then a soft token, and token keys through OpenSSL (gostcsp.so):
# a certificate made by `openssl req` with the token key, CMS signatures of 1 KB and 100 MB documents
# verified by gost-engine and Botan, each step timed.
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
    keygen --pin-env DEMO_USER_PIN --bits 256 --param-set tc26-256-A --label demo-key --id 01
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
# --- Token keys through OpenSSL (gostcsp.so): the key above stays inside the token; openssl
# reaches it by a pkcs11: URI (or a key-URI file); gost-engine and Botan verify the results.
echo
echo "== Token keys through OpenSSL: certificate and CMS signature with a key inside the token"
prov_dir="$build/providers"
p11_module="$build/pkcs11/libgostcsp-pkcs11.so"
cms_sign="$build/tests/provider/gostcsp_cms_sign"
botan_check="$build/tests/provider/gostcsp_botan_check"
cat > "$work/openssl-token.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
gostcsp = gostcsp_sect
[default_sect]
activate = 1
[gostcsp_sect]
activate = 1
# the module of the token (a hardware token's vendor module, or any p11-kit registered one
# when this line is left out)
pkcs11-module = $p11_module
EOF
G() { env OPENSSL_CONF="$work/openssl-token.cnf" OPENSSL_MODULES="$prov_dir" openssl "$@"; }
E() { local cmd="$1"; shift; env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl "$cmd" -engine gost "$@"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f s", b - a }'; }
# timed DESCRIPTION -- command... : runs a step, prints its time, records a failure
timed() {
    local what="$1" t0 rc=0
    shift 2
    t0="$(now)"
    "$@" > "$work/step.out" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        printf '   %-62s %s\n' "$what" "$(took "$t0")"
    else
        printf '   %-62s FAILED (status %s)\n' "$what" "$rc"
        sed 's/^/      /' "$work/step.out" | tail -n 5
        status=1
    fi
    return "$rc"
}
KEY="pkcs11:token=demo-token;object=demo-signer;type=private"
PIN_ARGS=(-passin env:DEMO_USER_PIN)
# A key pair on tc26-256-B: Botan 2.19 verifies there (on tc26-256-A it has a known bug).
echo "-- token policy through OpenSSL: the old factory PIN is now a wrong PIN, refused with the tries left:"
G pkeyutl -sign -inkey "pkcs11:token=demo-token;object=demo-key;type=private" \
    -passin env:DEMO_FACTORY_PIN -in "$work/text.txt" -out /dev/null 2>&1 |
    grep -o 'token "demo-token".*' | head -n 1 | sed 's/^/   gostcsp: /' || true
echo "-- steps (each timed):"
timed "generate a 256-bit key pair inside the token (tc26-256-B)" -- \
    "$tool" keygen --pin-env DEMO_USER_PIN --bits 256 --param-set tc26-256-B --label demo-signer --id 02 || true
timed "openssl req -x509 -key pkcs11:... (self-signed signer certificate)" -- \
    G req -x509 -new -key "$KEY" "${PIN_ARGS[@]}" -subj "/CN=gostcsp demo signer" -days 30 \
    -addext keyUsage=critical,digitalSignature,nonRepudiation,keyCertSign -out "$work/signer.pem" || true
timed "gost-engine verifies the certificate" -- E verify -CAfile "$work/signer.pem" "$work/signer.pem" || true
umask 077
printf '%s\n' "$DEMO_USER_PIN" > "$work/user.pin"
timed "gostcsp-tool key-uri: a key file that names the token key" -- \
    "$tool" key-uri --token demo-token --label demo-signer --id 02 --pin-source "$work/user.pin" \
    -o "$work/signer-key.pem" || true
echo "   key file contents (a URI, no key):"
sed 's/^/      /' "$work/signer-key.pem"
# Botan's side of a CMS check: Streebog of the document by Botan must equal the signed
# messageDigest attribute, and Botan verifies the signature over the signed attributes.
cms_botan_pieces() {  # CMS DER -> sattrs.der, cmssig.hex, mdattr.hex
    python3 "$root/tests/support/der_pieces.py" cms "$1" "$work"
}
botan_cms_check() {  # doc, cms [, signer certificate]
    local cert="${3:-$work/signer.pem}"
    cms_botan_pieces "$2" || return 1
    local bd
    bd="$(botan hash --algo=Streebog-256 "$1" | grep -oiE '[0-9a-f]{64}' | head -n 1 | tr 'A-F' 'a-f')"
    [ "$bd" = "$(cat "$work/mdattr.hex")" ] || { echo "messageDigest differs from Botan's Streebog"; return 1; }
    local pub
    pub="$(G x509 -in "$cert" -pubkey -noout | python3 -c '
import sys, base64, re
der = base64.b64decode("".join(re.findall(r"-----BEGIN PUBLIC KEY-----(.*?)-----END", sys.stdin.read(), re.S)[0].split()))
print(der[-64:].hex())')"
    "$botan_check" verify 1.2.643.7.1.2.1.1.2 "$pub" "$work/sattrs.der" "$(cat "$work/cmssig.hex")"
}
for size in 1024 $((100 * 1024 * 1024)); do
    label="$([ "$size" -eq 1024 ] && echo "1 KB" || echo "100 MB")"
    head -c "$size" /dev/urandom > "$work/doc.bin"
    echo "-- $label document"
    if [ -e "$build/engines/gostcsp.so" ]; then
        # openssl cms itself, through the gostcsp bridge engine (engine/: OpenSSL 3.0's CMS code
        # signs only with legacy-method keys; the bridge loads the token key through gostcsp.so).
        timed "openssl cms -sign -inkey pkcs11:... ($label, detached)" -- \
            env OPENSSL_CONF="$work/openssl-token.cnf" OPENSSL_MODULES="$prov_dir" \
            OPENSSL_ENGINES="$build/engines" openssl cms -sign -engine gostcsp -keyform engine \
            -binary -in "$work/doc.bin" -signer "$work/signer.pem" -inkey "$KEY" "${PIN_ARGS[@]}" \
            -outform DER -out "$work/doc.p7s" || true
    else
        [ "$size" -eq 1024 ] && echo "   (no bridge engine built: OpenSSL $(openssl version | cut -d' ' -f2) openssl cms -sign" \
            "cannot sign with provider keys; the CMS API does it, docs/openssl.md)"
        timed "CMS sign ($label, detached) with the token key (CMS API, key-URI file)" -- \
            env OPENSSL_CONF="$work/openssl-token.cnf" OPENSSL_MODULES="$prov_dir" \
            "$cms_sign" "$work/signer.pem" "$work/signer-key.pem" "$work/doc.bin" "$work/doc.p7s" detached || true
    fi
    timed "gost-engine: openssl cms -verify ($label)" -- \
        E cms -verify -binary -inform DER -in "$work/doc.p7s" -content "$work/doc.bin" \
        -CAfile "$work/signer.pem" -out /dev/null || true
    timed "Botan: Streebog of the document + signature ($label)" -- \
        botan_cms_check "$work/doc.bin" "$work/doc.p7s" || true
done
if [ -e "$build/engines/gostcsp.so" ]; then
    # The same with a software key file: PKCS#8 written by gostcsp.so (openssl genpkey), a
    # certificate by openssl req, and openssl cms -sign through the bridge engine.
    echo "-- file key (PKCS#8 by openssl genpkey through gostcsp.so), 1 KB document"
    head -c 1024 /dev/urandom > "$work/doc.bin"
    timed "openssl genpkey -algorithm gost2012_256 -pkeyopt paramset:A (CryptoPro-A)" -- \
        G genpkey -algorithm gost2012_256 -pkeyopt paramset:A -out "$work/file-key.pem" || true
    timed "openssl req -x509 -key file-key.pem" -- \
        G req -x509 -new -key "$work/file-key.pem" -subj "/CN=gostcsp demo file key" -days 30 \
        -out "$work/file-cert.pem" || true
    timed "openssl cms -sign -inkey file-key.pem (1 KB, detached)" -- \
        env OPENSSL_CONF="$work/openssl-token.cnf" OPENSSL_MODULES="$prov_dir" \
        OPENSSL_ENGINES="$build/engines" openssl cms -sign -engine gostcsp -keyform engine \
        -binary -in "$work/doc.bin" -signer "$work/file-cert.pem" -inkey "$work/file-key.pem" \
        -outform DER -out "$work/file-doc.p7s" || true
    timed "gost-engine: openssl cms -verify (file key)" -- \
        E cms -verify -binary -inform DER -in "$work/file-doc.p7s" -content "$work/doc.bin" \
        -CAfile "$work/file-cert.pem" -out /dev/null || true
    timed "Botan: Streebog of the document + signature (file key)" -- \
        botan_cms_check "$work/doc.bin" "$work/file-doc.p7s" "$work/file-cert.pem" || true
fi
echo
"$root/scripts/demo_pkcs11.sh" "$build" || status=1
echo
if [ "$status" -eq 0 ]; then
    echo "demo: token key signed through OpenSSL and through PKCS#11; gost-engine and Botan verified every signature"
else
    echo "demo: a token-key step failed" >&2
fi
exit "$status"
