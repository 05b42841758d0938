#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# gostcsp-tool as a CSP administrator uses it (issue 16): key pairs with their certificates and
# URIs, --json listings, refusals of duplicates and ambiguous names, the OID a user asked for,
# factory-PIN policy, confirmations, and output files whose mode the tool never changes.
# Certificates for token keys are made by gost-engine (its own process, no gostcsp), over the
# public key the token reports, so the match is checked against an independent encoder.
# Usage: token_admin_cli_test.sh /path/to/gostcsp-tool [/path/to/libgostcsp-pkcs11.so]
set -euo pipefail
tool="$(realpath "$1")"
module="${2:+$(realpath "$2")}"
work="$(mktemp -d "${TMPDIR:-/tmp}/gostcsp-admin.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOSTCSP_CONF="$work/gostcsp.conf" GOSTCSP_TOKEN_DIR="$work/tokens"
printf 'kdf_iterations = 64\nuser_max_retries = 10\nso_max_retries = 3\n' > "$GOSTCSP_CONF"
fails=0
PY=/usr/bin/python3

# run EXPECTED_STATUS EXPECTED_TEXT -- command...   (text is a fixed string; '' = no check)
run() {
    local want_rc="$1" want_text="$2"
    shift 3
    local out rc=0
    out="$("$tool" "$@" 2>&1 < /dev/null)" || rc=$?
    if [ "$rc" -ne "$want_rc" ] || { [ -n "$want_text" ] && ! grep -qF -- "$want_text" <<<"$out"; }; then
        echo "FAIL: gostcsp-tool $* -> status $rc (want $want_rc), expected text: '$want_text'" >&2
        printf '%s\n' "$out" | sed 's/^/    /' >&2
        fails=$((fails + 1))
    fi
}
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# json_check FILE PYTHON-EXPRESSION (over `d`, the parsed document)
json_check() {
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$1" "$2" || { bad "$1: $2"; sed 's/^/    /' "$1" >&2; }
}

export SO_PIN=12345678 USER_PIN=87654321 GOOD_SO='Quartz-Lantern-77' GOOD_PIN='Blue-Heron-4812'
export NEXT_PIN='Red-Kite-9034'

# --- messages ---------------------------------------------------------------------------------
run 2 "unknown subcommand 'foo'; the subcommands are: digest, init-token" -- foo
run 1 "give it with --so-pin-file FILE or --so-pin-env VAR" -- init-token --label adm

# --- a token: factory PINs refuse keygen; the SO-set user PIN must be changed --------------
run 0 "initialised token 'adm'" -- init-token --label adm --so-pin-env SO_PIN
run 1 "a token labelled 'adm' exists" -- init-token --label adm --so-pin-env GOOD_SO
run 0 "user must change it" -- unblock --so-pin-env SO_PIN --new-pin-env GOOD_PIN
run 0 "USER_PIN_TO_BE_CHANGED" -- list-tokens
run 1 "refusing key generation: the SO PIN and the user PIN of this token" -- keygen --pin-env GOOD_PIN --label k
printf 'kdf_iterations = 64\nallow_factory_pins = true\n' > relaxed.conf
# The provisioning switch: keygen goes ahead with a warning (the key is removed again).
GOSTCSP_CONF="$work/relaxed.conf" run 0 "warning: key generation under a factory/default SO PIN and the user PIN" -- keygen --pin-env GOOD_PIN --label k
GOSTCSP_CONF="$work/relaxed.conf" run 0 "deleted object 2" -- delete-object --yes --pin-env GOOD_PIN 1 2
printf 'kdf_iterations = 64\nallow_factory_pins = maybe\n' > wrong.conf
GOSTCSP_CONF="$work/wrong.conf" run 1 "allow_factory_pins: expected true|false" -- list-tokens
run 0 "SO PIN changed" -- change-pin --so --pin-env SO_PIN --new-pin-env GOOD_SO
run 1 "refusing key generation: the user PIN of this token" -- keygen --pin-env GOOD_PIN --label k
run 1 "the new user PIN is the current one" -- change-pin --pin-env GOOD_PIN --new-pin-env GOOD_PIN
run 0 "user PIN changed" -- change-pin --pin-env GOOD_PIN --new-pin-env NEXT_PIN
# --keep-pin: the SO says the PIN it set is the user's.
run 0 "retry counter reset" -- unblock --so-pin-env GOOD_SO --new-pin-env GOOD_PIN --keep-pin
if "$tool" list-tokens | grep -q USER_PIN_TO_BE_CHANGED; then bad "--keep-pin still flags the PIN"; fi

# --- parameter sets: one table, a bare letter refused, the OID asked for is kept -------------
run 1 "parameter set 'A' is ambiguous" -- keygen --pin-env GOOD_PIN --param-set A --label x
run 1 "use one of: gost2001-test, tc26-256-A, tc26-256-B, tc26-256-C, tc26-256-D, cryptopro-A" -- keygen --pin-env GOOD_PIN --param-set B --label x
run 1 "unknown parameter set 'E'" -- keygen --pin-env GOOD_PIN --param-set E --label x
run 1 "not a 256-bit set" -- keygen --pin-env GOOD_PIN --param-set tc26-512-A --label x
run 0 "(tc26-256-A, 1.2.643.7.1.2.1.1.1)" -- keygen --pin-env GOOD_PIN --label sig --id 01
run 0 "(cryptopro-A, 1.2.643.2.2.35.1)" -- keygen --pin-env GOOD_PIN --param-set cryptopro-A --label cpa --id 02
run 0 "(cryptopro-XchA, 1.2.643.2.2.36.0)" -- keygen --pin-env GOOD_PIN --param-set XA --label xa --id 03
run 0 "(tc26-256-A, 1.2.643.7.1.2.1.1.1)" -- keygen --pin-env GOOD_PIN --param-set TCA --label tca --id 04
run 0 "(tc26-512-C, 1.2.643.7.1.2.1.2.3)" -- keygen --pin-env GOOD_PIN --bits 512 --param-set C --label s512 --id 05
# Duplicate key labels and ids would make a URI select two keys.
run 1 "a key labelled 'sig' exists on this token" -- keygen --pin-env GOOD_PIN --label sig --id 09
run 1 "a key with id 02 exists on this token" -- keygen --pin-env GOOD_PIN --label other --id 02

# --- list-keys, --json -------------------------------------------------------------------------
run 0 "cryptopro-A (1.2.643.2.2.35.1)" -- list-keys
run 0 "uri:       pkcs11:token=adm;id=%02;object=cpa;type=private" -- list-keys
"$tool" list-keys --json > keys.json
json_check keys.json "[k['param_set']['oid'] for k in d['keys']] == ['1.2.643.7.1.2.1.1.1', '1.2.643.2.2.35.1', '1.2.643.2.2.36.0', '1.2.643.7.1.2.1.1.1', '1.2.643.7.1.2.1.2.3']"
json_check keys.json "d['keys'][1]['param_set']['name'] == 'cryptopro-A' and d['keys'][1]['bits'] == 256 and d['keys'][4]['algorithm'] == 'gost2012_512'"
json_check keys.json "d['keys'][0]['private_key_object'] is None and d['keys'][0]['certificate'] is None and d['logged_in'] is False"
"$tool" list-keys --json --login --pin-env GOOD_PIN > keys-login.json
json_check keys-login.json "all(k['private_key_object'] for k in d['keys']) and d['keys'][0]['usage'] == ['verify', 'sign', 'derive']"
"$tool" list-tokens --json > tokens.json
json_check tokens.json "d['tokens'][0]['label'] == 'adm' and d['tokens'][0]['user_pin']['tries_left'] == 10 and 'TOKEN_INITIALIZED' in d['tokens'][0]['flags']"
"$tool" list-objects --json > objects.json
json_check objects.json "[o['param_set']['name'] for o in d['objects']] == ['tc26-256-A', 'cryptopro-A', 'cryptopro-XchA', 'tc26-256-A', 'tc26-512-C']"
if [ -n "$module" ] && [ -f "$module" ] && command -v pkcs11-tool >/dev/null; then
    # The module reports the CryptoPro-A OID too (DER 06 07 2a 85 03 02 02 23 01).
    p11="$(pkcs11-tool --module "$module" -O 2>&1)" || true
    grep -qF "PARAMS OID: 06072a850302022301" <<<"$p11" || bad "pkcs11-tool does not see the CryptoPro-A OID: $p11"
fi

# --- certificates bound to the key pair whose public key they hold -------------------------
if openssl engine gost >/dev/null 2>&1; then
    E() { env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl "$@" -engine gost 2>>engine.err; }
    # A CA key and certificate made by gost-engine; the leaf's public key is the token key's.
    E genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out ca.key >/dev/null
    E req -new -x509 -key ca.key -subj "/CN=admin test CA" -days 30 -out ca.pem >/dev/null
    E req -new -key ca.key -subj "/CN=token key sig" -out leaf.csr >/dev/null
    for n in 0 4; do  # keys[0] = sig (tc26-256-A), keys[4] = s512 (tc26-512-C)
        "$PY" - keys.json "$n" <<'EOF' > "pub$n.pem"
import base64, json, sys
k = json.load(open(sys.argv[1]))["keys"][int(sys.argv[2])]
xy = bytes.fromhex(json.load(open(sys.argv[1].replace("keys", "objects")))["objects"][int(sys.argv[2])]["public_key"])
def tlv(tag, body):
    n = len(body)
    ln = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255]))
    return bytes([tag]) + ln + body
def oid(dotted):
    a = [int(x) for x in dotted.split(".")]
    out = bytes([40 * a[0] + a[1]])
    for v in a[2:]:
        chunk = [v & 127]
        v >>= 7
        while v:
            chunk.insert(0, 128 | (v & 127))
            v >>= 7
        out += bytes(chunk)
    return tlv(6, out)
alg = "1.2.643.7.1.1.1.1" if k["bits"] == 256 else "1.2.643.7.1.1.1.2"
spki = tlv(0x30, tlv(0x30, oid(alg) + tlv(0x30, oid(k["param_set"]["oid"]))) + tlv(3, b"\0" + tlv(4, xy)))
b = base64.encodebytes(spki).decode()
print("-----BEGIN PUBLIC KEY-----\n" + b + "-----END PUBLIC KEY-----")
EOF
        E x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
            -force_pubkey "pub$n.pem" -out "leaf$n.pem" >/dev/null
    done
    [ -s leaf0.pem ] && [ -s leaf4.pem ] || bad "gost-engine did not make the test certificates: $(cat engine.err)"
    # The 512-bit certificate onto the 256-bit key's id: refused, naming the key it does match.
    run 1 "the certificate's public key is that of key 's512' (id 05), not of id 01" -- import-cert --pin-env GOOD_PIN --id 01 leaf4.pem
    run 1 "matches no key on this token: no key pair on this token has its public key" -- import-cert --pin-env GOOD_PIN ca.pem
    run 0 "for key 'sig' (id 01)" -- import-cert --pin-env GOOD_PIN leaf0.pem
    run 1 "already stored" -- import-cert --pin-env GOOD_PIN leaf0.pem
    run 0 "as a CA/peer certificate" -- import-cert --pin-env GOOD_PIN --ca ca.pem
    run 0 "subject: CN=token key sig" -- list-keys
    run 0 "issuer:  CN=admin test CA" -- list-keys
    "$tool" list-keys --json > keys2.json
    serial="$(openssl x509 -in leaf0.pem -noout -serial | cut -d= -f2)"
    end="$(openssl x509 -in leaf0.pem -noout -enddate | cut -d= -f2)"
    json_check keys2.json "d['keys'][0]['certificate']['serial'] == '$serial' and d['keys'][0]['certificate']['expired'] is False"
    json_check keys2.json "d['keys'][0]['certificate']['issuer'] == 'CN=admin test CA' and d['keys'][1]['certificate'] is None"
    "$PY" -c 'import datetime,json,sys; d=json.load(open(sys.argv[1]))
t=datetime.datetime.strptime(sys.argv[2], "%b %d %H:%M:%S %Y GMT").strftime("%Y-%m-%dT%H:%M:%SZ")
sys.exit(0 if d["keys"][0]["certificate"]["not_after"] == t else 1)' keys2.json "$end" ||
        bad "list-keys validity differs from openssl x509 -enddate ($end)"
else
    echo "note: gost-engine not installed; certificate binding checks skipped" >&2
fi

# --- key-uri resolves what it writes ---------------------------------------------------------
run 1 "no token labelled 'nosuch'" -- key-uri --token nosuch --label nokey
run 1 "no key with label 'nokey' on token 'adm'" -- key-uri --token adm --label nokey
run 0 "pkcs11:token=adm;id=%01;object=sig;type=private" -- key-uri --token adm --label sig --id 01
# Output files: a new one gets 0644 at creation; an existing 0600 file and a FIFO keep their mode.
umask 022
run 0 "wrote new.pem" -- key-uri --token adm --label sig -o new.pem
[ "$(stat -c %a new.pem)" = 644 ] || bad "new key file mode $(stat -c %a new.pem), want 644"
grep -q "BEGIN PKCS#11 PROVIDER URI" new.pem || bad "new.pem is not a key-URI PEM"
printf 'old secret content that is longer than the PEM will be, so truncation shows\n%.0s' {1..40} > private.pem
chmod 0600 private.pem
run 0 "wrote private.pem" -- key-uri --token adm --label sig -o private.pem
[ "$(stat -c %a private.pem)" = 600 ] || bad "key-uri changed an existing file's mode to $(stat -c %a private.pem)"
cmp -s new.pem private.pem || bad "private.pem was not rewritten with exactly the key file"
mkfifo fifo
chmod 0620 fifo
cat fifo > from-fifo.pem &
reader=$!
run 0 "wrote fifo" -- key-uri --token adm --label sig -o fifo
wait "$reader"
[ "$(stat -c %a fifo)" = 620 ] || bad "key-uri changed the FIFO's mode to $(stat -c %a fifo)"
cmp -s new.pem from-fifo.pem || bad "the FIFO did not carry the key file"
devnull_mode="$(stat -c %a /dev/null)"
run 0 "wrote /dev/null" -- key-uri --token adm --label sig -o /dev/null
[ "$(stat -c %a /dev/null)" = "$devnull_mode" ] || bad "key-uri changed /dev/null's mode"

# --- duplicate token labels with --force: the tool says how URIs pick; URIs get serial= ---------
run 0 "A pkcs11:token=adm URI matches all of them" -- init-token --label adm --so-pin-env GOOD_SO --force
serial="$("$tool" list-tokens --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["tokens"][0]["serial"])')"
"$tool" list-tokens --json > tokens2.json
json_check tokens2.json "len(d['tokens']) == 2"
run 1 "several tokens match 'adm' (duplicate labels); choose one by its serial" -- list-keys --token adm
first="$("$PY" -c 'import json,sys; print([t["serial"] for t in json.load(open(sys.argv[1]))["tokens"] if t.get("public_objects")][0])' tokens2.json)"
run 0 "pkcs11:serial=$first;token=adm;id=%01;object=sig;type=private" -- key-uri --token adm --label sig --id 01
: "$serial"

# --- destructive commands ask; without a terminal they need --yes --------------------------
run 1 "not confirmed (no terminal to ask; add --yes to go ahead)" -- delete-object --token "$first" --pin-env GOOD_PIN 3
run 0 "object 3: public-key" -- list-objects --token "$first"
run 1 "every object on it will be destroyed: not confirmed" -- init-token --token "$first" --label adm --so-pin-env GOOD_SO
run 0 "deleted object 3" -- delete-object --token "$first" --yes --pin-env GOOD_PIN 3

[ "$fails" -eq 0 ] && echo "token_admin_cli_test: all checks passed"
exit "$fails"
