#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pkcs11: URIs through gostcsp.so as an integrator writes them (issue 16): a URI without token=
# finds the key although the module's spare slot holds an uninitialised token; a URI that matches
# nothing names the tokens it skipped; module-path= loads a module only when openssl.cnf allows
# it and otherwise says so; wrong-PIN messages say what the token's flags mean; each failure is
# one error record, with no other library's errors on gostcsp's stack.
# Usage: uri_search_cli_test.sh gostcsp-tool libgostcsp-pkcs11.so PROVIDER_DIR
set -euo pipefail
tool="$(realpath "$1")"
module="$(realpath "$2")"
prov_dir="$(realpath "$3")"
# The module's path as a URI attribute value: percent-encoded (RFC 7512), since p11-kit drops a raw
# space and the build tree may live under a path that has one.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../support/cli_common.sh"
module_uri="$(uri_path "$module")"
work="$(mktemp -d "${TMPDIR:-/tmp}/gostcsp-uri.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOSTCSP_CONF="$work/gostcsp.conf" GOSTCSP_TOKEN_DIR="$work/tokens"
printf 'test_token = true\nkdf_iterations = 64\nuser_max_retries = 10\n' > "$GOSTCSP_CONF"
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

export SO_PIN='Quartz-Lantern-77' USER_PIN='Blue-Heron-4812' WRONG='not-the-pin-9'
"$tool" init-token --label uri-test --so-pin-env SO_PIN >/dev/null
"$tool" unblock --so-pin-env SO_PIN --new-pin-env USER_PIN --keep-pin >/dev/null
"$tool" keygen --pin-env USER_PIN --label sig --id 01 >/dev/null

cnf() {  # cnf FILE [lines for the gostcsp section]
    local f="$1"; shift
    {
        printf 'openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n'
        printf '[provider_sect]\ndefault = default_sect\ngostcsp = gostcsp_sect\n'
        printf '[default_sect]\nactivate = 1\n[gostcsp_sect]\nactivate = 1\n'
        for line in "$@"; do printf '%s\n' "$line"; done
    } > "$f"
}
cnf direct.cnf "pkcs11-module = $module"
cnf registry.cnf
cnf allow.cnf "pkcs11-allow-uri-module = yes"
# An empty p11-kit registry (a private HOME; as root p11-kit reads only the system's, which may
# register SoftHSM2 and OpenSC: their errors must not reach gostcsp's stack either).
export HOME="$work/home"
mkdir -p "$HOME/.config/pkcs11/modules"
G() {  # G CNF openssl-args...
    local c="$1"; shift
    env OPENSSL_CONF="$work/$c" OPENSSL_MODULES="$prov_dir" openssl "$@"
}
# expect CNF TEXT openssl-args... : fails, TEXT on stderr, one error record, only gostcsp's.
expect() {
    local c="$1" want="$2"; shift 2
    local rc=0
    G "$c" "$@" >out.txt 2>err.txt || rc=$?
    if [ "$rc" -eq 0 ] || ! grep -qF -- "$want" err.txt; then
        bad "openssl $* ($c): status $rc, expected '$want'"
        sed 's/^/    /' err.txt >&2
        return
    fi
    local records
    records="$(grep -c '^[0-9A-F]*:error:' err.txt || true)"
    [ "$records" -le 2 ] || { bad "$records error records for: openssl $*"; sed 's/^/    /' err.txt >&2; }
    if grep -E '^[0-9A-F]*:error:' err.txt | grep -qvE 'gostcsp|OSSL_STORE|DECODER|pkey|passphrase'; then
        bad "a foreign error on the stack: $(cat err.txt)"
    fi
    if grep -qE '^[0-9A-F]*:error:[^:]*:[^:]*:[^:]*:\)' err.txt; then bad "a spilled ')' record: $(cat err.txt)"; fi
}

# 1. No token= in the URI: the spare uninitialised slot is skipped, the key is found.
if ! G direct.cnf pkey -in "pkcs11:object=sig;type=private" -passin env:USER_PIN -pubout -out pub.pem 2>err.txt; then
    bad "a URI without token= failed: $(cat err.txt)"
fi
grep -q "BEGIN PUBLIC KEY" pub.pem 2>/dev/null || bad "no public key through pkcs11:object=sig"
# 2. Nothing matches: the error names the searched token and the skipped one.
expect direct.cnf 'no GOST private key matches pkcs11:object=nokey;type=private on token "uri-test" (skipped token "" (slot 1): not initialised)' \
    pkey -in "pkcs11:object=nokey;type=private" -passin env:USER_PIN -pubout
expect direct.cnf 'no token with GOST R 34.10-2012 mechanisms matches pkcs11:token=nosuch' \
    pkey -in "pkcs11:token=nosuch;object=sig;type=private" -passin env:USER_PIN -pubout
# 3. module-path: refused unless allowed, saying so; loaded when allowed.
expect direct.cnf "names module-path=/nonexistent/module.so, which is not loaded (loaded: $module); set pkcs11-allow-uri-module = yes" \
    pkey -in "pkcs11:object=sig;type=private?module-path=/nonexistent/module.so" -passin env:USER_PIN -pubout
expect registry.cnf "names module-path=$module, which is not loaded" \
    pkey -in "pkcs11:object=sig;type=private?module-path=$module_uri" -passin env:USER_PIN -pubout
if ! G allow.cnf pkey -in "pkcs11:object=sig;type=private?module-path=$module_uri" -passin env:USER_PIN -pubout -out pub2.pem 2>err.txt; then
    bad "module-path with pkcs11-allow-uri-module = yes failed: $(cat err.txt)"
fi
cmp -s pub.pem pub2.pem || bad "the URI-loaded module gave another public key"
expect allow.cnf "loading /nonexistent/module.so" \
    pkey -in "pkcs11:object=sig;type=private?module-path=/nonexistent/module.so" -passin env:USER_PIN -pubout
# 4. A wrong PIN: what CKF_USER_PIN_COUNT_LOW means, never "few tries left".
echo data > d.txt
expect direct.cnf "wrong user PIN (CKR_PIN_INCORRECT); an incorrect PIN has been entered since the last successful login; the token does not say how many tries remain" \
    pkeyutl -sign -inkey "pkcs11:token=uri-test;object=sig;type=private" -passin env:WRONG -in d.txt -out s.bin
grep -q "few tries" err.txt && bad "the COUNT_LOW message still says 'few tries'"
# 5. Registry mode (p11-kit's modules, SoftHSM2 among them where installed): one clean record.
expect registry.cnf "no token with GOST R 34.10-2012 mechanisms matches pkcs11:token=nosuch" \
    pkey -in "pkcs11:token=nosuch;object=sig;type=private" -passin env:USER_PIN -pubout

[ "$fails" -eq 0 ] && echo "uri_search_cli_test: all checks passed"
exit "$fails"
