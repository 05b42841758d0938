#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PKCS#11 demo: a fresh soft token through libgostcsp-pkcs11.so with OpenSC pkcs11-tool — init
# with a factory PIN, the PIN must be changed before key use, key generation inside the token,
# signing through the module, and gost-engine verifying the signature independently.
# Usage: scripts/demo_pkcs11.sh [build-dir]   (demo.sh calls it after building)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${GOSTCSP_BUILD_DIR:-$root/build}}"
module="$build/pkcs11/libgostcsp-pkcs11.so"
[ -f "$module" ] || { echo "demo_pkcs11: $module was not built" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/gostcsp-p11demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
printf 'token_dir = %s/tokens\ntest_token = true\nkdf_iterations = 1000\n' "$work" >"$work/gostcsp.conf"
export GOSTCSP_CONF="$work/gostcsp.conf"
unset GOSTCSP_TOKEN_DIR
# PINs reach pkcs11-tool through its environment (OpenSC's --pin env:VAR), never on a command
# line (readable by every local user in /proc/PID/cmdline).
export GOSTCSP_DEMO_SO_PIN=12345678 GOSTCSP_DEMO_FACTORY_PIN=12345678
export GOSTCSP_DEMO_WEAK_PIN=11111111 GOSTCSP_DEMO_USER_PIN=7391846205
p11() { pkcs11-tool --module "$module" "$@"; }
show() { echo "\$ pkcs11-tool $*"; p11 "$@" 2>&1 | sed 's/^/    /'; }

echo "== PKCS#11: libgostcsp-pkcs11.so with OpenSC pkcs11-tool (token dir $work/tokens)"
show --list-slots
echo "-- factory initialisation with default PINs (12345678): flagged 'to be changed'"
p11 --init-token --slot 0 --so-pin env:GOSTCSP_DEMO_SO_PIN --label "gostcsp demo" >/dev/null 2>&1
p11 --slot 0 --login --login-type so --so-pin env:GOSTCSP_DEMO_SO_PIN --init-pin --pin env:GOSTCSP_DEMO_FACTORY_PIN >/dev/null 2>&1
show --slot 0 --list-token-slots
echo "-- a key generated under the factory PIN cannot sign yet (CKR_PIN_EXPIRED):"
p11 --slot 0 -l --pin env:GOSTCSP_DEMO_FACTORY_PIN --keypairgen --key-type GOSTR3410-2012-256:A --id 01 --label demo-key \
  --usage-sign >/dev/null 2>&1
echo "gostcsp PKCS#11 demo message" >"$work/msg"
if p11 --slot 0 -l --pin env:GOSTCSP_DEMO_FACTORY_PIN --sign -m GOSTR3410-WITH-GOSTR3411-12-256 --id 01 -i "$work/msg" \
  -o "$work/sig" >"$work/out" 2>&1; then
  echo "demo_pkcs11: signing with a must-change PIN succeeded" >&2
  exit 1
fi
grep -o "CKR_PIN_EXPIRED" "$work/out" | head -n 1 | sed 's/^/    /'
echo "-- a default PIN is refused as the new PIN; a real one is accepted"
p11 --slot 0 -l --pin env:GOSTCSP_DEMO_FACTORY_PIN --change-pin --new-pin env:GOSTCSP_DEMO_WEAK_PIN 2>&1 | grep -o "CKR_PIN_INVALID" | head -n 1 |
  sed 's/^/    /' || true
p11 --slot 0 -l --pin env:GOSTCSP_DEMO_FACTORY_PIN --change-pin --new-pin env:GOSTCSP_DEMO_USER_PIN >/dev/null 2>&1
show --slot 0 -l --pin env:GOSTCSP_DEMO_USER_PIN --list-objects
echo "-- sign through the module, verify with pkcs11-tool and with gost-engine"
p11 --slot 0 -l --pin env:GOSTCSP_DEMO_USER_PIN --sign -m GOSTR3410-WITH-GOSTR3411-12-256 --id 01 -i "$work/msg" \
  -o "$work/sig" >/dev/null 2>&1
echo "    signature: $(od -An -tx1 -v "$work/sig" | tr -d ' \n' | cut -c1-64)... ($(stat -c %s "$work/sig") bytes, s||r)"
p11 --slot 0 --verify -m GOSTR3410-WITH-GOSTR3411-12-256 --id 01 -i "$work/msg" \
  --signature-file "$work/sig" 2>/dev/null | sed 's/^/    pkcs11-tool: /'
# SubjectPublicKeyInfo from the public CKA_VALUE (X||Y little-endian) for gost-engine.
p11 --slot 0 -O --type pubkey >"$work/pub.txt" 2>/dev/null
python3 - "$work/pub.txt" "$work/pub.der" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
params = bytes.fromhex(re.search(r"PARAMS OID:\s*([0-9a-f]+)", t).group(1))
m = re.search(r"VALUE:\s*([0-9a-f]+)((?:\n\s+[0-9a-f]+)*)", t)
xy = bytes.fromhex(m.group(1) + "".join(m.group(2).split()))
def tlv(tag, b):
    return bytes([tag, len(b)]) + b
alg = bytes.fromhex("06082a85030701010101")
der = tlv(0x30, tlv(0x30, alg + tlv(0x30, params)) + tlv(0x03, b"\x00" + tlv(0x04, xy)))
open(sys.argv[2], "wb").write(der)
PY
openssl dgst -engine gost -md_gost12_256 -verify "$work/pub.der" -keyform DER -signature "$work/sig" \
  "$work/msg" 2>/dev/null | sed 's/^/    gost-engine: /'
echo "-- the private key never leaves the token:"
p11 --slot 0 -l --pin env:GOSTCSP_DEMO_USER_PIN --read-object --type privkey --id 01 -o "$work/priv" 2>&1 | head -n 1 |
  sed 's/^/    /' || true
echo "demo_pkcs11: done"
