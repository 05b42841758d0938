#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Drives libgostcsp-pkcs11.so the way users do: OpenSC pkcs11-tool, GnuTLS p11tool, p11-kit
# (module file + proxy), with gost-engine checking signatures and digests independently.
# Usage: p11_tools_test.sh /path/to/libgostcsp-pkcs11.so
set -euo pipefail
module="$(readlink -f "$1")"
work="$(mktemp -d "${TMPDIR:-/tmp}/gostcsp-tools-XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat >"$work/gostcsp.conf" <<EOF
token_dir = $work/tokens
test_token = true
kdf_iterations = 10
EOF
export GOSTCSP_CONF="$work/gostcsp.conf"
unset GOSTCSP_TOKEN_DIR
SO=5927461830
PIN=7391846205
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
p11() { pkcs11-tool --module "$module" "$@"; }
# pkcs11-tool 0.23 cannot export GOST public keys (and -O ignores --id); rebuild the SPKI of
# object $3 from its listing (PARAMS OID + VALUE = X||Y little-endian) so gost-engine reads it.
spki_from_listing() {
  python3 - "$1" "$2" "$3" <<'PY'
import re, sys
blocks = open(sys.argv[1]).read().split("Public Key Object")
text = next(b for b in blocks if re.search(r"ID:\s*%s\b" % sys.argv[3], b))
params = bytes.fromhex(re.search(r"PARAMS OID:\s*([0-9a-f]+)", text).group(1))
m = re.search(r"VALUE:\s*([0-9a-f]+)((?:\n\s+[0-9a-f]+)*)", text)
xy = bytes.fromhex(m.group(1) + "".join(m.group(2).split()))
def tlv(tag, body):
    n = len(body)
    l = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255]))
    return bytes([tag]) + l + body
big = len(xy) == 128
alg = bytes.fromhex("06082a85030701010102" if big else "06082a85030701010101")
p = tlv(0x30, params + (bytes.fromhex("06082a85030701010203") if big else b""))
der = tlv(0x30, tlv(0x30, alg + p) + tlv(0x03, b"\x00" + tlv(0x04, xy)))
open(sys.argv[2], "wb").write(der)
PY
}

step "list slots: one uninitialised slot"
p11 -L >"$work/slots" 2>&1
grep -q "uninitialized" "$work/slots" || fail "no uninitialised slot: $(cat "$work/slots")"

step "list mechanisms"
p11 -M >"$work/mechs" 2>&1
for m in GOSTR3410-KEY-PAIR-GEN GOSTR3410-512-KEY-PAIR-GEN "GOSTR3410," GOSTR3410_512 \
         GOSTR3410-WITH-GOSTR3411-12-256 GOSTR3410-WITH-GOSTR3411-12-512 GOSTR3411-12-256 \
         GOSTR3411-12-512 GOSTR3411-12-256-HMAC GOSTR3411-12-512-HMAC GOSTR3410-12-DERIVE; do
  grep -q -- "$m" "$work/mechs" || fail "mechanism $m not listed"
done
# The symmetric half (#12): OpenSC 0.23 names the PKCS#11 28147 mechanisms and shows the TC26
# vendor ones by number, with the flags of the module's table.
for m in "GOST28147-KEY-GEN, keySize={32,32}, generate" "GOST28147-ECB, keySize={32,32}, encrypt, decrypt" \
         "GOST28147, keySize={32,32}, encrypt, decrypt" "GOST28147-MAC, keySize={32,32}, sign, verify" \
         "GOST28147-KEY-WRAP, keySize={32,32}, wrap, unwrap" \
         "mechtype-0xD4321030, keySize={32,32}, generate" "mechtype-0xD4321031, keySize={32,32}, encrypt, decrypt" \
         "mechtype-0xD4321032, keySize={32,32}, encrypt, decrypt" "mechtype-0xD4321033, keySize={32,32}, sign, verify" \
         "mechtype-0xD432102D, keySize={32,32}, encrypt, decrypt" "mechtype-0xD432102B, keySize={64,64}, wrap, unwrap" \
         "mechtype-0xD4321034, keySize={32,32}, generate" "mechtype-0xD4321035, keySize={32,32}, encrypt, decrypt" \
         "mechtype-0xD4321036, keySize={32,32}, encrypt, decrypt" "mechtype-0xD4321037, keySize={32,32}, sign, verify" \
         "mechtype-0xD432102E, keySize={32,32}, encrypt, decrypt" "mechtype-0xD432102C, keySize={64,64}, wrap, unwrap" \
         "mechtype-0xD432102A, keySize={1,64}, derive"; do
  grep -qiF -- "$m" "$work/mechs" || fail "mechanism line '$m' not listed: $(cat "$work/mechs")"
done

step "init token, init user PIN"
p11 --init-token --slot 0 --so-pin "$SO" --label "tools demo" >/dev/null 2>&1 || fail "init-token"
p11 --slot 0 --login --login-type so --so-pin "$SO" --init-pin --pin "$PIN" >/dev/null 2>&1 || fail "init-pin"
p11 -L >"$work/slots" 2>&1
grep -q "tools demo" "$work/slots" || fail "label missing"
grep -q "PIN initialized" "$work/slots" || fail "user PIN flag missing: $(cat "$work/slots")"

step "generate GOST key pairs (256:A, 256:B, 512:A)"
p11 --slot 0 -l --pin "$PIN" --keypairgen --key-type GOSTR3410-2012-256:A --id 01 --label k256a \
  --usage-sign >"$work/gen1" 2>&1 || fail "keygen 256:A: $(cat "$work/gen1")"
grep -q "GOSTR3410-2012-256" "$work/gen1" || fail "keygen output"
p11 --slot 0 -l --pin "$PIN" --keypairgen --key-type GOSTR3410-2012-256:B --id 02 --label k256b \
  --usage-sign >/dev/null 2>&1 || fail "keygen 256:B"
p11 --slot 0 -l --pin "$PIN" --keypairgen --key-type GOSTR3410-2012-512:A --id 03 --label k512a \
  --usage-sign >/dev/null 2>&1 || fail "keygen 512:A"

step "list objects"
p11 --slot 0 -l --pin "$PIN" -O >"$work/objs" 2>&1 || fail "list objects"
[ "$(grep -c "Private Key Object; GOSTR3410-2012-256" "$work/objs")" -eq 2 ] || fail "256 private keys: $(cat "$work/objs")"
grep -q "Private Key Object; GOSTR3410-2012-512" "$work/objs" || fail "512 private key"
grep -q "sensitive, always sensitive, never extractable, local" "$work/objs" || fail "private key flags"
p11 --slot 0 -O >"$work/pubobjs" 2>&1
grep -q "Private Key Object" "$work/pubobjs" && fail "private keys visible without login"
grep -q "Public Key Object; GOSTR3410-2012-256" "$work/pubobjs" || fail "public keys not visible"

step "sign and verify with pkcs11-tool; verify with gost-engine"
head -c 1000 /dev/urandom >"$work/msg"
for spec in "01 GOSTR3410-WITH-GOSTR3411-12-256 md_gost12_256 64" \
            "03 GOSTR3410-WITH-GOSTR3411-12-512 md_gost12_512 128"; do
  set -- $spec
  p11 --slot 0 -l --pin "$PIN" --sign -m "$2" --id "$1" -i "$work/msg" -o "$work/sig$1" >/dev/null 2>&1 \
    || fail "sign id $1"
  [ "$(stat -c %s "$work/sig$1")" -eq "$4" ] || fail "signature size id $1"
  p11 --slot 0 --verify -m "$2" --id "$1" -i "$work/msg" --signature-file "$work/sig$1" >"$work/ver" 2>&1 \
    || fail "pkcs11-tool verify id $1: $(cat "$work/ver")"
  grep -q "Signature is valid" "$work/ver" || fail "verify output id $1"
  p11 --slot 0 -O --type pubkey --id "$1" >"$work/pub$1.txt" 2>&1 || fail "list public key id $1"
  spki_from_listing "$work/pub$1.txt" "$work/pub$1.der" "$1"
  openssl dgst -engine gost "-$3" -verify "$work/pub$1.der" -keyform DER -signature "$work/sig$1" \
    "$work/msg" >"$work/ev" 2>&1 || fail "gost-engine rejects signature id $1: $(cat "$work/ev")"
done
# Raw signature over a digest (CKM_GOSTR3410), verified by gost-engine's pkeyutl.
openssl dgst -engine gost -md_gost12_256 -binary -out "$work/digest" "$work/msg" 2>/dev/null
p11 --slot 0 -l --pin "$PIN" --sign -m GOSTR3410 --id 02 -i "$work/digest" -o "$work/rawsig" >/dev/null 2>&1 \
  || fail "raw sign"
p11 --slot 0 -O --type pubkey --id 02 >"$work/pub02.txt" 2>&1 || fail "list pub 02"
spki_from_listing "$work/pub02.txt" "$work/pub02.der" 02
openssl pkeyutl -engine gost -verify -pubin -keyform DER -inkey "$work/pub02.der" -in "$work/digest" \
  -sigfile "$work/rawsig" >/dev/null 2>&1 || fail "gost-engine rejects raw signature"

step "digest with pkcs11-tool = gost-engine"
p11 --slot 0 --hash -m GOSTR3411-12-256 -i "$work/msg" -o "$work/h256" >/dev/null 2>&1 || fail "hash 256"
cmp -s "$work/h256" "$work/digest" || fail "Streebog-256 differs from gost-engine"
p11 --slot 0 --hash -m GOSTR3411-12-512 -i "$work/msg" -o "$work/h512" >/dev/null 2>&1 || fail "hash 512"
openssl dgst -engine gost -md_gost12_512 -binary -out "$work/d512" "$work/msg" 2>/dev/null
cmp -s "$work/h512" "$work/d512" || fail "Streebog-512 differs from gost-engine"

step "certificate: write, list, read back"
openssl req -engine gost -x509 -newkey gost2012_256 -pkeyopt paramset:TCA -nodes -keyout "$work/ck.pem" \
  -subj "/CN=gostcsp tools test" -days 2 -outform DER -out "$work/cert.der" >/dev/null 2>&1 || fail "openssl req"
p11 --slot 0 -l --pin "$PIN" --write-object "$work/cert.der" --type cert --id 04 --label cert04 >/dev/null 2>&1 \
  || fail "write certificate"
p11 --slot 0 --read-object --type cert --id 04 -o "$work/cert.back" >/dev/null 2>&1 || fail "read certificate"
cmp -s "$work/cert.der" "$work/cert.back" || fail "certificate differs"
p11 --slot 0 -O 2>/dev/null | grep -q "Certificate Object" || fail "certificate not listed"

step "private key stays inside"
if p11 --slot 0 -l --pin "$PIN" --read-object --type privkey --id 01 -o "$work/priv" >/dev/null 2>&1; then
  [ -s "$work/priv" ] && fail "private key material came out"
fi

step "p11tool lists the token and its objects"
p11tool --provider "$module" --list-tokens >"$work/tokens.txt" 2>&1 || fail "p11tool --list-tokens"
grep -q "tools demo" "$work/tokens.txt" || fail "p11tool token label: $(cat "$work/tokens.txt")"
GNUTLS_PIN="$PIN" p11tool --provider "$module" --login --list-all "pkcs11:token=tools%20demo" >"$work/all" 2>&1 \
  || fail "p11tool --list-all: $(cat "$work/all")"
grep -q "Type: Private key" "$work/all" || fail "p11tool: no private key: $(cat "$work/all")"
grep -q "Type: X.509 Certificate" "$work/all" || fail "p11tool: no certificate: $(cat "$work/all")"
grep -q "object=k256a" "$work/all" || fail "p11tool: label missing"
p11tool --provider "$module" --list-all-certs "pkcs11:token=tools%20demo" 2>/dev/null | grep -q "cert04" \
  || fail "p11tool --list-all-certs"

step "p11-kit: a module file registers it; the proxy serves it"
# p11-kit reads ~/.config/pkcs11/modules except for root; as root, run this part as nobody, in
# a world-readable directory outside the checkout with a copy of the module (support/other_user.sh).
pk="$work/p11kit"
pk_module="$module"
as_user=(env)
if [ "$(id -u)" -eq 0 ]; then
  source "$(dirname "${BASH_SOURCE[0]}")/../support/other_user.sh"
  pk="$(other_user_dir)"
  trap 'rm -rf "$work" "$pk"' EXIT
  pk_module="$(other_user_copy "$pk/bin" "$module")"
  as_user=("${OTHER_USER[@]}" env)
fi
mkdir -p "$pk/home/.config/pkcs11/modules" "$pk/tokens"
printf 'module: %s\n' "$pk_module" >"$pk/home/.config/pkcs11/modules/gostcsp.module"
printf 'token_dir = %s/tokens\ntest_token = true\nkdf_iterations = 10\n' "$pk" >"$pk/gostcsp.conf"
[ "$(id -u)" -ne 0 ] || chown -R nobody "$pk"
"${as_user[@]}" HOME="$pk/home" GOSTCSP_CONF="$pk/gostcsp.conf" p11-kit list-modules >"$work/mods" 2>&1 || true
grep -q "^gostcsp: " "$work/mods" || fail "p11-kit list-modules: $(cat "$work/mods")"
grep -q "gostcsp GOST R 34.10-2012 token" "$work/mods" || fail "p11-kit: library description"
proxy=/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so
[ -e "$proxy" ] || proxy="$(dirname "$(readlink -f "$(command -v p11-kit)")")/../lib/p11-kit-proxy.so"
"${as_user[@]}" HOME="$pk/home" GOSTCSP_CONF="$pk/gostcsp.conf" pkcs11-tool --module "$proxy" -L \
  >"$work/proxy" 2>&1 || true
grep -q "gostcsp soft slot" "$work/proxy" || fail "p11-kit proxy does not serve the module: $(cat "$work/proxy")"

echo "all pkcs11 tool checks passed"
