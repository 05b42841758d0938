#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The gostcsp ENGINE bridge driven with the unmodified `openssl` binary on OpenSSL 3.0: cms -sign
# (attached/detached, 256/512) and ts -reply with provider keys (file keys and soft-token keys named
# by pkcs11: URIs), checked by gost-engine (ENGINE "gost", a separate process without gostcsp) and
# Botan 2; never against earlier outputs of ours.
#   engine_cli_test.sh <flow>      (flows: see the case statement at the bottom)
# Exit 0 = pass, 77 = skipped (explained on stderr).
set -euo pipefail

flow="${1:?flow name}"
prov_dir="${GOSTCSP_PROVIDER_DIR:?}"
eng_dir="${GOSTCSP_ENGINE_DIR:?}"
scratch="${GOSTCSP_SCRATCH:-$PWD/scratch}/$flow"
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"

# --- harness -------------------------------------------------------------------------------
write_cnf() {  # write_cnf FILE [extra lines for the gostcsp provider section]; WITH_ENGINE=1 adds the engine
    local f="$1"; shift
    {
        printf 'openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n'
        [ "${WITH_ENGINE:-0}" = 1 ] && printf 'engines = engine_sect\n'
        printf '[provider_sect]\ndefault = default_sect\ngostcsp = gostcsp_sect\n'
        printf '[default_sect]\nactivate = 1\n'
        if [ "${WITH_ENGINE:-0}" = 1 ]; then
            printf '[engine_sect]\ngostcsp = gostcsp_engine_sect\n[gostcsp_engine_sect]\nengine_id = gostcsp\n'
            printf 'dynamic_path = %s\ndefault_algorithms = PKEY_ASN1\ninit = 1\n' "$eng_dir/gostcsp.so"
        fi
        printf '[gostcsp_sect]\nactivate = 1\n'
        for line in "$@"; do printf '%s\n' "$line"; done
    } > "$f"
}
write_cnf gostcsp.cnf
cnf="$scratch/gostcsp.cnf"
# gost-engine's configuration for commands that have no -engine option (ts -verify).
cat > gost.cnf <<'EOF'
openssl_conf = openssl_def
[openssl_def]
engines = engine_section
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
default_algorithms = ALL
EOF
# G: openssl with the gostcsp provider and our engine directory. E / EC: gost-engine only.
G() { env OPENSSL_CONF="$cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" openssl "$@"; }
E() { local cmd="$1"; shift; env -u OPENSSL_MODULES -u OPENSSL_ENGINES OPENSSL_CONF=/dev/null openssl "$cmd" -engine gost "$@" 2>engine.err; }
EC() { env -u OPENSSL_MODULES -u OPENSSL_ENGINES OPENSSL_CONF="$scratch/gost.cnf" openssl "$@" 2>engine.err; }
GE=(-engine gostcsp -keyform engine)
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_common.sh"

# A gostcsp key reference: PKCS#8 with the reference OID, privateKey = the URI or path.
KEYREF_OID=2.25.204242435340915082712179152027141201539
make_keyref() {  # make_keyref URI OUT.pem
    printf 'asn1 = SEQUENCE:p8\n[p8]\nversion = INTEGER:0\nalg = SEQUENCE:alg\nkey = FORMAT:ASCII,OCTETSTRING:%s\n[alg]\noid = OID:%s\n' \
        "$1" "$KEYREF_OID" > keyref.cnf
    openssl asn1parse -genconf keyref.cnf -noout -out keyref.der >/dev/null
    { echo "-----BEGIN PRIVATE KEY-----"; base64 -w 64 keyref.der; echo "-----END PRIVATE KEY-----"; } > "$2"
}

# Certificates from our provider: a CA (256 TCA) and two signers (256 B = CryptoPro-A where Botan
# 2.19 verifies correctly, 512 A), each usable for e-mail signing and as a TSA.
make_pki() {
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out ca.key
    G req -x509 -new -key ca.key -subj "/CN=engine test CA" -days 30 \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out ca.pem
    printf "keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n" > ee.ext
    printf "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n" > tsa.ext
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCB -out s256.key
    G genpkey -algorithm gost2012_512 -pkeyopt paramset:A -out s512.key
    for s in s256 s512; do
        G req -new -key $s.key -subj "/CN=engine test $s" -out $s.csr
        G x509 -req -in $s.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 5 -extfile ee.ext -out $s.pem 2>/dev/null
        G x509 -req -in $s.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 5 -extfile tsa.ext -out $s-tsa.pem 2>/dev/null
    done
}

cms_signer_pieces() {  # CMS DER -> sattrs.der (signedAttrs re-tagged as SET), cmssig.hex, sigalg.txt
    "$PY" "$support_dir/der_pieces.py" cms "$1"
}
spki_pieces() {  # SPKI PEM -> pub.hex (X||Y LE), oid.txt (parameter-set OID)
    "$PY" "$support_dir/der_pieces.py" spki "$1"
}

# Signs doc.bin attached and detached with KEY (anything the engine loads) and checks the result
# with gost-engine (content, signature) and Botan (SignerInfo signature over the signed attributes).
cms_check() {  # cms_check KEY CERT SIGALG_OID [botan]
    local key="$1" cert="$2" sigalg="$3" botan="${4:-}"
    G cms -sign "${GE[@]}" -inkey "$key" "${PASS[@]}" -signer "$cert" -binary -nodetach -in doc.bin \
        -outform DER -out att.der 2> sign.err || { cat sign.err >&2; fail "cms -sign attached ($cert)"; }
    G cms -sign "${GE[@]}" -inkey "$key" "${PASS[@]}" -signer "$cert" -binary -in doc.bin \
        -outform PEM -out det.pem 2> sign.err || { cat sign.err >&2; fail "cms -sign detached ($cert)"; }
    E cms -verify -binary -inform DER -in att.der -CAfile ca.pem -out att.out ||
        { cat engine.err >&2; fail "gost-engine rejects the attached CMS ($cert)"; }
    same doc.bin att.out "attached content"
    E cms -verify -binary -inform PEM -in det.pem -content doc.bin -CAfile ca.pem -out /dev/null ||
        { cat engine.err >&2; fail "gost-engine rejects the detached CMS ($cert)"; }
    cms_signer_pieces att.der
    [ "$(cat sigalg.txt)" = "$sigalg" ] || fail "signatureAlgorithm $(cat sigalg.txt), expected $sigalg"
    if [ -n "$botan" ]; then
        G x509 -in "$cert" -pubkey -noout > signer.pub
        spki_pieces signer.pub
        "$GOSTCSP_BOTAN_CHECK" verify "$(cat oid.txt)" "$(cat pub.hex)" sattrs.der "$(cat cmssig.hex)" >/dev/null ||
            fail "Botan rejects the CMS signature ($cert)"
    fi
    # A changed document must not verify (gost-engine).
    cp doc.bin bad.bin && printf 'x' >> bad.bin
    ! E cms -verify -binary -inform PEM -in det.pem -content bad.bin -CAfile ca.pem -out /dev/null ||
        fail "gost-engine accepted a changed document"
}

ts_check() {  # ts_check KEYREF.pem TSA_CERT DIGEST
    cat > tsa.cnf <<EOF
[tsa_config1]
serial = ./tsaserial
signer_digest = $3
default_policy = 1.2.3.4.1
digests = md_gost12_256, md_gost12_512, sha256
accuracy = secs:1
ess_cert_id_alg = sha256
EOF
    echo 01 > tsaserial
    G ts -query -data doc.bin -md_gost12_256 -cert -out q.tsq
    local eng=(-engine gostcsp); [ "${TS_NO_ENGINE:-0}" = 1 ] && eng=()
    G ts -reply "${eng[@]}" -config tsa.cnf -section tsa_config1 -queryfile q.tsq -signer "$2" \
        -inkey "$1" -out r.tsr 2> reply.err || { cat reply.err >&2; fail "ts -reply ($2)"; }
    G ts -reply -in r.tsr -text 2>/dev/null | grep -q "Status: Granted" || fail "ts -reply did not grant ($2)"
    EC ts -verify -queryfile q.tsq -in r.tsr -CAfile ca.pem -untrusted "$2" | grep -q "Verification: OK" ||
        { cat engine.err >&2; fail "gost-engine rejects our timestamp ($2)"; }
    EC ts -verify -data doc.bin -in r.tsr -CAfile ca.pem -untrusted "$2" | grep -q "Verification: OK" ||
        fail "gost-engine ts -verify -data ($2)"
    make_doc 100 other.bin
    ! EC ts -verify -data other.bin -in r.tsr -CAfile ca.pem -untrusted "$2" 2>/dev/null | grep -q "Verification: OK" ||
        fail "a timestamp verified for other data"
}

# --- flows ---------------------------------------------------------------------------------
PASS=()

flow_exports() {
    local so="$eng_dir/gostcsp.so"
    [ -f "$so" ] || fail "$so missing"
    local syms
    syms="$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')"
    [ "$syms" = "bind_engine v_check " ] || fail "exports: $syms"
    G engine -t gostcsp | grep -q "available" || fail "openssl engine -t gostcsp"
    ok "exports only bind_engine and v_check; openssl engine -t loads it"
}

flow_cms_file() {
    make_pki
    for size in 1024 1048576; do
        make_doc $size doc.bin
        cms_check "$scratch/s256.key" s256.pem 1.2.643.7.1.1.3.2 botan
        cms_check "$scratch/s512.key" s512.pem 1.2.643.7.1.1.3.3 botan
    done
    # A file: URI names the same key.
    cms_check "file:$scratch/s256.key" s256.pem 1.2.643.7.1.1.3.2
    # Our own provider verifies what the bridge signed (certificate keys stay provider keys).
    G cms -verify -engine gostcsp -binary -inform DER -in att.der -CAfile ca.pem -out /dev/null 2>v.err ||
        { cat v.err >&2; fail "cms -verify with the engine loaded"; }
    ok "openssl cms -sign -engine gostcsp -keyform engine (file keys, 256/512, attached/detached, 1 KB/1 MB): gost-engine and Botan verify"
}

flow_ts_file() {
    make_pki
    make_doc 4096 doc.bin
    make_keyref "$scratch/s256.key" ref256.pem
    make_keyref "file:$scratch/s512.key" ref512.pem
    ts_check ref256.pem s256-tsa.pem md_gost12_256
    ts_check ref512.pem s512-tsa.pem md_gost12_512
    ok "openssl ts -reply -engine gostcsp with key-reference files (256/512): gost-engine verifies"
}

flow_config() {
    # The engine from openssl.cnf (no -engine on the command line): the key type needs the ASN.1
    # methods registered (default_algorithms = PKEY_ASN1), e.g. for ts -reply with a reference.
    make_pki
    make_doc 2048 doc.bin
    cat > withengine.cnf <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
engines = engine_sect
[provider_sect]
default = default_sect
gostcsp = gostcsp_sect
[default_sect]
activate = 1
[gostcsp_sect]
activate = 1
[engine_sect]
gostcsp = gostcsp_engine_sect
[gostcsp_engine_sect]
engine_id = gostcsp
dynamic_path = $eng_dir/gostcsp.so
default_algorithms = PKEY_ASN1
init = 1
EOF
    cnf="$scratch/withengine.cnf"
    G engine 2>/dev/null | grep -q "(gostcsp)" || fail "engine not loaded from openssl.cnf"
    make_keyref "$scratch/s256.key" ref.pem
    cat > tsa.cnf <<'EOF'
[tsa_config1]
serial = ./tsaserial
signer_digest = md_gost12_256
default_policy = 1.2.3.4.1
digests = md_gost12_256
ess_cert_id_alg = sha256
EOF
    echo 01 > tsaserial
    G ts -query -data doc.bin -md_gost12_256 -cert -out q.tsq
    G ts -reply -config tsa.cnf -section tsa_config1 -queryfile q.tsq -signer s256-tsa.pem -inkey ref.pem \
        -out r.tsr 2> reply.err || { cat reply.err >&2; fail "ts -reply with the engine from openssl.cnf"; }
    EC ts -verify -queryfile q.tsq -in r.tsr -CAfile ca.pem -untrusted s256-tsa.pem | grep -q "Verification: OK" ||
        fail "gost-engine rejects the timestamp"
    # Provider keys are untouched by the loaded engine: plain signing and verification still work.
    G dgst -md_gost12_512 -sign s512.key -out d.sig doc.bin || fail "provider signing with the engine loaded"
    G x509 -in s512.pem -pubkey -noout > s512.pub
    E dgst -md_gost12_512 -verify s512.pub -signature d.sig doc.bin >/dev/null || fail "gost-engine rejects dgst -sign"
    G verify -CAfile ca.pem s512.pem | grep -q OK || fail "openssl verify with the engine loaded"
    ok "engine loaded from openssl.cnf (default_algorithms = PKEY_ASN1): ts -reply with a key reference; provider keys unaffected"
}

flow_misc() {
    make_pki
    # VKO through the shell; gost-engine derives the same KEK from the other side.
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:A -out alice.key
    E genpkey -algorithm gost2012_256 -pkeyopt paramset:A -out bob.key
    G pkey -in alice.key -pubout -out alice.pub
    E pkey -in bob.key -pubout -out bob.pub
    G pkeyutl -derive "${GE[@]}" -inkey "$scratch/alice.key" -peerkey bob.pub -pkeyopt ukmhex:0102030405060708 \
        -out k1.bin 2>d.err || { cat d.err >&2; fail "pkeyutl -derive through the engine"; }
    E pkeyutl -derive -inkey bob.key -peerkey alice.pub -pkeyopt ukmhex:0102030405060708 -out k2.bin
    same k1.bin k2.bin "VKO KEK (engine shell vs gost-engine)"
    # Public key of the shell (pub_encode) = the certificate's key.
    G pkey -engine gostcsp -inform engine -in "$scratch/s512.key" -pubout -out shell.pub
    G x509 -in s512.pem -pubkey -noout > cert.pub
    same shell.pub cert.pub "public key through the shell"
    # A request signed through the shell; gost-engine checks its self-signature.
    G req -new -engine gostcsp -keyform engine -key "$scratch/s256.key" -subj "/CN=via engine" -out r.csr 2>/dev/null ||
        fail "req -keyform engine"
    E req -in r.csr -verify -noout && grep -q "verify OK" engine.err || fail "gost-engine rejects the request"
    ok "pkeyutl -derive (matches gost-engine), pkey -pubout (matches the certificate), req -keyform engine (gost-engine verifies)"
}

# --- token keys (the soft token through the provider's pkcs11: STORE loader) ----------------
token_env() {
    module="${GOSTCSP_P11_MODULE:-}"; tool="${GOSTCSP_TOOL:-}"
    [ -n "$module" ] && [ -f "$module" ] && [ -n "$tool" ] && [ -x "$tool" ] || skip "PKCS#11 module or gostcsp-tool not built"
    export GOSTCSP_TOKEN_DIR="$scratch/tokens" GOSTCSP_CONF="$scratch/gostcsp.conf"
    printf 'test_token = true\nkdf_iterations = 64\nuser_max_retries = 5\nso_max_retries = 3\nallow_factory_pins = true\n' > "$GOSTCSP_CONF"
    write_cnf direct.cnf "pkcs11-module = $module"
    cnf="$scratch/direct.cnf"
    export SO_PIN=12345678 FACTORY_PIN=87654321 USER_PIN='Teal-Otter-5531' WRONG_PIN='not-the-pin-1'
    TOKEN=tok-engine
    "$tool" init-token --label "$TOKEN" --so-pin-env SO_PIN >/dev/null 2>&1 || fail "init-token"
    "$tool" unblock --token "$TOKEN" --so-pin-env SO_PIN --new-pin-env FACTORY_PIN >/dev/null 2>&1 || fail "unblock"
    "$tool" change-pin --token "$TOKEN" --pin-env FACTORY_PIN --new-pin-env USER_PIN >/dev/null 2>&1 || fail "change-pin"
    "$tool" keygen --token "$TOKEN" --pin-env USER_PIN --bits 256 --param-set tc26-256-B --label sig256 --id 01 >/dev/null 2>&1 || fail "keygen 256"
    "$tool" keygen --token "$TOKEN" --pin-env USER_PIN --bits 512 --param-set A --label sig512 --id 02 >/dev/null 2>&1 || fail "keygen 512"
    URI="pkcs11:token=$TOKEN;object=sig256;type=private"
    URI512="pkcs11:token=$TOKEN;object=sig512;type=private"
    printf '%s\n' "$USER_PIN" > pin.txt
}

token_pki() {  # CA from a file key; token signers certified by it
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out ca.key
    G req -x509 -new -key ca.key -subj "/CN=engine token CA" -days 30 \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out ca.pem
    printf "keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection,timeStamping\n" > ee.ext
    local u
    for u in 256 512; do
        local uri="$URI"; [ $u = 512 ] && uri="$URI512"
        G req -new -key "$uri" -passin env:USER_PIN -subj "/CN=token signer $u" -out t$u.csr 2>req.err ||
            { cat req.err >&2; fail "req with the token key $u"; }
        printf "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n" > tsa.ext
        G x509 -req -in t$u.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 5 -extfile ee.ext -out t$u.pem 2>/dev/null
        G x509 -req -in t$u.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 5 -extfile tsa.ext -out t$u-tsa.pem 2>/dev/null
    done
}

flow_token() {
    token_env
    token_pki
    make_doc 65536 doc.bin
    PASS=(-passin env:USER_PIN)   # the PIN reaches the token through the app's UI method
    cms_check "$URI" t256.pem 1.2.643.7.1.1.3.2 botan
    cms_check "$URI512" t512.pem 1.2.643.7.1.1.3.3 botan
    PASS=()
    make_keyref "$URI?pin-source=$(uri_path "$scratch/pin.txt")" tref256.pem
    make_keyref "$URI512?pin-source=$(uri_path "$scratch/pin.txt")" tref512.pem
    ts_check tref256.pem t256-tsa.pem md_gost12_256
    ts_check tref512.pem t512-tsa.pem md_gost12_512
    ok "token keys (pkcs11: URIs): cms -sign -keyform engine (256/512, attached/detached) and ts -reply: gost-engine and Botan verify"
}

flow_token_config() {
    # The documented openssl.cnf (provider + engine, init = 1): pkcs11: URIs become legacy shells
    # through the engine's store loader, so cms/smime -sign and ts -reply need no -engine/-keyform.
    token_env
    WITH_ENGINE=1 write_cnf engine.cnf "pkcs11-module = $module"
    cnf="$scratch/engine.cnf"
    token_pki
    make_doc 4096 doc.bin
    GE=() PASS=(-passin env:USER_PIN)
    cms_check "$URI" t256.pem 1.2.643.7.1.1.3.2 botan
    cms_check "$URI512" t512.pem 1.2.643.7.1.1.3.3
    # S/MIME output (streamed: OpenSSL 3.0 ignores a failed signature there, so check the result).
    printf 'Content-Type: text/plain\r\n\r\nsigned mail body\r\n' > mail.txt
    G cms -sign -inkey "$URI" "${PASS[@]}" -signer t256.pem -in mail.txt -out cms.msg 2> sign.err ||
        { cat sign.err >&2; fail "cms -sign to S/MIME with a pkcs11: URI"; }
    E cms -verify -in cms.msg -CAfile ca.pem -out cms.out || { cat engine.err >&2; fail "gost-engine rejects cms S/MIME"; }
    G smime -sign -inkey "$URI512" "${PASS[@]}" -signer t512.pem -in mail.txt -out smime.msg 2> sign.err ||
        { cat sign.err >&2; fail "smime -sign with a pkcs11: URI"; }
    E smime -verify -in smime.msg -CAfile ca.pem -out smime.out || { cat engine.err >&2; fail "gost-engine rejects smime -sign"; }
    # Other commands keep working with the shell: dgst -sign (gost-engine verifies), pkey -pubout.
    G dgst -md_gost12_256 -sign "$URI" "${PASS[@]}" -out d.sig doc.bin 2> sign.err || { cat sign.err >&2; fail "dgst -sign"; }
    G x509 -in t256.pem -pubkey -noout > t256.pub
    E dgst -md_gost12_256 -verify t256.pub -signature d.sig doc.bin >/dev/null || fail "gost-engine rejects dgst -sign"
    G pkey -in "$URI" "${PASS[@]}" -pubout -out shell.pub 2>/dev/null || fail "pkey -pubout"
    same shell.pub t256.pub "public key of the shell"
    # A key-URI file (gostcsp-tool key-uri) in the same configuration: the file: store hands the
    # engine a key reference, so cms -sign gets a shell too.
    "$tool" key-uri --token "$TOKEN" --label sig256 --id 01 -o keyuri.pem >/dev/null 2>&1 || fail "gostcsp-tool key-uri"
    G cms -sign -inkey keyuri.pem "${PASS[@]}" -signer t256.pem -in mail.txt -out kf.msg 2> sign.err ||
        { cat sign.err >&2; fail "cms -sign with a key-URI file"; }
    E cms -verify -in kf.msg -CAfile ca.pem -out /dev/null || { cat engine.err >&2; fail "gostcsp-engine rejects cms (key-URI file)"; }
    G smime -sign -inkey keyuri.pem "${PASS[@]}" -signer t256.pem -in mail.txt -out kf2.msg 2> sign.err ||
        { cat sign.err >&2; fail "smime -sign with a key-URI file"; }
    E smime -verify -in kf2.msg -CAfile ca.pem -out /dev/null || { cat engine.err >&2; fail "gost-engine rejects smime (key-URI file)"; }
    # ts -reply from the same configuration, -inkey a key reference (no -engine): one made by hand
    # and one from gostcsp-tool key-uri --format reference.
    PASS=()
    make_keyref "$URI?pin-source=$(uri_path "$scratch/pin.txt")" tref256.pem
    TS_NO_ENGINE=1 ts_check tref256.pem t256-tsa.pem md_gost12_256
    "$tool" key-uri --token "$TOKEN" --label sig512 --pin-source "$scratch/pin.txt" --format reference -o tref512.pem >/dev/null 2>&1 ||
        fail "gostcsp-tool key-uri --format reference"
    grep -q "BEGIN PRIVATE KEY" tref512.pem || fail "key-uri --format reference writes a PKCS#8 block"
    TS_NO_ENGINE=1 ts_check tref512.pem t512-tsa.pem md_gost12_512
    # The same reference file without the engine (the provider alone decodes it to the token key).
    cnf="$scratch/direct.cnf"
    G dgst -md_gost12_512 -sign tref512.pem -out r.sig doc.bin 2> sign.err || { cat sign.err >&2; fail "dgst -sign with a key reference, provider only"; }
    G x509 -in t512.pem -pubkey -noout > t512.pub
    E dgst -md_gost12_512 -verify t512.pub -signature r.sig doc.bin >/dev/null || fail "gost-engine rejects dgst -sign (reference, provider only)"
    cnf="$scratch/engine.cnf"
    # A wrong PIN is an error, not a silent success.
    expect_error "PIN" G cms -sign -inkey "$URI" -passin env:WRONG_PIN -signer t256.pem -in mail.txt -out bad.msg
    ok "openssl.cnf with the engine: cms -sign (DER/PEM/S/MIME), smime -sign, dgst, pkey, ts -reply with pkcs11: URIs and no -engine; gost-engine and Botan verify"
}

flow_bad_input() {
    make_pki
    make_doc 100 doc.bin
    expect_error "cannot load key" G cms -sign "${GE[@]}" -inkey "$scratch/missing.key" -signer s256.pem -in doc.bin -out x
    expect_error "Could not open" G cms -sign "${GE[@]}" -inkey "" -signer s256.pem -in doc.bin -out x
    G genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
    expect_error "not a GOST R 34.10-2012 key" G cms -sign "${GE[@]}" -inkey "$scratch/ec.key" -signer s256.pem -in doc.bin -out x
    # Key and certificate of different keys / sizes.
    expect_error "private key does not match certificate" G cms -sign "${GE[@]}" -inkey "$scratch/s512.key" -signer s256.pem -in doc.bin -out x
    # An encrypted key with a wrong passphrase.
    G pkey -in s256.key -aes-256-cbc -passout pass:right -out enc.key
    expect_error "cannot load key" G cms -sign "${GE[@]}" -inkey "$scratch/enc.key" -passin pass:wrong -signer s256.pem -in doc.bin -out x
    G cms -sign "${GE[@]}" -inkey "$scratch/enc.key" -passin pass:right -signer s256.pem -binary -nodetach -in doc.bin -outform DER -out enc.der ||
        fail "encrypted key with the right passphrase"
    E cms -verify -binary -inform DER -in enc.der -CAfile ca.pem -out /dev/null || fail "gost-engine rejects (encrypted key)"
    # Broken key references.
    make_keyref "$scratch/missing.key" bad-ref.pem
    printf '[tsa_config1]\nserial = ./tsaserial\nsigner_digest = md_gost12_256\ndefault_policy = 1.2.3.4.1\ndigests = md_gost12_256\n' > tsa.cnf
    echo 01 > tsaserial
    G ts -query -data doc.bin -md_gost12_256 -cert -out q.tsq
    expect_error "cannot load key" G ts -reply -engine gostcsp -config tsa.cnf -section tsa_config1 -queryfile q.tsq \
        -signer s256-tsa.pem -inkey bad-ref.pem -out r.tsr
    # The token: wrong PIN, then a missing object.
    if [ -n "${GOSTCSP_P11_MODULE:-}" ] && [ -f "${GOSTCSP_P11_MODULE:-}" ]; then
        token_env
        expect_error "cannot load key" G cms -sign "${GE[@]}" -inkey "$URI" -passin env:WRONG_PIN -signer s256.pem -in doc.bin -out x
        expect_error "cannot load key" G cms -sign "${GE[@]}" -inkey "pkcs11:token=$TOKEN;object=nothing;type=private" \
            -passin env:USER_PIN -signer s256.pem -in doc.bin -out x
    fi
    ok "missing key, empty id, EC key, mismatched certificate, wrong passphrase/PIN, missing object, bad reference: clean errors"
}

case "$flow" in
    exports | cms_file | ts_file | config | misc | token | token_config | bad_input) "flow_$flow" ;;
    *) fail "unknown flow" ;;
esac
