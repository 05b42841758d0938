#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Token keys through gostcsp.so, driven with the real `openssl` binary: a key generated inside our
# soft token (libgostcsp-pkcs11.so), named by a pkcs11: URI or by a key-URI file, used by pkeyutl,
# req, x509 -req, cms, ts and pkeyutl -derive. Results are checked by gost-engine (ENGINE "gost",
# separate process, no gostcsp) and Botan 2; never against earlier outputs of ours.
#   token_cli_test.sh <flow>      (flows: see the case statement at the bottom)
# Exit 0 = pass, 77 = skipped (a documented limit of the installed OpenSSL, explained on stderr).
set -euo pipefail

flow="${1:?flow name}"
prov_dir="${GOSTCSP_PROVIDER_DIR:?}"
module="${GOSTCSP_P11_MODULE:?path of libgostcsp-pkcs11.so}"
tool="${GOSTCSP_TOOL:?path of gostcsp-tool}"
scratch="${GOSTCSP_SCRATCH:-$PWD/scratch}/$flow"
# As root, the flows that rely on p11-kit's registry run openssl as nobody (as_user below). They
# work outside the checkout, which may sit in a 0700 home, on world-readable copies of the built
# programs (support/other_user.sh); the other flows run as the current user where they are.
source "$(dirname "${BASH_SOURCE[0]}")/../support/other_user.sh"
if [ "$(id -u)" -eq 0 ] && [[ " registered proxy api_registered " == *" $flow "* ]]; then
    stage="$(other_user_dir)"
    trap 'rm -rf "$stage"' EXIT
    prov_dir="$(dirname "$(other_user_copy "$stage/bin/providers" "$prov_dir/gostcsp.so")")"
    module="$(other_user_copy "$stage/bin" "$module")"
    tool="$(other_user_copy "$stage/bin" "$tool")"
    if [ -x "${GOSTCSP_TOKEN_API:-}" ]; then
        GOSTCSP_TOKEN_API="$(other_user_copy "$stage/bin" "$GOSTCSP_TOKEN_API")"
    fi
    # test_token_api takes these in place of the build paths compiled into it.
    export GOSTCSP_PROVIDER_DIR="$prov_dir" GOSTCSP_P11_MODULE="$module" GOSTCSP_TOOL="$tool"
    scratch="$stage/$flow"
fi
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"

# --- harness -------------------------------------------------------------------------------
# The soft token lives here; a cheap KDF keeps the test fast (the default cost is for real PINs).
export GOSTCSP_TOKEN_DIR="$scratch/tokens" GOSTCSP_CONF="$scratch/gostcsp.conf"
# The factory SO PIN stays (later steps use it): allow keygen under it, as a provisioning line may.
printf 'test_token = true\nkdf_iterations = 64\nuser_max_retries = 3\nso_max_retries = 3\nallow_factory_pins = true\n' > "$GOSTCSP_CONF"
# p11-kit reads module registrations from ~/.config/pkcs11/modules: a private HOME registers our
# module as a hardware token's vendor module would be registered system-wide.
export HOME="$scratch/home"
mkdir -p "$HOME/.config/pkcs11/modules"
printf 'module: %s\ncritical: no\n' "$module" > "$HOME/.config/pkcs11/modules/gostcsp-test.module"
proxy="$(pkg-config --variable=proxy_module p11-kit-1 2>/dev/null || true)"
[ -n "$proxy" ] && [ -e "$proxy" ] || proxy="/usr/lib/$(gcc -print-multiarch 2>/dev/null)/p11-kit-proxy.so"

write_cnf() {  # write_cnf FILE [extra lines for the gostcsp section]
    local f="$1"; shift
    {
        printf 'openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n'
        printf '[provider_sect]\ndefault = default_sect\ngostcsp = gostcsp_sect\n'
        printf '[default_sect]\nactivate = 1\n[gostcsp_sect]\nactivate = 1\n'
        for line in "$@"; do printf '%s\n' "$line"; done
    } > "$f"
}
write_cnf registered.cnf                                  # every module registered with p11-kit
write_cnf direct.cnf "pkcs11-module = $module"            # one module path from openssl.cnf
write_cnf proxy.cnf "pkcs11-module = $proxy"              # p11-kit's proxy, as a foreign module
cnf="$scratch/direct.cnf"
# p11-kit reads ~/.config/pkcs11 only for non-root users: as root, the flows that rely on p11-kit's
# registry (registered, proxy) run openssl as "nobody" with this HOME (never touching /etc).
AS=()
as_user() {
    if [ "$(id -u)" -eq 0 ]; then
        chown -R nobody:nogroup "$scratch"
        AS=("${OTHER_USER[@]}")
    fi
}
# G: openssl with gostcsp beside default. E: openssl with gost-engine only (no provider config).
G() { env OPENSSL_CONF="$cnf" OPENSSL_MODULES="$prov_dir" "${AS[@]}" openssl "$@"; }
E() { local cmd="$1"; shift; env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl "$cmd" -engine gost "$@" 2>engine.err; }
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_common.sh"
hexof() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# Token set-up with gostcsp-tool, as an administrator would do it. PINs travel in variables.
export SO_PIN=12345678 FACTORY_PIN=87654321 USER_PIN='Teal-Otter-5531' WRONG_PIN='not-the-pin-1'
TOKEN=tok-test
# tc26-256-B (CryptoPro-A): Botan 2.19 verifies correctly on it (design.md's cofactor-4 trap).
KEY_OID=1.2.643.7.1.2.1.1.2
token_init() {
    "$tool" init-token --label "$TOKEN" --so-pin-env SO_PIN >/dev/null 2>&1
    "$tool" unblock --token "$TOKEN" --so-pin-env SO_PIN --new-pin-env FACTORY_PIN >/dev/null 2>&1
}
token_ready() {  # a token with a real user PIN and keys: sig256 (256 B, id 01), sig512 (512 A, id 02)
    token_init
    "$tool" change-pin --token "$TOKEN" --pin-env FACTORY_PIN --new-pin-env USER_PIN >/dev/null 2>&1
    "$tool" keygen --token "$TOKEN" --pin-env USER_PIN --bits 256 --param-set tc26-256-B --label sig256 --id 01 >/dev/null 2>&1
    "$tool" keygen --token "$TOKEN" --pin-env USER_PIN --bits 512 --param-set A --label sig512 --id 02 >/dev/null 2>&1
}
URI="pkcs11:token=$TOKEN;object=sig256;type=private"
URI512="pkcs11:token=$TOKEN;object=sig512;type=private"
PASS=(-passin env:USER_PIN)

spki_pieces() {  # SPKI PEM -> pub.hex (X||Y LE), oid.txt (parameter-set OID)
    "$PY" "$support_dir/der_pieces.py" spki "$1"
}
cert_pieces() {  # cert PEM -> tbs.der, sig.hex (the signature BIT STRING's octets)
    "$PY" "$support_dir/der_pieces.py" cert "$1"
}
botan_verify() {  # botan_verify PUB_PEM MESSAGE SIG_HEX WHAT
    spki_pieces "$1"
    [ "$(cat oid.txt)" = "$KEY_OID" ] || fail "$4: parameter set $(cat oid.txt), expected $KEY_OID"
    "$GOSTCSP_BOTAN_CHECK" verify "$KEY_OID" "$(cat pub.hex)" "$2" "$3" >/dev/null ||
        fail "Botan rejects $4"
}
token_pubkey() {  # the token key's public half, read through the provider (type=public object)
    G pkey -pubin -in "pkcs11:token=$TOKEN;object=sig256;type=public" -pubout -out "$1" ||
        fail "public key through pkcs11: URI"
}

# --- flows ---------------------------------------------------------------------------------
# pkeyutl -sign on a Streebog digest with the token key; gost-engine and Botan verify.
sign_and_check() {  # sign_and_check KEY(URI or file) WHAT
    make_doc 1024 doc.bin
    E dgst -md_gost12_256 -binary -out dgst.bin doc.bin
    G pkeyutl -sign -inkey "$1" "${PASS[@]}" -in dgst.bin -out sig.bin || fail "pkeyutl -sign ($2)"
    [ "$(wc -c < sig.bin)" -eq 64 ] || fail "signature length"
    token_pubkey pub.pem
    E pkeyutl -verify -pubin -inkey pub.pem -in dgst.bin -sigfile sig.bin | grep -q "Signature Verified Successfully" ||
        fail "gost-engine rejects the token signature ($2)"
    botan_verify pub.pem doc.bin "$(hexof sig.bin)" "the token signature ($2)"
    # dgst -sign: hash-and-sign (on the token when it offers the mechanism)
    G dgst -md_gost12_256 -sign "$1" "${PASS[@]}" -out dsig.bin doc.bin || fail "dgst -sign ($2)"
    E dgst -md_gost12_256 -verify pub.pem -signature dsig.bin doc.bin | grep -q "Verified OK" ||
        fail "gost-engine rejects dgst -sign ($2)"
    botan_verify pub.pem doc.bin "$(hexof dsig.bin)" "dgst -sign ($2)"
}
flow_pkeyutl() {
    token_ready
    sign_and_check "$URI" "pkcs11: URI, module path from openssl.cnf"
    # The PIN from the URI (pin-source) instead of the passphrase callback, and a 512-bit key.
    printf '%s\n' "$USER_PIN" > pin.txt
    E dgst -md_gost12_512 -binary -out d512.bin doc.bin
    env OPENSSL_CONF="$cnf" OPENSSL_MODULES="$prov_dir" openssl pkeyutl -sign \
        -inkey "$URI512?pin-source=file:$scratch/pin.txt" -in d512.bin -out s512.bin </dev/null ||
        fail "pkeyutl -sign with pin-source"
    G pkey -pubin -in "pkcs11:token=$TOKEN;object=sig512;type=public" -pubout -out p512.pem
    E pkeyutl -verify -pubin -inkey p512.pem -in d512.bin -sigfile s512.bin | grep -q "Verified Successfully" ||
        fail "gost-engine rejects the 512-bit token signature"
    # The PIN from the provider configuration (pkcs11-pin-file), no prompt and no URI PIN.
    write_cnf pinfile.cnf "pkcs11-module = $module" "pkcs11-pin-file = $scratch/pin.txt"
    env OPENSSL_CONF="$scratch/pinfile.cnf" OPENSSL_MODULES="$prov_dir" openssl pkeyutl -sign \
        -inkey "$URI" -in dgst.bin -out cfg.bin </dev/null || fail "pkeyutl -sign with pkcs11-pin-file"
    E pkeyutl -verify -pubin -inkey pub.pem -in dgst.bin -sigfile cfg.bin | grep -q "Verified Successfully" ||
        fail "gost-engine rejects the signature made with the configured PIN file"
    # The private key never leaves: no PKCS#8 for a token key.
    expect_error "does not leave its token" G pkey -in "$URI" "${PASS[@]}" -out leak.pem
    ok "pkeyutl/dgst -sign with token keys (256 B, 512 A; PIN by passphrase, pin-source, pkcs11-pin-file) verified by gost-engine and Botan"
}
flow_registered() {
    token_ready
    cnf="$scratch/registered.cnf"
    as_user
    sign_and_check "$URI" "every p11-kit registered module"
    # Modules without TC26 mechanisms are skipped and named when nothing matches.
    expect_error "no token with GOST R 34.10-2012 mechanisms matches" G pkeyutl -sign \
        -inkey "pkcs11:token=no-such-token;object=sig256" "${PASS[@]}" -in dgst.bin -out s.bin
    ok "default: every module registered with p11-kit (ours among p11-kit-trust, OpenSC, SoftHSM2)"
}
flow_proxy() {
    token_ready
    [ -e "$proxy" ] || skip "p11-kit-proxy.so not found"
    cnf="$scratch/proxy.cnf"
    as_user
    sign_and_check "$URI" "through p11-kit-proxy.so"
    ok "the same flows through p11-kit-proxy.so (our module reached as a foreign module)"
}
flow_keyfile() {
    token_ready
    "$tool" key-uri --token "$TOKEN" --label sig256 --id 01 -o key.pem >/dev/null || fail "gostcsp-tool key-uri"
    grep -q "BEGIN PKCS#11 PROVIDER URI" key.pem || fail "key file label"
    sign_and_check key.pem "key-URI file"
    # Programs that only read PEM files (PEM_read_bio_PrivateKey): the CMS API tool.
    G req -x509 -new -key key.pem "${PASS[@]}" -subj "/CN=key-URI file" -days 2 -out c.pem || fail "req with key file"
    E verify -CAfile c.pem c.pem | grep -q OK || fail "gost-engine rejects the certificate"
    ok "key-URI PEM file (gostcsp-tool key-uri) works wherever a key file is accepted"
}
flow_req() {
    token_ready
    G req -x509 -new -key "$URI" "${PASS[@]}" -subj "/CN=token CA" -days 30 \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem ||
        fail "req -x509 with the token key"
    E verify -CAfile ca.pem ca.pem | grep -q "ca.pem: OK" || { cat engine.err >&2; fail "gost-engine rejects the self-signed certificate"; }
    G x509 -in ca.pem -pubkey -noout > ca.pub
    cert_pieces ca.pem
    botan_verify ca.pub tbs.der "$(cat sig.hex)" "the certificate signature"
    token_pubkey tp.pem
    same ca.pub tp.pem "certificate key = token key"
    # The token key as CA: x509 -req -CAkey pkcs11:...
    E genpkey -algorithm gost2012_256 -pkeyopt paramset:A -out ee.key
    E req -new -key ee.key -subj "/CN=end entity" -md_gost12_256 -out ee.csr
    G x509 -req -in ee.csr -CA ca.pem -CAkey "$URI" "${PASS[@]}" -CAcreateserial -days 5 -out ee.pem ||
        fail "x509 -req -CAkey pkcs11:"
    E verify -CAfile ca.pem ee.pem | grep -q "ee.pem: OK" || { cat engine.err >&2; fail "gost-engine rejects the issued certificate"; }
    cert_pieces ee.pem
    botan_verify ca.pub tbs.der "$(cat sig.hex)" "the issued certificate's signature"
    ok "req -x509 and x509 -req -CAkey with the token key: gost-engine verifies the chain, Botan both signatures"
}
cms_with() {  # cms_with SIZE : sign DOC of SIZE bytes through the CMS API tool with the key file
    make_doc "$1" doc.bin
    local t0 t1
    t0=$(date +%s.%N)
    env OPENSSL_CONF="$cnf" OPENSSL_MODULES="$prov_dir" \
        "$GOSTCSP_CMS_SIGN" signer.pem key-pin.pem doc.bin det.der detached || fail "CMS API sign ($1 bytes)"
    t1=$(date +%s.%N)
    echo "     CMS sign of $1 bytes with the token key: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}') s"
    E cms -verify -binary -inform DER -in det.der -content doc.bin -CAfile signer.pem -out /dev/null ||
        { cat engine.err >&2; fail "gost-engine rejects the token-signed CMS ($1 bytes)"; }
}
cms_setup() {
    token_ready
    G req -x509 -new -key "$URI" "${PASS[@]}" -subj "/CN=token signer" -days 30 \
        -addext keyUsage=critical,digitalSignature,nonRepudiation,keyCertSign -out signer.pem
    # The API tool reads its key with PEM_read_bio_PrivateKey: a key-URI file with a pin-source.
    printf '%s\n' "$USER_PIN" > pin.txt
    "$tool" key-uri --token "$TOKEN" --label sig256 --pin-source "$scratch/pin.txt" -o key-pin.pem >/dev/null 2>&1
}
flow_cms() {
    cms_setup
    # openssl cms -sign first: OpenSSL 3.0 cannot fill SignerInfo.signatureAlgorithm for any
    # provider key other than RSA/EC/DSA (docs/openssl.md); we check it fails cleanly, and sign
    # through the CMS API (three-line fix-up) with the same token key instead.
    make_doc 1024 doc.bin
    local rc=0
    G cms -sign -binary -nodetach -in doc.bin -signer signer.pem -inkey "$URI" "${PASS[@]}" \
        -outform DER -out att.der 2> cms.err || rc=$?
    if [ $rc -eq 0 ]; then
        E cms -verify -binary -inform DER -in att.der -CAfile signer.pem -out att.out ||
            fail "gost-engine rejects openssl cms -sign output"
        same doc.bin att.out "attached content"
        echo "     openssl cms -sign -inkey pkcs11: works on this OpenSSL"
    else
        grep -q "illegal zero content" cms.err || { cat cms.err >&2; fail "openssl cms -sign: unexpected error"; }
        echo "     openssl cms -sign -inkey pkcs11: refused by OpenSSL $(openssl version | cut -d' ' -f2) (known 3.0 limit)"
    fi
    cms_with 1024
    cms_with 1048576
    ok "CMS signed with the token key (1 KB, 1 MB; key-URI file via PEM_read_PrivateKey) verified by gost-engine"
}
flow_cms_large() {
    cms_setup
    cms_with $((100 * 1024 * 1024))
    ok "100 MB CMS signed with the token key verified by gost-engine"
}
flow_ts() {
    token_ready
    G req -x509 -new -key "$URI" "${PASS[@]}" -subj "/CN=token TSA" -days 30 \
        -addext extendedKeyUsage=critical,timeStamping -out tsa.pem
    cat > tsa.cnf <<'EOF'
[tsa_config1]
serial = ./tsaserial
signer_digest = md_gost12_256
default_policy = 1.2.3.4.1
digests = md_gost12_256, sha256
accuracy = secs:1
ess_cert_id_alg = sha256
EOF
    echo 01 > tsaserial
    make_doc 1024 doc.bin
    G ts -query -data doc.bin -md_gost12_256 -cert -out q.tsq
    # ts -reply reads -inkey with BIO_new_file (no URIs): the key-URI file names the token key.
    printf '%s\n' "$USER_PIN" > pin.txt
    "$tool" key-uri --token "$TOKEN" --label sig256 --pin-source "$scratch/pin.txt" -o tsa-key.pem >/dev/null 2>&1
    local rc=0
    G ts -reply -config tsa.cnf -section tsa_config1 -queryfile q.tsq -signer tsa.pem -inkey tsa-key.pem \
        -out r.tsr 2> reply.err || rc=$?
    if [ $rc -ne 0 ] || grep -q "signing not supported for this key type" reply.err; then
        grep -q "signing not supported for this key type" reply.err || { cat reply.err >&2; fail "ts -reply: unexpected error"; }
        # The key was loaded from the token and offered to PKCS#7: the refusal is OpenSSL's.
        skip "OpenSSL $(openssl version | cut -d' ' -f2) PKCS#7 (ts -reply) signs only RSA/EC/DSA provider keys;" \
             "the token key loads (see reply.err) — docs/openssl.md"
    fi
    E ts -verify -queryfile q.tsq -in r.tsr -CAfile tsa.pem | grep -q "Verification: OK" ||
        fail "gost-engine rejects the token TSA's timestamp"
    ok "ts -reply with a token TSA key verified by gost-engine"
}
# With the legacy bridge ENGINE "gostcsp" (engine/, loads keys through OSSL_STORE and so through
# this provider's pkcs11: loader), openssl cms -sign and ts -reply work with the token key too.
engine_or_skip() {
    eng_dir="${GOSTCSP_ENGINE_DIR:-}"
    [ -n "$eng_dir" ] && [ -e "$eng_dir/gostcsp.so" ] || skip "the gostcsp bridge engine is not built"
    GE() { env OPENSSL_CONF="$cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" "${AS[@]}" openssl "$@"; }
}
flow_cms_engine() {
    engine_or_skip
    cms_setup
    for size in 1024 1048576; do
        make_doc "$size" doc.bin
        GE cms -sign -engine gostcsp -keyform engine -binary -in doc.bin -signer signer.pem -inkey "$URI" \
            "${PASS[@]}" -outform DER -out det.der || fail "openssl cms -sign -inkey pkcs11: ($size bytes)"
        E cms -verify -binary -inform DER -in det.der -content doc.bin -CAfile signer.pem -out /dev/null ||
            { cat engine.err >&2; fail "gost-engine rejects openssl cms -sign with the token key ($size)"; }
    done
    ok "openssl cms -sign -engine gostcsp -keyform engine -inkey pkcs11:… (1 KB, 1 MB) verified by gost-engine"
}
flow_ts_engine() {
    engine_or_skip
    token_ready
    G req -x509 -new -key "$URI" "${PASS[@]}" -subj "/CN=token TSA" -days 30 \
        -addext extendedKeyUsage=critical,timeStamping -out tsa.pem
    printf '[tsa_config1]\nserial = ./tsaserial\nsigner_digest = md_gost12_256\ndefault_policy = 1.2.3.4.1\ndigests = md_gost12_256\ness_cert_id_alg = sha256\n' > tsa.cnf
    echo 01 > tsaserial
    make_doc 1024 doc.bin
    G ts -query -data doc.bin -md_gost12_256 -cert -out q.tsq
    # ts -reply reads -inkey as a file: the engine's key-reference PEM (PKCS#8 wrapper with the
    # engine's OID, see tests/engine) carrying our pkcs11: URI with a pin-source.
    printf '%s\n' "$USER_PIN" > pin.txt
    printf 'asn1 = SEQUENCE:p8\n[p8]\nversion = INTEGER:0\nalg = SEQUENCE:alg\nkey = FORMAT:ASCII,OCTETSTRING:%s\n[alg]\noid = OID:2.25.204242435340915082712179152027141201539\n' \
        "$URI?pin-source=file:$scratch/pin.txt" > keyref.cnf
    openssl asn1parse -genconf keyref.cnf -noout -out keyref.der >/dev/null
    { echo "-----BEGIN PRIVATE KEY-----"; base64 -w 64 keyref.der; echo "-----END PRIVATE KEY-----"; } > ref.pem
    GE ts -reply -engine gostcsp -config tsa.cnf -section tsa_config1 -queryfile q.tsq -signer tsa.pem \
        -inkey ref.pem -out r.tsr 2> reply.err || { cat reply.err >&2; fail "ts -reply with the token key"; }
    G ts -reply -in r.tsr -text 2>/dev/null | grep -q "Status: Granted" || fail "ts -reply did not grant"
    printf 'openssl_conf = d\n[d]\nengines = e\n[e]\ngost = g\n[g]\nengine_id = gost\ndefault_algorithms = ALL\n' > gost.cnf
    env -u OPENSSL_MODULES OPENSSL_CONF="$scratch/gost.cnf" openssl ts -verify -queryfile q.tsq -in r.tsr \
        -CAfile tsa.pem 2>&1 | grep -q "Verification: OK" || fail "gost-engine rejects the token TSA's timestamp"
    ok "ts -reply with a token TSA key (bridge engine) verified by gost-engine"
}
# The EVP API test (threads, fork child, re-login) with the module reached through p11-kit's
# registry (p11-kit's managed module wrapper) instead of a configured path.
flow_api_registered() {
    [ -x "${GOSTCSP_TOKEN_API:-}" ] || skip "test_token_api not built"
    as_user
    env HOME="$HOME" TMPDIR="$scratch" GOSTCSP_TEST_REGISTERED=1 "${AS[@]}" "$GOSTCSP_TOKEN_API" > api.log 2>&1 ||
        { tail -n 30 api.log >&2; fail "EVP API test through p11-kit's registry"; }
    ok "EVP API (2 threads, fork child, re-login) through p11-kit's managed module"
}
flow_derive() {
    token_ready
    token_pubkey tp.pem
    E genpkey -algorithm gost2012_256 -pkeyopt paramset:TCB -out peer.key  # same OID as the token key
    E pkey -in peer.key -pubout -out peer.pub
    for ukm in 0102030405060708 a1b2c3d4e5f60718; do
        G pkeyutl -derive -inkey "$URI" "${PASS[@]}" -peerkey peer.pub -pkeyopt "ukmhex:$ukm" -out t.bin ||
            fail "pkeyutl -derive with the token key"
        E pkeyutl -derive -inkey peer.key -peerkey tp.pem -pkeyopt "ukmhex:$ukm" -out e.bin ||
            { cat engine.err >&2; fail "gost-engine derive"; }
        same t.bin e.bin "VKO (token side vs gost-engine side), UKM $ukm"
    done
    ok "pkeyutl -derive (VKO on the token, C_DeriveKey) agrees with gost-engine"
}
flow_policy() {
    token_init
    # The user PIN is still the factory one (flagged to be changed): refused with advice.
    "$tool" keygen --token "$TOKEN" --pin-env FACTORY_PIN --label k --id 09 >/dev/null 2>&1 || true
    make_doc 32 d.bin
    expect_error "must be changed" G pkeyutl -sign -inkey "$URI" -passin env:FACTORY_PIN -in d.bin -out s.bin
    "$tool" change-pin --token "$TOKEN" --pin-env FACTORY_PIN --new-pin-env USER_PIN >/dev/null 2>&1
    "$tool" keygen --token "$TOKEN" --pin-env USER_PIN --bits 256 --param-set tc26-256-B --label sig256 --id 01 >/dev/null 2>&1
    # Key not found.
    expect_error "no GOST private key matches" G pkeyutl -sign -inkey "pkcs11:token=$TOKEN;object=nope;type=private" \
        "${PASS[@]}" -in d.bin -out s.bin
    expect_error "no token with GOST R 34.10-2012 mechanisms matches" G pkeyutl -sign \
        -inkey "pkcs11:token=no-such-token;object=sig256" "${PASS[@]}" -in d.bin -out s.bin
    # Wrong PIN: the tries left, then locked with the advice to ask the SO.
    expect_error "wrong user PIN" G pkeyutl -sign -inkey "$URI" -passin env:WRONG_PIN -in d.bin -out s.bin
    expect_error "one try left" G pkeyutl -sign -inkey "$URI" -passin env:WRONG_PIN -in d.bin -out s.bin
    expect_error "locked" G pkeyutl -sign -inkey "$URI" -passin env:WRONG_PIN -in d.bin -out s.bin
    expect_error "ask the token's administrator" G pkeyutl -sign -inkey "$URI" "${PASS[@]}" -in d.bin -out s.bin
    # The SO unblocks; the new PIN must be changed again before use.
    "$tool" unblock --token "$TOKEN" --so-pin-env SO_PIN --new-pin-env FACTORY_PIN >/dev/null 2>&1
    expect_error "must be changed" G pkeyutl -sign -inkey "$URI" -passin env:FACTORY_PIN -in d.bin -out s.bin
    # A module without TC26 mechanisms is skipped with a note, not a crash (p11-kit-trust is one).
    ok "token policies as readable OpenSSL errors: default PIN, wrong PIN with tries, locked, key not found"
}

case "$flow" in
    pkeyutl | registered | proxy | keyfile | req | cms | cms_large | ts | cms_engine | ts_engine | derive | \
        policy | api_registered)
        "flow_$flow" ;;
    *) echo "unknown flow $flow" >&2; exit 2 ;;
esac
