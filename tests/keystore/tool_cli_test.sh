#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# gostcsp-tool token commands end to end: refusals with clear messages, PINs never echoed.
# Usage: tool_cli_test.sh /path/to/gostcsp-tool [/path/to/libgostcsp-pkcs11.so]
# With the module (and OpenSC's pkcs11-tool), also checks that what the tool creates is served
# through PKCS#11: the key pair, its attributes, the certificate, and signing with the key.
set -euo pipefail
tool="$1"
module="${2:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/gostcsp-cli.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export GOSTCSP_CONF="$work/gostcsp.conf" GOSTCSP_TOKEN_DIR="$work/tokens"
printf 'test_token = true\nkdf_iterations = 64\nuser_max_retries = 3\nso_max_retries = 3\n' > "$GOSTCSP_CONF"
log="$work/all-output.txt"
fails=0

# run EXPECTED_STATUS EXPECTED_TEXT -- command...   (text is a fixed string; '' = no check)
run() {
    local want_rc="$1" want_text="$2"
    shift 3
    local out rc=0
    out="$("$tool" "$@" 2>&1)" || rc=$?
    printf '%s\n' "$out" >> "$log"
    if [ "$rc" -ne "$want_rc" ] || { [ -n "$want_text" ] && ! grep -qF -- "$want_text" <<<"$out"; }; then
        echo "FAIL: gostcsp-tool $* -> status $rc (want $want_rc), expected text: '$want_text'" >&2
        printf '%s\n' "$out" | sed 's/^/    /' >&2
        fails=$((fails + 1))
    fi
}

export SO_PIN=12345678 USER_PIN=87654321 GOOD_PIN='Blue-Heron-4812' GOOD_SO='Quartz-Lantern-77'
export WEAK=00000000 SHORT=ab1 WRONG='not-the-pin-9'

run 0 "must be changed" -- init-token --label cli-test --so-pin-env SO_PIN
run 0 "TOKEN_INITIALIZED SO_PIN_TO_BE_CHANGED" -- list-tokens
# Factory PINs: keygen and import-cert are refused until both PINs are changed.
run 1 "refusing key generation: the SO PIN of this token is still a factory/default PIN" -- keygen --pin-env USER_PIN
run 0 "user must change it" -- unblock --so-pin-env SO_PIN --new-pin-env USER_PIN
run 0 "USER_PIN_TO_BE_CHANGED" -- list-tokens
# A default PIN may not be chosen, and a too-short one is refused with the limits.
run 1 "default/well-known PIN" -- change-pin --pin-env USER_PIN --new-pin-env WEAK
run 1 "the new user PIN is the current one" -- change-pin --pin-env USER_PIN --new-pin-env USER_PIN
run 1 "PIN must be 6 to 64 characters long" -- change-pin --pin-env USER_PIN --new-pin-env SHORT
run 0 "user PIN changed" -- change-pin --pin-env USER_PIN --new-pin-env GOOD_PIN
printf '%s\n' "$GOOD_SO" > "$work/so.pin"
run 0 "SO PIN changed" -- change-pin --so --pin-env SO_PIN --new-pin-file "$work/so.pin"
if "$tool" list-tokens | grep -q TO_BE_CHANGED; then
    echo "FAIL: a changed PIN is still flagged TO_BE_CHANGED" >&2
    fails=$((fails + 1))
fi
run 0 "256-bit key pair" -- keygen --pin-env GOOD_PIN --label signer --id a1
run 0 "512-bit key pair" -- keygen --pin-env GOOD_PIN --bits 512 --param-set B --label s512
run 1 "not a 256-bit set" -- keygen --pin-env GOOD_PIN --param-set id-tc26-gost-3410-2012-512-paramSetA
run 0 "listed only with --login" -- list-objects
run 0 "private sensitive non-extractable always-sensitive never-extractable" -- list-objects --login --pin-env GOOD_PIN
# Wrong PINs: tries left, then locked; the SO unblocks.
run 1 "user PIN incorrect; 2 tries left" -- list-objects --login --pin-env WRONG
run 1 "1 try left" -- list-objects --login --pin-env WRONG
run 0 "USER_PIN_FINAL_TRY" -- list-tokens
run 1 "the PIN is now locked" -- list-objects --login --pin-env WRONG
run 1 "user PIN is locked; the SO must set a new user PIN" -- list-objects --login --pin-env GOOD_PIN
run 0 "USER_PIN_LOCKED" -- list-tokens
run 1 "SO PIN incorrect" -- unblock --so-pin-env SO_PIN --new-pin-env GOOD_PIN
run 0 "retry counter reset" -- unblock --so-pin-file "$work/so.pin" --new-pin-env GOOD_PIN --keep-pin
run 0 "object 2: private-key" -- list-objects --login --pin-file <(printf '%s\n' "$GOOD_PIN")
# Certificates.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k.pem" \
    -subj "/CN=gostcsp cli test" -days 1 -out "$work/c.pem" 2>/dev/null
# An ECDSA certificate matches no GOST key: stored only as a CA/peer certificate (--ca).
run 1 "matches no key on this token" -- import-cert --pin-env GOOD_PIN --label cert "$work/c.pem"
run 0 "imported certificate" -- import-cert --pin-env GOOD_PIN --label cert --ca "$work/c.pem"
run 1 "not an X.509 certificate" -- import-cert --pin-env GOOD_PIN "$work/so.pin"
run 0 "certificate" -- list-objects
if [ -n "$module" ] && [ -f "$module" ] && command -v pkcs11-tool >/dev/null; then
    objs="$(pkcs11-tool --module "$module" --login --pin "$GOOD_PIN" -O 2>&1)" || true
    printf '%s\n' "$objs" | grep -v -- "$GOOD_PIN" >> "$log"
    for want in "Private Key Object; GOSTR3410-2012-256" "Usage:      sign, derive" \
        "Access:     sensitive, always sensitive, never extractable, local" \
        "Certificate Object; type = X.509 cert" "subject:    DN: CN=gostcsp cli test"; do
        if ! grep -qF -- "$want" <<<"$objs"; then
            echo "FAIL: pkcs11-tool -O does not show '$want'" >&2
            printf '%s\n' "$objs" | sed 's/^/    /' >&2
            fails=$((fails + 1))
        fi
    done
    echo "message" > "$work/msg"
    if ! pkcs11-tool --module "$module" --login --pin "$GOOD_PIN" --sign \
        -m GOSTR3410-WITH-GOSTR3411-12-256 --id a1 -i "$work/msg" -o "$work/sig" >/dev/null 2>&1 ||
        [ "$(wc -c < "$work/sig")" -ne 64 ]; then
        echo "FAIL: pkcs11-tool could not sign with the key gostcsp-tool generated" >&2
        fails=$((fails + 1))
    fi
fi
run 0 "deleted object 1" -- delete-object --yes --pin-env GOOD_PIN 1
run 1 "no such object" -- delete-object --yes --pin-env GOOD_PIN 1
# Token selection and configuration errors name what is wrong.
run 1 "no token matches 'nope'" -- list-objects --token nope
printf 'kdf_iterations = 64\nbogus = 1\n' > "$work/bad.conf"
GOSTCSP_CONF="$work/bad.conf" run 1 "bad.conf:2: unknown key 'bogus'" -- list-tokens
# No PIN source and no terminal: a clear refusal, not a hang.
run 1 "give it with --pin-file FILE or --pin-env VAR" -- list-objects --login < /dev/null

# No PIN ever appears in any output.
for pin in "$SO_PIN" "$USER_PIN" "$GOOD_PIN" "$GOOD_SO" "$WRONG" "$WEAK"; do
    if grep -qF -- "$pin" "$log"; then
        echo "FAIL: a PIN was echoed in the tool's output" >&2
        fails=$((fails + 1))
    fi
done
[ "$fails" -eq 0 ] && echo "tool_cli_test: all checks passed"
exit "$fails"
